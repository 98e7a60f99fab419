// The one place a local refusal (InvalidInputError, catalog/failure.ts) becomes words. A refusal is
// data: a code and the numbers and names its sentence needs. This file turns it into the detail
// ("flux-2-pro makes at most 4 images per request.") and the list of what is valid, in English and
// Simplified Chinese; explainError (errorMessages.ts) frames both for the reader. The codes are
// declared here, the lowest layer, so the error classes can import them without a cycle.
import type { Localized } from './locale.js';

/** What a model accepts as a size, as data (catalog/sizes.ts sizeLimits), for the "Valid: …" list. */
export type SizeLimits =
  /** A fixed list (`1024x1024`, `auto`, …). */
  | { kind: 'list'; sizes: readonly string[] }
  | {
      kind: 'pixels';
      minSide: number;
      maxSide: number;
      /** Sides are multiples of this. */
      step: number;
      minPixels?: number;
      maxPixels: number;
      /** The most elongated shape, long side over short side. */
      maxRatio: number;
      /** The first presets, shown as examples. */
      examples: readonly string[];
      auto: boolean;
    }
  /** Aspect ratios between `from` and `to` (`3:7`, `7:3`). */
  | { kind: 'ratio'; from: string; to: string };

/** Every local refusal and what its message needs. `model` is a model id; `name` a file name. */
export interface RefusalParams {
  prompt_empty: { limit: number };
  prompt_too_long: { model: string; length: number; limit: number };
  /** n is not a whole number of at least 1. */
  n_out_of_range: { model: string; maxN: number };
  n_too_many: { model: string; maxN: number };
  quality_unknown: { model: string; given: string; allowed: readonly string[] };
  style_unknown: { model: string; given: string; allowed: readonly string[] };
  steps_out_of_range: { model: string; min: number; max: number };
  guidance_out_of_range: { model: string; min: number; max: number };
  seed_out_of_range: { max: number };
  safety_tolerance_not_a_number: { min: number; max: number };
  size_not_a_size: { model: string; typed: string; limits: SizeLimits };
  size_zero_side: { model: string; typed: string; limits: SizeLimits };
  size_shape_too_far: { model: string; typed: string; limits: SizeLimits };
  /** A model name this server does not offer (`model` as typed). */
  model_not_offered: { model: string; offered: readonly string[] };
  /** An offered model no configured relay serves (the pipeline's check), naming the models that are served. */
  model_not_served: { model: string; served: readonly string[] };
  /** The relay router was asked for a model no relay serves. */
  no_relay_for_model: { model: string };
  image_not_taken: { model: string; editModels: readonly string[] };
  too_many_images: { model: string; count: number; max: number };
  mask_needs_gpt: { gptModels: readonly string[] };
  mask_not_transparent_png: { name: string };
  image_too_large: { name: string; maxBytes: number };
  image_not_an_image: { name: string };
  image_unreadable: { name: string };
  image_too_many_pixels: { name: string; width: number; height: number };
  image_not_on_discord: { name: string };
  image_link_expired: { name: string };
  image_download_timeout: { name: string };
  image_download_failed: { name: string };
  image_file_missing: { path: string };
  /** `errno`: the system's code (`EACCES`), when there was one. */
  image_file_unreadable: { path: string; errno?: string };
  image_not_a_file: { path: string };
}

export type RefusalCode = keyof RefusalParams;

/** A refusal as data: one of the codes with its own params. */
export type Refusal = { [C in RefusalCode]: { code: C; params: RefusalParams[C] } }[RefusalCode];

export interface RefusalWording {
  /** The detail: what is wrong ("The prompt is empty."). Its English is the error's message, for logs. */
  text: Localized;
  /** What would be accepted, when there is something to name. */
  valid?: Localized;
}

const both = (en: string, zh: string): Localized => ({ en, zh });
/** A plain list of values (`1024x1024, auto`, `1-4`) reads the same in both languages. */
const same = (list: string): Localized => ({ en: list, zh: list });
const s = (count: number): string => (count === 1 ? '' : 's');
const countRange = (max: number): string => (max === 1 ? '1' : `1-${max}`);

function choiceUnknown(noun: Localized, p: RefusalParams['quality_unknown']): RefusalWording {
  return {
    text: both(`"${p.given}" is not a ${noun.en} ${p.model} offers.`, `${p.model} 没有 “${p.given}” 这一${noun.zh}选项。`),
    valid: same(p.allowed.join(', ')),
  };
}

function outOfRange(param: string, name: string, kind: Localized, p: RefusalParams['steps_out_of_range']): RefusalWording {
  return {
    text: both(
      `${param} for ${p.model} must be ${kind.en} from ${p.min} to ${p.max}.`,
      `${p.model} 的${name}(${param})必须是 ${p.min} 到 ${p.max} 之间的${kind.zh}。`,
    ),
    valid: same(`${p.min}-${p.max}`),
  };
}

