// The queue several bot processes share (PostgreSQL, issue 15): the job table is the queue. Any
// process may start the next job in fair order (fairPolicy.ts, the same rule as FairScheduler) under
// the global, per-user and per-relay caps counted over every process; positions and ETAs replay the
// rule over the shared rows. Single-process SQLite keeps JobQueue: nothing here runs there.
//
// A job row is written by the admitting process (records.open) and submitted here; from then on:
//   waiting  queued, unclaimed. Any process may claim it (one that did not admit it asks `adopt` for
//            a runner, from the row alone); a row that is not portable only its admitter claims.
//   claimed  claimed_by = a process, lease_until renewed by it every leaseMs/3. Its runner marks the
//            row running (JobStore.markRunning with claimedBy) before it reaches the relay.
//   ended    the runner settled the row (a final state); its slot frees with it.
// Claims are made in ONE transaction serialised across processes (BEGIN IMMEDIATE on SQLite, the
// advisory lock on PostgreSQL): the rows, lanes and clock are read, the rule picks, the claims and
// the lanes are written. Two processes never claim the same job or overrun a cap. Leases compare
// epoch ms written by different machines: their clocks must agree to well within leaseMs (NTP).
//
// A process that dies stops renewing. Whoever next sees the expired lease: a claimed job that had not
// started goes back to waiting (nothing was sent; its member's lane keeps the turn it was charged,
// as a cancelled running job's does in FairScheduler); a running one — or a waiting one only the dead
// process could run — is taken over by ONE process (a guarded UPDATE) and handed to `leaseExpired`,
// which closes it by the recovery rule and tells the member once.
//
// The admitting process keeps the member's message: it learns of its job's turn by polling. A job
// another process claimed (or closed) ends here as `handed_over`: the admitter neither settles it nor
// answers. Cancel works from any process: cancel_requested = 1; the admitter of a waiting job ends it
// as `cancelled`, the process running one aborts it with CANCEL_REASON.
import { log } from '../log.js';
import { checkedWeight, limitsFrom, positiveCap, type EtaEstimate, type Limits } from './fairPolicy.js';
import type { SchedulerOptions } from './fairScheduler.js';
import { PositionListeners } from './positionListeners.js';
import { RunningJobs } from './runningJobs.js';
import { holdsSlot, isUnfinished, isWaiting, laneAfterJoin, planClaims, replayShared, DEFAULT_RELAY, type Snapshot } from './sharedPlan.js';
import type { SharedJob, SharedQueueStore } from './sharedStore.js';
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

/** The abort reason of a run whose claim another process took back (this process was taken for dead). */
export const LEASE_LOST_REASON = 'lease_lost';

const DEFAULT_NOTIFY_INTERVAL_MS = 1_000;
const DEFAULT_LEASE_MS = 15_000;
const DEFAULT_POLL_MS = 250;

export interface SharedJobQueueOptions extends Omit<SchedulerOptions, 'now'> {
  /** Jobs running at once across EVERY process sharing the table. Default 4. */
  maxRunning?: number;
  /** The job table, lanes and clock (src/storage/queueStore.ts). */
  store: SharedQueueStore;
  /** This process's name on the rows it claims and admits; unique among live processes. */
  processId: string;
  /** Jobs running at once in this process. Default maxRunning (which counts every process). */
  localSlots?: number;
  /** Expected ms for a job, for ETAs; 30 s when absent. */
  latencyOf?: (job: QueueJob) => number;
  /** Longest a job may run before its signal fires with DEADLINE_REASON. Default 15 min. */
  maxRunMs?: number;
  /** After an abort, how long a run may take to settle before its slot is freed anyway. Default 10 s. */
  abandonAfterMs?: number;
  /** A waiting job's listeners hear of an ETA change of at least this much (position changes always). Default 5 s. */
  etaChangeMs?: number;
  /** How often positions are replayed for listeners (other processes change them: polled). Default 1 s. */
  notifyIntervalMs?: number;
  /** A claim's lease, renewed every leaseMs/3; past it the process is taken for dead. Default 15 s. */
  leaseMs?: number;
  /** How often the table is read for turns, handovers, cancels and expired leases. Default 250 ms. */
  pollMs?: number;
  /**
   * A runner for a job this process did not admit, from its row (undefined: cannot run it here; asked
   * again after leaseMs). Called inside the claim transaction: it may read the database, not write.
   */
  adopt?: (jobId: number) => JobRunner | undefined;
  /** Close a job whose process died, and tell its member: called in the one process whose takeover won. */
  leaseExpired: (jobId: number, wasRunning: boolean) => void | Promise<void>;
  now?: () => number;
}

