// Shared by the seed replays (test/seeds/*.test.ts): a relay fake playing one seed's relay, and the
// bot's own HTTP client pointed at it. Each replay sends a body printed in a seed exactly as printed,
// through generateOnRelay (send, classify, retry, download, decode) or, where a body cannot be a
// planned request (malformed JSON, a chat completion), through postJson, the one client under it.
import sharp from 'sharp';
import { findModel, modelForDialect } from '../../src/catalog/models.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import type { RelayConfig } from '../../src/config/relay.js';
import { classifyParsedResponse, parseJsonBody } from '../../src/providers/classify.js';
import { isImagineError, type ImagineError } from '../../src/providers/errors.js';
import { postJson, type RelayResponse } from '../../src/providers/http.js';
import { EncodedBody } from '../../src/providers/multipart.js';
import { generateOnRelay, type RelayGeneration } from '../../src/providers/relayClient.js';
import type { PlannedRequest } from '../../src/providers/types.js';
import { startRelayFake, type RelayFake, type RelayFakeOptions, type RelayProfile } from '../fakes/relay/index.js';

export type Body = Record<string, unknown>;

export const TIMEOUT_MS = 20_000;

export function startSeedRelay(profile: RelayProfile, options: RelayFakeOptions = {}): Promise<RelayFake> {
  return startRelayFake({ profile, latencyMs: 5, ...options });
}

/** The relay as an operator configures it; no streaming, so bodies go out exactly as given. */
export function relayFor(fake: RelayFake, overrides: Partial<RelayConfig> = {}): RelayConfig {
  return {
    name: 'seed',
    baseUrl: fake.url,
    apiKey: fake.apiKey,
    models: '*',
    priority: 0,
    strictAspectRatios: false,
    streaming: false,
    prices: {},
    maxConcurrency: 4,
    ...overrides,
  };
}

/**
 * The catalog's spec for the body's model. A model the catalog lacks (003's `flux-1`) or a body
 * without one (003's code samples) borrows a FLUX spec: the client reads only its dialect and result.
 */
function specFor(body: Body): ModelSpec {
  const id = typeof body.model === 'string' ? body.model : '(none)';
  return findModel(id) ?? modelForDialect(id, 'flux');
}

/** A hand-made planned request whose body is the seed's, verbatim. */
export function planFor(body: Body, path: PlannedRequest['path'] = '/images/generations'): PlannedRequest {
  const size = typeof body.size === 'string' ? body.size : typeof body.aspect_ratio === 'string' ? body.aspect_ratio : 'auto';
  return { model: specFor(body), path, body, effectiveSize: size, n: typeof body.n === 'number' ? body.n : 1, adjustments: [] };
}

/**
 * Sends `body` through the bot's relay client: retries (without waiting), downloads, decodes. Unless
 * `resends` is allowed, the answer must come from the first request: a client that quietly resends
 * without a refused optional field would otherwise hide a refusal the seed documents.
 */
export async function replay(relay: RelayConfig, body: Body, options: { resends?: boolean } = {}): Promise<RelayGeneration> {
  const result = await generateOnRelay(relay, planFor(body), { timeoutMs: TIMEOUT_MS, sleep: async () => {} });
  if (!options.resends && result.attempts !== 1) {
    throw new Error(`the relay answered only attempt ${result.attempts} (the first was refused): ${JSON.stringify(body).slice(0, 200)}`);
  }
  return result;
}

/** The typed error the bot's relay client ends with for `body`; fails the test if it succeeds. */
export async function replayFailure(relay: RelayConfig, body: Body): Promise<ImagineError> {
  try {
    await replay(relay, body);
  } catch (error) {
    if (isImagineError(error)) return error;
    throw error;
  }
  throw new Error('expected the relay to refuse the request, but it succeeded');
}

/** POSTs bytes as they are (a body that is not valid JSON) with the bot's HTTP client. */
export function postText(relay: RelayConfig, text: string, path = '/images/generations'): Promise<RelayResponse> {
  return postJson(relay, path, new EncodedBody('application/json', Buffer.from(text, 'utf8')), { timeoutMs: TIMEOUT_MS });
}

/** POSTs a JSON value with the bot's HTTP client. */
export function postValue(relay: RelayConfig, value: unknown, path = '/images/generations'): Promise<RelayResponse> {
  return postJson(relay, path, value, { timeoutMs: TIMEOUT_MS });
}

/**
 * The relay's refusal of `body` as the bot's client classes it, from one POST (no retry, no resend).
 * For refusals of optional fields (quality, seed, safety_tolerance, …): generateOnRelay answers those
 * by resending without them, which is the client's business, not the seed's.
 */
export async function refusal(relay: RelayConfig, body: unknown, path = '/images/generations'): Promise<ImagineError & { body: unknown }> {
  const response = await postValue(relay, body, path);
  if (response.status < 400) throw new Error(`expected a refusal, got HTTP ${response.status}: ${response.text.slice(0, 200)}`);
  return Object.assign(classified(relay, response), { body: parseJsonBody(response.text) });
}

/** How the bot's client classes a relay's answer. */
export function classified(relay: RelayConfig, response: RelayResponse): ImagineError {
  return classifyParsedResponse(relay.name, response, parseJsonBody(response.text));
}

export async function imageInfo(bytes: Buffer): Promise<{ width?: number; height?: number; format?: string }> {
  const { width, height, format } = await sharp(bytes).metadata();
  return { width, height, format };
}

/** The body the fake received for request `index`. */
export function received(fake: RelayFake, index = 0): { body: Body; forwarded?: Body } {
  const request = fake.requests[index];
  if (!request) throw new Error(`the relay fake received no request #${index + 1}`);
  return { body: request.body as Body, ...(request.forwardedBody ? { forwarded: request.forwardedBody } : {}) };
}

/** A solid PNG, for input images. */
export function solidPng(rgb: [number, number, number], width = 32, height = 32): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}
