// Maps the size a person asked for onto what a model accepts. CONTRACT.md: a size the model can
// approximate is mapped to the nearest one it supports and the change is reported; only a size it
// cannot honour at all is refused, naming what is valid.
//
// "Cannot honour at all" means: not a size (garbage text), a zero side, or a shape more than twice
// as elongated as the model's most elongated one (50:1, or 5:1 on Kontext whose limit is 7:3).
// Clamping such a shape would hand back a picture unlike the one asked for, so it is refused;
// anything closer is clamped to the model's limit and the adjustment says so.
import type { Localized } from '../i18n/locale.js';
import { describeSizeLimits, type SizeLimits } from '../i18n/refusalMessages.js';
import { InvalidInputError } from './failure.js';
import type { Adjustment } from './request.js';
import {
  dimensionsForRatio,
  elongation,
  formatRatio,
  nearestRatio,
  type Ratio,
  ratioDistance,
  ratioValue,
  roundToStep,
  simplestRatio,
  MAX_RATIO_TERM,
} from './aspectRatio.js';
import { STRICT_ASPECT_RATIOS } from './models.js';
import { formatPixels, parseSize, type ParsedSize } from './sizeSyntax.js';
import type { ModelSpec, SizeRule } from './types.js';

/** A shape may be this many times more elongated than the model's limit and still be clamped to it. */
export const MAX_SHAPE_STRETCH = 2;

/** The area a ratio becomes on pixel models, and the area Kontext renders: 1024x1024. */
const NATURAL_AREA = 1024 * 1024;

export interface SizeOptions {
  /** The relay takes only the nine-value aspect-ratio enum (DialectOptions.strictAspectRatios). */
  strictAspectRatios: boolean;
}

export type SizeMapping =
  | { kind: 'pixels'; value: string; width: number; height: number; adjustment?: Adjustment }
  | { kind: 'ratio'; value: string; ratio: Ratio; adjustment?: Adjustment }
  | { kind: 'auto'; value: 'auto'; adjustment?: Adjustment };

type PixelsRule = Extract<SizeRule, { kind: 'pixels' }>;
type FixedRule = Extract<SizeRule, { kind: 'fixed' }>;
type RatioRule = Extract<SizeRule, { kind: 'ratio' }>;

/**
 * What `requested` becomes for `model`. No size (undefined or blank) means the model's default,
 * with no adjustment. Throws InvalidInputError (param `size`) for what cannot be honoured at all.
 */
export function mapSize(model: ModelSpec, requested: string | undefined, options: SizeOptions = { strictAspectRatios: false }): SizeMapping {
  const typed = requested?.trim() ?? '';
  const parsed = typed === '' ? defaultSize(model.sizes) : parseSize(typed);
  if (!parsed) {
    throw new InvalidInputError('size_not_a_size', { model: model.id, typed, limits: sizeLimits(model) });
  }
  if ((parsed.kind === 'pixels' && (parsed.width === 0 || parsed.height === 0)) || (parsed.kind === 'ratio' && (parsed.w === 0 || parsed.h === 0))) {
    throw new InvalidInputError('size_zero_side', { model: model.id, typed, limits: sizeLimits(model) });
  }
  const mapped = mapParsed(model, parsed, options);
  const asked = typed === '' ? mapped.value : canonical(parsed);
  if (mapped.value === asked || sameRatio(parsed, mapped)) return mapped;
  return { ...mapped, adjustment: { field: 'size', from: typed, to: mapped.value } };
}

function mapParsed(model: ModelSpec, parsed: ParsedSize, options: SizeOptions): SizeMapping {
  const rule = model.sizes;
  switch (rule.kind) {
    case 'pixels':
      return toPixels(model, rule, parsed);
    case 'fixed':
      return toFixed(model, rule, parsed);
    case 'ratio':
      return toRatio(model, rule, parsed, options);
  }
}

function defaultSize(rule: SizeRule): ParsedSize {
  if (rule.kind === 'ratio') return { kind: 'ratio', w: 1, h: 1, text: '1:1' };
  const first = rule.kind === 'fixed' ? rule.sizes[0] : rule.presets[0];
  return (first === undefined ? undefined : parseSize(first)) ?? { kind: 'pixels', width: 1024, height: 1024 };
}

function canonical(parsed: ParsedSize): string {
  if (parsed.kind === 'auto') return 'auto';
  return parsed.kind === 'pixels' ? formatPixels(parsed.width, parsed.height) : parsed.text;
}

