// The bot's Prometheus metrics, on a registry of their own (not prom-client's global one, which a
// library could also write to). One process runs one bot, so one shared instance: the generation
// code records into it without threading it through every call.
//
// prom-client is loaded only when something will read the figures: the shared instance records
// nothing, and loads nothing, until the endpoint starts it (METRICS_PORT set; bot.ts awaits start()
// before the gateway login, so no job can end before it). A bot without METRICS_PORT never loads
// prom-client at all. An instance constructed directly (tests) starts at once.
import type * as PromClient from 'prom-client';
import type { Counter, Histogram, Registry } from 'prom-client';
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

/** The prom-client objects, made once the library is loaded. */
interface Instruments {
  prom: typeof PromClient;
  registry: Registry;
  jobs: Counter<'outcome' | 'model'>;
  generationSeconds: Histogram<'model'>;
  jobSeconds: Histogram<'outcome'>;
  relayErrors: Counter<'relay' | 'kind'>;
  deliveries: Counter<'via'>;
}

export class BotMetrics {
  private instruments: Instruments | undefined;
  private loading: Promise<void> | undefined;
  /** What was recorded while prom-client was loading (between start() and its end), replayed then. */
  private pending: ((instruments: Instruments) => void)[] = [];
  private queue: QueueDepthSource | undefined;
  /** The same error object can reach us twice (a failover, then the final throw): count it once. */
  private readonly countedErrors = new WeakSet<object>();
  private processMetrics = false;

  /** `idle`: record nothing and load nothing until start() (the shared instance, see above). */
  constructor(options: { idle?: boolean } = {}) {
    if (!options.idle) void this.start();
  }

  /** Loads prom-client and starts recording. Resolves once loaded; a second call returns the same promise. */
  start(): Promise<void> {
    this.loading ??= import('prom-client').then((prom) => {
      const instruments = this.create(prom);
      if (this.processMetrics) prom.collectDefaultMetrics({ register: instruments.registry });
      for (const record of this.pending) record(instruments);
      this.pending = [];
      this.instruments = instruments;
    });
    return this.loading;
  }

  private create(prom: typeof PromClient): Instruments {
    const registry = new prom.Registry();
    const registers = [registry];
    const self = this;
    new prom.Gauge({
      name: 'imagine_queue_depth',
      help: 'Generation jobs waiting in the queue and running now',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'queued' }, self.queue?.queuedCount ?? 0);
        this.set({ state: 'running' }, self.queue?.runningCount ?? 0);
      },
    });
    return {
      prom,
      registry,
      jobs: new prom.Counter({
        name: 'imagine_jobs_total',
        help: 'Generation jobs that ended, by outcome (the usage log outcome values) and model',
        labelNames: ['outcome', 'model'],
        registers,
      }),
      generationSeconds: new prom.Histogram({
        name: 'imagine_generation_seconds',
        help: 'Relay time of successful generations (first byte sent to last image decoded), in seconds',
        labelNames: ['model'],
        buckets: GENERATION_BUCKETS,
        registers,
      }),
      jobSeconds: new prom.Histogram({
        name: 'imagine_job_seconds',
        help: 'Whole jobs from acceptance to their end, queue wait and delivery included, in seconds',
        labelNames: ['outcome'],
        buckets: JOB_BUCKETS,
        registers,
      }),
      relayErrors: new prom.Counter({
        name: 'imagine_relay_errors_total',
        help: 'Failed relay requests by relay and error class, retries and failovers included',
        labelNames: ['relay', 'kind'],
        registers,
      }),
      deliveries: new prom.Counter({
        name: 'imagine_deliveries_total',
        help: 'Results delivered, by route: an edit of the reply, a channel message (token expiring) or a DM',
        labelNames: ['via'],
        registers,
      }),
    };
  }

  /** Records now, or once prom-client is loaded; nothing before start(). */
  private record(write: (instruments: Instruments) => void): void {
    if (this.instruments) write(this.instruments);
    else if (this.loading) this.pending.push(write);
  }

  /** The queue whose depth the gauge reports. */
  watchQueue(source: QueueDepthSource): void {
    this.queue = source;
  }

  /** Node's process metrics (CPU, memory, event loop lag, …); started only when an endpoint serves them. */
  enableProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    if (this.instruments) this.instruments.prom.collectDefaultMetrics({ register: this.instruments.registry });
  }

  jobFinished(outcome: string, model: string, seconds: number): void {
    this.record(({ jobs, jobSeconds }) => {
      jobs.inc({ outcome, model });
      jobSeconds.observe({ outcome }, seconds);
    });
  }

  generationSucceeded(model: string, seconds: number): void {
    this.record(({ generationSeconds }) => generationSeconds.observe({ model }, seconds));
  }

  /** One failed relay request. Errors that are not the relay's (local refusals, cancels) are ignored. */
  relayError(relay: string | undefined, error: { kind: ErrorKind }): void {
    if (NOT_RELAY_ERRORS.has(error.kind) || this.countedErrors.has(error)) return;
    this.countedErrors.add(error);
    this.record(({ relayErrors }) => relayErrors.inc({ relay: relay ?? 'unknown', kind: error.kind }));
  }

  delivered(via: DeliveryRoute): void {
    this.record(({ deliveries }) => deliveries.inc({ via }));
  }

  /** The text exposition format, and the content type to serve it with. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    await this.start();
    const { registry } = this.instruments as Instruments;
    return { contentType: registry.contentType, body: await registry.metrics() };
  }
}

export const metrics = new BotMetrics({ idle: true });
