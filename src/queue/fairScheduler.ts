// Weighted-fair ordering of the generations waiting in this process. Pure and in memory: the durable
// job table is the source of truth across restarts; this only decides which job starts next.
//
// Fairness is per user, not per job: each user has a lane (a FIFO of their jobs) and a virtual time
// `pass`. The next job comes from the runnable lane with the smallest pass, ties broken by the order
// in which lanes joined the queue; starting a job advances its lane's pass by 1 / weight. With equal
// weights this is round robin: A A A B C starts as A B C A A, and a user with ten jobs waiting never
// holds up another user's one. A lane that becomes busy again starts at the current virtual time, so
// idling earns no credit (start-time fair queuing), and a lane that ran more than its share keeps its
// debt while it is briefly idle.
//
// A job is runnable when the global cap (maxRunning), its user's cap (maxRunningPerUser, default 1)
// and its relay's cap (maxRunningPerRelay; relays not listed have none) all have room. Within a lane
// the oldest runnable job goes first, so a job for a saturated relay does not block the same user's
// job for another relay.
//
// Positions and ETAs come from replaying exactly this policy on a copy of the state: jobs start as
// slots free up, running jobs finish after their remaining estimated latency.
import type { RelayConfig } from '../config/relay.js';

const EPSILON = 1e-9;
/** A running job past its estimate is assumed to need at least this fraction of it again. */
const OVERDUE_REMAINING_FRACTION = 0.1;

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

export interface EtaEstimate {
  /** Jobs that will start before this one (0-based); 0 for a running job. */
  position: number;
  /** Ms until it starts (0 when running). Infinity when a cap of 0 means it never can. */
  startsInMs: number;
  /** Ms until it is expected to finish. */
  doneInMs: number;
}

export type LatencyOf<T> = (job: ScheduledJob<T>) => number;

interface Entry<T> {
  id: string;
  userId: string;
  relay: string;
  weight: number;
  item: T;
  enqueuedAt: number;
  startedAt?: number;
}

interface Lane<T> {
  userId: string;
  pass: number;
  weight: number;
  /** When the lane last joined the backlog; breaks ties between equal passes (round robin). */
  order: number;
  queue: Entry<T>[];
  running: number;
}

interface Limits {
  maxRunning: number;
  maxRunningPerUser: number;
  perRelay: ReadonlyMap<string, number>;
}

/** The mutable part of the scheduler, copied for simulations. */
interface State<T> {
  lanes: Map<string, Lane<T>>;
  relayRunning: Map<string, number>;
  running: number;
  vtime: number;
}

function cloneState<T>(state: State<T>): State<T> {
  const lanes = new Map<string, Lane<T>>();
  for (const [userId, lane] of state.lanes) lanes.set(userId, { ...lane, queue: [...lane.queue] });
  return { lanes, relayRunning: new Map(state.relayRunning), running: state.running, vtime: state.vtime };
}

/** Picks the next job under the caps and the fairness rule, and marks it running in `state`. */
function pick<T>(state: State<T>, limits: Limits): Entry<T> | undefined {
  if (state.running >= limits.maxRunning) return undefined;
  let best: { lane: Lane<T>; index: number } | undefined;
  for (const lane of state.lanes.values()) {
    if (lane.queue.length === 0 || lane.running >= limits.maxRunningPerUser) continue;
    if (best) {
      const better = lane.pass < best.lane.pass - EPSILON || (Math.abs(lane.pass - best.lane.pass) <= EPSILON && lane.order < best.lane.order);
      if (!better) continue;
    }
    const index = lane.queue.findIndex((entry) => relayHasRoom(state, limits, entry.relay));
    if (index >= 0) best = { lane, index };
  }
  if (!best) return undefined;
  const { lane, index } = best;
  const [entry] = lane.queue.splice(index, 1);
  if (!entry) return undefined;
  lane.running++;
  state.running++;
  state.relayRunning.set(entry.relay, (state.relayRunning.get(entry.relay) ?? 0) + 1);
  state.vtime = Math.max(state.vtime, lane.pass);
  lane.pass += 1 / lane.weight;
  return entry;
}

function relayHasRoom<T>(state: State<T>, limits: Limits, relay: string): boolean {
  const cap = limits.perRelay.get(relay);
  return cap === undefined || (state.relayRunning.get(relay) ?? 0) < cap;
}

function release<T>(state: State<T>, userId: string, relay: string): void {
  state.running = Math.max(0, state.running - 1);
  const onRelay = (state.relayRunning.get(relay) ?? 0) - 1;
  if (onRelay > 0) state.relayRunning.set(relay, onRelay);
  else state.relayRunning.delete(relay);
  const lane = state.lanes.get(userId);
  if (lane) lane.running = Math.max(0, lane.running - 1);
}

