// The checks every dialect makes before building a body: nothing here knows a body's shape.
//
// Refuse or adjust? A value the model understands but that is out of bounds or misspelt is refused
// (quality "ultra" on gpt-image-1, n 4 on a one-image model, steps 80): the user meant something we
// cannot guess. An option the model has no such setting for at all (quality, seed, steps, guidance,
// prompt upsampling on a model without them) is dropped and reported as an adjustment: people switch
// models and keep their options, and the image is still the one they asked for. safety_tolerance
// outside the model's range is clamped and reported, since the server policy clamps it anyway.
import type { ModelSpec, OutputFormat, Range } from '../../catalog/types.js';
import { InvalidInputError } from '../../catalog/failure.js';
import { OMITTED, type Adjustment, type ImageRequest } from '../../catalog/request.js';
import type { DialectOptions } from '../types.js';

/** The `to` of an adjustment that removed an option the model does not take. */
export { OMITTED };

export function adjusted(field: Adjustment['field'], from: unknown, to: string): Adjustment {
  return { field, from: String(from), to };
}

/** The options every dialect shares, checked and normalised. */
export interface CheckedOptions {
  prompt: string;
  n: number;
  quality?: string;
  /** dall-e-3's `style`. */
  style?: string;
  seed?: number;
  /** Clamped into the model's range; for GPT models with `moderation`, the value to map from. */
  safetyTolerance?: number;
  /** Only when the model offers a choice of formats. */
  outputFormat?: OutputFormat;
  promptUpsampling?: boolean;
  steps?: number;
  guidance?: number;
}

const MAX_SEED = 4_294_967_295;

/** Runs every shared check; drops and clamps are appended to `adjustments`. */
export function checkOptions(request: ImageRequest, model: ModelSpec, options: DialectOptions, adjustments: Adjustment[]): CheckedOptions {
  return {
    prompt: checkPrompt(request.prompt, model, options),
    n: checkN(request.n, model),
    quality: checkQuality(request.quality, model, adjustments),
    style: checkStyle(request.style, model, adjustments),
    steps: checkInRange('steps', request.steps, model.steps, model, adjustments, true),
    guidance: checkInRange('guidance', request.guidance, model.guidance, model, adjustments, false),
    seed: checkSeed(request.seed, model, adjustments),
    safetyTolerance: checkSafetyTolerance(request.safetyTolerance, model, adjustments),
    outputFormat: checkOutputFormat(request.outputFormat, model, adjustments),
    promptUpsampling: checkPromptUpsampling(request.promptUpsampling, model, adjustments),
  };
}

/** Code points, as the relays (Python, Go) count them. */
function promptLength(prompt: string): number {
  return [...prompt].length;
}

export function checkPrompt(prompt: string, model: ModelSpec, options: DialectOptions): string {
  const text = prompt.trim();
  const limit = Math.min(model.maxPromptChars, options.maxPromptChars ?? Infinity);
  if (text === '') {
    throw new InvalidInputError('prompt_empty', { limit });
  }
  const length = promptLength(text);
  if (length > limit) {
    throw new InvalidInputError('prompt_too_long', { model: model.id, length, limit });
  }
  return text;
}

export function checkN(n: number | undefined, model: ModelSpec): number {
  const count = n ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new InvalidInputError('n_out_of_range', { model: model.id, maxN: model.maxN });
  if (count > model.maxN) throw new InvalidInputError('n_too_many', { model: model.id, maxN: model.maxN });
  return count;
}

export function checkQuality(quality: string | undefined, model: ModelSpec, adjustments: Adjustment[]): string | undefined {
  return checkChoice('quality', quality, model.qualities, model, adjustments);
}

export function checkStyle(style: string | undefined, model: ModelSpec, adjustments: Adjustment[]): string | undefined {
  return checkChoice('style', style, model.styles, model, adjustments);
}

/**
 * A value from the model's list (quality, style): dropped and reported when the model has no such
 * option, refused naming the valid ones when it has the option but not this value.
 */
function checkChoice(
  param: 'quality' | 'style',
  given: string | undefined,
  allowed: readonly string[] | undefined,
  model: ModelSpec,
  adjustments: Adjustment[],
): string | undefined {
  const value = given?.trim().toLowerCase();
  if (!value) return undefined;
  if (!allowed) {
    adjustments.push(adjusted(param, given, OMITTED));
    return undefined;
  }
  if (!allowed.includes(value)) {
    throw new InvalidInputError(param === 'quality' ? 'quality_unknown' : 'style_unknown', { model: model.id, given: String(given), allowed });
  }
  return value;
}

function checkInRange(
  param: 'steps' | 'guidance',
  value: number | undefined,
  range: Range | undefined,
  model: ModelSpec,
  adjustments: Adjustment[],
  whole: boolean,
): number | undefined {
  if (value === undefined) return undefined;
  if (!range) {
    adjustments.push(adjusted(param, value, OMITTED));
    return undefined;
  }
  const fits = Number.isFinite(value) && (!whole || Number.isInteger(value)) && value >= range.min && value <= range.max;
  if (!fits) {
    throw new InvalidInputError(param === 'steps' ? 'steps_out_of_range' : 'guidance_out_of_range', { model: model.id, min: range.min, max: range.max });
  }
  return value;
}

export function checkSeed(seed: number | undefined, model: ModelSpec, adjustments: Adjustment[]): number | undefined {
  if (seed === undefined) return undefined;
  if (!model.seed) {
    adjustments.push(adjusted('seed', seed, OMITTED));
    return undefined;
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new InvalidInputError('seed_out_of_range', { max: MAX_SEED });
  }
  return seed;
}

export function checkSafetyTolerance(value: number | undefined, model: ModelSpec, adjustments: Adjustment[]): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value)) {
    const { min, max } = model.safetyTolerance ?? { min: 0, max: 6 };
    throw new InvalidInputError('safety_tolerance_not_a_number', { min, max });
  }
  const range = model.safetyTolerance;
  if (!range) {
    // GPT image models translate it into `moderation`; a model with neither simply has no such knob.
    if (model.moderation) return value;
    adjustments.push(adjusted('safetyTolerance', value, OMITTED));
    return undefined;
  }
  const clamped = Math.min(range.max, Math.max(range.min, Math.round(value)));
  if (clamped !== value) adjustments.push(adjusted('safetyTolerance', value, String(clamped)));
  return clamped;
}

export function checkOutputFormat(format: OutputFormat | undefined, model: ModelSpec, adjustments: Adjustment[]): OutputFormat | undefined {
  if (format === undefined) return undefined;
  const fallback = model.outputFormats[0];
  if (!model.outputFormats.includes(format)) {
    adjustments.push(adjusted('outputFormat', format, fallback ?? OMITTED));
    // The model's default format needs no parameter when it has no other.
    return model.outputFormats.length > 1 ? fallback : undefined;
  }
  return model.outputFormats.length > 1 ? format : undefined;
}

export function checkPromptUpsampling(value: boolean | undefined, model: ModelSpec, adjustments: Adjustment[]): boolean | undefined {
  if (value === undefined) return undefined;
  if (model.promptUpsampling) return value;
  // Asking for it off on a model that never does it changes nothing: no adjustment.
  if (value) adjustments.push(adjusted('promptUpsampling', value, OMITTED));
  return undefined;
}