function sizeRefusal(text: Localized, limits: SizeLimits): RefusalWording {
  return { text, valid: describeSizeLimits(limits) };
}

const formatShapeLimit = (maxRatio: number): string => `${Number(maxRatio.toFixed(1))}:1`;
const formatMegapixels = (pixels: number): string => `${Number((pixels / 1e6).toFixed(1))}MP`;

/** A short list or range of the sizes a model accepts ("Valid: …"), in both languages. */
export function describeSizeLimits(limits: SizeLimits): Localized {
  switch (limits.kind) {
    case 'list':
      return same(limits.sizes.join(', ') || 'auto');
    case 'pixels': {
      const max = formatMegapixels(limits.maxPixels);
      const min = limits.minPixels === undefined ? undefined : formatMegapixels(limits.minPixels);
      const shape = formatShapeLimit(limits.maxRatio);
      const { examples } = limits;
      return {
        en:
          `WxH with sides ${limits.minSide}-${limits.maxSide} (multiples of ${limits.step}), ${min === undefined ? `up to ${max}` : `${min}-${max}`}, ` +
          `at most ${shape} (e.g. ${examples.join(', ')}), a ratio such as 16:9${limits.auto ? ', or auto' : ''}`,
        zh:
          `宽x高,边长 ${limits.minSide}-${limits.maxSide}(${limits.step} 的倍数),总像素${min === undefined ? `不超过 ${max}` : ` ${min}-${max}`},` +
          `长宽比不超过 ${shape}(如 ${examples.join('、')});或 16:9 这样的宽高比${limits.auto ? ';或 auto' : ''}`,
      };
    }
    case 'ratio': {
      const examples = ['1:1', '16:9', '9:16', '21:9'];
      return {
        en: `an aspect ratio from ${limits.from} to ${limits.to} (e.g. ${examples.join(', ')}), or WxH which becomes its ratio`,
        zh: `${limits.from} 到 ${limits.to} 之间的宽高比(如 ${examples.join('、')}),或 宽x高(按其比例换算)`,
      };
    }
  }
}

