// Runs generations in the FairScheduler's order, as slots free up. Replaces the simple JobTracker
// (src/discord/jobTracker.ts) with the same shutdown semantics: `isAccepting`, `drain(graceMs,
// abortMs)` that stops starting work, waits for running jobs, then aborts them with the reason
// SHUTDOWN_REASON ('shutdown', the same value as the tracker's) and waits a little more.
//
// Every running job gets an AbortSignal. It fires with:
//   CANCEL_REASON   ('cancelled') — cancel(id): the requester pressed Cancel;
//   SHUTDOWN_REASON ('shutdown')  — drain(): the process is stopping;
//   DEADLINE_REASON ('deadline')  — the job ran longer than maxRunMs: nothing stays running forever.
// A run that ignores its abort for abandonAfterMs loses its slot anyway (outcome `abandoned`).
//
// The queue holds no durable state: the caller writes the job table and the ledger (create before
// submit, settle in `run` or from the `done` outcome), so a restart can resume or close every job.
import { FairScheduler, type EnqueueRejection, type EtaEstimate, type ScheduledJob, type SchedulerOptions } from './fairScheduler.js';

export const SHUTDOWN_REASON = 'shutdown';
export const CANCEL_REASON = 'cancelled';
export const DEADLINE_REASON = 'deadline';

const DEFAULT_MAX_RUN_MS = 15 * 60 * 1000;
const DEFAULT_ABANDON_AFTER_MS = 10_000;
const DEFAULT_ETA_CHANGE_MS = 5_000;
const FALLBACK_LATENCY_MS = 30_000;

export interface QueueJob {
  /** Unique while queued or running (the interaction id). */
  id: string;
  userId: string;
  /** The relay the job will use first; its cap applies. */
  relay: string;
  /** For the latency estimate. */
  model: string;
  /** The user's share, > 0 (default 1). */
  weight?: number;
}

export type JobRunner = (signal: AbortSignal) => Promise<void>;

/**
 * How a submitted job ended:
 *   completed   run resolved without an abort
 *   failed      run threw without an abort (`error`)
 *   aborted     the signal fired (`reason`: cancelled | shutdown | deadline) and run then settled
 *   abandoned   the signal fired and run did not settle within abandonAfterMs; its slot was freed
 *   cancelled   removed from the queue before it started (cancel)
 *   not_started removed from the queue by drain(); still `queued` in the job table, for the next start
 */
export type JobOutcome = 'completed' | 'failed' | 'aborted' | 'abandoned' | 'cancelled' | 'not_started';

export interface JobSettlement {
  id: string;
  outcome: JobOutcome;
  /** The abort reason for `aborted` / `abandoned`. */
  reason?: string;
  /** What run threw, if it did. */
  error?: unknown;
}

export type SubmitResult =
  | {
      ok: true;
      /** `running` when it started at once (run has been called). */
      state: 'running' | 'queued';
      /** Jobs that start before this one (0 when running). */
      position: number;
      eta: EtaEstimate;
      /** Resolves (never rejects) when the job is over, however it ended. */
      done: Promise<JobSettlement>;
    }
  | { ok: false; reason: 'shutting_down' | EnqueueRejection; limit?: number };

export interface PositionUpdate {
  id: string;
  position: number;
  eta: EtaEstimate;
}

export interface DrainResult {
  /** Running jobs still running when the grace period ended (the JobTracker's number). */
  left: number;
  /** Their ids: they were aborted with SHUTDOWN_REASON. */
  aborted: string[];
  /** Of those, the ones that had not settled when abortMs ran out either. */
  stillRunning: string[];
  /** Queued jobs that never started, oldest first (still `queued` in the job table). */
  notStarted: QueueJob[];
}

export interface JobQueueOptions extends Omit<SchedulerOptions, 'now'> {
  /** Expected ms for a job (e.g. `(job) => stats.estimate(job.model)`); 30 s when absent. */
  latencyOf?: (job: QueueJob) => number;
  /** Longest a job may run before its signal fires with DEADLINE_REASON. Default 15 min. */
  maxRunMs?: number;
  /** After an abort, how long a run may take to settle before its slot is freed anyway. Default 10 s. */
  abandonAfterMs?: number;
  /** A queued job's listeners hear of an ETA change of at least this much (position changes always). Default 5 s. */
  etaChangeMs?: number;
  /**
   * 0 (default): listeners hear of changes at once. Above 0: changes are gathered and listeners
   * told at most this often, with one replay of the queue for all of them — a burst of n submits
   * then costs n cheap enqueues instead of n full replays (each O(queue × users)).
   */
  notifyIntervalMs?: number;
  now?: () => number;
}

interface Pending {
  job: QueueJob;
  run: JobRunner;
  resolve: (settlement: JobSettlement) => void;
  done: Promise<JobSettlement>;
}

interface Active {
  controller: AbortController;
  settled: boolean;
  timers: NodeJS.Timeout[];
}

