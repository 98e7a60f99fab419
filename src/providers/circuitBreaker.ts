// A circuit breaker per relay: after repeated infrastructure failures the relay is skipped for a
// while instead of making every user wait for it to fail again; then one trial request decides.
import type { ErrorKind } from './errors.js';

export interface BreakerSettings {
  /** Consecutive infrastructure failures (within `windowMs`) that open the circuit. */
  failureThreshold: number;
  /** Failures older than this no longer count. */
  windowMs: number;
  /** How long an open circuit refuses requests before letting one trial through (half-open). */
  openMs: number;
}

export const DEFAULT_BREAKER_SETTINGS: Readonly<BreakerSettings> = {
  failureThreshold: 5,
  windowMs: 60_000,
  openMs: 30_000,
};

export type CircuitState = 'closed' | 'open' | 'half_open';

/**
 * Failures that say something about the relay rather than the request. A refused prompt, an invalid
 * request or a cancel proves nothing either way; auth and billing do count, since a relay with a bad
 * key or no credit will keep failing until an admin acts.
 */
const RELAY_FAULTS: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'timeout',
  'upstream',
  'rate_limit',
  'malformed_response',
  'auth',
  'billing',
]);

export function isRelayFault(kind: ErrorKind): boolean {
  return RELAY_FAULTS.has(kind);
}

export class CircuitBreaker {
  private failures: number[] = [];
  private openedAt: number | undefined;
  private probing = false;

  constructor(
    private readonly settings: BreakerSettings,
    private readonly now: () => number,
  ) {}

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.now() - this.openedAt >= this.settings.openMs ? 'half_open' : 'open';
  }

  /** Milliseconds until an open circuit lets a trial request through (0 when not open). */
  get retryInMs(): number {
    return this.openedAt === undefined ? 0 : Math.max(0, this.openedAt + this.settings.openMs - this.now());
  }

  /** Whether a request may go to the relay now; half-open lets one trial through at a time. */
  get allowsRequest(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half_open' && !this.probing);
  }

  /** Call right before sending: in half-open this request becomes the trial. */
  begin(): void {
    if (this.state === 'half_open') this.probing = true;
  }

  succeeded(): void {
    this.failures = [];
    this.openedAt = undefined;
    this.probing = false;
  }

  /** Records the outcome of a failed request by its error class. */
  failed(kind: ErrorKind): void {
    if (!isRelayFault(kind)) {
      // The relay answered sensibly (a refusal, a bad request): as a trial, that is good enough.
      if (this.probing) this.succeeded();
      return;
    }
    const t = this.now();
    if (this.openedAt !== undefined) {
      // A failed trial (or a late failure of a request sent before opening) re-opens the circuit.
      this.openedAt = t;
      this.probing = false;
      return;
    }
    this.failures = this.failures.filter((f) => t - f < this.settings.windowMs);
    this.failures.push(t);
    if (this.failures.length >= this.settings.failureThreshold) {
      this.openedAt = t;
      this.failures = [];
    }
  }

  /** A request ended without telling anything about the relay (cancelled, a local bug). */
  released(): void {
    this.probing = false;
  }
}