interface Local {
  job: QueueJob;
  jobId: number;
  queueOnly: boolean;
  portable: boolean;
}

/** Submitted here, not started here. */
interface Waiting extends Local {
  run: JobRunner;
  resolve: (settlement: JobSettlement) => void;
}

/** Running in this process (submitted here, or adopted). */
interface Running extends Local {
  resolve?: (settlement: JobSettlement) => void;
  ended: Promise<void>;
}

type Claimed = { job: SharedJob; run: JobRunner | undefined };

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function settled(id: string, outcome: JobSettlement['outcome']): Promise<JobSettlement> {
  return Promise.resolve({ id, outcome });
}

export class SharedJobQueue implements WorkQueue {
  private readonly store: SharedQueueStore;
  private readonly processId: string;
  private readonly limits: Limits;
  private readonly localSlots: number;
  private readonly maxQueuedPerUser: number;
  private readonly maxQueued: number;
  private readonly latencyOf: (job: QueueJob) => number;
  private readonly notifyIntervalMs: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly adopt: (jobId: number) => JobRunner | undefined;
  private readonly leaseExpired: (jobId: number, wasRunning: boolean) => void | Promise<void>;
  private readonly now: () => number;
  private readonly runs: RunningJobs;
  private readonly waiting = new Map<string, Waiting>();
  private readonly running = new Map<string, Running>();
  /** Job ids of abandoned runs still going: their claims are kept (renewed) until they end. */
  private readonly lingering = new Set<number>();
  /** Jobs taken over from a dead process, being closed by leaseExpired: their claims are renewed meanwhile. */
  private readonly closing = new Map<number, Promise<void>>();
  /** Jobs `adopt` refused, and when to ask again. */
  private readonly notAdoptable = new Map<number, number>();
  private readonly listeners: PositionListeners;
  private accepting = true;
  /** After drain(): no more polling, even for runs that outlived it. */
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private lastRenew = 0;
  private lastNotify = 0;
  private failing = false;

