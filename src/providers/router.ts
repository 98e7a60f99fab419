// Several relays for one model: try them by priority, fail over only where nothing can have been
// billed, and skip relays whose circuit is open.
//
// Failover decisions (the request would otherwise be lost):
//  - yes: upstream (a relay's JSON 5xx, or a connection refused before sending), rate_limit (after
//    the relay's own retries), auth and billing (a bad key or an empty account is that relay's
//    problem, and its JSON refusal cost nothing), and bad_request `model_not_found` (that relay does
//    not carry the model).
//  - never: timeout or cut connection (the first relay may still generate and bill: sending again
//    elsewhere could charge twice), content_policy (the prompt is the problem, and repeating it on
//    other accounts invites bans), other bad_request (the same request is invalid everywhere),
//    malformed_response (a 200 was probably billed), cancelled.
import type { RelayConfig } from '../config/relay.js';
import { CircuitBreaker, DEFAULT_BREAKER_SETTINGS, type BreakerSettings, type CircuitState } from './circuitBreaker.js';
import { InvalidInputError, RelayTimeoutError, UpstreamError, isImagineError, type ImagineError } from './errors.js';
import { generateOnRelay, type GenerateOnRelayOptions, type RelayGeneration } from './relayClient.js';
import type { PlannedRequest } from './types.js';

export interface RelayRouterOptions {
  now?: () => number;
  breaker?: Partial<BreakerSettings>;
  /** Replaces generateOnRelay (tests). */
  generate?: typeof generateOnRelay;
}

export interface FailoverInfo {
  from: string;
  to: string;
  error: ImagineError;
}

export interface RouterGenerateOptions extends GenerateOnRelayOptions {
  /** Bounds the whole call across relays; each relay still gets at most `timeoutMs`. */
  totalTimeoutMs?: number;
  onFailover?(info: FailoverInfo): void;
}

export interface RoutedGeneration extends RelayGeneration {
  relay: RelayConfig;
  /** The plan sent to the relay that succeeded (plans differ per relay). */
  plan: PlannedRequest;
  /** Relays tried before, with why they were left. */
  failovers: Array<{ relay: string; error: ImagineError }>;
}

/** Whether another relay may be tried after `error` without risking a double charge. */
export function isFailoverSafe(error: unknown): boolean {
  if (!isImagineError(error)) return false;
  switch (error.kind) {
    case 'upstream':
    case 'rate_limit':
    case 'auth':
    case 'billing':
      return true;
    case 'bad_request':
      return error.code?.toLowerCase() === 'model_not_found';
    default:
      return false;
  }
}

function serves(relay: RelayConfig, modelId: string): boolean {
  return relay.models === '*' || relay.models.includes(modelId);
}

export class RelayRouter {
  private readonly relays: readonly RelayConfig[];
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly now: () => number;
  private readonly generateOn: typeof generateOnRelay;

  constructor(relays: readonly RelayConfig[], options: RelayRouterOptions = {}) {
    // Array.prototype.sort is stable: equal priorities keep their configured order.
    this.relays = [...relays].sort((a, b) => a.priority - b.priority);
    this.now = options.now ?? Date.now;
    this.generateOn = options.generate ?? generateOnRelay;
    const settings = { ...DEFAULT_BREAKER_SETTINGS, ...options.breaker };
    for (const relay of this.relays) this.breakers.set(relay.name, new CircuitBreaker(settings, this.now));
  }

  private breaker(relay: RelayConfig): CircuitBreaker {
    const breaker = this.breakers.get(relay.name);
    if (!breaker) throw new Error(`unknown relay ${relay.name}`);
    return breaker;
  }

  /** Every relay configured for `modelId`, by priority, open circuits included. */
  relaysServing(modelId: string): RelayConfig[] {
    return this.relays.filter((relay) => serves(relay, modelId));
  }

  /** Relays serving `modelId`, by priority, without those whose circuit is open. */
  relaysFor(modelId: string): RelayConfig[] {
    return this.relaysServing(modelId).filter((relay) => this.breaker(relay).allowsRequest);
  }

  circuitState(relayName: string): CircuitState | undefined {
    return this.breakers.get(relayName)?.state;
  }

  /**
   * Generates on the first relay that can, failing over as described at the top of this file.
   * `planFor` builds the request for each relay (strict aspect ratios, prompt caps); a relay whose
   * plan is refused locally (InvalidInputError) is skipped.
   */
  async generate(
    modelId: string,
    planFor: (relay: RelayConfig) => PlannedRequest,
    options: RouterGenerateOptions,
  ): Promise<RoutedGeneration> {
    const serving = this.relaysServing(modelId);
    if (serving.length === 0) {
      throw new InvalidInputError('no_relay_for_model', { model: modelId });
    }
    const totalDeadline = options.totalTimeoutMs === undefined ? Infinity : this.now() + options.totalTimeoutMs;
    const failovers: RoutedGeneration['failovers'] = [];
    let lastError: ImagineError | undefined;
    let planError: ImagineError | undefined;

    const candidates = this.relaysFor(modelId);
    for (const [index, relay] of candidates.entries()) {
      const breaker = this.breaker(relay);
      if (!breaker.allowsRequest) continue; // another request took the half-open trial meanwhile
      let plan: PlannedRequest;
      try {
        plan = planFor(relay);
      } catch (error) {
        if (isImagineError(error) && error.kind === 'invalid_input') {
          planError ??= error;
          continue;
        }
        throw error;
      }
      const timeoutMs = Math.min(options.timeoutMs, totalDeadline - this.now());
      if (timeoutMs <= 0) {
        throw lastError ?? new RelayTimeoutError(`No relay delivered ${modelId} in time`, { code: 'timeout' });
      }
      breaker.begin();
      try {
        const result = await this.generateOn(relay, plan, { ...options, timeoutMs });
        breaker.succeeded();
        return { ...result, relay, plan, failovers };
      } catch (error) {
        if (!isImagineError(error) || error.kind === 'cancelled') {
          breaker.released();
          throw error;
        }
        breaker.failed(error.kind);
        if (!isFailoverSafe(error)) throw error;
        lastError = error;
        failovers.push({ relay: relay.name, error });
        const next = candidates.slice(index + 1).find((r) => this.breaker(r).allowsRequest);
        if (next) options.onFailover?.({ from: relay.name, to: next.name, error });
      }
    }
    if (lastError) throw lastError;
    if (planError) throw planError;
    const waitS = Math.ceil(Math.min(...serving.map((r) => this.breaker(r).retryInMs)) / 1000);
    throw new UpstreamError(
      `Every relay for ${modelId} is paused after repeated failures; try again in about ${Math.max(waitS, 1)} s`,
      { code: 'circuit_open' },
    );
  }
}
