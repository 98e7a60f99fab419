// Weighted-fair ordering of the generations waiting in this process. Pure and in memory: the durable
// job table is the source of truth across restarts; this only decides which job starts next. The
// rule (per-user lanes, virtual time, the caps, the replay behind positions and ETAs) is
// fairPolicy.ts, shared with the queue several processes share (sharedQueue.ts); this class keeps its
// state for one process. With equal weights it is round robin: A A A B C starts as A B C A A.
import type { RelayConfig } from '../config/relay.js';
import {
  checkedWeight,
  emptyState,
  isIdleWithoutDebt,
  joinLane,
  limitsFrom,
  pick,
  positiveCap,
  release,
  replay,
  type Entry,
  type EtaEstimate,
  type Limits,
  type State,
} from './fairPolicy.js';

export type { EtaEstimate } from './fairPolicy.js';

export interface SchedulerOptions {
  /** Jobs running at once in this process. Default 4. */
  maxRunning?: number;
  /** Jobs running at once per user. Default 1. */
  maxRunningPerUser?: number;
  /** Jobs running at once per relay name; relays not listed are limited by maxRunning only. */
  maxRunningPerRelay?: Readonly<Record<string, number>>;
  /** Jobs waiting (not running) per user; more are refused with `user_queue_full`. Default 5. */
  maxQueuedPerUser?: number;
  /** Jobs waiting in total; more are refused with `queue_full`. Default unlimited. */
  maxQueued?: number;
  /** Clock (epoch ms), for tests. */
  now?: () => number;
}

export interface SchedulerJob<T> {
  /** Unique among queued and running jobs (the interaction id, say). */
  id: string;
  userId: string;
  /** The relay the job will use; its cap applies. */
  relay: string;
  /** The user's share (> 0, default 1): weight 2 gets twice the turns of weight 1. The latest job sets it. */
  weight?: number;
  item: T;
}

export interface ScheduledJob<T> {
  readonly id: string;
  readonly userId: string;
  readonly relay: string;
  readonly weight: number;
  readonly item: T;
  readonly enqueuedAt: number;
  /** Set once started. */
  readonly startedAt?: number;
}

export type EnqueueRejection = 'user_queue_full' | 'queue_full' | 'duplicate_id';

/** Taken (no place in line is computed here: that is a replay of the queue; ask position() when needed). */
export type EnqueueResult =
  | { ok: true }
  | { ok: false; reason: EnqueueRejection; /** The limit that refused it (queue_full, user_queue_full). */ limit?: number };

export type LatencyOf<T> = (job: ScheduledJob<T>) => number;

function publicJob<T>(entry: Entry<T>): ScheduledJob<T> {
  return { ...entry };
}

/** The per-relay caps from the relay configuration (RelayConfig.maxConcurrency). */
export function relayCaps(relays: readonly Pick<RelayConfig, 'name' | 'maxConcurrency'>[]): Record<string, number> {
  return Object.fromEntries(relays.map((relay) => [relay.name, relay.maxConcurrency]));
}

export class FairScheduler<T> {
  private readonly limits: Limits;
  private readonly maxQueuedPerUser: number;
  private readonly maxQueued: number;
  private readonly now: () => number;
  private readonly state: State<T> = emptyState();
  /** Every queued job by id. */
  private readonly queuedById = new Map<string, Entry<T>>();
  private readonly runningById = new Map<string, Entry<T>>();
  private laneOrder = 0;
  /** Positions only (unit latencies), cached until the next change. */
  private positions: Map<string, EtaEstimate> | undefined;

  constructor(options: SchedulerOptions = {}) {
    this.limits = limitsFrom(options);
    this.maxQueuedPerUser = positiveCap('maxQueuedPerUser', options.maxQueuedPerUser, 5);
    this.maxQueued = positiveCap('maxQueued', options.maxQueued, Infinity);
    this.now = options.now ?? Date.now;
  }

  get queuedCount(): number {
    return this.queuedById.size;
  }

  get runningCount(): number {
    return this.runningById.size;
  }

  /**
   * Adds a job at the end of its user's lane. Refused when a queue limit is reached or the id is
   * taken. Cheap: the place in line is not computed (position() replays the queue, on demand).
   */
  enqueue(job: SchedulerJob<T>): EnqueueResult {
    if (typeof job.id !== 'string' || job.id === '') throw new TypeError('id must be a non-empty string');
    const weight = checkedWeight(job.weight);
    if (this.queuedById.has(job.id) || this.runningById.has(job.id)) return { ok: false, reason: 'duplicate_id' };
    const refused = this.refusal(job.userId);
    if (refused) return { ok: false, ...refused };
    const backlogEmpty = (this.state.lanes.get(job.userId)?.queue.length ?? 0) === 0;
    const lane = joinLane(this.state, job.userId, weight, backlogEmpty, () => ++this.laneOrder);
    const entry: Entry<T> = { id: job.id, userId: job.userId, relay: job.relay, weight, item: job.item, enqueuedAt: this.now() };
    lane.queue.push(entry);
    this.queuedById.set(entry.id, entry);
    this.changed();
    return { ok: true };
  }