/** `7:3` sent as `21:9` to a strict relay is the same shape: not worth reporting as a change. */
function sameRatio(parsed: ParsedSize, mapped: SizeMapping): boolean {
  return parsed.kind === 'ratio' && mapped.kind === 'ratio' && ratioDistance(parsed.w / parsed.h, ratioValue(mapped.ratio)) < 1e-9;
}

function shapeOf(parsed: Exclude<ParsedSize, { kind: 'auto' }>): number {
  return parsed.kind === 'pixels' ? parsed.width / parsed.height : parsed.w / parsed.h;
}

/** The shape clamped into minValue..maxValue, or a refusal when it is too far outside. */
function clampShape(model: ModelSpec, typed: string, value: number, minValue: number, maxValue: number): number {
  const excess = value > maxValue ? value / maxValue : value < minValue ? minValue / value : 1;
  if (excess > MAX_SHAPE_STRETCH + 1e-9) {
    throw new InvalidInputError('size_shape_too_far', { model: model.id, typed, limits: sizeLimits(model) });
  }
  return Math.min(maxValue, Math.max(minValue, value));
}

function toPixels(model: ModelSpec, rule: PixelsRule, parsed: ParsedSize): SizeMapping {
  if (parsed.kind === 'auto') {
    if (rule.auto) return { kind: 'auto', value: 'auto' };
    return fitPixels(rule, 1024, 1024);
  }
  const asked = shapeOf(parsed);
  const shape = clampShape(model, canonical(parsed), asked, 1 / rule.maxRatio, rule.maxRatio);
  // Pixels keep their area (then fit the bounds); a ratio gets the 1024x1024 area.
  const area = parsed.kind === 'pixels' ? parsed.width * parsed.height : NATURAL_AREA;
  if (parsed.kind === 'pixels' && shape === asked) return fitPixels(rule, parsed.width, parsed.height);
  return fitPixels(rule, Math.sqrt(area * shape), Math.sqrt(area / shape));
}

/** Scale (keeping the shape) into the pixel and side bounds, then round each side to the step. */
function fitPixels(rule: PixelsRule, width: number, height: number): SizeMapping {
  let w = width;
  let h = height;
  const scaleBy = (factor: number): void => {
    w *= factor;
    h *= factor;
  };
  if (w * h > rule.maxPixels) scaleBy(Math.sqrt(rule.maxPixels / (w * h)));
  if (rule.minPixels !== undefined && w * h < rule.minPixels) scaleBy(Math.sqrt(rule.minPixels / (w * h)));
  if (Math.max(w, h) > rule.maxSide) scaleBy(rule.maxSide / Math.max(w, h));
  if (Math.min(w, h) < rule.minSide) scaleBy(rule.minSide / Math.min(w, h));

  const { step } = rule;
  const lowest = Math.ceil(rule.minSide / step) * step;
  const highest = Math.floor(rule.maxSide / step) * step;
  const snap = (side: number): number => Math.min(highest, Math.max(lowest, roundToStep(side, step)));
  let W = snap(w);
  let H = snap(h);
  // Rounding can overshoot the pixel bounds by part of a step: take the step off (or add it to) one side.
  while (W * H > rule.maxPixels && Math.max(W, H) > lowest) {
    // A square stays square; otherwise the long side gives way.
    if (W === H) {
      W -= step;
      H -= step;
    } else if (W > H) W -= step;
    else H -= step;
  }
  while (rule.minPixels !== undefined && W * H < rule.minPixels && Math.min(W, H) < highest) {
    if (W <= H) W += step;
    else H += step;
  }
  return { kind: 'pixels', value: formatPixels(W, H), width: W, height: H };
}

function toFixed(model: ModelSpec, rule: FixedRule, parsed: ParsedSize): SizeMapping {
  const sizes = rule.sizes.flatMap((text) => {
    const size = parseSize(text);
    return size?.kind === 'pixels' ? [{ text, width: size.width, height: size.height }] : [];
  });
  const first = sizes[0];
  if (parsed.kind === 'auto' && rule.auto) return { kind: 'auto', value: 'auto' };
  if (!first) return { kind: 'auto', value: 'auto' }; // a model with no sizes at all only has auto
  if (parsed.kind === 'auto') return { kind: 'pixels', value: first.text, width: first.width, height: first.height };

  const shape = shapeOf(parsed);
  const widest = Math.max(...sizes.map((size) => elongation(size.width / size.height)));
  clampShape(model, canonical(parsed), shape, 1 / widest, widest);
  // Nearest shape first; between equal shapes the nearest area (a ratio has none: the first listed).
  const area = parsed.kind === 'pixels' ? parsed.width * parsed.height : undefined;
  const best = sizes.reduce((a, b) => {
    const byShape = ratioDistance(b.width / b.height, shape) - ratioDistance(a.width / a.height, shape);
    if (Math.abs(byShape) > 1e-9) return byShape < 0 ? b : a;
    if (area === undefined) return a;
    return ratioDistance(b.width * b.height, area) < ratioDistance(a.width * a.height, area) ? b : a;
  });
  return { kind: 'pixels', value: best.text, width: best.width, height: best.height };
}

