// Flu API (000_3d1bffd6dd2fdba8.txt): gpt-image-2 on `POST /v1/images/generations` behind a new-api
// style relay. Every refusal it documents reads the same, whatever the field:
//   000 lines 196-200: "400 Invalid request • JSON 格式不合法。• 参数名称写错。• size 或 quality 当前通道不支持。"
// so a GPT image request the upstream refuses is answered with that generic 400, never naming the
// field (the bot's "drop quality and resend" cannot tell quality was the problem). Other models are
// served as new-api serves them: the seed says nothing about them.
import type { ErrorReply } from '../errors.js';
import { has } from '../fields.js';
import type { Profile } from './index.js';
import { newApi } from './newApi.js';

/** 000 line 196: "400 Invalid request", in OpenAI's error shape, word for word (no request id appended). */
export const FLU_INVALID_REQUEST: ErrorReply = {
  status: 400,
  body: { error: { message: 'Invalid request', type: 'invalid_request_error' } },
  exact: true,
};

/**
 * The fields the seed ever sends: 000 lines 23-28 and 33-39 (`model`, `prompt`, `size`, `n`,
 * `quality`) and the table at lines 40-46. With `rejectUnknownParams`, anything else is "参数名称写错"
 * (line 199): a wrong parameter name.
 */
const DOCUMENTED_FIELDS = new Set(['model', 'prompt', 'size', 'n', 'quality']);

/**
 * 000 lines 41-43: "size 1024x1024 方图,最稳 / 1024x1536 竖图 / 1536x1024 横图". With
 * `rejectUnknownParams` these are the only sizes ("size 当前通道不支持", line 200); without it,
 * gpt-image-2's free sizes are checked as new-api's upstream checks them (then refused generically).
 */
const RECOMMENDED_SIZES = new Set(['1024x1024', '1024x1536', '1536x1024']);

const refused = { validation: { ok: false as const, error: FLU_INVALID_REQUEST } };

export const flu: Profile = {
  // 000 line 198: "JSON 格式不合法" (and a body without model or prompt) → the same generic 400.
  invalidBody: () => FLU_INVALID_REQUEST,
  promptFirst: false,
  // Not in the seed: Flu's own prompt filter is undocumented, so none here.
  sensitiveWords: false,
  expiredUrlStatus: 403,
  generation(model, fields, prompt, settings) {
    if (model.dialect !== 'gpt-image') return newApi.generation(model, fields, prompt, settings);
    if (settings.rejectUnknownParams) {
      // "when told to": a channel that refuses what the seed does not send (`moderation`, `stream`,
      // `response_format`, …). The relay refuses it itself: nothing reaches the upstream.
      if (Object.keys(fields).some((name) => !DOCUMENTED_FIELDS.has(name))) return refused;
      if (has(fields, 'size') && !RECOMMENDED_SIZES.has(String(fields.size))) return refused;
    }
    const result = newApi.generation(model, fields, prompt, settings);
    // Whatever the upstream objected to (size, quality, an unknown field), Flu says only this.
    return result.validation.ok ? result : { ...result, validation: refused.validation };
  },
};