const REFUSALS: { [C in RefusalCode]: (p: RefusalParams[C]) => RefusalWording } = {
  prompt_empty: (p) => ({
    text: both('The prompt is empty.', '提示词为空。'),
    valid: both(`text of 1 to ${p.limit} characters`, `1 到 ${p.limit} 个字符的文字`),
  }),
  prompt_too_long: (p) => ({
    text: both(
      `The prompt is ${p.length} characters long; ${p.model} here takes at most ${p.limit}.`,
      `提示词共 ${p.length} 个字符,${p.model} 在这里最多接受 ${p.limit} 个。`,
    ),
    valid: both(`up to ${p.limit} characters`, `最多 ${p.limit} 个字符`),
  }),
  n_out_of_range: (p) => ({
    text: both(
      `The number of images must be a whole number from ${countRange(p.maxN)}.`,
      p.maxN === 1 ? `${p.model} 每次只能生成 1 张图片。` : `图片数量必须是 1 到 ${p.maxN} 之间的整数。`,
    ),
    valid: same(countRange(p.maxN)),
  }),
  n_too_many: (p) => ({
    text: both(`${p.model} makes at most ${p.maxN} image${s(p.maxN)} per request.`, `${p.model} 每次最多生成 ${p.maxN} 张图片。`),
    valid: same(countRange(p.maxN)),
  }),
  quality_unknown: (p) => choiceUnknown(both('quality', '质量'), p),
  style_unknown: (p) => choiceUnknown(both('style', '风格'), p),
  steps_out_of_range: (p) => outOfRange('steps', '步数', both('a whole number', '整数'), p),
  guidance_out_of_range: (p) => outOfRange('guidance', '引导强度', both('a number', '数值'), p),
  seed_out_of_range: (p) => ({
    text: both(`The seed must be a whole number from 0 to ${p.max}.`, `种子必须是 0 到 ${p.max} 之间的整数。`),
    valid: same(`0-${p.max}`),
  }),
  safety_tolerance_not_a_number: (p) => ({
    text: both('safety_tolerance must be a number.', '安全容忍度(safety_tolerance)必须是数字。'),
    valid: same(`${p.min}-${p.max}`),
  }),
  size_not_a_size: (p) =>
    sizeRefusal(
      both(
        `"${p.typed}" is not a size: use WxH such as 1024x1536, or an aspect ratio such as 16:9.`,
        `“${p.typed}” 不是尺寸:请用 宽x高(如 1024x1536)或宽高比(如 16:9)。`,
      ),
      p.limits,
    ),
  size_zero_side: (p) =>
    sizeRefusal(both(`"${p.typed}" has a zero side, so ${p.model} cannot produce it.`, `“${p.typed}” 有一边为 0,${p.model} 无法生成。`), p.limits),
  size_shape_too_far: (p) =>
    sizeRefusal(both(`The shape ${p.typed} is too far outside what ${p.model} can produce.`, `${p.model} 无法生成 ${p.typed} 这样的比例。`), p.limits),
  model_not_offered: (p) => ({
    text: both(`Model "${p.model}" is not offered here.`, `此服务器未提供模型 “${p.model}”。`),
    valid: same(p.offered.join(', ')),
  }),
  model_not_served: (p) => ({
    text: both(`No relay is configured to serve ${p.model}.`, `没有配置能提供 ${p.model} 的中转服务。`),
    valid: same(p.served.join(', ')),
  }),
  no_relay_for_model: (p) => ({
    text: both(`No relay is configured for model ${p.model}`, `没有配置能提供模型 ${p.model} 的中转服务。`),
  }),
  image_not_taken: (p) => ({
    text: both(`${p.model} draws from text only and takes no input image.`, `${p.model} 只能根据文字生成,不接受输入图片。`),
    valid: p.editModels.length ? same(p.editModels.join(', ')) : both('no model here takes images', '这里没有接受图片的模型'),
  }),
  too_many_images: (p) => ({
    text: both(
      `${p.model} takes at most ${p.max} input image${s(p.max)}; ${p.count} were given.`,
      `${p.model} 最多接受 ${p.max} 张输入图片,收到了 ${p.count} 张。`,
    ),
    valid: same(`1-${p.max}`),
  }),
  mask_needs_gpt: (p) => ({
    text: both('A mask needs an input image and a GPT image model.', '蒙版需要一张输入图片,并且只适用于 GPT 图像模型。'),
    valid: same(p.gptModels.join(', ')),
  }),
  mask_not_transparent_png: (p) => ({
    text: both(
      `The mask "${p.name}" must be a PNG with transparency (its transparent pixels mark what may change).`,
      `蒙版 “${p.name}” 必须是带透明通道的 PNG(透明的像素表示可修改的区域)。`,
    ),
  }),
  image_too_large: (p) => {
    const mib = Math.round(p.maxBytes / (1024 * 1024));
    return { text: both(`"${p.name}" is too large: input images may be at most ${mib} MiB.`, `“${p.name}” 太大了:输入图片最大 ${mib} MiB。`) };
  },
  image_not_an_image: (p) => ({
    text: both(
      `"${p.name}" is not an image the bot can use: send a PNG, JPEG, WebP or GIF.`,
      `“${p.name}” 不是可用的图片:请发送 PNG、JPEG、WebP 或 GIF。`,
    ),
  }),
  image_unreadable: (p) => ({
    text: both(
      `"${p.name}" could not be read as an image (damaged or incomplete); try another file.`,
      `“${p.name}” 无法读取(文件损坏或不完整);请换一个文件。`,
    ),
  }),
  image_too_many_pixels: (p) => ({
    text: both(
      `"${p.name}" is ${p.width}x${p.height} pixels, too large to process; send a smaller image.`,
      `“${p.name}” 为 ${p.width}x${p.height} 像素,太大无法处理;请发送更小的图片。`,
    ),
  }),
  image_not_on_discord: (p) => ({
    text: both(
      `"${p.name}" is not a Discord attachment; upload the image to Discord instead.`,
      `“${p.name}” 不是 Discord 附件;请把图片上传到 Discord。`,
    ),
  }),
  image_link_expired: (p) => ({
    text: both(
      `The link to "${p.name}" has expired or the file was deleted; upload the image again.`,
      `“${p.name}” 的链接已过期或文件已被删除;请重新上传图片。`,
    ),
  }),
  image_download_timeout: (p) => ({
    text: both(
      `"${p.name}" took too long to download from Discord; try again, or use a smaller image.`,
      `从 Discord 下载 “${p.name}” 超时;请重试,或换一张更小的图片。`,
    ),
  }),
  image_download_failed: (p) => ({
    text: both(`"${p.name}" could not be downloaded from Discord; try again, or upload it again.`, `无法从 Discord 下载 “${p.name}”;请重试,或重新上传。`),
  }),
  image_file_missing: (p) => ({
    text: both(`The image file "${p.path}" does not exist.`, `图片文件 “${p.path}” 不存在。`),
  }),
  image_file_unreadable: (p) => ({
    text: both(`The image file "${p.path}" cannot be read (${p.errno ?? 'error'}).`, `无法读取图片文件 “${p.path}”(${p.errno ?? '错误'})。`),
  }),
  image_not_a_file: (p) => ({
    text: both(`"${p.path}" is not a file.`, `“${p.path}” 不是文件。`),
  }),
};

function wordingOf<C extends RefusalCode>(code: C, params: RefusalParams[C]): RefusalWording {
  const wording: (p: RefusalParams[C]) => RefusalWording = REFUSALS[code];
  return wording(params);
}

/** The words for one refusal: its detail and, when there is one, what is valid. */
export function refusalWording(refusal: Refusal): RefusalWording {
  return wordingOf(refusal.code, refusal.params);
}
