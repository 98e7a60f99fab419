// Per-dialect validation of a generation request, as the upstream behind the relay would do it
// (shared/RELAYS.md, "Three request dialects"). Turns a body into what to paint and how to answer,
// or into the 400 the upstream would send.
import { invalidParam, type ErrorReply } from './errors.js';
import {
  has,
  parseSize,
  readBool,
  readEnum,
  readInt,
  readNumber,
  readString,
  reject,
  rejectUnknown,
  rejectUnsupported,
  Rejection,
  type Body,
} from './fields.js';
import { INPUT_FIELDS, readInputImages } from './inputs.js';
import type { FakeModel } from './models.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** What a valid request produces. */
export interface GenerationPlan {
  width: number;
  height: number;
  format: ImageFormat;
  n: number;
  answer: 'b64' | 'url';
  seed?: number;
  /** GPT image `stream: true`: how many partial images to send before the final one. */
  stream?: { partialImages: number };
  /** Fields a GPT image answer echoes beside `data` (size, quality, background, output_format). */
  echo?: Record<string, unknown>;
  /** GPT image token usage. */
  usage?: Record<string, unknown>;
  /** Input images (an edit): the answer is painted from them. */
  inputs?: Buffer[];
}

export interface DialectOptions {
  /** Only the nine-value aspect-ratio enum for Kontext and Ultra. */
  strictAspectRatios: boolean;
}

export type Validation = { ok: true; plan: GenerationPlan } | { ok: false; error: ErrorReply };

/** The nine values strict relays accept (QuickRouter, AnyAPI). */
export const STRICT_ASPECT_RATIOS = ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21'] as const;

/** The fields only FLUX takes; OpenAI rejects each as unknown when a relay passes it through. */
const FLUX_ONLY_FIELDS = [
  'seed',
  'safety_tolerance',
  'aspect_ratio',
  'width',
  'height',
  'steps',
  'guidance',
  'prompt_upsampling',
  'raw',
  // OpenAI takes input images only as files on /images/edits.
  ...INPUT_FIELDS,
];

const ONE_MEGAPIXEL = 1024 * 1024;

export function validateGeneration(model: FakeModel, body: Body, prompt: string, options: DialectOptions): Validation {
  return validating(() => {
    rejectLongPrompt(prompt, model.maxPromptChars);
    return model.dialect === 'gpt-image'
      ? planGpt(model, body, prompt)
      : model.dialect === 'flux'
        ? planFlux(model, body)
        : planKontext(model, body, options);
  });
}

/** Runs a planner: its plan, or the 400 its field readers threw. */
export function validating(planner: () => GenerationPlan): Validation {
  try {
    return { ok: true, plan: planner() };
  } catch (error) {
    if (error instanceof Rejection) return { ok: false, error: error.reply };
    throw error;
  }
}

/** OpenAI's 400 for a prompt over `max` characters; undefined when it fits. */
export function promptTooLong(prompt: string, max: number): ErrorReply | undefined {
  if (prompt.length <= max) return undefined;
  return invalidParam(
    'prompt',
    `Invalid 'prompt': string too long. Expected a string with maximum length ${max}, ` +
      `but got a string with length ${prompt.length} instead.`,
    'string_above_max_length',
  );
}

export function rejectLongPrompt(prompt: string, max: number): void {
  const error = promptTooLong(prompt, max);
  if (error !== undefined) throw new Rejection(error);
}

export function planGpt(model: FakeModel, body: Body, prompt: string): GenerationPlan {
  for (const name of FLUX_ONLY_FIELDS) rejectUnknown(body, name);
  const isDallE = model.id === 'dall-e-3';
  // dall-e-3 and the ChatGPT-web route answer a URL and know no streaming, usage or echo.
  const urlModel = isDallE || model.chatRoute === true;
  const { width, height } = gptSize(model, readString(body, 'size') ?? 'auto');
  const quality = readEnum(body, 'quality', model.qualities ?? []);
  if (isDallE) {
    for (const name of ['background', 'moderation', 'output_compression', 'partial_images']) {
      rejectUnsupported(body, name, model.id);
    }
  }
  const format = readEnum<ImageFormat>(body, 'output_format', isDallE ? ['png'] : ['png', 'jpeg', 'webp']) ?? 'png';
  readInt(body, 'output_compression', 0, 100);
  const background = readEnum(body, 'background', ['transparent', 'opaque', 'auto']);
  if (background === 'transparent' && format === 'jpeg') {
    reject('background', 'Transparent background is not supported for the jpeg output format.');
  }
  readEnum(body, 'moderation', ['low', 'auto']);
  const responseFormat = readEnum(body, 'response_format', ['url', 'b64_json']);
  const n = readInt(body, 'n', 1, 10) ?? 1;
  const stream = readBool(body, 'stream') === true;
  const partialImages = readInt(body, 'partial_images', 0, 3) ?? 0;

  const resolvedQuality = quality === undefined || quality === 'auto' ? (isDallE ? 'standard' : 'medium') : quality;
  const plan: GenerationPlan = {
    width,
    height,
    format,
    n,
    // RELAYS.md: GPT image models answer b64_json; dall-e-3 answers a URL unless asked for b64_json.
    answer: urlModel && responseFormat !== 'b64_json' ? 'url' : 'b64',
  };
  if (stream && !urlModel) plan.stream = { partialImages };
  if (!urlModel) {
    plan.echo = {
      background: background ?? 'opaque',
      output_format: format,
      quality: resolvedQuality,
      size: `${width}x${height}`,
    };
    plan.usage = gptUsage(prompt, width * height * n, resolvedQuality);
  }
  return plan;
}

