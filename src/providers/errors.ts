// Typed errors for every failure class of ../shared/RELAYS.md. Each carries what an operator needs
// (relay name, HTTP status, request id, the relay's own code) and never the API key: messages from
// relays are passed through `redact` before they are stored here.
// The user-facing wording for each class lives in one place: src/i18n/errorMessages.ts.
import type { Localized } from '../i18n/locale.js';

export type ErrorKind =
  | 'invalid_input' // refused locally before any request: nothing spent
  | 'timeout' // no answer in time, connection cut after sending, HTML 502/504/52x: may be billed
  | 'content_policy'
  | 'auth' // 401/403, bad key
  | 'billing' // 402, insufficient quota
  | 'bad_request' // the relay refused the request as invalid (400/404/413/422, model_not_found)
  | 'rate_limit'
  | 'upstream' // 408/409/5xx with a JSON body, connection refused before sending
  | 'malformed_response' // 200 but no usable image
  | 'cancelled'; // aborted by the caller (user pressed cancel, shutdown)

export interface ErrorContext {
  relay?: string;
  status?: number;
  requestId?: string;
  /** The relay's error code (`moderation_blocked`, `insufficient_user_quota`, …). */
  code?: string;
  /** The relay's message, already redacted. */
  relayMessage?: string;
  /** For invalid_input and bad_request: the option at fault (`size`, `quality`, `prompt`, …). */
  param?: string;
  cause?: unknown;
}

export class ImagineError extends Error {
  readonly kind: ErrorKind;
  readonly relay?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly code?: string;
  readonly relayMessage?: string;
  readonly param?: string;

  constructor(kind: ErrorKind, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = new.target.name;
    this.kind = kind;
    this.relay = context.relay;
    this.status = context.status;
    this.requestId = context.requestId;
    this.code = context.code;
    this.relayMessage = context.relayMessage;
    this.param = context.param;
  }

  /** Whether the relay may have billed this attempt (only a timeout or a cut connection). */
  get possiblyBilled(): boolean {
    return this.kind === 'timeout';
  }
}

/** Local validation failed: a clear message naming what is valid; no request was made. */
export class InvalidInputError extends ImagineError {
  /**
   * The detail in every language the bot speaks ("flux-2-pro cannot …" / "flux-2-pro 无法…").
   * Every throw site in src/ gives it; `message` stays the English text, for logs.
   */
  readonly text?: Localized;
  /**
   * What would be accepted, for the message. A plain list of values ("1024x1024, 1024x1536, auto")
   * may be given as a string and then reads the same in both languages; prose is given as Localized.
   */
  readonly valid?: Localized;
  constructor(message: string, context: ErrorContext & { text?: Localized; valid?: string | Localized } = {}) {
    super('invalid_input', message, context);
    this.text = context.text;
    this.valid = typeof context.valid === 'string' ? { en: context.valid, zh: context.valid } : context.valid;
  }
}

export class RelayTimeoutError extends ImagineError {
  constructor(message: string, context: ErrorContext = {}) {
    super('timeout', message, context);
  }
}

export class ContentPolicyError extends ImagineError {
  constructor(message: string, context: ErrorContext = {}) {
    super('content_policy', message, context);
  }
}

export class RelayAuthError extends ImagineError {
  constructor(kind: 'auth' | 'billing', message: string, context: ErrorContext = {}) {
    super(kind, message, context);
  }
}

export class RelayBadRequestError extends ImagineError {
  constructor(message: string, context: ErrorContext = {}) {
    super('bad_request', message, context);
  }
}

export class RateLimitError extends ImagineError {
  /** Milliseconds the relay asked us to wait, when it said. */
  readonly retryAfterMs?: number;
  constructor(message: string, context: ErrorContext & { retryAfterMs?: number } = {}) {
    super('rate_limit', message, context);
    this.retryAfterMs = context.retryAfterMs;
  }
}

export class UpstreamError extends ImagineError {
  constructor(message: string, context: ErrorContext = {}) {
    super('upstream', message, context);
  }
}

export class MalformedResponseError extends ImagineError {
  constructor(message: string, context: ErrorContext = {}) {
    super('malformed_response', message, context);
  }
}

export class CancelledError extends ImagineError {
  constructor(message = 'The request was cancelled', context: ErrorContext = {}) {
    super('cancelled', message, context);
  }
}

export function isImagineError(error: unknown): error is ImagineError {
  return error instanceof ImagineError;
}
