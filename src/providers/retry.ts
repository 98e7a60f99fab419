// The one retry policy of the provider layer (RELAYS.md, "Errors, and how to class them").
// Only failures the relay reported itself (a JSON rate limit or upstream error, which new-api refunds)
// or a request that never left the machine are retried. Timeouts and cut connections may have been
// billed and are never retried; policy, auth, billing and invalid requests would only fail again.
import { CancelledError, isImagineError, type ErrorKind } from './errors.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff step: baseDelayMs · 2ⁿ. */
  baseDelayMs: number;
  /** Cap of the computed backoff (not of waits the relay asked for). */
  maxDelayMs: number;
  /** A relay asking for a longer wait than this is not retried: the user would wait too long. */
  maxRequestedWaitMs: number;
  /**
   * `equal` keeps half the step and randomises the rest (never retries instantly);
   * `full` picks anywhere in 0..step (spreads a thundering herd best).
   */
  jitter: 'full' | 'equal';
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxRetries: 2,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRequestedWaitMs: 60_000,
  jitter: 'equal',
};

const RETRYABLE_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['rate_limit', 'upstream']);

export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'not_retryable' | 'exhausted' | 'wait_too_long' };

/** Whether the error's class is ever retried. */
export function isRetryable(error: unknown): boolean {
  return isImagineError(error) && RETRYABLE_KINDS.has(error.kind);
}

/** Exponential backoff with jitter for retry number `retryIndex` (0 for the first retry). */
export function backoffDelayMs(
  retryIndex: number,
  random: () => number = Math.random,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): number {
  const step = Math.min(policy.baseDelayMs * 2 ** retryIndex, policy.maxDelayMs);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(policy.jitter === 'full' ? step * r : step / 2 + (step / 2) * r);
}

/**
 * Decides whether to retry after `error`, given how many retries were already made.
 * The relay's own wait (`retryAfterMs` on a RateLimitError) wins over the computed backoff.
 */
export function retryDecision(
  error: unknown,
  retriesSoFar: number,
  random: () => number = Math.random,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryDecision {
  if (!isRetryable(error)) return { retry: false, reason: 'not_retryable' };
  if (retriesSoFar >= policy.maxRetries) return { retry: false, reason: 'exhausted' };
  const requested = (error as { retryAfterMs?: unknown }).retryAfterMs;
  if (typeof requested === 'number' && Number.isFinite(requested)) {
    if (requested > policy.maxRequestedWaitMs) return { retry: false, reason: 'wait_too_long' };
    return { retry: true, delayMs: Math.max(0, Math.round(requested)) };
  }
  return { retry: true, delayMs: backoffDelayMs(retriesSoFar, random, policy) };
}

/**
 * The wait a relay asked for, in ms: `retry-after-ms` (OpenAI's non-standard header) first, then
 * `Retry-After` as seconds or an HTTP date. `undefined` when absent or unreadable.
 */
export function parseRetryAfterMs(
  headers: Readonly<Record<string, string | undefined>>,
  now: number = Date.now(),
): number | undefined {
  const ms = headers['retry-after-ms']?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Math.round(Number(ms));
  const value = headers['retry-after']?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A sleep that ends early with a CancelledError when `signal` aborts. */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CancelledError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