function gptSize(model: FakeModel, size: string): { width: number; height: number } {
  if (size === 'auto') return { width: 1024, height: 1024 };
  const fixed = model.sizes ?? [];
  if (fixed.includes(size)) return parseSize(size);
  const supported = `Supported values are: ${[...fixed, 'auto'].map((value) => `'${value}'`).join(', ')}`;
  if (!model.freeSizes) reject('size', `Invalid value: '${size}'. ${supported}.`);
  const { width, height } = parseSize(size);
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  if (width % 16 !== 0 || height % 16 !== 0) {
    reject('size', `Invalid size '${size}'. Width and height must both be divisible by 16.`);
  }
  if (short < 16 || long / short > 3) {
    reject('size', `Invalid size '${size}'. The ratio of the long side to the short side must be at most 3:1.`);
  }
  if (long > 3840 || width * height > 3840 * 2160) {
    reject('size', `Invalid size '${size}'. At most 3840 pixels on the long side and 3840x2160 pixels in total.`);
  }
  return { width, height };
}

/** Token counts shaped like OpenAI's: output tokens scale with area and quality. */
function gptUsage(prompt: string, pixels: number, quality: string): Record<string, unknown> {
  const perMegapixel: Record<string, number> = { low: 272, medium: 1056, high: 4160, standard: 1056, hd: 4160 };
  const outputTokens = Math.round(((perMegapixel[quality] ?? 1056) * pixels) / ONE_MEGAPIXEL);
  const inputTokens = Math.max(1, Math.ceil(prompt.length / 4));
  return {
    total_tokens: inputTokens + outputTokens,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    input_tokens_details: { text_tokens: inputTokens, image_tokens: 0 },
  };
}

/** The ranges of the fields FLUX and Kontext share, where relays differ. */
export interface FluxLimits {
  /** Lowest `seed`: new-api's upstream takes 0..2⁵³−1, APIYI's Kontext "任意整数" (any integer). */
  minSeed: number;
  /** Highest `safety_tolerance`. */
  maxSafetyTolerance: number;
}

/** Fields FLUX and Kontext share: seed, safety, format, upsampling, n = 1, no quality. */
export function readFluxCommon(
  model: FakeModel,
  body: Body,
  limits: FluxLimits = { minSeed: 0, maxSafetyTolerance: model.maxSafetyTolerance ?? 6 },
): { seed?: number; format: ImageFormat } {
  // The Flu API advice "drop quality if it errors" needs a 400 that names quality.
  rejectUnsupported(body, 'quality', model.id);
  if (!model.flexParams) {
    rejectUnsupported(body, 'steps', model.id);
    rejectUnsupported(body, 'guidance', model.id);
  }
  const seed = readInt(body, 'seed', limits.minSeed, Number.MAX_SAFE_INTEGER);
  readInt(body, 'safety_tolerance', 0, limits.maxSafetyTolerance);
  const format = readEnum<ImageFormat>(body, 'output_format', ['jpeg', 'png']) ?? 'jpeg';
  readBool(body, 'prompt_upsampling');
  if (model.raw) readBool(body, 'raw');
  const n = readInt(body, 'n', 1, 10) ?? 1;
  if (n !== 1) reject('n', `Invalid 'n': the model ${model.id} returns one image per request; n must be 1.`);
  return seed === undefined ? { format } : { seed, format };
}

function planFlux(model: FakeModel, body: Body): GenerationPlan {
  const common = readFluxCommon(model, body);
  if (model.flexParams) {
    readInt(body, 'steps', 1, 50);
    readNumber(body, 'guidance', 1.5, 10);
  }
  const { width, height } = fluxSize(body);
  return withInputs(urlPlan(width, height, common), readInputImages(model, body));
}

