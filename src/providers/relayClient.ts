// One generation on one relay: send, classify, drop `quality` once if the relay refuses it, and
// retry by the one policy (retry.ts), all inside one deadline counted from the first send.
import type { RelayConfig } from '../config/relay.js';
import { classifyParsedResponse, extractRequestId, isErrorJson, isQualityRejection, parseJsonBody } from './classify.js';
import { CancelledError, RelayTimeoutError, isImagineError, type ImagineError } from './errors.js';
import { postJson, type RelayResponse } from './http.js';
import { downloadImage, hostIsPrivate } from './imageDownload.js';
import { eventStreamToJson, imagesFromJson, isEventStream } from './images.js';
import { DEFAULT_RETRY_POLICY, abortableSleep, retryDecision, type RetryPolicy, type Sleep } from './retry.js';
import type { GenerationResult, PlannedRequest } from './types.js';

export interface RetryInfo {
  relay: string;
  /** `retry`: the policy retries after `delayMs`; `quality_dropped`: resent at once without `quality`. */
  reason: 'retry' | 'quality_dropped';
  /** 1 for the first resend. */
  attempt: number;
  delayMs: number;
  error: ImagineError;
}

export interface GenerateOnRelayOptions {
  /** Deadline for everything (every attempt, the waits between them, downloads), from the first send. */
  timeoutMs: number;
  signal?: AbortSignal;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  retryPolicy?: RetryPolicy;
  /** Cap for each downloaded image (URL results). */
  maxImageBytes?: number;
  onRetry?(info: RetryInfo): void;
}

/** What one relay produced; the router and pipeline add model, relay, size, adjustments and cost. */
export type RelayGeneration = Omit<
  GenerationResult,
  'model' | 'relay' | 'effectiveSize' | 'adjustments' | 'estimatedCost'
> & {
  /** Requests sent to the relay (1 when the first one succeeded). */
  attempts: number;
  /** The prompt as the model rewrote it (dall-e-3), when the relay says. */
  revisedPrompt?: string;
};

function withoutQuality(body: Record<string, unknown>): Record<string, unknown> {
  const { quality: _dropped, ...rest } = body;
  return rest;
}

/** Sends `plan` to `relay` until it yields images or a final typed error. */
export async function generateOnRelay(
  relay: RelayConfig,
  plan: PlannedRequest,
  options: GenerateOnRelayOptions,
): Promise<RelayGeneration> {
  const { signal, onRetry } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const start = now();
  const deadline = start + options.timeoutMs;
  const remaining = (): number => deadline - now();
  const context = { relay: relay.name };

  // Whether the relay lives on a private address decides whether its image links may too.
  let relayIsPrivate: Promise<boolean> | undefined;
  const download = async (url: string): Promise<Buffer> => {
    relayIsPrivate ??= hostIsPrivate(relay.baseUrl);
    return downloadImage(url, {
      relay: relay.name,
      timeoutMs: remaining(),
      signal,
      maxBytes: options.maxImageBytes,
      allowPrivateAddresses: await relayIsPrivate,
    });
  };

  const readImages = async (response: RelayResponse, attempts: number, qualityDropped: boolean) => {
    const text = isEventStream(response.headers['content-type'], response.text)
      ? eventStreamToJson(response.text)
      : response.text;
    // Parsed once: the error check, the classification and the images all read this value.
    const json = parseJsonBody(text);
    const ok = response.status >= 200 && response.status < 300;
    if (!ok || isErrorJson(json)) throw classifyParsedResponse(relay.name, { ...response, text }, json);
    const requestId = extractRequestId(response.headers);
    const parsed = await imagesFromJson(json, download, { ...context, status: response.status, requestId });
    const result: RelayGeneration = { ...parsed, qualityDropped, elapsedMs: now() - start, attempts };
    if (requestId) result.requestId = requestId;
    return result;
  };

  let body = plan.body;
  let qualityDropped = false;
  let retries = 0;
  for (let attempts = 1; ; attempts++) {
    if (signal?.aborted) throw new CancelledError(undefined, context);
    if (remaining() <= 0) {
      throw new RelayTimeoutError(`Relay "${relay.name}" did not deliver within ${Math.round(options.timeoutMs / 1000)} s`, {
        ...context,
        code: 'timeout',
      });
    }
    try {
      const response = await postJson(relay, plan.path, body, { timeoutMs: remaining(), signal });
      return await readImages(response, attempts, qualityDropped);
    } catch (error) {
      if (!isImagineError(error) || error.kind === 'cancelled') throw error;
      // The Flu API's own advice: when `quality` is refused, send the request again without it.
      if (!qualityDropped && 'quality' in body && isQualityRejection(error)) {
        body = withoutQuality(body);
        qualityDropped = true;
        onRetry?.({ relay: relay.name, reason: 'quality_dropped', attempt: attempts, delayMs: 0, error });
        continue;
      }
      const decision = retryDecision(error, retries, random, policy);
      // A wait that would outlast the deadline is no retry: report the relay's error, not a timeout.
      if (!decision.retry || decision.delayMs >= remaining()) throw error;
      retries++;
      onRetry?.({ relay: relay.name, reason: 'retry', attempt: attempts, delayMs: decision.delayMs, error });
      try {
        await sleep(decision.delayMs, signal);
      } catch {
        throw new CancelledError(undefined, context);
      }
    }
  }
}
