import { describe, expect, it } from 'vitest';
import {
  CancelledError,
  ContentPolicyError,
  MalformedResponseError,
  RateLimitError,
  RelayAuthError,
  RelayBadRequestError,
  RelayTimeoutError,
  UpstreamError,
} from '../../src/providers/errors.js';
import {
  DEFAULT_RETRY_POLICY,
  abortableSleep,
  backoffDelayMs,
  isRetryable,
  parseRetryAfterMs,
  retryDecision,
} from '../../src/providers/retry.js';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  it.each([
    [{ 'retry-after-ms': '1500' }, 1500],
    [{ 'retry-after-ms': '12.6' }, 13],
    [{ 'retry-after': '3' }, 3000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Sun, 01 Jun 2025 12:00:10 GMT' }, 10_000],
    [{ 'retry-after': 'Sun, 01 Jun 2025 11:00:00 GMT' }, 0],
    [{ 'retry-after-ms': 'soon', 'retry-after': '2' }, 2000],
    [{ 'retry-after': 'whenever' }, undefined],
    [{}, undefined],
  ])('%o → %s', (headers, expected) => {
    expect(parseRetryAfterMs(headers, now)).toBe(expected);
  });
});

describe('backoff', () => {
  it('doubles from 0.5 s with equal jitter, capped at 8 s', () => {
    expect(backoffDelayMs(0, () => 0)).toBe(250);
    expect(backoffDelayMs(0, () => 1)).toBe(500);
    expect(backoffDelayMs(1, () => 1)).toBe(1000);
    expect(backoffDelayMs(2, () => 0.5)).toBe(1500);
    expect(backoffDelayMs(10, () => 1)).toBe(8000);
  });

  it('full jitter spreads over 0..step', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, jitter: 'full' as const };
    expect(backoffDelayMs(1, () => 0, policy)).toBe(0);
    expect(backoffDelayMs(1, () => 0.5, policy)).toBe(500);
  });
});

describe('retryDecision', () => {
  it('retries only rate limits and upstream errors', () => {
    expect(isRetryable(new RateLimitError('x'))).toBe(true);
    expect(isRetryable(new UpstreamError('x'))).toBe(true);
    for (const error of [
      new RelayTimeoutError('x'),
      new ContentPolicyError('x'),
      new RelayAuthError('auth', 'x'),
      new RelayAuthError('billing', 'x'),
      new RelayBadRequestError('x'),
      new MalformedResponseError('x'),
      new CancelledError(),
      new Error('x'),
    ]) {
      expect(isRetryable(error)).toBe(false);
      expect(retryDecision(error, 0)).toEqual({ retry: false, reason: 'not_retryable' });
    }
  });

  it('gives up after two retries', () => {
    const error = new UpstreamError('x');
    expect(retryDecision(error, 0, () => 1)).toEqual({ retry: true, delayMs: 500 });
    expect(retryDecision(error, 1, () => 1)).toEqual({ retry: true, delayMs: 1000 });
    expect(retryDecision(error, 2, () => 1)).toEqual({ retry: false, reason: 'exhausted' });
  });

  it("honours the relay's wait, and refuses one over 60 s", () => {
    expect(retryDecision(new RateLimitError('x', { retryAfterMs: 20_000 }), 0)).toEqual({ retry: true, delayMs: 20_000 });
    expect(retryDecision(new RateLimitError('x', { retryAfterMs: 0 }), 0)).toEqual({ retry: true, delayMs: 0 });
    expect(retryDecision(new RateLimitError('x', { retryAfterMs: 61_000 }), 0)).toEqual({ retry: false, reason: 'wait_too_long' });
  });
});

describe('abortableSleep', () => {
  it('waits', async () => {
    const start = Date.now();
    await abortableSleep(30);
    expect(Date.now() - start).toBeGreaterThanOrEqual(25);
  });

  it('ends with a CancelledError on abort', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(10_000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toBeInstanceOf(CancelledError);
    await expect(abortableSleep(10, controller.signal)).rejects.toBeInstanceOf(CancelledError);
  });
});
