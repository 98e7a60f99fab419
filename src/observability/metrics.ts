// The bot's Prometheus metrics, on a registry of their own (not prom-client's global one, which a
// library could also write to). One process runs one bot, so one shared instance: the generation
// code records into it without threading it through every call, and it costs next to nothing when
// no endpoint serves it (METRICS_PORT unset).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ErrorKind } from '../providers/errors.js';

/** What the queue-depth gauge reads at each scrape (the JobQueue in bot.ts). */
export interface QueueDepthSource {
  readonly queuedCount: number;
  readonly runningCount: number;
}

export type DeliveryRoute = 'reply' | 'channel' | 'dm';

/** Relay calls answer in about 1 s (FLUX klein) to 300 s (REQUEST_TIMEOUT, gpt-image-2 at high quality). */
const GENERATION_BUCKETS = [0.5, 1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300];
/** A whole job adds the wait in the queue and the upload, so the tail is longer. */
const JOB_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 90, 120, 180, 300, 600, 900];

/** Failures the relay never saw (refused locally) or that we caused (cancel, shutdown) are not its errors. */
const NOT_RELAY_ERRORS: ReadonlySet<ErrorKind> = new Set(['invalid_input', 'cancelled']);

export class BotMetrics {
  readonly registry = new Registry();
  private readonly jobs: Counter<'outcome' | 'model'>;
  private readonly generationSeconds: Histogram<'model'>;
  private readonly jobSeconds: Histogram<'outcome'>;
  private readonly relayErrors: Counter<'relay' | 'kind'>;
  private readonly deliveries: Counter<'via'>;
  private queue: QueueDepthSource | undefined;
  /** The same error object can reach us twice (a failover, then the final throw): count it once. */
  private readonly countedErrors = new WeakSet<object>();
  private processMetrics = false;

  constructor() {
    const registers = [this.registry];
    this.jobs = new Counter({
      name: 'imagine_jobs_total',
      help: 'Generation jobs that ended, by outcome (the usage log outcome values) and model',
      labelNames: ['outcome', 'model'],
      registers,
    });
    this.generationSeconds = new Histogram({
      name: 'imagine_generation_seconds',
      help: 'Relay time of successful generations (first byte sent to last image decoded), in seconds',
      labelNames: ['model'],
      buckets: GENERATION_BUCKETS,
      registers,
    });
    this.jobSeconds = new Histogram({
      name: 'imagine_job_seconds',
      help: 'Whole jobs from acceptance to their end, queue wait and delivery included, in seconds',
      labelNames: ['outcome'],
      buckets: JOB_BUCKETS,
      registers,
    });
    this.relayErrors = new Counter({
      name: 'imagine_relay_errors_total',
      help: 'Failed relay requests by relay and error class, retries and failovers included',
      labelNames: ['relay', 'kind'],
      registers,
    });
    this.deliveries = new Counter({
      name: 'imagine_deliveries_total',
      help: 'Results delivered, by route: an edit of the reply, a channel message (token expiring) or a DM',
      labelNames: ['via'],
      registers,
    });
    const self = this;
    new Gauge({
      name: 'imagine_queue_depth',
      help: 'Generation jobs waiting in the queue and running now',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'queued' }, self.queue?.queuedCount ?? 0);
        this.set({ state: 'running' }, self.queue?.runningCount ?? 0);
      },
    });
  }

  /** The queue whose depth the gauge reports. */
  watchQueue(source: QueueDepthSource): void {
    this.queue = source;
  }

  /** Node's process metrics (CPU, memory, event loop lag, …); started only when an endpoint serves them. */
  enableProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry });
  }

  jobFinished(outcome: string, model: string, seconds: number): void {
    this.jobs.inc({ outcome, model });
    this.jobSeconds.observe({ outcome }, seconds);
  }

  generationSucceeded(model: string, seconds: number): void {
    this.generationSeconds.observe({ model }, seconds);
  }

  /** One failed relay request. Errors that are not the relay's (local refusals, cancels) are ignored. */
  relayError(relay: string | undefined, error: { kind: ErrorKind }): void {
    if (NOT_RELAY_ERRORS.has(error.kind) || this.countedErrors.has(error)) return;
    this.countedErrors.add(error);
    this.relayErrors.inc({ relay: relay ?? 'unknown', kind: error.kind });
  }

  delivered(via: DeliveryRoute): void {
    this.deliveries.inc({ via });
  }

  /** The text exposition format, and the content type to serve it with. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

export const metrics = new BotMetrics();
