// What the shared queue needs from the database, as an interface: src/queue may not import
// src/storage, so the storage layer implements this (src/storage/queueStore.ts) and the wiring above
// both hands it over. Every method is one statement (or two) on the job table, its lanes or its clock.

/** A queued or running job as the queue sees its row (`state` may be final when read by key). */
export interface SharedJob {
  /** jobs.id */
  id: number;
  /** The interaction id: the queue's job id. */
  key: string;
  userId: string;
  relay: string | null;
  model: string;
  weight: number;
  state: string;
  /** The process holding its slot, or null while it waits. */
  claimedBy: string | null;
  /** Epoch ms; past it the holder (or, for a job only its admitter can run, the admitter) is taken for dead. */
  leaseUntil: number | null;
  cancelRequested: boolean;
  admittedBy: string | null;
  /** False: only the admitting process can run it. */
  portable: boolean;
  /** A queue entry with no job behind it (a chat call): deleted when it ends. */
  queueOnly: boolean;
  createdAt: number;
  startedAt: number | null;
}

/** The fair rule's state for one member. */
export interface SharedLane {
  userId: string;
  pass: number;
  weight: number;
  order: number;
}

/** The fair rule's global state: the virtual time and the last join order handed out. */
export interface SharedClock {
  vtime: number;
  laneOrder: number;
}

export interface QueueOnlyEntry {
  key: string;
  userId: string;
  relay: string;
  model: string;
  weight: number;
}

export interface SharedQueueStore {
  /** Runs `fn` in one write transaction serialised with every other process's (BEGIN IMMEDIATE; PostgreSQL's advisory lock). */
  transaction<T>(fn: () => T): T;
  /** Every queued or running job, oldest first. */
  unfinished(): SharedJob[];
  /** The job of this interaction, in any state. */
  byKey(key: string): SharedJob | undefined;
  /** Jobs waiting (queued, unclaimed, not cancelled): in all, and this member's; the job `exceptKey` not counted. */
  waitingCounts(userId: string, exceptKey: string): { total: number; user: number };
  lanes(): SharedLane[];
  lane(userId: string): SharedLane | undefined;
  clock(): SharedClock;
  saveLane(lane: SharedLane): void;
  dropLane(userId: string): void;
  saveClock(clock: SharedClock): void;
  /** The submitting process takes the job on: admitted_by, the member's weight, the admitter's lease. */
  enlist(id: number, processId: string, weight: number, leaseUntil: number): void;
  /** A waiting entry for a submit with no job row; undefined when the key is taken. */
  addQueueOnly(entry: QueueOnlyEntry, processId: string, now: number, leaseUntil: number): SharedJob | undefined;
  removeQueueOnly(id: number): void;
  /** cancel_requested = 1 on an unfinished job; a waiting one's lease starts (its admitter must close it in time). */
  requestCancel(id: number, leaseUntil: number): boolean;
  /** A waiting job becomes this process's: false when it was not waiting. */
  claim(id: number, processId: string, leaseUntil: number): boolean;
  /** A claimed job that has not started goes back to waiting: false unless this process held it. */
  release(id: number, processId: string): boolean;
  /** Extends this process's claim; false when the job is final or no longer this process's. */
  renew(id: number, processId: string, leaseUntil: number): boolean;
  /** Extends the lease of every waiting job only this process can run. */
  renewWaiting(processId: string, leaseUntil: number): void;
  /** Unfinished jobs whose holder's lease ran out (or, waiting, whose admitter's did). */
  expired(now: number, leaseMs: number): SharedJob[];
  /** An expired claim that had not started goes back to waiting. */
  releaseExpired(id: number, claimedBy: string, now: number): boolean;
  /** Takes an expired job over for closing; true for the one process that wins it. */
  takeOver(job: Pick<SharedJob, 'id' | 'claimedBy'>, processId: string, leaseUntil: number, now: number, leaseMs: number): boolean;
}
