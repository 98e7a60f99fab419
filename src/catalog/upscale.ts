// Upscale: an image re-rendered larger with itself as the input. Only a model that takes input
// images and renders free pixel sizes can do it (FLUX.2: up to 4 MP; gpt-image-2: up to 3840 px on
// the long side and 3840x2160 in area). Kontext renders about 1 MP whatever is asked, and the
// fixed-size GPT models have no larger size than the ones they made, so they cannot.
import { roundToStep } from './aspectRatio.js';
import { formatPixels } from './sizeSyntax.js';
import type { ModelSpec } from './types.js';

/**
 * A re-render costs a whole image: below this gain in pixels it is not worth one, and the image
 * counts as already at the model's largest.
 */
export const MIN_UPSCALE_GAIN = 1.2;

/**
 * The largest size `model` renders in the shape of a `width`×`height` image: each side a multiple
 * of the model's step, within its pixel and side limits. Undefined when the model cannot upscale
 * (no input images, no free sizes, a shape it cannot keep) or the image is already about that big.
 */
export function upscaleTarget(model: ModelSpec, width: number, height: number): { size: string } | undefined {
  const rule = model.sizes;
  if (!model.inputImages || rule.kind !== 'pixels') return undefined;
  if (!Number.isFinite(width) || !Number.isFinite(height) || width <= 0 || height <= 0) return undefined;
  const longSide = Math.max(width, height);
  const shortSide = Math.min(width, height);
  const shape = longSide / shortSide;
  if (shape > rule.maxRatio) return undefined;

  const { step } = rule;
  const scale = Math.min(Math.sqrt(rule.maxPixels / (width * height)), rule.maxSide / longSide);
  // The long side rounded down to the step, the short side the nearest step to the shape; a step
  // off the long side until the pair fits (rounding the short side up may overshoot the area).
  let long = Math.floor((longSide * scale) / step) * step;
  let short = roundToStep(long / shape, step);
  while (long > 0 && (long * short > rule.maxPixels || short > rule.maxSide)) {
    long -= step;
    short = roundToStep(long / shape, step);
  }
  if (short < rule.minSide || (rule.minPixels !== undefined && long * short < rule.minPixels)) return undefined;
  if (long * short < width * height * MIN_UPSCALE_GAIN) return undefined;
  return { size: width >= height ? formatPixels(long, short) : formatPixels(short, long) };
}

/** What the re-render is told before the image's own prompt (models read English best). */
const UPSCALE_INSTRUCTION =
  'Upscale this image to a higher resolution. Keep it exactly as it is: the same composition, subjects, colours, lighting and style; ' +
  'change nothing, only add fine detail and sharpness at the larger size. The image shows:';

/** The prompt of an upscale: the instruction, then the original prompt (an upscale's own prefix not repeated). */
export function upscalePrompt(original: string): string {
  const prompt = original.startsWith(UPSCALE_INSTRUCTION) ? original.slice(UPSCALE_INSTRUCTION.length).trimStart() : original;
  return `${UPSCALE_INSTRUCTION} ${prompt}`;
}
