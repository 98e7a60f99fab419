// Aspect-ratio arithmetic. Ratios are compared in log space, so 2:1 and 1:2 are equally far from 1:1.

/** A ratio of two positive integers, width first. */
export interface Ratio {
  w: number;
  h: number;
}

/** Ratio terms above this are not "small integers" a person would type or read. */
export const MAX_RATIO_TERM = 32;

export function formatRatio(ratio: Ratio): string {
  return `${ratio.w}:${ratio.h}`;
}

export function ratioValue(ratio: Ratio): number {
  return ratio.w / ratio.h;
}

/** How far apart two ratios are: |ln a − ln b|. */
export function ratioDistance(a: number, b: number): number {
  return Math.abs(Math.log(a) - Math.log(b));
}

/** How elongated a shape is, regardless of orientation: 16:9 and 9:16 are both 1.78. */
export function elongation(value: number): number {
  return value >= 1 ? value : 1 / value;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * `w:h` in the smallest terms that say it: reduced exactly when that leaves both terms at most
 * MAX_RATIO_TERM (1920x1080 → 16:9, 1000x1000 → 1:1), else the nearest ratio with terms that small
 * (1366x768 → 16:9, 2.39:1 → 31:13).
 */
export function simplestRatio(w: number, h: number): Ratio {
  if (Number.isInteger(w) && Number.isInteger(h) && w > 0 && h > 0) {
    const divisor = gcd(w, h);
    if (w / divisor <= MAX_RATIO_TERM && h / divisor <= MAX_RATIO_TERM) return { w: w / divisor, h: h / divisor };
  }
  const value = w / h;
  let best: Ratio = { w: 1, h: 1 };
  let bestDistance = Infinity;
  for (let denominator = 1; denominator <= MAX_RATIO_TERM; denominator++) {
    const numerator = Math.min(MAX_RATIO_TERM, Math.max(1, Math.round(value * denominator)));
    const distance = ratioDistance(numerator / denominator, value);
    // Strictly smaller only, so the smallest terms win a tie (2:1 is found before 4:2).
    if (distance < bestDistance - 1e-12) {
      best = { w: numerator, h: denominator };
      bestDistance = distance;
    }
  }
  const divisor = gcd(best.w, best.h);
  return { w: best.w / divisor, h: best.h / divisor };
}

/** The candidate nearest to `value` in log space; the first listed wins a tie. */
export function nearestRatio<T extends Ratio>(value: number, candidates: readonly T[]): T {
  let best = candidates[0];
  if (!best) throw new Error('nearestRatio needs at least one candidate');
  for (const candidate of candidates) {
    if (ratioDistance(ratioValue(candidate), value) < ratioDistance(ratioValue(best), value) - 1e-12) best = candidate;
  }
  return best;
}

/** Round half down to a multiple of `step`: 1000 → 992 at step 16, never above what was asked on a tie. */
export function roundToStep(value: number, step: number): number {
  return Math.ceil(value / step - 0.5) * step;
}

/** Width and height of a `value`-shaped image of about `area` pixels, each side a multiple of `step`. */
export function dimensionsForRatio(value: number, area: number, step: number): { width: number; height: number } {
  return {
    width: Math.max(step, roundToStep(Math.sqrt(area * value), step)),
    height: Math.max(step, roundToStep(Math.sqrt(area / value), step)),
  };
}
