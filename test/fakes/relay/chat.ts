// POST /v1/chat/completions for gpt-image-2-all, APIYI's ChatGPT-web route, whose recommended
// endpoint this is (docs.apiyi.com gpt-image-2-all pages, not a seed; 001_…txt line 1 calls it the
// "对话式端点"): `{model, messages: [{role: "user", content: "text" | [{type: "text", text},
// {type: "image_url", image_url: {url}}]}], stream?: false}`. No streaming (stream: true is a 400).
// The answer is an OpenAI `chat.completion` whose message text carries the image as a markdown link,
// `![image](https://…/x.png)`, served by the fake's FileStore with the same 10-minute TTL as the
// generation URLs. Served on every profile; other models get a 400 (vision chat is not faked yet).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { admitRequest } from './admit.js';
import { invalidParam, modelNotFound, type ErrorReply } from './errors.js';
import { isDownloadFault } from './faults.js';
import { moderate, type GenerationContext } from './generate.js';
import { sendJson, wait } from './http.js';
import { decodeUrlOrDataUrl, paintFromInputs } from './inputs.js';
import { findModel } from './models.js';
import { paint } from './paint.js';
import { profileOf } from './profiles/index.js';
import { latencyFor } from './settings.js';
import type { RecordedRequest } from './types.js';

/** What the user asked for: the text of the last user message, and its images. */
interface ChatAsk {
  text: string;
  images: Buffer[];
}

class ChatRejection extends Error {
  constructor(readonly reply: ErrorReply) {
    super('chat request rejected');
  }
}

function refuse(message: string, param = 'messages', code = 'invalid_value'): never {
  throw new ChatRejection(invalidParam(param, message, code));
}

/** The last user message: its text parts joined, its image parts decoded (a link reads as a stand-in). */
function readAsk(messages: unknown): ChatAsk {
  if (!Array.isArray(messages) || messages.length === 0) refuse("Invalid 'messages': expected a non-empty array of messages.");
  const last = [...messages].reverse().find((message: unknown) => (message as { role?: unknown } | null)?.role === 'user') as
    | { content?: unknown }
    | undefined;
  if (last === undefined) refuse("Invalid 'messages': no message with role 'user'.");
  const content = last.content;
  if (typeof content === 'string') return { text: content.trim(), images: [] };
  if (!Array.isArray(content)) refuse("Invalid 'messages[].content': expected a string or an array of content parts.", 'messages', 'invalid_type');
  const texts: string[] = [];
  const images: Buffer[] = [];
  for (const part of content as Array<Record<string, unknown>>) {
    if (part?.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else if (part?.type === 'image_url') {
      const url = (part.image_url as { url?: unknown } | undefined)?.url;
      // "https://… or data:image/png;base64,…": the same reading as APIYI's input_image fields.
      try {
        images.push(decodeUrlOrDataUrl('image_url', url));
      } catch {
        refuse("Invalid 'image_url.url': expected a public image URL or a data:image/...;base64,... data URL.", 'messages', 'invalid_image');
      }
    } else refuse(`Invalid content part type '${String(part?.type)}': expected 'text' or 'image_url'.`);
  }
  return { text: texts.join('\n').trim(), images };
}

export async function handleChat(
  ctx: GenerationContext,
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
  signal: AbortSignal,
): Promise<void> {
  const { settings } = ctx;
  const admitted = admitRequest(ctx, req, res, record);
  if (!admitted) return;
  const { fail, fault } = admitted;
  const profile = profileOf(settings);
  const body = record.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return fail(profile.invalidBody('invalid request body: expected a JSON object', ''));
  }
  const fields = body as Record<string, unknown>;
  if (typeof fields.model !== 'string' || fields.model === '') return fail(profile.invalidBody('model is required', 'model'));
  const model = findModel(fields.model);
  if (model === undefined) return fail(modelNotFound(fields.model));
  if (!model.chatRoute) {
    return fail(invalidParam('model', `The model ${model.id} is not served on /v1/chat/completions here; use /v1/images/generations.`, 'model_not_supported'));
  }
  // "stream is not supported" for this route: refused rather than ignored.
  if (fields.stream === true) return fail(invalidParam('stream', `Unsupported parameter: 'stream' is not supported with the model ${model.id}.`, 'unsupported_parameter'));
  let ask: ChatAsk;
  try {
    ask = readAsk(fields.messages);
  } catch (error) {
    if (error instanceof ChatRejection) return fail(error.reply);
    throw error;
  }
  if (ask.text === '') return fail(invalidParam('messages', "Invalid 'messages': the user message has no text.", 'missing_required_parameter'));
  if (ask.text.length > model.maxPromptChars) {
    return fail(invalidParam('messages', `The prompt is too long: at most ${model.maxPromptChars} characters.`, 'string_above_max_length'));
  }
  record.forwardedBody = { ...fields };

  if (!(await wait(latencyFor(settings, model.id), signal))) return;
  const blocked = moderate(model, ask.text);
  if (blocked !== undefined) return fail(blocked);
  // APIYI's page for the model: "输出分辨率 | 无显式 size 参数,由模型自适应": the model picks the
  // size, nothing in the request sets it, so the fake paints its own square whatever the text asks.
  const width = 1024;
  const height = 1024;
  const image = ask.images.length
    ? await paintFromInputs(ask.images, { width, height, format: 'png' })
    : await paint({ width, height, format: 'png', key: `prompt:${ask.text}`, noise: settings.noise || /\bnoise\b/i.test(ask.text) });
  if (signal.aborted) return;
  const url = `${ctx.origin}${ctx.files.add(image, 'png', fault !== undefined && isDownloadFault(fault) ? fault : undefined)}`;
  const promptTokens = Math.max(1, Math.ceil(ask.text.length / 4));
  const completionTokens = 24;
  sendJson(res, 200, {
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: model.id,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: `Here is the image you asked for.\n\n![image](${url})` },
        finish_reason: 'stop',
      },
    ],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  });
}
