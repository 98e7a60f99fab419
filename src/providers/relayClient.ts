// One generation on one relay: send, classify, resend once without the optional fields if the relay
// refuses one of them ("stable parameters first", the Flu API doc's advice made general), and retry
// by the one policy (retry.ts), all inside one deadline counted from the first send. A URL result is
// downloaded under a deadline of its own that starts when the relay answers: the answer was billed,
// and a link valid for ten minutes must not lose the seconds the generation left over.
// GPT image generations on relays that stream are sent with `stream: true` (streaming.ts); the
// events are read as they arrive and their partial images handed to `onPartialImage`.
import type { RelayConfig } from '../config/relay.js';
import { classifyParsedResponse, classifyReportedError, extractRequestId, isErrorJson, isOptionalFieldRejection, namedFields, parseJsonBody } from './classify.js';
import { relayAttempts, type AttemptOptions } from './attempts.js';
import { imagesFromChat } from './chatImages.js';
import { OPTIONAL_FIELDS } from './profiles/types.js';
import { MalformedResponseError, RelayTimeoutError, isImagineError } from './errors.js';
import { postJson, type RelayResponse } from './http.js';
import { downloadImage, hostIsPrivate } from './imageDownload.js';
import { encodeMultipart } from './multipart.js';
import { imageEventStream, type ImageEventStream, type PartialImageListener } from './imageEvents.js';
import { imagesFromJson } from './images.js';
import { isEventStream } from './sse.js';
import {
  PARTIAL_IMAGES,
  STREAM_PARAMS,
  isStreamingRefusal,
  rememberStreamingRefused,
  shouldStream,
  withStreaming,
  withoutStreaming,
} from './streaming.js';
import type { GenerationResult, PlannedRequest } from './types.js';

export type { RetryInfo } from './attempts.js';

export interface GenerateOnRelayOptions extends AttemptOptions {
  /** Deadline for downloading a URL result, from the relay's answer (IMAGE_DOWNLOAD_TIMEOUT). */
  downloadTimeoutMs?: number;
  /** Cap for each downloaded image (URL results). */
  maxImageBytes?: number;
  /** Previews of a streamed generation, as they arrive. Its failures never reach the generation. */
  onPartialImage?: PartialImageListener;
}

/** What one relay produced; the router and pipeline add model, relay, size, adjustments and cost. */
export type RelayGeneration = Omit<
  GenerationResult,
  'model' | 'relay' | 'effectiveSize' | 'adjustments' | 'estimatedCost'
> & {
  /** Requests sent to the relay (1 when the first one succeeded). */
  attempts: number;
};

/** IMAGE_DOWNLOAD_TIMEOUT's default: a minute to fetch a link that stays valid for ten. */
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;

const OPTIONAL = new Set<string>(OPTIONAL_FIELDS);

/** The optional fields a body carries (see profiles/types.ts). */
function optionalFieldsOf(body: Record<string, unknown>): string[] {
  return Object.keys(body).filter((field) => OPTIONAL.has(field));
}

function without(body: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([field]) => !fields.includes(field)));
}

/**
 * What goes on the wire: JSON, or for an edit with files (GPT /images/edits) a multipart form of the
 * same fields. Encoded once per body: retries resend the same bytes instead of copying every input
 * image into a new form.
 */
function wireBody(plan: PlannedRequest, body: Record<string, unknown>): unknown {
  return plan.files ? encodeMultipart(body, plan.files) : body;
}