function positiveCap(name: string, value: number | undefined, fallback: number): number {
  const cap = value ?? fallback;
  if (!(cap >= 0) || (!Number.isInteger(cap) && cap !== Infinity)) throw new RangeError(`${name} must be a non-negative integer`);
  return cap;
}

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
  private readonly state: State<T> = { lanes: new Map(), relayRunning: new Map(), running: 0, vtime: 0 };
  /** Every queued job by id. */
  private readonly queuedById = new Map<string, Entry<T>>();
  private readonly runningById = new Map<string, Entry<T>>();
  private laneOrder = 0;
  /** Positions only (unit latencies), cached until the next change. */
  private positions: Map<string, EtaEstimate> | undefined;

  constructor(options: SchedulerOptions = {}) {
    this.limits = {
      maxRunning: positiveCap('maxRunning', options.maxRunning, 4),
      maxRunningPerUser: positiveCap('maxRunningPerUser', options.maxRunningPerUser, 1),
      perRelay: new Map(
        Object.entries(options.maxRunningPerRelay ?? {}).map(([relay, cap]) => [relay, positiveCap(`maxRunningPerRelay.${relay}`, cap, 0)]),
      ),
    };
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
    const weight = job.weight ?? 1;
    if (!(weight > 0) || !Number.isFinite(weight)) throw new RangeError('weight must be a positive finite number');
    if (this.queuedById.has(job.id) || this.runningById.has(job.id)) return { ok: false, reason: 'duplicate_id' };
    const refused = this.refusal(job.userId);
    if (refused) return { ok: false, ...refused };
    let lane = this.state.lanes.get(job.userId);
    if (!lane) {
      lane = { userId: job.userId, pass: this.state.vtime, weight, order: 0, queue: [], running: 0 };
      this.state.lanes.set(job.userId, lane);
    }
    if (lane.queue.length === 0) {
      // Joining the backlog: no credit for the time spent idle, and the back of the round.
      lane.pass = Math.max(lane.pass, this.state.vtime);
      lane.order = ++this.laneOrder;
    }
    lane.weight = weight;
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
    if (lane && lane.queue.length === 0 && lane.running === 0 && lane.pass <= this.state.vtime + EPSILON) {
      this.state.lanes.delete(userId);
    }
  }

  /** Replays the policy on a copy of the state. Without latencies every job takes one unit of time. */
  private plan(latencyOf?: LatencyOf<T>): Map<string, EtaEstimate> {
    if (!latencyOf && this.positions) return this.positions;
    const now = this.now();
    const latency = (entry: Entry<T>): number => {
      if (!latencyOf) return 1;
      const ms = latencyOf(publicJob(entry));
      return Number.isFinite(ms) && ms > 0 ? ms : 0;
    };
    const result = new Map<string, EtaEstimate>();
    const sim = cloneState(this.state);
    const events: { at: number; userId: string; relay: string }[] = [];
    for (const entry of this.runningById.values()) {
      const total = latency(entry);
      const elapsed = latencyOf ? now - (entry.startedAt ?? now) : 0;
      const remaining = Math.max(total - elapsed, total * OVERDUE_REMAINING_FRACTION);
      events.push({ at: remaining, userId: entry.userId, relay: entry.relay });
      result.set(entry.id, { position: 0, startsInMs: 0, doneInMs: remaining });
    }
    let time = 0;
    let started = 0;
    let waiting = this.queuedById.size;
    while (waiting > 0) {
      for (let entry = pick(sim, this.limits); entry; entry = pick(sim, this.limits)) {
        const done = time + latency(entry);
        result.set(entry.id, { position: started++, startsInMs: time, doneInMs: done });
        events.push({ at: done, userId: entry.userId, relay: entry.relay });
        waiting--;
      }
      if (waiting === 0 || events.length === 0) break;
      // Advance to the next completion; free every slot that ends then.
      time = Math.min(...events.map((event) => event.at));
      for (let i = events.length - 1; i >= 0; i--) {
        const event = events[i];
        if (event && event.at <= time + EPSILON) {
          events.splice(i, 1);
          release(sim, event.userId, event.relay);
        }
      }
    }
    // Jobs that can never start (a cap of 0): last, without a time.
    for (const entry of this.queuedById.values()) {
      if (!result.has(entry.id)) result.set(entry.id, { position: started++, startsInMs: Infinity, doneInMs: Infinity });
    }
    if (!latencyOf) this.positions = result;
    return result;
  }
}
