// POST /v1/chat/completions, as OpenAI's chat completions reference describes it
// (platform.openai.com/docs/api-reference/chat/create): `{model, messages: [{role, content: "text" |
// [{type: "text", text}, {type: "image_url", image_url: {url}}]}], stream?, max_tokens?, temperature?}`,
// answered with a `chat.completion`. Two kinds of model answer here:
// - the chat models (models.ts FAKE_CHAT_MODELS: gpt-4o-mini, gpt-4o, gpt-4.1-mini, …), text and, on
//   vision models, image parts; they answer in words (chatAnswers.ts, or RelayFakeOptions.chatReply);
// - gpt-image-2-all, APIYI's ChatGPT-web route, whose recommended endpoint this is (docs.apiyi.com
//   gpt-image-2-all pages, not a seed; 001_…txt line 1 calls it the "对话式端点"): its message text
//   carries the image as a markdown link, `![image](https://…/x.png)`, served by the fake's FileStore
//   with the same 10-minute TTL as the generation URLs.
// Both model the relays' non-streamed route: `stream: true` is a 400 (the bot never streams chat).
// Other image models get a 400 naming `model`; unknown models the relay's model_not_found.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { admitRequest } from './admit.js';
import { describePrompts, lookAt, rewritePrompt, type ImageLook } from './chatAnswers.js';
import { invalidParam, modelNotFound, relayError, type ErrorReply } from './errors.js';
import { isDownloadFault } from './faults.js';
import { readInt, readNumber, reject, Rejection, type Body } from './fields.js';
import { moderate, type GenerationContext } from './generate.js';
import { sendJson, wait } from './http.js';
import { decodeUrlOrDataUrl, LINKED_IMAGE_STANDIN, paintFromInputs } from './inputs.js';
import { findChatModel, findModel, type FakeChatModel, type FakeModel } from './models.js';
import { paint } from './paint.js';
import { profileOf } from './profiles/index.js';
import { latencyFor } from './settings.js';
import type { Fault, RecordedRequest, TransportFault } from './types.js';

/** The roles the reference lists for plain conversations (`developer`, `tool` are not modelled). */
const ROLES: readonly string[] = ['system', 'user', 'assistant'];