/** Sends `plan` to `relay` until it yields images or a final typed error. */
export async function generateOnRelay(
  relay: RelayConfig,
  plan: PlannedRequest,
  options: GenerateOnRelayOptions,
): Promise<RelayGeneration> {
  const { signal, onRetry } = options;
  const tries = relayAttempts(relay, options);
  const { now, remaining, start } = tries;
  const context = { relay: relay.name };

  // Whether the relay lives on a private address decides whether its image links may too.
  let relayIsPrivate: Promise<boolean> | undefined;
  /** Set when the relay answers: one deadline for every link of that answer, not one per link. */
  let downloadDeadline = Infinity;
  const download = async (url: string): Promise<Buffer> => {
    relayIsPrivate ??= hostIsPrivate(relay.baseUrl);
    try {
      return await downloadImage(url, {
        relay: relay.name,
        timeoutMs: Math.max(1, downloadDeadline - now()),
        signal,
        maxBytes: options.maxImageBytes,
        allowPrivateAddresses: await relayIsPrivate,
      });
    } catch (error) {
      // The relay answered 200, so it billed: a link too slow to fetch makes the answer unusable
      // (billed, never resent), not a generation that may or may not have happened.
      if (!isImagineError(error) || error.kind !== 'timeout') throw error;
      throw new MalformedResponseError(error.message, { relay: relay.name, code: 'image_download_timeout', cause: error });
    }
  };

  const readImages = async (
    response: RelayResponse,
    attempts: number,
    dropped: string[],
    events: ImageEventStream | undefined,
  ) => {
    if (response.streamed && events) return readEvents(response, events.finish(), attempts, dropped);
    if (isEventStream(response.headers['content-type'], response.text)) {
      // Events that were not streamed to us (a relay that answers with them unasked, an error status,
      // a mislabelled content type): folded by the same decoder and collector as a streamed answer.
      const buffered = imageEventStream(undefined, 0);
      buffered.push(response.text);
      return readEvents(response, buffered.finish(), attempts, dropped);
    }
    // Parsed once: the error check, the classification and the images all read this value.
    const json = parseJsonBody(response.text);
    const ok = response.status >= 200 && response.status < 300;
    if (!ok || isErrorJson(json)) throw classifyParsedResponse(relay.name, response, json);
    return toGeneration(response, json, attempts, dropped);
  };

  /** An event stream's answer, folded by ImageEventCollector (`json` is its result()). */
  const readEvents = async (response: RelayResponse, json: Record<string, unknown> | undefined, attempts: number, dropped: string[]) => {
    const ok = response.status >= 200 && response.status < 300;
    // The classification reads the folded answer, never the raw events (or an HTML page's text).
    const folded: RelayResponse = { ...response, text: '' };
    if (json === undefined) {
      if (!ok) throw classifyParsedResponse(relay.name, folded, undefined);
      // The stream ended before any image: a proxy cut it, or the relay gave up. The upstream may
      // still finish and bill it, so this is a timeout (never retried), not a malformed answer.
      throw new RelayTimeoutError(
        `Relay "${relay.name}" ended the event stream before the image arrived; it may still have been billed`,
        { ...context, status: response.status, requestId: extractRequestId(response.headers), code: 'stream_incomplete' },
      );
    }
    if (isErrorJson(json)) throw classifyReportedError(relay.name, folded, json, 'reported an error in the event stream');
    if (!ok) throw classifyParsedResponse(relay.name, folded, json);
    return toGeneration(response, json, attempts, dropped);
  };

  const toGeneration = async (response: RelayResponse, json: unknown, attempts: number, dropped: string[]) => {
    const requestId = extractRequestId(response.headers);
    const where = { ...context, status: response.status, requestId };
    downloadDeadline = now() + (options.downloadTimeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS);
    const read = plan.path === '/chat/completions' ? imagesFromChat : imagesFromJson;
    const parsed = await read(json, download, where);
    const result: RelayGeneration = { ...parsed, qualityDropped: dropped.includes('quality'), elapsedMs: now() - start, attempts };
    if (dropped.length) result.droppedParams = dropped;
    if (requestId) result.requestId = requestId;
    return result;
  };

  // Only generations stream: edits go out as multipart, which relays do not stream.
  let streaming = plan.path === '/images/generations' && shouldStream(relay, plan.model, plan.body);
  let body = streaming ? withStreaming(plan.body) : plan.body;
  let wire = wireBody(plan, body);
  /** A new body (a field dropped) is encoded once, here; attempts with the same body resend `wire`. */
  const resendWith = (next: Record<string, unknown>): void => {
    body = next;
    wire = wireBody(plan, body);
  };
  /** The one resend with the stable set, and the optional fields it dropped. */
  let resentStable = false;
  let dropped: string[] = [];
  for (let attempts = 1; ; attempts++) {
    tries.beforeAttempt();
    try {
      // Each attempt folds its own events: a resend starts its previews over.
      const events = streaming ? imageEventStream(options.onPartialImage, PARTIAL_IMAGES) : undefined;
      const response = await postJson(relay, plan.path, wire, {
        timeoutMs: remaining(),
        signal,
        onEventStreamData: events?.push,
      });
      return await readImages(response, attempts, dropped, events);
    } catch (error) {
      if (!isImagineError(error) || error.kind === 'cancelled') throw error;
      // A relay that refuses `stream` gets the same request once more as a plain one, and is not
      // asked to stream again while this process runs.
      if (streaming && isStreamingRefusal(error)) {
        rememberStreamingRefused(relay);
        resendWith(withoutStreaming(body));
        streaming = false;
        onRetry?.({ relay: relay.name, reason: 'streaming_dropped', attempt: attempts, delayMs: 0, error });
        continue;
      }
      // Stable parameters first (000: "如果 quality 参数报错,去掉 quality"): a refusal that names an
      // optional field, or Flu's generic "Invalid request" of a request that carried some, is sent
      // once more with the stable set alone. Never twice: `dropped` is set by the first resend.
      // Streaming is optional too: Flu's generic refusal names neither `stream` nor anything else.
      const optional = optionalFieldsOf(body);
      if (!resentStable && isOptionalFieldRejection(error, streaming ? [...optional, ...STREAM_PARAMS] : optional)) {
        resentStable = true;
        dropped = optional;
        if (streaming) {
          // Not asked to stream again only when `stream` may be what it refused: a refusal that names
          // another field says nothing about streaming.
          if (namedFields(error, optional).length === 0) rememberStreamingRefused(relay);
          resendWith(without(withoutStreaming(body), optional));
          streaming = false;
        } else resendWith(without(body, optional));
        onRetry?.({ relay: relay.name, reason: 'params_dropped', attempt: attempts, delayMs: 0, error });
        continue;
      }
      await tries.retryAfter(error, attempts);
    }
  }
}
