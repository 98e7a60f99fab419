// Every model the bot knows out of the box (../../shared/RELAYS.md and the relay docs in shared/seeds).
// Prices are USD per image: the seeds' own figures where they quote one (flux-kontext-pro, flux-kontext-max,
// gpt-image-2-all), otherwise estimates from OpenAI's and Black Forest Labs' public list prices at
// about 1 MP. Relays charge differently, so every price is overridable per relay (RelayConfig.prices).
// typicalSeconds come from the RELAYS.md speed row; they only feed ETAs.
import type { Dialect, InputImageRule, ModelSpec, Range, SizeRule } from './types.js';

const GPT_QUALITIES = ['low', 'medium', 'high', 'auto'] as const;
const GPT_FIXED_SIZES = ['1024x1024', '1024x1536', '1536x1024'] as const;
/** OpenAI's image prompt limit for gpt-image models. */
const GPT_PROMPT_CHARS = 32_000;
/**
 * FLUX.2 reads prompts up to 32K tokens; FLUX.1 models truncate long prompts rather than refuse them.
 * Both limits are generous on purpose: a relay that caps lower says so in DialectOptions.maxPromptChars.
 */
const FLUX2_PROMPT_CHARS = 32_000;
const FLUX1_PROMPT_CHARS = 10_000;

/** The nine ratios strict relays accept; also the menu for every ratio model. */
export const STRICT_ASPECT_RATIOS = ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21'] as const;

// Input images (edits). OpenAI's /images/edits takes up to 16 for the GPT image models; BFL takes up
// to 8 references on FLUX.2 [max]/[pro]/[flex] and 4 on [klein] (input_image … input_image_8); Kontext
// reads one image natively (the APIYI doc), so two are joined side by side first, as its script does.
// dall-e-3, the ChatGPT-web route, FLUX.1 and Ultra take none here (Ultra's image_prompt is a style
// hint, not an edit).
const GPT_INPUTS: InputImageRule = { max: 16 };
const FLUX2_INPUTS: InputImageRule = { max: 8 };
const KLEIN_INPUTS: InputImageRule = { max: 4 };
const KONTEXT_INPUTS: InputImageRule = { max: 2, joined: true };

const FLUX2_SAFETY: Range = { min: 0, max: 5, default: 2 };
const FLUX1_SAFETY: Range = { min: 0, max: 6, default: 2 };

const GPT_FIXED: SizeRule = { kind: 'fixed', sizes: GPT_FIXED_SIZES, auto: true };

/** gpt-image-2: any WxH in multiples of 16, ratio within 3:1, up to 3840 on a side and 3840x2160 in area. */
const GPT_IMAGE_2_SIZES: SizeRule = {
  kind: 'pixels',
  step: 16,
  minSide: 256,
  maxSide: 3840,
  maxPixels: 3840 * 2160,
  minPixels: 655_360,
  maxRatio: 3,
  presets: ['1024x1024', '1024x1536', '1536x1024', '2048x2048', '2048x1152', '1152x2048', '3840x2160', '2160x3840'],
  auto: true,
};

/** FLUX.2: multiples of 16, 64..2048 a side (256 is the safe minimum), at most 4 MP (2048x2048). */
const FLUX2_SIZES: SizeRule = {
  kind: 'pixels',
  step: 16,
  minSide: 256,
  maxSide: 2048,
  maxPixels: 2048 * 2048,
  maxRatio: 2048 / 256,
  presets: ['1024x1024', '1024x1536', '1536x1024', '1920x1088', '1088x1920', '1440x2048', '2048x1440', '2048x2048'],
  auto: false,
};

/**
 * FLUX.1 [pro] / 1.1 / [dev]: BFL's own API takes 256..1440 a side in multiples of 32. Sizes on that
 * grid are also multiples of 16, so they satisfy relays that only check for 16 as well.
 */
const FLUX1_SIZES: SizeRule = {
  kind: 'pixels',
  step: 32,
  minSide: 256,
  maxSide: 1440,
  maxPixels: 1440 * 1440,
  maxRatio: 1440 / 256,
  presets: ['1024x1024', '832x1216', '1216x832', '768x1344', '1344x768', '1440x1440'],
  auto: false,
};

