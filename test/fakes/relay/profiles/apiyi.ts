// APIYI: FLUX.2 and FLUX 1.x text-to-image (001_b9045e507c71f51b.txt), Flux Kontext
// (002_317b7276c9403078.txt), and gpt-image-2-all as APIYI's own pages describe it (docs.apiyi.com,
// not a seed). APIYI forwards the FLUX fields as sent (001's examples put them at the top level), so
// nothing is dropped; an unknown field such as the literal `extra_body` of 002's aiohttp example
// (002 lines 448-452) is ignored by the upstream, and its `aspect_ratio` with it.
import {
  checkFluxSides,
  FOUR_MEGAPIXELS,
  parseRatio,
  ratioDimensions,
  readFluxCommon,
  rejectLongPrompt,
  urlPlan,
  validating,
  withInputs,
  type FluxLimits,
  type GenerationPlan,
  type PixelCap,
} from '../dialects.js';
import { relayError } from '../errors.js';
import { has, parseSize, readEnum, readInt, readNumber, readString, reject, type Body } from '../fields.js';
import { readInputImages } from '../inputs.js';
import type { FakeModel } from '../models.js';
import type { Profile } from './index.js';
import { newApi } from './newApi.js';

const ULTRA = 'flux-pro-1.1-ultra';

const LIMITS: FluxLimits = {
  // 001 line 125: "seed | integer"; 002 line 114: "seed integer 任意整数" (any integer, negatives too).
  minSeed: Number.MIN_SAFE_INTEGER,
  // 001 line 126: "safety_tolerance | integer | 否 | 2 | 0(最严)– 6(最宽松)" on the FLUX.2 page, for every
  // model on it; 002 line 115: "safety_tolerance integer 0-6" for Kontext.
  maxSafetyTolerance: 6,
};

/**
 * 001 line 156: "常用:1024x1024 / 1536x1024 / 1024x1536 / 1920x1080 / 1440x2048 / 2048x2048" and line 157:
 * "自定义需满足:边长 16 倍数、64×64–4MP 之间". The common sizes are taken as listed, 1920x1080 too
 * (the `size` field's own example, line 158), although 1080 is no multiple of 16; only custom sizes
 * must meet the rule. The seed does not say what such a preset comes out as: the fake paints each
 * side rounded to the nearest multiple of 16 (1920x1080 → 1920x1088).
 */
const COMMON_SIZES = new Set(['1024x1024', '1536x1024', '1024x1536', '1920x1080', '1440x2048', '2048x2048']);

/** 001 line 140: "flux-pro-1.1 | ~5s | 老版 1.6MP". Every other model: 4 MP (line 157; Ultra line 139 "老版 4MP"). */
const PIXEL_CAPS: Readonly<Record<string, PixelCap>> = {
  'flux-pro-1.1': { pixels: 1_600_000, label: '1.6 megapixels' },
};

/** gpt-image-2-all on /v1/images/generations: "不接受 size、n、quality、aspect_ratio 等字段" (docs.apiyi.com). */
const WEB_ROUTE_FIELDS = new Set(['model', 'prompt', 'response_format']);

const round16 = (value: number): number => Math.max(16, Math.round(value / 16) * 16);

/** `size` or `width`/`height` (or, on Ultra, `aspect_ratio`): one way of saying the shape, checked by 001. */
function sides(model: FakeModel, body: Body): { width: number; height: number } {
  const bySize = has(body, 'size');
  const byPixels = has(body, 'width') || has(body, 'height');
  // 001 line 123: "width | … | BFL 原生写法,与 size 二选一" (line 155: "与 width/height 二选一").
  if (bySize && byPixels) {
    reject('size', "Invalid request: send either 'size' or 'width'/'height' (与 size 二选一), not both.", 'conflicting_parameters');
  }
  const cap = PIXEL_CAPS[model.id] ?? FOUR_MEGAPIXELS;
  if (bySize) {
    const size = readString(body, 'size') as string;
    const parsed = parseSize(size);
    if (COMMON_SIZES.has(size)) {
      return checkFluxSides({ width: round16(parsed.width), height: round16(parsed.height), param: 'size' }, cap);
    }
    // 001 line 157: "自定义需满足:边长 16 倍数、64×64–4MP 之间".
    return checkFluxSides({ ...parsed, param: 'size' }, cap);
  }
  // 001 line 38: "width / height 必须是 16 的倍数 — 不满足会 400 报错"; lines 159-162: "64–2048 之间".
  // Defaults 1024 (lines 123-124). The seed's own width/height example (1920 x 1080, lines 64-65 and
  // 160-162) breaks the rule it states: the rule wins, so that example gets a 400.
  const width = readInt(body, 'width', 1, 100_000) ?? 1024;
  const height = readInt(body, 'height', 1, 100_000) ?? 1024;
  return checkFluxSides({ width, height, param: 'width' }, cap);
}

