// When a generation is streamed (`stream: true` with `partial_images`), and what is learned about
// relays that refuse it. Streaming keeps bytes flowing on a slow GPT image generation, which is what
// gets it past Cloudflare's ~100 s cut (RELAYS.md), and gives the previews shown while waiting.
import type { ModelSpec } from '../catalog/types.js';
import type { RelayConfig } from '../config/relay.js';
import { isImagineError } from './errors.js';

/** Previews asked for (OpenAI allows 0..3): two keep the connection busy without much extra data. */
export const PARTIAL_IMAGES = 2;

/**
 * Only OpenAI's own GPT image models stream (the ones answering b64): dall-e-3 does not, and the
 * ChatGPT-web routes (gpt-image-2-all) answer a URL and know no `stream`.
 */
export function modelStreams(model: Pick<ModelSpec, 'dialect' | 'result'> | undefined): boolean {
  return model?.dialect === 'gpt-image' && model.result === 'b64';
}

// Relays that refused `stream` once, for the life of the process: asking again would cost every
// later request a refused first attempt.
const refusedBy = new Set<string>();

function relayKey(relay: RelayConfig): string {
  return `${relay.name}\u0000${relay.baseUrl}`;
}

export function rememberStreamingRefused(relay: RelayConfig): void {
  refusedBy.add(relayKey(relay));
}

/** For tests: forget every refusal. */
export function forgetStreamingRefusals(): void {
  refusedBy.clear();
}

/** Whether this request should be streamed on this relay. */
export function shouldStream(relay: RelayConfig, model: Pick<ModelSpec, 'dialect' | 'result'> | undefined, body: Record<string, unknown>): boolean {
  // A body that already says `stream` was built that way on purpose: leave it alone.
  return relay.streaming && modelStreams(model) && !refusedBy.has(relayKey(relay)) && !('stream' in body);
}

export function withStreaming(body: Record<string, unknown>): Record<string, unknown> {
  return { ...body, stream: true, partial_images: PARTIAL_IMAGES };
}

export function withoutStreaming(body: Record<string, unknown>): Record<string, unknown> {
  const { stream: _stream, partial_images: _partials, ...rest } = body;
  return rest;
}

export const STREAM_PARAMS = new Set(['stream', 'partial_images']);
const MENTIONS_STREAM = /\bstream(?:ing)?\b|partial_images/i;
const UNKNOWN_PARAMETER = /unknown[\s_]+(?:parameter|field|argument)|unrecognized[\s_]+(?:request[\s_]+)?(?:parameter|field|argument)|not (?:a )?(?:supported|permitted) (?:parameter|field)/i;

/**
 * A relay's refusal of the streaming fields: a bad request naming `stream` or `partial_images`, or
 * an unknown-parameter error that names no other field. Like the `quality` rejection, it is answered
 * by sending the request once more without them (the relay's JSON error cost nothing).
 */
export function isStreamingRefusal(error: unknown): boolean {
  if (!isImagineError(error) || error.kind !== 'bad_request') return false;
  const param = error.param?.toLowerCase();
  if (param && STREAM_PARAMS.has(param)) return true;
  if (param) return false; // it is about another field: resending without `stream` would not help
  const said = `${error.relayMessage ?? ''} ${error.code ?? ''}`;
  return MENTIONS_STREAM.test(said) || error.code?.toLowerCase() === 'unknown_parameter' || UNKNOWN_PARAMETER.test(said);
}