/**
 * FLUX1.1 [pro]: the same grid, but APIYI's FLUX page lists it as "老版 1.6MP" (001), below BFL's own
 * 1440x1440 (2.07 MP): the seed wins, so sizes stop at 1.6 million pixels (1248x1248 square).
 */
const FLUX11_SIZES: SizeRule = {
  ...FLUX1_SIZES,
  maxPixels: 1_600_000,
  presets: ['1024x1024', '832x1216', '1216x832', '768x1344', '1344x768', '1248x1248'],
};

/** Kontext and Ultra: an aspect ratio from 3:7 to 7:3; the model picks the pixels. */
function ratioSizes(megapixels: number): SizeRule {
  return { kind: 'ratio', minRatio: 3 / 7, maxRatio: 7 / 3, presets: STRICT_ASPECT_RATIOS, megapixels };
}

/** Fields every FLUX model shares; each entry below states only what differs. */
const FLUX_COMMON = {
  qualities: undefined,
  moderation: false,
  seed: true,
  promptUpsampling: true,
  outputFormats: ['jpeg', 'png'],
  maxN: 1,
  result: 'url',
} as const satisfies Partial<ModelSpec>;

export const CATALOG: readonly ModelSpec[] = [
  {
    id: 'gpt-image-2',
    dialect: 'gpt-image',
    description: { en: 'OpenAI GPT Image 2: best text and detail, any size up to 4K; slow (30-130 s)', zh: 'OpenAI GPT Image 2:文字与细节最佳,任意尺寸至 4K;较慢(30-130 秒)' },
    sizes: GPT_IMAGE_2_SIZES,
    qualities: GPT_QUALITIES,
    moderation: true,
    seed: false,
    promptUpsampling: false,
    outputFormats: ['png', 'jpeg', 'webp'],
    maxN: 10,
    maxPromptChars: GPT_PROMPT_CHARS,
    result: 'b64',
    pricePerImage: 0.05,
    typicalSeconds: 60,
    inputImages: GPT_INPUTS,
  },
  {
    id: 'gpt-image-2-all',
    dialect: 'gpt-image',
    // APIYI's ChatGPT-web route: flat price, no quality tiers, one image per call, answers with a URL
    // (or a data-URI b64). It originally took no size at all, later a size hint: size is best effort.
    description: { en: 'GPT Image 2 via the ChatGPT web route (APIYI): flat price, size is only a hint', zh: 'GPT Image 2 网页通道(API易):统一价格,尺寸仅作参考' },
    sizes: GPT_FIXED,
    moderation: false,
    seed: false,
    promptUpsampling: false,
    outputFormats: ['png'],
    maxN: 1,
    maxPromptChars: GPT_PROMPT_CHARS,
    result: 'url',
    pricePerImage: 0.03,
    typicalSeconds: 40,
  },
  {
    id: 'gpt-image-1.5',
    dialect: 'gpt-image',
    description: { en: 'OpenAI GPT Image 1.5: strong prompt following, three sizes; slow', zh: 'OpenAI GPT Image 1.5:提示词遵循好,三种尺寸;较慢' },
    sizes: GPT_FIXED,
    qualities: GPT_QUALITIES,
    moderation: true,
    seed: false,
    promptUpsampling: false,
    outputFormats: ['png', 'jpeg', 'webp'],
    maxN: 10,
    maxPromptChars: GPT_PROMPT_CHARS,
    result: 'b64',
    pricePerImage: 0.034,
    typicalSeconds: 40,
    inputImages: GPT_INPUTS,
  },
  {
    id: 'gpt-image-1',
    dialect: 'gpt-image',
    description: { en: 'OpenAI GPT Image 1: reliable all-rounder, three sizes; slow', zh: 'OpenAI GPT Image 1:稳定全能,三种尺寸;较慢' },
    sizes: GPT_FIXED,
    qualities: GPT_QUALITIES,
    moderation: true,
    seed: false,
    promptUpsampling: false,
    outputFormats: ['png', 'jpeg', 'webp'],
    maxN: 10,
    maxPromptChars: GPT_PROMPT_CHARS,
    result: 'b64',
    pricePerImage: 0.042,
    typicalSeconds: 45,
    inputImages: GPT_INPUTS,
  },
  {
    id: 'dall-e-3',
    dialect: 'gpt-image',
    description: { en: 'OpenAI DALL·E 3: the classic, square, wide or tall', zh: 'OpenAI DALL·E 3:经典模型,方图、横图或竖图' },
    sizes: { kind: 'fixed', sizes: ['1024x1024', '1792x1024', '1024x1792'], auto: false },
    qualities: ['standard', 'hd'],
    // 003/004: "style … vivid 或 natural … 此参数仅支持 dall-e-3"; vivid is OpenAI's default.
    styles: ['vivid', 'natural'],
    moderation: false,
    seed: false,
    promptUpsampling: false,
    outputFormats: ['png'],
    maxN: 1,
    maxPromptChars: 4_000,
    result: 'url',
    pricePerImage: 0.04,
    typicalSeconds: 15,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-2-max',
    dialect: 'flux',
    description: { en: 'FLUX.2 [max]: flagship quality up to 4 MP, about 15 s', zh: 'FLUX.2 [max]:旗舰画质,最高 4MP,约 15 秒' },
    sizes: FLUX2_SIZES,
    safetyTolerance: FLUX2_SAFETY,
    maxPromptChars: FLUX2_PROMPT_CHARS,
    pricePerImage: 0.07,
    typicalSeconds: 15,
    inputImages: FLUX2_INPUTS,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-2-pro',
    dialect: 'flux',
    description: { en: 'FLUX.2 [pro]: high quality at a good price, under 10 s', zh: 'FLUX.2 [pro]:高画质、性价比高,10 秒内' },
    sizes: FLUX2_SIZES,
    safetyTolerance: FLUX2_SAFETY,
    maxPromptChars: FLUX2_PROMPT_CHARS,
    pricePerImage: 0.03,
    typicalSeconds: 10,
    inputImages: FLUX2_INPUTS,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-2-flex',
    dialect: 'flux',
    description: { en: 'FLUX.2 [flex]: best for text in images; --steps and --guidance; slower', zh: 'FLUX.2 [flex]:擅长图中文字,可用 --steps、--guidance;较慢' },
    sizes: FLUX2_SIZES,
    safetyTolerance: FLUX2_SAFETY,
    steps: { min: 1, max: 50, default: 50 },
    guidance: { min: 1.5, max: 10, default: 4.5 },
    maxPromptChars: FLUX2_PROMPT_CHARS,
    pricePerImage: 0.06,
    typicalSeconds: 25,
    inputImages: FLUX2_INPUTS,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-2-klein-9b',
    dialect: 'flux',
    description: { en: 'FLUX.2 [klein] 9B: near-instant, balanced quality', zh: 'FLUX.2 [klein] 9B:几乎即时出图,画质均衡' },
    sizes: FLUX2_SIZES,
    safetyTolerance: FLUX2_SAFETY,
    // The APIYI doc: klein ignores prompt_upsampling.
    promptUpsampling: false,
    maxPromptChars: FLUX2_PROMPT_CHARS,
    pricePerImage: 0.015,
    typicalSeconds: 3,
    inputImages: KLEIN_INPUTS,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-2-klein-4b',
    dialect: 'flux',
    description: { en: 'FLUX.2 [klein] 4B: the fastest and cheapest', zh: 'FLUX.2 [klein] 4B:最快、最便宜' },
    sizes: FLUX2_SIZES,
    safetyTolerance: FLUX2_SAFETY,
    promptUpsampling: false,
    maxPromptChars: FLUX2_PROMPT_CHARS,
    pricePerImage: 0.014,
    typicalSeconds: 2,
    inputImages: KLEIN_INPUTS,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-pro-1.1-ultra',
    dialect: 'kontext',
    description: { en: 'FLUX1.1 [pro] Ultra: 4 MP photos by aspect ratio, about 10 s', zh: 'FLUX1.1 [pro] Ultra:按宽高比出 4MP 照片,约 10 秒' },
    sizes: ratioSizes(4),
    safetyTolerance: FLUX1_SAFETY,
    maxPromptChars: FLUX1_PROMPT_CHARS,
    pricePerImage: 0.06,
    typicalSeconds: 10,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-pro-1.1',
    dialect: 'flux',
    description: { en: 'FLUX1.1 [pro]: fast, solid quality up to 1.6 MP, about 5 s', zh: 'FLUX1.1 [pro]:快速、画质扎实,最高 1.6MP,约 5 秒' },
    sizes: FLUX11_SIZES,
    safetyTolerance: FLUX1_SAFETY,
    maxPromptChars: FLUX1_PROMPT_CHARS,
    pricePerImage: 0.04,
    typicalSeconds: 5,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-pro',
    dialect: 'flux',
    description: { en: 'FLUX.1 [pro]: the original pro model, about 6 s', zh: 'FLUX.1 [pro]:初代 pro 模型,约 6 秒' },
    sizes: FLUX1_SIZES,
    safetyTolerance: FLUX1_SAFETY,
    maxPromptChars: FLUX1_PROMPT_CHARS,
    pricePerImage: 0.05,
    typicalSeconds: 6,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-dev',
    dialect: 'flux',
    description: { en: 'FLUX.1 [dev]: the open-weights model, cheap, about 5 s', zh: 'FLUX.1 [dev]:开放权重模型,便宜,约 5 秒' },
    sizes: FLUX1_SIZES,
    safetyTolerance: FLUX1_SAFETY,
    maxPromptChars: FLUX1_PROMPT_CHARS,
    pricePerImage: 0.025,
    typicalSeconds: 5,
  },
  {
    ...FLUX_COMMON,
    // The id QuickRouter's and AnyAPI's FLUX pages use in their examples (003: "model": "flux-1").
    id: 'flux-1',
    dialect: 'flux',
    description: { en: 'FLUX.1 as QuickRouter and AnyAPI name it, by aspect ratio there', zh: 'FLUX.1(QuickRouter、AnyAPI 的模型名),在那里按宽高比出图' },
    sizes: FLUX1_SIZES,
    safetyTolerance: FLUX1_SAFETY,
    maxPromptChars: FLUX1_PROMPT_CHARS,
    pricePerImage: 0.025,
    typicalSeconds: 5,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-kontext-pro',
    dialect: 'kontext',
    description: { en: 'FLUX.1 Kontext [pro]: about 1 MP by aspect ratio (3:7 to 7:3), 5-10 s', zh: 'FLUX.1 Kontext [pro]:按宽高比(3:7 至 7:3)出约 1MP 图,5-10 秒' },
    sizes: ratioSizes(1),
    safetyTolerance: FLUX1_SAFETY,
    maxPromptChars: FLUX1_PROMPT_CHARS,
    pricePerImage: 0.035,
    typicalSeconds: 7,
    inputImages: KONTEXT_INPUTS,
  },
  {
    ...FLUX_COMMON,
    id: 'flux-kontext-max',
    dialect: 'kontext',
    description: { en: 'FLUX.1 Kontext [max]: top Kontext quality by aspect ratio, 5-10 s', zh: 'FLUX.1 Kontext [max]:Kontext 最高画质,按宽高比出图,5-10 秒' },
    sizes: ratioSizes(1),
    safetyTolerance: FLUX1_SAFETY,
    maxPromptChars: FLUX1_PROMPT_CHARS,
    pricePerImage: 0.07,
    typicalSeconds: 10,
    inputImages: KONTEXT_INPUTS,
  },
];