/** `width` + `height` (BFL's own) win over `size` (OpenAI's); 1024x1024 when neither is given. */
function fluxSize(body: Body): { width: number; height: number } {
  return checkFluxSides(fluxSizeFields(body), FOUR_MEGAPIXELS);
}

/** The requested sides and the field that gave them (`width` or `size`). */
export interface RequestedSides {
  width: number;
  height: number;
  param: 'width' | 'size';
}

function fluxSizeFields(body: Body): RequestedSides {
  let width: number;
  let height: number;
  let param: RequestedSides['param'];
  if (has(body, 'width') || has(body, 'height')) {
    width = readInt(body, 'width', 1, 100_000) ?? 1024;
    height = readInt(body, 'height', 1, 100_000) ?? 1024;
    param = 'width';
  } else {
    const size = readString(body, 'size') ?? 'auto';
    ({ width, height } = size === 'auto' ? { width: 1024, height: 1024 } : parseSize(size));
    param = 'size';
  }
  return { width, height, param };
}

/** A cap on width × height, and how an error names it. */
export interface PixelCap {
  pixels: number;
  label: string;
}

export const FOUR_MEGAPIXELS: PixelCap = { pixels: 4 * ONE_MEGAPIXEL, label: '4 megapixels' };

/** BFL's pixel rules: multiples of 16, 64..2048 a side, at most `cap`. */
export function checkFluxSides({ width, height, param }: RequestedSides, cap: PixelCap): { width: number; height: number } {
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    const where = param === 'size' ? 'size' : name;
    if (value % 16 !== 0) reject(where, `Invalid ${name} ${value}: must be a multiple of 16.`);
    if (value < 64 || value > 2048) reject(where, `Invalid ${name} ${value}: must be between 64 and 2048.`);
  }
  if (width * height > cap.pixels) {
    reject(param, `Invalid size ${width}x${height}: at most ${cap.label} (${cap.pixels} pixels).`);
  }
  return { width, height };
}

function planKontext(model: FakeModel, body: Body, options: DialectOptions): GenerationPlan {
  const common = readFluxCommon(model, body);
  const ratio = readString(body, 'aspect_ratio') ?? '1:1';
  if (options.strictAspectRatios && !(STRICT_ASPECT_RATIOS as readonly string[]).includes(ratio)) {
    reject(
      'aspect_ratio',
      `Invalid value: '${ratio}'. Supported values are: ${STRICT_ASPECT_RATIOS.map((value) => `'${value}'`).join(', ')}.`,
    );
  }
  const { w, h } = parseRatio(ratio, [3, 7]);
  const { width, height } = ratioDimensions(w, h);
  return withInputs(urlPlan(width, height, common), readInputImages(model, body));
}

/**
 * A `W:H` aspect ratio within `[a, b]`:`[b, a]` (Kontext: 3:7 to 7:3, the ends included), or the 400
 * naming `aspect_ratio`.
 */
export function parseRatio(ratio: string, [a, b]: readonly [number, number]): { w: number; h: number } {
  const match = /^(\d{1,3}):(\d{1,3})$/.exec(ratio);
  const w = Number(match?.[1] ?? 0);
  const h = Number(match?.[2] ?? 0);
  if (!match || w === 0 || h === 0) reject('aspect_ratio', `Invalid aspect_ratio '${ratio}'. Expected 'W:H', such as '16:9'.`);
  // Compared cross-multiplied to avoid float edges.
  if (w * b < h * a || w * a > h * b) {
    reject('aspect_ratio', `Invalid aspect_ratio '${ratio}': must be between ${a}:${b} and ${b}:${a}.`);
  }
  return { w, h };
}

export function withInputs(plan: GenerationPlan, inputs: Buffer[]): GenerationPlan {
  return inputs.length ? { ...plan, inputs } : plan;
}

export function urlPlan(width: number, height: number, common: { seed?: number; format: ImageFormat }): GenerationPlan {
  const plan: GenerationPlan = { width, height, format: common.format, n: 1, answer: 'url' };
  if (common.seed !== undefined) plan.seed = common.seed;
  return plan;
}

/** About one megapixel at the ratio W:H, both sides rounded to 16 (1:1 → 1024x1024, 16:9 → 1360x768). */
export function ratioDimensions(w: number, h: number): { width: number; height: number } {
  const round16 = (value: number): number => Math.max(16, Math.round(value / 16) * 16);
  return { width: round16(Math.sqrt((ONE_MEGAPIXEL * w) / h)), height: round16(Math.sqrt((ONE_MEGAPIXEL * h) / w)) };
}