/** 001's text-to-image page: the FLUX.2 models, the FLUX 1.x ones (flux-1 with them), and Ultra. */
function planFlux(model: FakeModel, body: Body): GenerationPlan {
  // Also: `quality` refused by name, `n` only 1 (001 line 131 "仅支持 1"), output_format jpeg/png
  // (line 127), prompt_upsampling a boolean (line 128; [klein] ignores it, so it is accepted there too).
  const common = readFluxCommon(model, body, LIMITS);
  if (model.flexParams) {
    // 001 lines 129-130: "steps … 仅 flux-2-flex,最大 50", "guidance … 仅 flux-2-flex,1.5–10" (lines 168-170).
    readInt(body, 'steps', 1, 50);
    readNumber(body, 'guidance', 1.5, 10);
  }
  const { width, height } = sides(model, body);
  return withInputs(urlPlan(width, height, common), readInputImages(model, body, 'url-or-data-url'));
}

/** 002: Kontext by aspect ratio, about one megapixel, one input image. */
function planKontext(model: FakeModel, body: Body): GenerationPlan {
  const common = readFluxCommon(model, body, LIMITS);
  // 002 line 113: "aspect_ratio string 3:7 到 7:3 … 默认 "1:1""; line 36: any ratio in that range (5:4, 16:10 …).
  const { w, h } = parseRatio(readString(body, 'aspect_ratio') ?? '1:1', [3, 7]);
  // 002 line 25: "总像素保持约 1 兆像素". Line 570: "Flux API 原生只支持单张图片输入" (maxInputImages 1).
  const { width, height } = ratioDimensions(w, h);
  return withInputs(urlPlan(width, height, common), readInputImages(model, body, 'url-or-data-url'));
}

/**
 * gpt-image-2-all on /v1/images/generations takes only {model, prompt, response_format} and "不接受
 * size、n、quality、aspect_ratio 等字段" (docs.apiyi.com gpt-image-2-all pages): any other field is a
 * 400 naming it. Its recommended endpoint is /v1/chat/completions (chat.ts).
 */
function planWebRoute(model: FakeModel, body: Body): GenerationPlan {
  const stray = Object.keys(body).find((name) => has(body, name) && !WEB_ROUTE_FIELDS.has(name));
  if (stray !== undefined) {
    reject(
      stray,
      `Unsupported parameter: '${stray}' is not accepted by ${model.id} on /v1/images/generations ` +
        '(only model, prompt and response_format; the recommended endpoint is /v1/chat/completions).',
      'unsupported_parameter',
    );
  }
  const responseFormat = readEnum(body, 'response_format', ['url', 'b64_json']);
  return { width: 1024, height: 1024, format: 'png', n: 1, answer: responseFormat === 'b64_json' ? 'b64' : 'url' };
}

export const apiyi: Profile = {
  invalidBody: (message, param) => relayError(400, message, 'invalid_request', param),
  promptFirst: false,
  sensitiveWords: false,
  // 001 line 38: "data[0].url 必须立即下载,过期返回 404"; line 151: "签名 10 分钟过期".
  expiredUrlStatus: 404,
  generation(model, fields, prompt, settings) {
    // The GPT image models are not on these pages (001 line 151 only says gpt-image-2 answers b64_json).
    if (model.dialect === 'gpt-image' && !model.chatRoute) return newApi.generation(model, fields, prompt, settings);
    const forwarded = { ...fields };
    const validation = validating(() => {
      // 001 line 121: "prompt … 最长 32K tokens" (the fake's FLUX cap is in characters, and generous).
      rejectLongPrompt(prompt, model.maxPromptChars);
      if (model.chatRoute) return planWebRoute(model, forwarded);
      if (model.dialect === 'flux' || model.id === ULTRA) return planFlux(model, forwarded);
      return planKontext(model, forwarded);
    });
    return { forwarded, validation };
  },
};
