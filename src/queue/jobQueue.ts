// Runs generations in the FairScheduler's order, as slots free up. Replaces the simple JobTracker
// (src/discord/jobTracker.ts) with the same shutdown semantics: `isAccepting`, `drain(graceMs,
// abortMs)` that stops starting work, waits for running jobs, then aborts them with the reason
// SHUTDOWN_REASON ('shutdown', the same value as the tracker's) and waits a little more.
//
// Every running job gets an AbortSignal (the reasons are in workQueue.ts: cancel, shutdown,
// deadline). A run that ignores its abort for abandonAfterMs loses its slot anyway (outcome `abandoned`).
//
// The queue holds no durable state: the caller writes the job table and the ledger (create before
// submit, settle in `run` or from the `done` outcome), so a restart can resume or close every job.
import { FairScheduler, type EtaEstimate, type ScheduledJob, type SchedulerOptions } from './fairScheduler.js';
import { PositionListeners } from './positionListeners.js';
import { RunningJobs } from './runningJobs.js';
import {
  accepted,
  latencyEstimate,
  CANCEL_REASON,
  SHUTDOWN_REASON,
  type DrainResult,
  type JobRunner,
  type JobSettlement,
  type PositionUpdate,
  type QueueJob,
  type QueueRefusal,
  type SubmitResult,
  type WorkQueue,
} from './workQueue.js';

// The contract's names, where the in-process queue's users have always found them.
export { CANCEL_REASON, DEADLINE_REASON, SHUTDOWN_REASON } from './workQueue.js';
export type { DrainResult, JobOutcome, JobRunner, JobSettlement, PositionUpdate, QueueJob, SubmitResult } from './workQueue.js';

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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export class JobQueue implements WorkQueue {
  private readonly scheduler: FairScheduler<Pending>;
  private readonly latencyOf: (job: QueueJob) => number;
  private readonly now: () => number;
  private readonly runs: RunningJobs;
  private readonly listeners: PositionListeners;
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
    this.latencyOf = latencyEstimate(latencyOf);
    this.runs = new RunningJobs({ maxRunMs, abandonAfterMs });
    this.listeners = new PositionListeners(etaChangeMs);
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
    return accepted(state, done, () => this.eta(job.id) ?? { position: 0, startsInMs: 0, doneInMs: this.latencyOf(pending.job) });
  }

  /** Why a new job of this user would be refused now, or undefined when submit() would take it. */
  refusal(userId: string): QueueRefusal | undefined {
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
      this.runs.abort(id, reason);
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
    return this.scheduler.eta(id, (scheduled) => this.latencyOf(scheduled.item.job));
  }

  /**
   * Calls `callback` whenever this queued job's position changes or its expected finish moves by at
   * least etaChangeMs. Stops when the job starts or leaves the queue. Returns an unsubscribe function.
   */
  onPositionChange(id: string, callback: (update: PositionUpdate) => void): () => void {
    if (this.scheduler.stateOf(id) !== 'queued') return () => {};
    if (this.notifyIntervalMs > 0) {
      // Gathered mode: the first update (the current position) comes with the next gathered notice.
      const unsubscribe = this.listeners.add(id, callback);
      this.notifyPositions();
      return unsubscribe;
    }
    const eta = this.eta(id);
    if (!eta) return () => {};
    return this.listeners.add(id, callback, { position: eta.position, doneAt: this.now() + eta.doneInMs });
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
    for (const id of aborted) this.runs.abort(id, SHUTDOWN_REASON);
    await Promise.race([allRunning(), delay(abortMs)]);
    const stillRunning = aborted.filter((id) => this.runs.has(id));
    return { left: aborted.length, aborted, stillRunning, notStarted };
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
    this.runs.start(id, pending.run, (settlement) => {
      this.scheduler.finish(id);
      pending.resolve(settlement);
      this.pump();
    });
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
    const etas = this.scheduler.etas((scheduled) => this.latencyOf(scheduled.item.job));
    this.listeners.notify(etas, (id) => this.scheduler.stateOf(id) === 'queued', this.now());
  }
}