/** What the request asks: the system messages' text, the last user message's text and images. */
interface ChatMessages {
  system: string;
  text: string;
  images: Buffer[];
  /** Every message's text, for the relay's word filter and the token count. */
  allText: string;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function missing(param: string): never {
  reject(param, `Missing required parameter: '${param}'.`, 'missing_required_parameter');
}

/** An image part's picture: an https link reads as the stand-in (the fake fetches nothing), or a data URL. */
function readImagePart(part: Record<string, unknown>, at: string): Buffer {
  const param = `${at}.image_url.url`;
  const url = isObject(part.image_url) ? part.image_url.url : undefined;
  if (url === undefined) missing(param);
  if (typeof url === 'string' && /^https:\/\/\S+$/i.test(url.trim())) return LINKED_IMAGE_STANDIN;
  if (typeof url !== 'string' || !/^data:image\//i.test(url.trim())) {
    reject(param, `Invalid image URL: '${param}'. Expected an https URL or a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU=').`, 'invalid_image_url');
  }
  return decodeUrlOrDataUrl(param, url);
}

/** Every message checked against the reference; `vision`: the model takes image parts. */
function readMessages(value: unknown, vision: boolean): ChatMessages {
  if (!Array.isArray(value)) {
    if (value === undefined || value === null) missing('messages');
    reject('messages', `Invalid type for 'messages': expected an array, but got ${typeName(value)} instead.`, 'invalid_type');
  }
  if (value.length === 0) {
    reject('messages', "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.", 'empty_array');
  }
  const system: string[] = [];
  const all: string[] = [];
  let last: { text: string; images: Buffer[] } = { text: '', images: [] };
  value.forEach((message: unknown, i) => {
    const at = `messages[${i}]`;
    if (!isObject(message)) reject(at, `Invalid type for '${at}': expected an object, but got ${typeName(message)} instead.`, 'invalid_type');
    if (message.role === undefined) missing(`${at}.role`);
    if (typeof message.role !== 'string' || !ROLES.includes(message.role)) {
      reject(`${at}.role`, `Invalid value: '${String(message.role)}'. Supported values are: 'system', 'user', and 'assistant'.`, 'invalid_value');
    }
    const role = message.role;
    const content = message.content;
    const texts: string[] = [];
    const images: Buffer[] = [];
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) {
      if (content.length === 0) {
        reject(`${at}.content`, `Invalid '${at}.content': empty array. Expected an array with minimum length 1, but got an empty array instead.`, 'empty_array');
      }
      content.forEach((part: unknown, j) => {
        const partAt = `${at}.content[${j}]`;
        if (!isObject(part)) reject(partAt, `Invalid type for '${partAt}': expected an object, but got ${typeName(part)} instead.`, 'invalid_type');
        if (part.type === 'text') {
          if (typeof part.text !== 'string') missing(`${partAt}.text`);
          texts.push(part.text);
        } else if (part.type === 'image_url') {
          if (role !== 'user') {
            reject(at, `Invalid '${at}'. Image URLs are only allowed for messages with role 'user', but this message with role '${role}' contains an image URL.`, 'invalid_value');
          }
          if (!vision) reject(`${partAt}.type`, 'Invalid content type. image_url is only supported by certain models.', 'invalid_value');
          images.push(readImagePart(part, partAt));
        } else {
          reject(`${partAt}.type`, `Invalid value: '${String(part.type)}'. Supported values are: 'text' and 'image_url'.`, 'invalid_value');
        }
      });
    } else if (content === undefined || content === null) {
      // An assistant turn may carry tool calls instead of text; the others need content.
      if (role !== 'assistant') missing(`${at}.content`);
    } else {
      reject(`${at}.content`, `Invalid type for '${at}.content': expected a string or an array of content parts, but got ${typeName(content)} instead.`, 'invalid_type');
    }
    const text = texts.join('\n').trim();
    all.push(text);
    if (role === 'system') system.push(text);
    if (role === 'user') last = { text, images };
  });
  return { system: system.join('\n').trim(), ...last, allText: all.join('\n') };
}

