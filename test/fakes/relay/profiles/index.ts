// The relay the fake plays (RelayFakeOptions.profile): what each one checks itself, what it forwards
// to the "upstream", and how the upstream validates it. `new-api` is the generic reseller of
// shared/RELAYS.md; the others follow one seed document each (shared/seeds, cited line by line).
import type { Validation } from '../dialects.js';
import type { ErrorReply } from '../errors.js';
import type { Body } from '../fields.js';
import type { FakeModel } from '../models.js';
import type { Settings } from '../settings.js';
import type { RelayProfile } from '../types.js';
import { apiyi } from './apiyi.js';
import { dalleFormat } from './dalleFormat.js';
import { flu } from './flu.js';
import { newApi } from './newApi.js';

export interface ProfileGeneration {
  /** What reached the upstream (RecordedRequest.forwardedBody); absent when the relay refused it first. */
  forwarded?: Body;
  validation: Validation;
}

export interface Profile {
  /** The 400 for a body that is not a JSON object, or that lacks `model` or `prompt`. */
  invalidBody(message: string, param: string): ErrorReply;
  /** Whether a missing prompt is reported before a missing model (the schema requires only the prompt). */
  promptFirst: boolean;
  /** Whether new-api's own prompt filter runs (HTTP 500 `sensitive_words_detected`). */
  sensitiveWords: boolean;
  /** What an expired result URL answers. */
  expiredUrlStatus: 403 | 404;
  /** The relay's own checks and field handling, then the upstream's validation. */
  generation(model: FakeModel, fields: Body, prompt: string, settings: Settings): ProfileGeneration;
}

const PROFILES: Record<RelayProfile, Profile> = {
  'new-api': newApi,
  flu,
  apiyi,
  // 003 (QuickRouter) and 004 (AnyAPI) print the same endpoint, "Flux 创建(OpenAI dall-e-3格式)".
  quickrouter: dalleFormat,
  anyapi: dalleFormat,
};

export function profileOf(settings: Pick<Settings, 'profile'>): Profile {
  return PROFILES[settings.profile];
}
