// The fake's run-time options with their defaults filled in; configure() merges into these.
import type { ChatReply, RelayFakeOptions, RelayProfile } from './types.js';

export const DEFAULT_API_KEY = 'sk-fake-relay-key-0000000000000000';

export interface Settings {
  apiKey: string;
  profile: RelayProfile;
  rejectUnknownParams: boolean;
  strictAspectRatios: boolean;
  maxPromptChars: number | undefined;
  maxN: number;
  dropUnknownFields: boolean;
  streaming: boolean | 'refuse';
  cloudflareTimeoutMs: number | undefined;
  latencyMs: number | ((model: string) => number);
  urlTtlMs: number;
  now: () => number;
  noise: boolean;
  chatReply: ChatReply | undefined;
}

export function defaultSettings(): Settings {
  return {
    apiKey: DEFAULT_API_KEY,
    profile: 'new-api',
    rejectUnknownParams: false,
    strictAspectRatios: false,
    maxPromptChars: undefined,
    maxN: 10,
    dropUnknownFields: false,
    streaming: true,
    cloudflareTimeoutMs: undefined,
    // Long enough that a hang-up during generation can be tested, short enough for fast tests.
    latencyMs: 20,
    urlTtlMs: 10 * 60 * 1000,
    now: Date.now,
    noise: false,
    chatReply: undefined,
  };
}

/** Applies the options that were given; `undefined` leaves a setting as it is (host and port are fixed at start). */
export function applyOptions(settings: Settings, options: Partial<RelayFakeOptions>): void {
  if (options.apiKey !== undefined) settings.apiKey = options.apiKey;
  if (options.profile !== undefined) settings.profile = options.profile;
  if (options.rejectUnknownParams !== undefined) settings.rejectUnknownParams = options.rejectUnknownParams;
  if (options.strictAspectRatios !== undefined) settings.strictAspectRatios = options.strictAspectRatios;
  if ('maxPromptChars' in options) settings.maxPromptChars = options.maxPromptChars;
  if (options.maxN !== undefined) settings.maxN = options.maxN;
  if (options.dropUnknownFields !== undefined) settings.dropUnknownFields = options.dropUnknownFields;
  if (options.streaming !== undefined) settings.streaming = options.streaming;
  if ('cloudflareTimeoutMs' in options) settings.cloudflareTimeoutMs = options.cloudflareTimeoutMs;
  if (options.latencyMs !== undefined) settings.latencyMs = options.latencyMs;
  if (options.urlTtlMs !== undefined) settings.urlTtlMs = options.urlTtlMs;
  if (options.now !== undefined) settings.now = options.now;
  if (options.noise !== undefined) settings.noise = options.noise;
  if ('chatReply' in options) settings.chatReply = options.chatReply;
}

export function latencyFor(settings: Settings, model: string): number {
  const value = typeof settings.latencyMs === 'function' ? settings.latencyMs(model) : settings.latencyMs;
  return Number.isFinite(value) && value > 0 ? value : 0;
}
