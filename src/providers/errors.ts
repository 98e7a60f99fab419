// Typed errors for every failure class of ../shared/RELAYS.md. Each carries what an operator needs
// (relay name, HTTP status, request id, the relay's own code) and never the API key: messages from
// relays are passed through `redact` before they are stored here.
// The base class and the local refusal (InvalidInputError) live in catalog/failure.ts, below the
// catalog; the user-facing wording for each class lives in src/i18n/ (errorMessages.ts, refusalMessages.ts).
import { ImagineError, type ErrorContext } from '../catalog/failure.js';

export { ImagineError, InvalidInputError, isImagineError } from '../catalog/failure.js';
export type { ErrorContext, ErrorKind, Refusal, RefusalCode, RefusalParams } from '../catalog/failure.js';

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
