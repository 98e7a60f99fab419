// QuickRouter (003_9e247056318b966e.txt) and AnyAPI (004_a2ae070d811670db.txt): the same endpoint,
// "Flux 创建(OpenAI dall-e-3格式)" (003 line 1, 004 lines 3 and 16): FLUX through an OpenAI dall-e-3
// shaped schema. Line numbers below are 003's, with 004's OpenAPI lines beside them.
// The relay keeps the schema's fields and drops the rest before the upstream (forwardedBody): the
// seeds document no error for an unlisted field (seed, safety_tolerance, width, output_format,
// input_image …), so none is refused for it. GPT image models are not on these pages: served as
// new-api serves them, under the prompt cap.
import { parseRatio, promptTooLong, ratioDimensions, STRICT_ASPECT_RATIOS, validating, type GenerationPlan } from '../dialects.js';
import { relayError } from '../errors.js';
import { readEnum, readInt, readString, reject, rejectUnsupported, type Body } from '../fields.js';
import type { FakeModel } from '../models.js';
import type { Profile } from './index.js';
import { newApi } from './newApi.js';

/** The schema's properties: 003 lines 15-51, 004 lines 42-73 (x-apifox-orders, lines 78-87). */
const SCHEMA_FIELDS = ['prompt', 'model', 'n', 'quality', 'response_format', 'style', 'user', 'size', 'aspect_ratio'];

/** 003 line 19, 004 line 48: "所需图像的文本描述。最大长度为 1000 个字符。" Applied to every model of the endpoint. */
const MAX_PROMPT_CHARS = 1000;

/** 003 line 47, 004 line 54: "生成图像的大小。必须是256x256、512x512或 1024x1024之一。" */
const SIZES = ['256x256', '512x512', '1024x1024'] as const;

function keepSchemaFields(fields: Body): Body {
  const kept: Body = {};
  for (const name of SCHEMA_FIELDS) if (name in fields) kept[name] = fields[name];
  return kept;
}

/**
 * Every FLUX model (flux-*, flux-1, Kontext and Ultra alike). The output is about one megapixel at the
 * ratio; `size` is checked against its enum but does not change what is painted.
 */
function planFlux(model: FakeModel, body: Body): GenerationPlan {
  // 003 lines 48-51, 004 lines 69-77: "aspect_ratio string 必需 … Possible enum values: 21:9, 16:9, 4:3,
  // 3:2, 1:1, 2:3, 3:4, 9:16, 9:21", and `required: [prompt, aspect_ratio]`. The seed's own example
  // request (003 lines 65-70: flux-1, size 1024x1024, no aspect_ratio) leaves it out: the schema wins
  // (the safer reading), so that example gets this 400.
  const ratio = readString(body, 'aspect_ratio');
  if (ratio === undefined) reject('aspect_ratio', "Missing required parameter: 'aspect_ratio'.", 'missing_required_parameter');
  readEnum(body, 'aspect_ratio', STRICT_ASPECT_RATIOS);
  readEnum(body, 'size', SIZES);
  // 003 line 27, 004 line 51: "要生成的图像数。必须介于 1 和 10 之间。" (the example answer, 003 lines 53-63, has two URLs).
  const n = readInt(body, 'n', 1, 10) ?? 1;
  // 003 line 31, 004 line 57: quality "此参数仅支持dall-e-3". 003 line 43, 004 lines 67-68: style
  // "vivid … natural … 此参数仅支持dall-e-3" (printed under `user`, a slip of the page; `user` is free text).
  rejectUnsupported(body, 'quality', model.id);
  rejectUnsupported(body, 'style', model.id);
  readString(body, 'user');
  // 003 line 35, 004 line 60: response_format "url 或 b64_json", honoured.
  const responseFormat = readEnum(body, 'response_format', ['url', 'b64_json']);
  const { w, h } = parseRatio(ratio, [9, 21]);
  const { width, height } = ratioDimensions(w, h);
  // No output_format in the schema: BFL's default, JPEG.
  return { width, height, format: 'jpeg', n, answer: responseFormat === 'b64_json' ? 'b64' : 'url' };
}

export const dalleFormat: Profile = {
  invalidBody: (message, param) => relayError(400, message, 'invalid_request', param),
  // 003 lines 16-23, 004 lines 75-77: prompt is required, model is optional. A body without either
  // (the seed's code samples, 003 lines 71-396, send the example *answer*) is told about the prompt.
  // A missing model is still a 400: no default model is documented, so the relay cannot route it.
  promptFirst: true,
  sensitiveWords: false,
  expiredUrlStatus: 403,
  generation(model, fields, prompt, settings) {
    // The relay's own cap, before anything is forwarded.
    const tooLong = promptTooLong(prompt, MAX_PROMPT_CHARS);
    if (tooLong !== undefined) return { validation: { ok: false, error: tooLong } };
    if (model.dialect === 'gpt-image') return newApi.generation(model, fields, prompt, settings);
    const forwarded = keepSchemaFields(fields);
    return { forwarded, validation: validating(() => planFlux(model, forwarded)) };
  },
};