const STRICT_RATIOS: readonly (Ratio & { text: string })[] = STRICT_ASPECT_RATIOS.map((text) => {
  const [w, h] = text.split(':').map(Number);
  return { w: w ?? 1, h: h ?? 1, text };
});

function toRatio(model: ModelSpec, rule: RatioRule, parsed: ParsedSize, options: SizeOptions): SizeMapping {
  if (parsed.kind === 'auto') return { kind: 'ratio', value: '1:1', ratio: { w: 1, h: 1 } };
  const asked = shapeOf(parsed);
  const shape = clampShape(model, canonical(parsed), asked, rule.minRatio, rule.maxRatio);
  if (options.strictAspectRatios) {
    const nearest = nearestRatio(shape, STRICT_RATIOS);
    return { kind: 'ratio', value: nearest.text, ratio: { w: nearest.w, h: nearest.h } };
  }
  const ratio = shape === asked ? ratioAsAsked(parsed) : simplestRatio(shape, 1);
  return { kind: 'ratio', value: formatRatio(ratio), ratio };
}

/** The ratio of an in-range request: as typed when in small whole terms (21:9 stays 21:9), else simplified. */
function ratioAsAsked(parsed: Exclude<ParsedSize, { kind: 'auto' }>): Ratio {
  if (parsed.kind === 'pixels') return simplestRatio(parsed.width, parsed.height);
  const small = [parsed.w, parsed.h].every((term) => Number.isInteger(term) && term <= MAX_RATIO_TERM);
  return small ? { w: parsed.w, h: parsed.h } : simplestRatio(parsed.w, parsed.h);
}

/** The sizes to offer in menus and autocomplete, most common first. */
export function sizeChoices(model: ModelSpec): string[] {
  const rule = model.sizes;
  switch (rule.kind) {
    case 'fixed':
      return [...rule.sizes, ...(rule.auto ? ['auto'] : [])];
    case 'pixels':
      return [...rule.presets, ...(rule.auto && !rule.presets.includes('auto') ? ['auto'] : [])];
    case 'ratio':
      return [...rule.presets];
  }
}

/** What `model` accepts as a size, as data for refusals ("Valid: …"). */
export function sizeLimits(model: ModelSpec): SizeLimits {
  const rule = model.sizes;
  switch (rule.kind) {
    case 'fixed':
      return { kind: 'list', sizes: sizeChoices(model) };
    case 'pixels':
      return {
        kind: 'pixels',
        minSide: rule.minSide,
        maxSide: rule.maxSide,
        step: rule.step,
        ...(rule.minPixels === undefined ? {} : { minPixels: rule.minPixels }),
        maxPixels: rule.maxPixels,
        maxRatio: rule.maxRatio,
        examples: rule.presets.slice(0, 2),
        auto: rule.auto === true,
      };
    case 'ratio':
      return { kind: 'ratio', from: formatRatio(simplestRatio(rule.minRatio, 1)), to: formatRatio(simplestRatio(rule.maxRatio, 1)) };
  }
}

/** A short human list or range of what `model` accepts, in both languages, for error messages ("Valid: …"). */
export function describeValidSizes(model: ModelSpec): Localized {
  return describeSizeLimits(sizeLimits(model));
}

/**
 * The pixel size a ratio model renders for `ratio` (about 1 MP; 4 MP on Ultra), rounded to 16, for
 * display only: the provider decides the exact pixels. Undefined for other models or a non-ratio.
 */
export function ratioDimensions(model: ModelSpec, ratio: string): { width: number; height: number } | undefined {
  const parsed = parseSize(ratio);
  if (model.sizes.kind !== 'ratio' || parsed?.kind !== 'ratio' || parsed.w === 0 || parsed.h === 0) return undefined;
  return dimensionsForRatio(parsed.w / parsed.h, NATURAL_AREA * (model.sizes.megapixels ?? 1), 16);
}
