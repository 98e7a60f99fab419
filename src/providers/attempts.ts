// The attempts of one request to one relay, shared by the image client (relayClient.ts) and the chat
// client (chatText.ts): one deadline counted from the first send over every attempt and the waits
// between them, and the one retry policy (retry.ts) deciding whether, and after how long, to send again.
import type { RelayConfig } from '../config/relay.js';
import { CancelledError, RelayTimeoutError, type ImagineError } from './errors.js';
import { DEFAULT_RETRY_POLICY, abortableSleep, retryDecision, type RetryPolicy, type Sleep } from './retry.js';

export interface RetryInfo {
  relay: string;
  /**
   * `retry`: the policy retries after `delayMs`; `params_dropped`: the relay refused an optional
   * field, resent at once with the stable set; `streaming_dropped`: the relay refused `stream`,
   * resent at once as a plain request.
   */
  reason: 'retry' | 'params_dropped' | 'streaming_dropped';
  /** 1 for the first resend. */
  attempt: number;
  delayMs: number;
  error: ImagineError;
}

export interface AttemptOptions {
  /** Deadline for the request (every attempt and the waits between them), from the first send. */
  timeoutMs: number;
  signal?: AbortSignal;
  sleep?: Sleep;
  random?: () => number;
  now?: () => number;
  retryPolicy?: RetryPolicy;
  onRetry?(info: RetryInfo): void;
}

export interface Attempts {
  /** When the first attempt was made (the `now` clock). */
  readonly start: number;
  now(): number;
  /** Milliseconds left before the deadline. */
  remaining(): number;
  /** Throws CancelledError when the caller gave up, RelayTimeoutError when the deadline has passed. */
  beforeAttempt(): void;
  /**
   * Waits before attempt `attempt + 1` when the policy retries `error` and the wait ends before the
   * deadline; otherwise rethrows `error` (the relay's own error, not a timeout).
   */
  retryAfter(error: unknown, attempt: number): Promise<void>;
}

export function relayAttempts(relay: RelayConfig, options: AttemptOptions): Attempts {
  const { signal, onRetry } = options;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const context = { relay: relay.name };
  const start = now();
  const deadline = start + options.timeoutMs;
  const remaining = (): number => deadline - now();
  let retries = 0;
  return {
    start,
    now,
    remaining,
    beforeAttempt() {
      if (signal?.aborted) throw new CancelledError(undefined, context);
      if (remaining() <= 0) {
        throw new RelayTimeoutError(`Relay "${relay.name}" did not deliver within ${Math.round(options.timeoutMs / 1000)} s`, {
          ...context,
          code: 'timeout',
        });
      }
    },
    async retryAfter(error, attempt) {
      const decision = retryDecision(error, retries, random, policy);
      // A wait that would outlast the deadline is no retry: report the relay's error, not a timeout.
      if (!decision.retry || decision.delayMs >= remaining()) throw error;
      retries++;
      onRetry?.({ relay: relay.name, reason: 'retry', attempt, delayMs: decision.delayMs, error: error as ImagineError });
      try {
        await sleep(decision.delayMs, signal);
      } catch {
        throw new CancelledError(undefined, context);
      }
    },
  };
}