/** An OpenAI `chat.completion` whose one choice says `content`; tokens counted at ~4 characters each. */
function completion(model: string, content: string, promptTokens: number, finishReason = 'stop'): Record<string, unknown> {
  const completionTokens = Math.max(1, Math.ceil(content.length / 4));
  return {
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: finishReason }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** Text at ~4 characters a token; each image at the 85 tokens of OpenAI's low-detail rate. */
function promptTokens(asked: ChatMessages): number {
  return Math.max(1, Math.ceil(asked.allText.length / 4)) + 85 * asked.images.length;
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
  const fields = body as Body;
  if (typeof fields.model !== 'string' || fields.model === '') return fail(profile.invalidBody('model is required', 'model'));
  const chatModel = findChatModel(fields.model);
  const imageModel = chatModel ? undefined : findModel(fields.model);
  if (chatModel === undefined && imageModel === undefined) return fail(modelNotFound(fields.model));
  if (imageModel !== undefined && !imageModel.chatRoute) {
    return fail(invalidParam('model', `The model ${imageModel.id} is not served on /v1/chat/completions here; use /v1/images/generations.`, 'model_not_supported'));
  }
  const modelId = fields.model;
  // Refused rather than ignored: the fake plays the relays' non-streamed route only.
  if (fields.stream === true) return fail(invalidParam('stream', `Unsupported parameter: 'stream' is not supported with the model ${modelId}.`, 'unsupported_parameter'));
  let asked: ChatMessages;
  let maxTokens: number | undefined;
  try {
    asked = readMessages(fields.messages, chatModel?.vision ?? true);
    if (chatModel !== undefined) {
      maxTokens = readInt(fields, 'max_tokens', 1, chatModel.maxOutputTokens) ?? readInt(fields, 'max_completion_tokens', 1, chatModel.maxOutputTokens);
      readNumber(fields, 'temperature', 0, 2);
    }
  } catch (error) {
    if (error instanceof Rejection) return fail(error.reply);
    throw error;
  }
  // new-api's own word filter reads every message before any upstream is called (HTTP 500, as for images).
  if (profile.sensitiveWords && asked.allText.includes('敏感')) {
    return fail(relayError(500, 'user sensitive words detected: 敏感', 'sensitive_words_detected', 'messages'));
  }
  if (chatModel !== undefined) return answerInWords(ctx, res, record, signal, { model: chatModel, asked, maxTokens, fail });
  return answerWithImage(ctx, res, record, signal, { model: imageModel!, asked, fault, fail });
}

/** A chat model's answer: the test's (chatReply), else the fake's own (chatAnswers.ts). */
async function answerInWords(
  ctx: GenerationContext,
  res: ServerResponse,
  record: RecordedRequest,
  signal: AbortSignal,
  request: { model: FakeChatModel; asked: ChatMessages; maxTokens: number | undefined; fail: (reply: ErrorReply) => void },
): Promise<void> {
  const { model, asked, maxTokens, fail } = request;
  let looks: ImageLook[];
  try {
    // Looked at before the model "thinks": an unreadable image is refused up front, as OpenAI does.
    looks = await Promise.all(asked.images.map((image) => lookAt(image, 'messages')));
  } catch (error) {
    if (error instanceof Rejection) return fail(error.reply);
    throw error;
  }
  record.forwardedBody = { ...(record.body as Body) };
  if (!(await wait(latencyFor(ctx.settings, model.id), signal))) return;
  const reply = ctx.settings.chatReply?.({ model: model.id, system: asked.system, text: asked.text, images: asked.images.length });
  if (reply !== undefined && typeof reply !== 'string') return reply.status >= 400 ? fail(reply) : sendJson(res, reply.status, reply.body);
  let answer = reply ?? (looks[0] ? describePrompts(looks[0]) : rewritePrompt(asked.text));
  let finishReason = 'stop';
  // `max_tokens` cuts the answer where the tokens run out, as the reference's finish_reason `length` says.
  if (maxTokens !== undefined && Math.ceil(answer.length / 4) > maxTokens) {
    answer = answer.slice(0, maxTokens * 4);
    finishReason = 'length';
  }
  sendJson(res, 200, completion(model.id, answer, promptTokens(asked), finishReason));
}

/** gpt-image-2-all: a picture for the user's text (and from its images), linked in the message text. */
async function answerWithImage(
  ctx: GenerationContext,
  res: ServerResponse,
  record: RecordedRequest,
  signal: AbortSignal,
  request: { model: FakeModel; asked: ChatMessages; fault: Exclude<Fault, TransportFault> | undefined; fail: (reply: ErrorReply) => void },
): Promise<void> {
  const { settings } = ctx;
  const { model, asked, fault, fail } = request;
  if (asked.text === '') return fail(invalidParam('messages', "Invalid 'messages': the user message has no text.", 'missing_required_parameter'));
  if (asked.text.length > model.maxPromptChars) {
    return fail(invalidParam('messages', `The prompt is too long: at most ${model.maxPromptChars} characters.`, 'string_above_max_length'));
  }
  record.forwardedBody = { ...(record.body as Body) };

  if (!(await wait(latencyFor(settings, model.id), signal))) return;
  const blocked = moderate(model, asked.text);
  if (blocked !== undefined) return fail(blocked);
  // APIYI's page for the model: "输出分辨率 | 无显式 size 参数,由模型自适应": the model picks the
  // size, nothing in the request sets it, so the fake paints its own square whatever the text asks.
  const width = 1024;
  const height = 1024;
  const image = asked.images.length
    ? await paintFromInputs(asked.images, { width, height, format: 'png' })
    : await paint({ width, height, format: 'png', key: `prompt:${asked.text}`, noise: settings.noise || /\bnoise\b/i.test(asked.text) });
  if (signal.aborted) return;
  const url = `${ctx.origin}${ctx.files.add(image, 'png', fault !== undefined && isDownloadFault(fault) ? fault : undefined)}`;
  // The image model's tokens: the text alone, as before (its price is per image, not per token).
  sendJson(res, 200, completion(model.id, `Here is the image you asked for.\n\n![image](${url})`, Math.max(1, Math.ceil(asked.text.length / 4))));
}