  constructor(options: SharedJobQueueOptions) {
    this.store = options.store;
    if (typeof options.processId !== 'string' || options.processId === '') throw new TypeError('processId must be a non-empty string');
    this.processId = options.processId;
    this.limits = limitsFrom(options);
    this.localSlots = positiveCap('localSlots', options.localSlots, this.limits.maxRunning);
    this.maxQueuedPerUser = positiveCap('maxQueuedPerUser', options.maxQueuedPerUser, 5);
    this.maxQueued = positiveCap('maxQueued', options.maxQueued, Infinity);
    this.latencyOf = latencyEstimate(options.latencyOf);
    this.listeners = new PositionListeners(options.etaChangeMs);
    this.notifyIntervalMs = options.notifyIntervalMs || DEFAULT_NOTIFY_INTERVAL_MS;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    if (!(this.leaseMs > 0) || !(this.pollMs > 0)) throw new RangeError('leaseMs and pollMs must be positive');
    this.adopt = options.adopt ?? (() => undefined);
    this.leaseExpired = options.leaseExpired;
    this.now = options.now ?? Date.now;
    this.runs = new RunningJobs({ maxRunMs: options.maxRunMs, abandonAfterMs: options.abandonAfterMs });
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** This process's jobs: waiting (submitted here) + running here. */
  get size(): number {
    return this.waiting.size + this.running.size;
  }

  /**
   * False while this process's polls of the shared database fail (the server down or unreachable);
   * true again after the next poll that succeeds. /healthz reports it: no job can be taken meanwhile.
   */
  get databaseReachable(): boolean {
    return !this.failing;
  }

  get runningCount(): number {
    return this.running.size;
  }

  get queuedCount(): number {
    return this.waiting.size;
  }

  /** Starts the poll loop: turns, handovers, cancels, renewals, expired leases. drain() stops it. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => this.tick(), 0);
    this.timer.unref();
  }

  /**
   * Takes a job whose row the caller wrote (records.open), or, with no row (a chat call), writes a
   * queue-only one. Refused over a queue limit counted over every process (the row is then marked
   * never to start, for the caller to settle). If the database fails here, the job is left in the
   * table for whichever process polls next: `handed_over`.
   */
  submit(job: QueueJob, run: JobRunner): SubmitResult {
    if (!this.accepting) return { ok: false, reason: 'shutting_down' };
    if (this.waiting.has(job.id) || this.running.has(job.id)) return { ok: false, reason: 'duplicate_id' };
    const weight = checkedWeight(job.weight);
    let resolve!: (settlement: JobSettlement) => void;
    const done = new Promise<JobSettlement>((r) => (resolve = r));
    type Taken = { kind: 'taken'; claimed: Claimed[] } | { kind: 'handed_over' | 'cancelled' | 'duplicate_id' } | { kind: 'refused'; refusal: QueueRefusal };
    let taken: Taken;
    try {
      taken = this.store.transaction((): Taken => {
        const now = this.now();
        const leaseUntil = now + this.leaseMs;
        let row = this.store.byKey(job.id);
        if (row && (!isUnfinished(row) || holdsSlot(row))) return { kind: 'handed_over' };
        if (row?.cancelRequested) return { kind: 'cancelled' };
        const counts = this.store.waitingCounts(job.userId, job.id);
        const refusal = this.refusalFor(counts);
        if (refusal) {
          if (row) this.store.requestCancel(row.id, leaseUntil);
          return { kind: 'refused', refusal };
        }
        if (row) this.store.enlist(row.id, this.processId, weight, leaseUntil);
        else {
          row = this.store.addQueueOnly({ key: job.id, userId: job.userId, relay: job.relay, model: job.model, weight }, this.processId, now, leaseUntil);
          if (!row) return { kind: 'duplicate_id' };
        }
        const joined = laneAfterJoin(this.store.lane(job.userId), this.store.clock(), job.userId, weight, counts.user === 0);
        this.store.saveLane(joined.lane);
        this.store.saveClock(joined.clock);
        this.waiting.set(job.id, { job: { ...job }, jobId: row.id, queueOnly: row.queueOnly, portable: row.portable, run, resolve });
        return { kind: 'taken', claimed: this.claimInTransaction(now) };
      });
    } catch (error) {
      this.waiting.delete(job.id);
      log.warn('shared queue: could not take a job; it stays in the table for the next poll', { job: job.id, error });
      taken = { kind: 'handed_over' };
    }
    if (taken.kind === 'refused') return { ok: false, ...taken.refusal } as SubmitResult;
    if (taken.kind === 'duplicate_id') return { ok: false, reason: 'duplicate_id' };
    const latency = this.latencyOf(job);
    if (taken.kind !== 'taken') {
      return { ok: true, state: 'queued', done: settled(job.id, taken.kind), position: 0, eta: { position: 0, startsInMs: 0, doneInMs: latency } };
    }
    this.startClaimed(taken.claimed);
    return accepted(this.running.has(job.id) ? 'running' : 'queued', done, () => this.eta(job.id) ?? { position: 0, startsInMs: 0, doneInMs: latency });
  }

  /** Why a new job of this user would be refused now (limits counted over every process). */
  refusal(userId: string): QueueRefusal | undefined {
    if (!this.accepting) return { reason: 'shutting_down' };
    return this.refusalFor(this.store.waitingCounts(userId, ''));
  }

  /**
   * A waiting job is withdrawn (its admitter ends it as `cancelled`); a running one is aborted by the
   * process running it: here at once with `reason`, elsewhere with CANCEL_REASON when it next polls.
   */
  cancel(id: string, reason: string = CANCEL_REASON): 'queued' | 'running' | undefined {
    if (this.running.has(id)) {
      this.runs.abort(id, reason);
      return 'running';
    }
    const result = this.store.transaction(() => {
      const row = this.store.byKey(id);
      if (!row || !isUnfinished(row)) return undefined;
      this.store.requestCancel(row.id, this.now() + this.leaseMs);
      return holdsSlot(row) ? 'running' : 'queued';
    });
    const local = this.waiting.get(id);
    if (local && result === 'queued') this.endWaiting(id, local, 'cancelled');
    return result;
  }

  has(id: string): boolean {
    return this.stateOf(id) !== undefined;
  }

  /** Here or in any process. */
  stateOf(id: string): 'queued' | 'running' | undefined {
    if (this.running.has(id)) return 'running';
    if (this.waiting.has(id)) return 'queued';
    const row = this.store.byKey(id);
    if (!row || !isUnfinished(row) || (row.cancelRequested && !holdsSlot(row))) return undefined;
    return holdsSlot(row) ? 'running' : 'queued';
  }

  /** Jobs that start before this waiting one, replaying the rule over the shared table. */
  position(id: string): number | undefined {
    if (this.running.has(id)) return undefined;
    const snapshot = this.snapshot();
    const row = snapshot.jobs.find((job) => job.key === id);
    if (!row || !isWaiting(row)) return undefined;
    return replayShared(snapshot, this.limits, this.now()).get(id)?.position;
  }

  eta(id: string): EtaEstimate | undefined {
    return this.etas().get(id);
  }

  /**
   * Calls `callback` when this waiting job's position changes or its expected finish moves by at
   * least etaChangeMs, as seen by polling every notifyIntervalMs; the first call brings the current
   * position. Stops when the job starts or leaves. Returns an unsubscribe function.
   */
  onPositionChange(id: string, callback: (update: PositionUpdate) => void): () => void {
    if (!this.waiting.has(id)) return () => {};
    return this.listeners.add(id, callback);
  }

  /**
   * Shutdown: stops claiming; this process's claimed jobs that have not started go back to the queue
   * (their runs aborted); its waiting jobs are left in the table for other processes (`handed_over`;
   * with none alive, the next start serves them), except those no other process can run (queue-only,
   * not portable: `not_started`, for the caller to settle). Running jobs get graceMs, then SHUTDOWN_REASON
   * and abortMs more; their leases are renewed meanwhile, and expire after (another process closes them).
   */
  async drain(graceMs: number, abortMs: number): Promise<DrainResult> {
    this.accepting = false;
    const notStarted: QueueJob[] = [];
    const handedOver: QueueJob[] = [];
    const released: string[] = [];
    const staysHere = (local: Local) => local.queueOnly || !local.portable;
    try {
      this.store.transaction(() => {
        for (const local of this.waiting.values()) {
          if (local.queueOnly) this.store.removeQueueOnly(local.jobId);
          else if (!local.portable) this.store.requestCancel(local.jobId, this.now() + this.leaseMs);
        }
        for (const [key, run] of this.running) if (!run.queueOnly && this.store.release(run.jobId, this.processId)) released.push(key);
      });
    } catch (error) {
      log.warn('shared queue: could not hand back the jobs of a stopping process; their leases will expire', { error });
    }
    for (const [id, local] of [...this.waiting]) {
      (staysHere(local) ? notStarted : handedOver).push(local.job);
      this.endWaiting(id, local, staysHere(local) ? 'not_started' : 'handed_over');
    }
    this.listeners.clear();
    for (const key of released) this.runs.abort(key, SHUTDOWN_REASON);
    const allEnded = () => Promise.allSettled([...[...this.running.values()].map((run) => run.ended), ...this.closing.values()]);
    await Promise.race([allEnded(), delay(graceMs)]);
    const aborted = [...this.running.keys()].filter((key) => !released.includes(key));
    for (const id of aborted) this.runs.abort(id, SHUTDOWN_REASON);
    await Promise.race([allEnded(), delay(abortMs)]);
    const stillRunning = aborted.filter((id) => this.runs.has(id));
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    return { left: aborted.length, aborted, stillRunning, notStarted, handedOver };
  }

  // ---------------------------------------------------------------------------------------------

  private refusalFor(counts: { total: number; user: number }): QueueRefusal | undefined {
    if (counts.total >= this.maxQueued) return { reason: 'queue_full', limit: this.maxQueued };
    if (counts.user >= this.maxQueuedPerUser) return { reason: 'user_queue_full', limit: this.maxQueuedPerUser };
    return undefined;
  }

  private snapshot(): Snapshot {
    return { jobs: this.store.unfinished(), lanes: this.store.lanes(), clock: this.store.clock() };
  }

  private etas(): Map<string, EtaEstimate> {
    return replayShared(this.snapshot(), this.limits, this.now(), (row) => this.latencyOf(queueJobOf(row)));
  }

  /** Whether this process may start the job: its own, or one it can rebuild from the row. */
  private eligible(job: SharedJob, now: number): boolean {
    if (this.waiting.has(job.key)) return true;
    if (!job.portable || job.queueOnly) return false;
    const retryAt = this.notAdoptable.get(job.id);
    return retryAt === undefined || retryAt <= now;
  }

  private freeSlots(): number {
    return this.localSlots - this.running.size;
  }

  /**
   * Inside the serialised transaction: the jobs this process starts now, claimed. A job picked for
   * which `adopt` has no runner is passed over and the plan made again without it.
   */
  private claimInTransaction(now: number): Claimed[] {
    const count = this.freeSlots();
    if (!this.accepting || count <= 0) return [];
    const snapshot = this.snapshot();
    const runners = new Map<number, JobRunner>();
    let plan = planClaims(snapshot, this.limits, count, (job) => this.eligible(job, now));
    for (;;) {
      const refused = plan.picks.find((job) => !this.waiting.has(job.key) && !runners.has(job.id) && !this.adopted(job, runners, now));
      if (!refused) break;
      plan = planClaims(snapshot, this.limits, count, (job) => this.eligible(job, now));
    }
    const leaseUntil = now + this.leaseMs;
    const claimed: Claimed[] = [];
    for (const job of plan.picks) {
      if (this.store.claim(job.id, this.processId, leaseUntil)) claimed.push({ job, run: runners.get(job.id) });
    }
    for (const lane of plan.changed) this.store.saveLane(lane);
    for (const userId of plan.dropped) this.store.dropLane(userId);
    this.store.saveClock(plan.clock);
    return claimed;
  }

  /** Asks `adopt` for a runner; a refusal (or a throw) is remembered for leaseMs. */
  private adopted(job: SharedJob, runners: Map<number, JobRunner>, now: number): boolean {
    let runner: JobRunner | undefined;
    try {
      runner = this.adopt(job.id);
    } catch (error) {
      log.warn('shared queue: could not rebuild a job admitted elsewhere', { jobId: job.id, error });
    }
    if (runner) runners.set(job.id, runner);
    else this.notAdoptable.set(job.id, now + this.leaseMs);
    return runner !== undefined;
  }

  private startClaimed(claimed: Claimed[]): void {
    for (const { job, run } of claimed) {
      const local = this.waiting.get(job.key);
      if (local) {
        this.waiting.delete(job.key);
        this.listeners.delete(job.key);
        this.launch(local, local.run, local.resolve);
      } else if (run) {
        this.launch({ job: queueJobOf(job), jobId: job.id, queueOnly: job.queueOnly, portable: job.portable }, run, undefined);
      }
    }
  }

  private launch(local: Local, run: JobRunner, resolve: ((settlement: JobSettlement) => void) | undefined): void {
    const key = local.job.id;
    let ended!: () => void;
    const entry: Running = { ...local, ended: new Promise<void>((r) => (ended = r)), ...(resolve ? { resolve } : {}) };
    this.running.set(key, entry);
    this.runs.start(
      key,
      run,
      (settlement) => {
        if (this.running.get(key) === entry) this.running.delete(key);
        // An abandoned run may still be at the relay: its claim (its slot under the caps) is kept until it ends.
        if (settlement.outcome === 'abandoned') this.lingering.add(local.jobId);
        else this.endClaim(local);
        ended();
        entry.resolve?.(settlement);
        this.pump();
      },
      () => {
        if (this.lingering.delete(local.jobId)) this.endClaim(local);
      },
    );
  }

  /** A run here ended: a queue-only entry goes; a job its runner never started goes back to waiting. */
  private endClaim(local: Local): void {
    try {
      this.store.transaction(() => {
        if (local.queueOnly) this.store.removeQueueOnly(local.jobId);
        else this.store.release(local.jobId, this.processId);
      });
    } catch (error) {
      log.warn('shared queue: could not free the claim of an ended run; its lease will expire', { jobId: local.jobId, error });
    }
  }

  private endWaiting(id: string, local: Waiting, outcome: 'cancelled' | 'handed_over' | 'not_started'): void {
    this.waiting.delete(id);
    this.listeners.delete(id);
    local.resolve({ id, outcome });
  }

  /** Claims what can start now (a slot freed here, a job submitted). */
  private pump(): void {
    if (!this.accepting || this.freeSlots() <= 0) return;
    try {
      this.startClaimed(this.store.transaction(() => this.claimInTransaction(this.now())));
    } catch (error) {
      log.warn('shared queue: could not claim; retrying on the next poll', { error });
    }
  }

  private tick(): void {
    this.timer = undefined;
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      this.poll();
      if (this.failing) log.info('shared queue: the database answers again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) log.warn('shared queue: polling failed; retrying', { error });
      this.failing = true;
    } finally {
      this.polling = false;
    }
    if (!this.stopped) {
      this.timer = setTimeout(() => this.tick(), this.pollMs);
      this.timer.unref();
    }
  }

  /** One look at the table: renewals, then what changed elsewhere, expired leases, turns, positions. */
  private poll(): void {
    const now = this.now();
    if (now - this.lastRenew >= this.leaseMs / 3) this.renew(now);
    const jobs = this.store.unfinished();
    this.reconcile(jobs);
    if (this.accepting) {
      if (jobs.some((job) => this.expiredHere(job, now))) this.sweep(now);
      if (this.freeSlots() > 0 && jobs.some((job) => isWaiting(job) && this.eligible(job, now))) {
        // Planned first without the lock: the serialised transaction is taken only when a job can start.
        const hint = planClaims({ jobs, lanes: this.store.lanes(), clock: this.store.clock() }, this.limits, 1, (job) => this.eligible(job, now));
        if (hint.picks.length > 0) this.pump();
      }
    }
    if (this.listeners.size > 0 && now - this.lastNotify >= this.notifyIntervalMs) {
      this.lastNotify = now;
      this.notify(now);
    }
  }

  /** Jobs this process waits for or runs, as other processes left them: taken, closed, cancelled. */
  private reconcile(jobs: readonly SharedJob[]): void {
    const rows = new Map(jobs.map((job) => [job.key, job]));
    for (const [id, local] of [...this.waiting]) {
      const row = rows.get(id);
      if (!row || holdsSlot(row)) this.endWaiting(id, local, 'handed_over');
      else if (row.cancelRequested) this.endWaiting(id, local, 'cancelled');
    }
    for (const [id] of this.running) {
      const row = rows.get(id);
      if (row?.cancelRequested && row.claimedBy === this.processId) this.runs.abort(id, CANCEL_REASON);
    }
  }

  /** Extends this process's leases; a run whose claim another process took back is aborted. */
  private renew(now: number): void {
    const leaseUntil = now + this.leaseMs;
    const lost: string[] = [];
    this.store.transaction(() => {
      for (const [key, run] of this.running) if (!this.store.renew(run.jobId, this.processId, leaseUntil)) lost.push(key);
      for (const id of [...this.lingering, ...this.closing.keys()]) this.store.renew(id, this.processId, leaseUntil);
      this.store.renewWaiting(this.processId, leaseUntil);
    });
    this.lastRenew = now;
    for (const key of lost) {
      const row = this.store.byKey(key);
      // Final: its runner settled it and is finishing. Otherwise another process has it now.
      if (row && isUnfinished(row) && row.claimedBy !== this.processId) {
        log.warn('shared queue: another process took over a job running here; stopping it', { jobId: row.id });
        this.runs.abort(key, LEASE_LOST_REASON);
      }
    }
  }

  /** An expired lease this process should act on (not its own: its renewals are late, not dead). */
  private expiredHere(job: SharedJob, now: number): boolean {
    if (job.claimedBy === this.processId || (job.claimedBy === null && this.waiting.has(job.key))) return false;
    if (job.claimedBy !== null) return job.leaseUntil !== null && job.leaseUntil < now;
    if (!isWaiting(job) && !job.cancelRequested) return false;
    if (job.portable && !job.cancelRequested) return false;
    return (job.leaseUntil ?? job.createdAt + this.leaseMs) < now;
  }

  /**
   * In one serialised transaction: expired claims that had not started go back to waiting, expired
   * queue-only entries go, and every other expired job is taken over — by one process only, the one
   * whose guarded UPDATE changes the row — and closed through leaseExpired after the commit.
   */
  private sweep(now: number): void {
    const won: { id: number; wasRunning: boolean }[] = [];
    this.store.transaction(() => {
      for (const job of this.store.expired(now, this.leaseMs)) {
        if (!this.expiredHere(job, now)) continue;
        if (job.queueOnly) this.store.removeQueueOnly(job.id);
        else if (job.claimedBy !== null && job.state === 'queued' && job.portable && !job.cancelRequested) {
          this.store.releaseExpired(job.id, job.claimedBy, now);
        } else if (this.store.takeOver(job, this.processId, now + this.leaseMs, now, this.leaseMs)) {
          won.push({ id: job.id, wasRunning: job.state === 'running' });
        }
      }
    });
    for (const { id, wasRunning } of won) this.close(id, wasRunning);
  }

  private close(jobId: number, wasRunning: boolean): void {
    const closing = (async () => this.leaseExpired(jobId, wasRunning))()
      .catch((error: unknown) => log.error('shared queue: could not close a job whose process died; it is retried when the lease runs out', { jobId, error }))
      .finally(() => this.closing.delete(jobId));
    this.closing.set(jobId, closing);
  }

  private notify(now: number): void {
    this.listeners.notify(this.etas(), (id) => this.waiting.has(id), now);
  }
}

function queueJobOf(row: SharedJob): QueueJob {
  return { id: row.key, userId: row.userId, relay: row.relay ?? DEFAULT_RELAY, model: row.model, weight: row.weight };
}