interface Listener {
  callback: (update: PositionUpdate) => void;
  last?: { position: number; doneAt: number };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class JobQueue {
  private readonly scheduler: FairScheduler<Pending>;
  private readonly latencyOf: (job: QueueJob) => number;
  private readonly maxRunMs: number;
  private readonly abandonAfterMs: number;
  private readonly etaChangeMs: number;
  private readonly now: () => number;
  private readonly active = new Map<string, Active>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly notifyIntervalMs: number;
  private notifyTimer: NodeJS.Timeout | undefined;
  private accepting = true;
  private pumping = false;
  private pumpAgain = false;

  constructor(options: JobQueueOptions = {}) {
    const { latencyOf, maxRunMs, abandonAfterMs, etaChangeMs, notifyIntervalMs, now, ...schedulerOptions } = options;
    this.notifyIntervalMs = notifyIntervalMs ?? 0;
    this.now = now ?? Date.now;
    this.scheduler = new FairScheduler<Pending>({ ...schedulerOptions, now: this.now });
    this.latencyOf = latencyOf ?? (() => FALLBACK_LATENCY_MS);
    this.maxRunMs = maxRunMs ?? DEFAULT_MAX_RUN_MS;
    this.abandonAfterMs = abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS;
    this.etaChangeMs = etaChangeMs ?? DEFAULT_ETA_CHANGE_MS;
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Queued + running jobs. */
  get size(): number {
    return this.scheduler.queuedCount + this.scheduler.runningCount;
  }

  get runningCount(): number {
    return this.scheduler.runningCount;
  }

  get queuedCount(): number {
    return this.scheduler.queuedCount;
  }

  /**
   * Queues a job; `run` is called (synchronously, when a slot is free now) with an AbortSignal.
   * Refused while draining (`shutting_down`) or over a queue limit.
   */
  submit(job: QueueJob, run: JobRunner): SubmitResult {
    if (!this.accepting) return { ok: false, reason: 'shutting_down' };
    let resolve!: (settlement: JobSettlement) => void;
    const done = new Promise<JobSettlement>((r) => (resolve = r));
    const pending: Pending = { job: { ...job }, run, resolve, done };
    const queued = this.scheduler.enqueue({ id: job.id, userId: job.userId, relay: job.relay, weight: job.weight, item: pending });
    if (!queued.ok) return queued.limit === undefined ? { ok: false, reason: queued.reason } : { ok: false, reason: queued.reason, limit: queued.limit };
    this.pump();
    const state = this.scheduler.stateOf(job.id) === 'running' ? 'running' : 'queued';
    // Computed on first use: a replay of the whole queue that a caller relying on
    // onPositionChange never needs.
    let eta: EtaEstimate | undefined;
    const etaNow = () => (eta ??= this.eta(job.id) ?? { position: 0, startsInMs: 0, doneInMs: this.latency(pending) });
    return {
      ok: true,
      state,
      done,
      get position() {
        return etaNow().position;
      },
      get eta() {
        return etaNow();
      },
    };
  }

  /** Why a new job of this user would be refused now, or undefined when submit() would take it. */
  refusal(userId: string): { reason: 'shutting_down' | 'queue_full' | 'user_queue_full'; limit?: number } | undefined {
    if (!this.accepting) return { reason: 'shutting_down' };
    return this.scheduler.refusal(userId);
  }

  /**
   * Cancels a job: a queued one is removed (outcome `cancelled`, run never called); a running one's
   * signal fires with `reason` (default CANCEL_REASON) and its slot frees when run settles.
   * Returns what the job was, or undefined when unknown or already over.
   */
  cancel(id: string, reason: string = CANCEL_REASON): 'queued' | 'running' | undefined {
    const state = this.scheduler.stateOf(id);
    if (state === 'running') {
      this.abort(id, reason);
      return 'running';
    }
    if (state !== 'queued') return undefined;
    const pending = this.scheduler.get(id)?.item;
    this.scheduler.cancel(id);
    this.listeners.delete(id);
    pending?.resolve({ id, outcome: 'cancelled' });
    this.notifyPositions();
    return 'queued';
  }

  has(id: string): boolean {
    return this.scheduler.stateOf(id) !== undefined;
  }

  stateOf(id: string): 'queued' | 'running' | undefined {
    return this.scheduler.stateOf(id);
  }

  /** Jobs that start before this queued one (0-based); undefined when not queued. */
  position(id: string): number | undefined {
    return this.scheduler.position(id);
  }

  /** Expected start and finish of a queued or running job, from the measured latencies. */
  eta(id: string): EtaEstimate | undefined {
    return this.scheduler.eta(id, (scheduled) => this.latency(scheduled.item));
  }

  /**
   * Calls `callback` whenever this queued job's position changes or its expected finish moves by at
   * least etaChangeMs. Stops when the job starts or leaves the queue. Returns an unsubscribe function.
   */
  onPositionChange(id: string, callback: (update: PositionUpdate) => void): () => void {
    if (this.scheduler.stateOf(id) !== 'queued') return () => {};
    let listener: Listener;
    if (this.notifyIntervalMs > 0) {
      // Gathered mode: the first update (the current position) comes with the next gathered notice.
      listener = { callback };
    } else {
      const eta = this.eta(id);
      if (!eta) return () => {};
      listener = { callback, last: { position: eta.position, doneAt: this.now() + eta.doneInMs } };
    }
    let set = this.listeners.get(id);
    if (!set) {
      set = new Set();
      this.listeners.set(id, set);
    }
    set.add(listener);
    if (!listener.last) this.notifyPositions();
    return () => {
      const current = this.listeners.get(id);
      current?.delete(listener);
      if (current?.size === 0) this.listeners.delete(id);
    };
  }

  /**
   * Shutdown: stops accepting and starting jobs (queued ones are dropped with `not_started`), waits up
   * to `graceMs` for running jobs, then aborts the rest with SHUTDOWN_REASON and waits `abortMs` more.
   */
  async drain(graceMs: number, abortMs: number): Promise<DrainResult> {
    this.accepting = false;
    const notStarted: QueueJob[] = [];
    for (const scheduled of this.scheduler.clearQueued()) {
      notStarted.push(scheduled.item.job);
      scheduled.item.resolve({ id: scheduled.id, outcome: 'not_started' });
    }
    this.listeners.clear();
    clearTimeout(this.notifyTimer);
    this.notifyTimer = undefined;
    const allRunning = () => Promise.allSettled(this.scheduler.running().map((job) => job.item.done));
    await Promise.race([allRunning(), delay(graceMs)]);
    const aborted = this.scheduler.running().map((job) => job.id);
    for (const id of aborted) this.abort(id, SHUTDOWN_REASON);
    await Promise.race([allRunning(), delay(abortMs)]);
    const stillRunning = aborted.filter((id) => this.active.has(id));
    return { left: aborted.length, aborted, stillRunning, notStarted };
  }

  private latency(pending: Pending): number {
    const ms = this.latencyOf(pending.job);
    return Number.isFinite(ms) && ms > 0 ? ms : FALLBACK_LATENCY_MS;
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        while (this.accepting) {
          const next = this.scheduler.next();
          if (!next) break;
          this.start(next);
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    this.notifyPositions();
  }

  private start(scheduled: ScheduledJob<Pending>): void {
    const { id, item: pending } = scheduled;
    this.listeners.delete(id);
    const controller = new AbortController();
    const active: Active = { controller, settled: false, timers: [] };
    this.active.set(id, active);
    const deadline = setTimeout(() => this.abort(id, DEADLINE_REASON), this.maxRunMs);
    deadline.unref();
    active.timers.push(deadline);
    let running: Promise<void>;
    try {
      running = Promise.resolve(pending.run(controller.signal));
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      () => this.settle(id, undefined, false),
      (error: unknown) => this.settle(id, error, true),
    );
  }

  private abort(id: string, reason: string): void {
    const active = this.active.get(id);
    if (!active || active.settled || active.controller.signal.aborted) return;
    active.controller.abort(reason);
    const abandon = setTimeout(() => this.settle(id, undefined, false, true), this.abandonAfterMs);
    abandon.unref();
    active.timers.push(abandon);
  }

  private settle(id: string, error: unknown, failed: boolean, abandoned = false): void {
    const active = this.active.get(id);
    if (!active || active.settled) return;
    active.settled = true;
    for (const timer of active.timers) clearTimeout(timer);
    this.active.delete(id);
    const pending = this.scheduler.get(id)?.item;
    this.scheduler.finish(id);
    const signal = active.controller.signal;
    let settlement: JobSettlement;
    if (abandoned) settlement = { id, outcome: 'abandoned', reason: String(signal.reason) };
    else if (signal.aborted) settlement = { id, outcome: 'aborted', reason: String(signal.reason), ...(failed ? { error } : {}) };
    else settlement = failed ? { id, outcome: 'failed', error } : { id, outcome: 'completed' };
    pending?.resolve(settlement);
    this.pump();
  }

  private notifyPositions(): void {
    if (this.listeners.size === 0) return;
    if (this.notifyIntervalMs > 0) {
      if (this.notifyTimer) return;
      this.notifyTimer = setTimeout(() => {
        this.notifyTimer = undefined;
        this.notifyNow();
      }, this.notifyIntervalMs);
      this.notifyTimer.unref();
      return;
    }
    this.notifyNow();
  }

  private notifyNow(): void {
    if (this.listeners.size === 0) return;
    const etas = this.scheduler.etas((scheduled) => this.latency(scheduled.item));
    const now = this.now();
    for (const [id, set] of this.listeners) {
      const eta = etas.get(id);
      if (!eta || this.scheduler.stateOf(id) !== 'queued') continue;
      const doneAt = now + eta.doneInMs;
      for (const listener of [...set]) {
        const last = listener.last;
        const moved = !last || last.position !== eta.position || !(Math.abs(last.doneAt - doneAt) < this.etaChangeMs);
        if (!moved) continue;
        listener.last = { position: eta.position, doneAt };
        try {
          listener.callback({ id, position: eta.position, eta });
        } catch {
          // A listener's failure (a Discord edit that threw synchronously) must not stop the queue.
        }
      }
    }
  }
}
