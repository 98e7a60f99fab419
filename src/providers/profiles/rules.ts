// The five profiles, each written from its seed document in ../../../../shared/seeds/ (quoted where
// a rule comes from). Where a seed is silent, a profile falls back to the generic new-api rules.
import { STRICT_ASPECT_RATIOS } from '../../catalog/models.js';
import type { ModelSpec, SizeRule } from '../../catalog/types.js';
import type { ModelRules, OptionalField, ProfileName, ProfileRules } from './types.js';

const GPT_OPTIONAL: readonly OptionalField[] = ['quality', 'moderation', 'output_format', 'style'];
const BFL_OPTIONAL: readonly OptionalField[] = ['seed', 'safety_tolerance', 'output_format', 'prompt_upsampling', 'steps', 'guidance'];

/** GPT image models go to /images/generations, edits to /images/edits as multipart. */
function gptRules(): ModelRules {
  return { endpoint: 'images', size: 'size', optional: GPT_OPTIONAL, inputs: 'multipart' };
}

/**
 * new-api / one-api, and today's behaviour: FLUX sizes as `size` with `width`/`height` beside it
 * (new-api keeps `size`, one-api passes the rest through to BFL), Kontext and Ultra by
 * `aspect_ratio`, BFL's options as top-level fields, input images as raw base64.
 */
const newApi: ProfileRules = (model) => {
  switch (model.dialect) {
    case 'gpt-image':
      return gptRules();
    case 'flux':
      return { endpoint: 'images', size: 'size+width+height', optional: BFL_OPTIONAL, inputs: 'base64' };
    case 'kontext':
      return { endpoint: 'images', size: 'aspect_ratio', optional: BFL_OPTIONAL, inputs: 'base64' };
  }
};

/**
 * Flu API (000): documents `{model, prompt, size, n}` and `quality` for gpt-image-2 ("推荐参数"), and
 * says a wrong parameter name or an unsupported size/quality is `400 Invalid request`. Everything
 * beyond the stable set is optional and sent only when it differs from the default; the client's
 * one resend without optional fields is the seed's "如果 quality 参数报错,去掉 quality" made general.
 */
const flu: ProfileRules = newApi;

/** APIYI FLUX (001): "边长 16 倍数、64×64–4MP 之间", "64 <= x <= 2048". */
function apiyiFluxSizes(model: ModelSpec): SizeRule {
  const rule = model.sizes;
  if (rule.kind !== 'pixels') {
    // flux-pro-1.1-ultra is listed on the size-based page (001: "老版 4MP"), not by aspect ratio.
    return { kind: 'pixels', step: 16, minSide: 64, maxSide: 2048, maxPixels: 2048 * 2048, maxRatio: 2048 / 64, presets: ['1024x1024', '1536x1024', '1024x1536', '1920x1088', '1088x1920', '2048x2048'], auto: false };
  }
  return { ...rule, minSide: 64, maxRatio: Math.max(rule.maxRatio, rule.maxSide / 64) };
}

const apiyi: ProfileRules = (model) => {
  if (model.id === 'gpt-image-2-all') {
    // 001, first line: "对话式端点提示词遵循最佳"; APIYI's gpt-image-2-all page: POST /v1/chat/completions
    // with OpenAI messages, "无显式 size 参数 … 尺寸/比例/风格请在此描述" (in the prompt), reference
    // images as `image_url` parts that take "https://... or data:image/png;base64,...".
    return { endpoint: 'chat', size: 'prompt', maxN: 1, optional: [], inputs: 'chat' };
  }
  switch (model.dialect) {
    case 'gpt-image':
      return gptRules();
    case 'flux':
      // 001: "size … 与 width/height 二选一" (one or the other): `size` alone, which every relay honours.
      // APIYI's FLUX edit page: input images are "a public URL (recommended) or data:image/...;base64,xxx".
      return { endpoint: 'images', size: 'size', sizes: apiyiFluxSizes(model), optional: BFL_OPTIONAL, inputs: 'data-url' };
    case 'kontext':
      if (model.sizes.kind !== 'ratio' || model.id === 'flux-pro-1.1-ultra') {
        return { endpoint: 'images', size: 'size', sizes: apiyiFluxSizes(model), optional: BFL_OPTIONAL, inputs: 'data-url' };
      }
      // 002: aspect_ratio "3:7 到 7:3", seed, safety_tolerance 0-6, output_format, prompt_upsampling.
      return { endpoint: 'images', size: 'aspect_ratio', optional: BFL_OPTIONAL, inputs: 'data-url' };
  }
};

/** 003/004: "aspect_ratio string 必需 … 21:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16, 9:21". */
const NINE_RATIOS: SizeRule = { kind: 'ratio', minRatio: 9 / 21, maxRatio: 21 / 9, presets: STRICT_ASPECT_RATIOS, megapixels: 1 };
/** 003/004: "prompt … 最大长度为 1000 个字符。" */
const DALL_E_FORMAT_PROMPT_CHARS = 1000;

/**
 * QuickRouter (003) and AnyAPI (004) serve FLUX "in OpenAI dall-e-3 format": `aspect_ratio` required
 * from the nine values, `size` only 256x256 / 512x512 / 1024x1024 (so none is sent: the ratio says
 * the shape), `n` 1..10, a 1000-character prompt; `quality` (`hd`) and `style` only for dall-e-3.
 * They list no seed, safety_tolerance, output_format or input image, so none is sent.
 */
const dallE3Format: ProfileRules = (model) => {
  if (model.dialect !== 'gpt-image') {
    return {
      endpoint: 'images',
      size: 'aspect_ratio',
      sizes: NINE_RATIOS,
      strictAspectRatios: true,
      maxPromptChars: DALL_E_FORMAT_PROMPT_CHARS,
      maxN: 10,
      optional: [],
      inputs: 'none',
    };
  }
  // dall-e-3's own spec already narrows GPT_OPTIONAL to `quality` and `style` (no moderation, png only).
  return { ...gptRules(), maxPromptChars: DALL_E_FORMAT_PROMPT_CHARS };
};

export const PROFILES: Readonly<Record<ProfileName, ProfileRules>> = {
  'new-api': newApi,
  flu,
  apiyi,
  quickrouter: dallE3Format,
  anyapi: dallE3Format,
};

/** The seeds' hosts (and their sibling gateways), for picking a profile from a base URL. */
const HOSTS: ReadonlyArray<[RegExp, ProfileName]> = [
  [/(^|\.)fluapi\.com$/, 'flu'],
  // APIYI's docs: "你也可以把 api.apiyi.com 替换为 b.apiyi.com / vip.apiyi.com 等".
  [/(^|\.)apiyi\.com$/, 'apiyi'],
  [/(^|\.)quickrouter\.ai$/, 'quickrouter'],
  [/(^|\.)anyapi\.vip$/, 'anyapi'],
];

/** The profile of a relay by its base URL's host; `new-api` for any other host. */
export function profileForBaseUrl(baseUrl: string): ProfileName {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return 'new-api';
  }
  return HOSTS.find(([pattern]) => pattern.test(host))?.[1] ?? 'new-api';
}
