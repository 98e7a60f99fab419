// One call to a relay's chat (text and vision) model: `POST {base}/chat/completions`, not streamed,
// with OpenAI's `messages` (text, or text and `image_url` parts). Error answers are classified by the
// same table as image calls (classify.ts) and retried by the same policy inside one deadline
// (attempts.ts). The answer is the assistant message's text; a 200 without any is billed by the relay,
// so it is a MalformedResponseError (`chat_empty`), never retried.
import { z } from 'zod';
import type { RelayConfig } from '../config/relay.js';
import { relayAttempts, type AttemptOptions } from './attempts.js';
import { classifyParsedResponse, classifyReportedError, extractRequestId, isErrorJson, parseJsonBody } from './classify.js';
import { MalformedResponseError, isImagineError } from './errors.js';
import { postJson, type RelayResponse } from './http.js';
import type { ChatMessage } from './types.js';

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** `max_tokens`: the longest answer paid for. */
  maxTokens?: number;
  temperature?: number;
}

export type ChatOptions = AttemptOptions;

export interface ChatAnswer {
  /** The assistant's text, trimmed; never empty. */
  text: string;
  requestId?: string;
  elapsedMs: number;
  /** Requests sent (1 when the first one succeeded). */
  attempts: number;
  /** The relay's token counts, as it sent them. */
  usage?: unknown;
}

/** The one path every OpenAI-compatible relay serves chat on. */
const CHAT_PATH = '/chat/completions';
/** A chat answer is a few KiB: anything near this is not one. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

const partSchema = z.object({ type: z.string().optional(), text: z.string().optional() });
const answerSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z
          .object({
            content: z.union([z.string(), z.array(partSchema)]).nullish(),
            /** OpenAI's refusal: the model declined, in words, instead of answering. */
            refusal: z.string().nullish(),
          })
          .nullish(),
        finish_reason: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: z.unknown().optional(),
});

type Choice = NonNullable<z.infer<typeof answerSchema>['choices']>[number];

/** The first choice's text: a string, or the text parts of a list joined line by line. */
function answerText(choice: Choice | undefined): string {
  const content = choice?.message?.content;
  if (typeof content === 'string') return content.trim();
  return (content ?? [])
    .map((part) => (part.type === undefined || part.type === 'text' || part.type === 'output_text' ? part.text ?? '' : ''))
    .filter((text) => text.trim() !== '')
    .join('\n')
    .trim();
}

/** Sends `request` to `relay` until its chat model answers with text or a final typed error. */
export async function completeChat(relay: RelayConfig, request: ChatRequest, options: ChatOptions): Promise<ChatAnswer> {
  const tries = relayAttempts(relay, options);
  const body: Record<string, unknown> = { model: request.model, messages: request.messages, stream: false };
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;

  const read = (response: RelayResponse, attempts: number): ChatAnswer => {
    const json = parseJsonBody(response.text);
    const ok = response.status >= 200 && response.status < 300;
    if (!ok) throw classifyParsedResponse(relay.name, response, json);
    if (isErrorJson(json)) throw classifyReportedError(relay.name, response, json, 'answered the chat request with an error');
    const requestId = extractRequestId(response.headers);
    const where = { relay: relay.name, status: response.status, requestId };
    const parsed = answerSchema.safeParse(json);
    if (json === undefined || !parsed.success) {
      throw new MalformedResponseError(`Relay "${relay.name}" answered the chat request with something that is not a chat completion`, where);
    }
    const choice = parsed.data.choices?.[0];
    const text = answerText(choice);
    if (text === '') {
      // Billed all the same: the tokens were spent, on a filter's verdict or a refusal or nothing.
      const why = choice?.message?.refusal?.trim() || (choice?.finish_reason ? `finish_reason ${choice.finish_reason}` : 'no message');
      throw new MalformedResponseError(`Relay "${relay.name}" answered the chat request without text (${why.slice(0, 160)})`, {
        ...where,
        code: 'chat_empty',
      });
    }
    const answer: ChatAnswer = { text, elapsedMs: tries.now() - tries.start, attempts };
    if (requestId) answer.requestId = requestId;
    if (parsed.data.usage !== undefined && parsed.data.usage !== null) answer.usage = parsed.data.usage;
    return answer;
  };

  for (let attempts = 1; ; attempts++) {
    tries.beforeAttempt();
    try {
      const response = await postJson(relay, CHAT_PATH, body, {
        timeoutMs: tries.remaining(),
        signal: options.signal,
        maxResponseBytes: MAX_ANSWER_BYTES,
      });
      return read(response, attempts);
    } catch (error) {
      if (!isImagineError(error) || error.kind === 'cancelled') throw error;
      await tries.retryAfter(error, attempts);
    }
  }
}