function sameId(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** A model by id (case-insensitive); models declared in config (`extra`) win over the catalog. */
export function findModel(id: string, extra: readonly ModelSpec[] = []): ModelSpec | undefined {
  return extra.find((model) => sameId(model.id, id)) ?? CATALOG.find((model) => sameId(model.id, id));
}

/** The model whose rules an unknown model of each dialect borrows: the one most relays implement. */
const DIALECT_TEMPLATE: Record<Dialect, string> = {
  'gpt-image': 'gpt-image-1',
  flux: 'flux-2-pro',
  kontext: 'flux-kontext-pro',
};

/**
 * A spec for a model the catalog lacks, declared in config with its dialect. It borrows the sizes,
 * options and price of that dialect's most typical model: the relay is the judge of anything finer,
 * and the operator can set the price in config.
 */
export function modelForDialect(id: string, dialect: Dialect): ModelSpec {
  const template = CATALOG.find((model) => model.id === DIALECT_TEMPLATE[dialect]);
  if (!template) throw new Error(`catalog lacks the ${dialect} template model ${DIALECT_TEMPLATE[dialect]}`);
  return {
    ...template,
    id,
    description: { en: `${id} (custom ${dialect} model)`.slice(0, 100), zh: `${id}(自定义 ${dialect} 模型)`.slice(0, 100) },
  };
}