  /**
   * Why a new job of this user would be refused now (a queue limit), or undefined when it would be
   * taken. Lets a caller refuse before it defers or reserves anything.
   */
  refusal(userId: string): { reason: 'queue_full' | 'user_queue_full'; limit: number } | undefined {
    if (this.queuedById.size >= this.maxQueued) return { reason: 'queue_full', limit: this.maxQueued };
    if ((this.state.lanes.get(userId)?.queue.length ?? 0) >= this.maxQueuedPerUser) {
      return { reason: 'user_queue_full', limit: this.maxQueuedPerUser };
    }
    return undefined;
  }

  /** Starts and returns the next runnable job, or undefined when nothing can start now. */
  next(): ScheduledJob<T> | undefined {
    const entry = pick(this.state, this.limits);
    if (!entry) return undefined;
    entry.startedAt = this.now();
    this.queuedById.delete(entry.id);
    this.runningById.set(entry.id, entry);
    this.changed();
    return publicJob(entry);
  }

  /** A running job ended (whatever the outcome): frees its slots. False when it was not running. */
  finish(id: string): boolean {
    const entry = this.runningById.get(id);
    if (!entry) return false;
    this.runningById.delete(id);
    release(this.state, entry.userId, entry.relay);
    // Idle lanes are kept only while they carry debt; sweep the ones the virtual time has caught up with.
    for (const userId of [...this.state.lanes.keys()]) this.pruneLane(userId);
    this.changed();
    return true;
  }

  /**
   * Removes a job: a queued one leaves the queue, a running one frees its slots (the caller aborts
   * the work itself). Returns what the job was, or undefined when unknown.
   */
  cancel(id: string): 'queued' | 'running' | undefined {
    if (this.runningById.has(id)) {
      this.finish(id);
      return 'running';
    }
    const entry = this.queuedById.get(id);
    if (!entry) return undefined;
    this.queuedById.delete(id);
    const lane = this.state.lanes.get(entry.userId);
    if (lane) {
      const index = lane.queue.indexOf(entry);
      if (index >= 0) lane.queue.splice(index, 1);
    }
    this.pruneLane(entry.userId);
    this.changed();
    return 'queued';
  }

  /** Removes every queued job (shutdown) and returns them, oldest first. Running jobs stay. */
  clearQueued(): ScheduledJob<T>[] {
    const removed = [...this.queuedById.values()].sort((a, b) => a.enqueuedAt - b.enqueuedAt);
    for (const entry of removed) this.cancel(entry.id);
    return removed.map(publicJob);
  }

  stateOf(id: string): 'queued' | 'running' | undefined {
    if (this.runningById.has(id)) return 'running';
    return this.queuedById.has(id) ? 'queued' : undefined;
  }

  get(id: string): ScheduledJob<T> | undefined {
    const entry = this.queuedById.get(id) ?? this.runningById.get(id);
    return entry && publicJob(entry);
  }

  /** Queued jobs in the order they are expected to start. */
  queued(): ScheduledJob<T>[] {
    const plan = this.plan();
    return [...this.queuedById.values()]
      .sort((a, b) => (plan.get(a.id)?.position ?? Infinity) - (plan.get(b.id)?.position ?? Infinity))
      .map(publicJob);
  }

  running(): ScheduledJob<T>[] {
    return [...this.runningById.values()].map(publicJob);
  }

  /**
   * How many jobs will start before this queued job (0-based), replaying the fair order as slots
   * free up one by one. Undefined when the job is not queued (running or unknown).
   */
  position(id: string): number | undefined {
    if (!this.queuedById.has(id)) return undefined;
    return this.plan().get(id)?.position;
  }

  /**
   * Expected start and finish of a queued or running job: the queue is replayed in the fair order,
   * each job taking `latencyOf(job)` ms and each running job its remaining estimate (its latency
   * minus the time it has already run).
   */
  eta(id: string, latencyOf: LatencyOf<T>): EtaEstimate | undefined {
    if (!this.queuedById.has(id) && !this.runningById.has(id)) return undefined;
    return this.plan(latencyOf).get(id);
  }

  /** Estimates for every queued and running job at once (one replay), e.g. to refresh all messages. */
  etas(latencyOf: LatencyOf<T>): Map<string, EtaEstimate> {
    return this.plan(latencyOf);
  }

  private changed(): void {
    this.positions = undefined;
  }

  /** Forgets an idle lane that has no debt (its pass is not ahead of the virtual time). */
  private pruneLane(userId: string): void {
    const lane = this.state.lanes.get(userId);
    if (lane && isIdleWithoutDebt(this.state, lane)) this.state.lanes.delete(userId);
  }

  /** Replays the policy on a copy of the state. Without latencies every job takes one unit of time. */
  private plan(latencyOf?: LatencyOf<T>): Map<string, EtaEstimate> {
    if (!latencyOf && this.positions) return this.positions;
    const latency = latencyOf && ((entry: Entry<T>) => latencyOf(publicJob(entry)));
    const result = replay(this.state, this.runningById.values(), this.queuedById.values(), this.limits, this.now(), latency);
    if (!latencyOf) this.positions = result;
    return result;
  }
}
