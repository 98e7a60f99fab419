// What the generation core asks of a queue, whichever queue it is: JobQueue (one process, in memory:
// the default) or SharedJobQueue (several processes over one database: sharedQueue.ts). Both take the
// same jobs, apply the same fair rule (fairPolicy.ts) and end every submitted job with one outcome.
//
// Every running job gets an AbortSignal. It fires with:
//   CANCEL_REASON   ('cancelled') — cancel(id): the requester pressed Cancel;
//   SHUTDOWN_REASON ('shutdown')  — drain(): the process is stopping;
//   DEADLINE_REASON ('deadline')  — the job ran longer than maxRunMs: nothing stays running forever.
import type { EtaEstimate } from './fairPolicy.js';
import type { EnqueueRejection } from './fairScheduler.js';

export const SHUTDOWN_REASON = 'shutdown';
export const CANCEL_REASON = 'cancelled';
export const DEADLINE_REASON = 'deadline';

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
 *   handed_over (shared queue only) another process runs it, or has closed it: the submitting
 *               process must neither settle it nor answer the member
 */
export type JobOutcome = 'completed' | 'failed' | 'aborted' | 'abandoned' | 'cancelled' | 'not_started' | 'handed_over';

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
  /** Shared queue: queued jobs left in the table for another process (outcome `handed_over`). */
  handedOver?: QueueJob[];
}

const FALLBACK_LATENCY_MS = 30_000;

/** A job's expected ms by `latencyOf`; 30 s when it is absent or gives no positive finite number. */
export function latencyEstimate(latencyOf: ((job: QueueJob) => number) | undefined): (job: QueueJob) => number {
  return (job) => {
    const ms = latencyOf ? latencyOf(job) : FALLBACK_LATENCY_MS;
    return Number.isFinite(ms) && ms > 0 ? ms : FALLBACK_LATENCY_MS;
  };
}

/**
 * An accepted submit. Its position and ETA are computed on first read: a replay of the queue that a
 * caller relying on onPositionChange never needs.
 */
export function accepted(state: 'running' | 'queued', done: Promise<JobSettlement>, etaOf: () => EtaEstimate): SubmitResult {
  let eta: EtaEstimate | undefined;
  const etaNow = () => (eta ??= etaOf());
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

export type QueueRefusal = { reason: 'shutting_down' | 'queue_full' | 'user_queue_full'; limit?: number };

/** JobQueue's public surface: what the generation core, the Cancel button and shutdown use. */
export interface WorkQueue {
  readonly isAccepting: boolean;
  /** Queued + running jobs of this process. */
  readonly size: number;
  readonly runningCount: number;
  readonly queuedCount: number;
  /** Queues a job; `run` is called with an AbortSignal when its turn comes. */
  submit(job: QueueJob, run: JobRunner): SubmitResult;
  /** Why a new job of this user would be refused now, or undefined when submit() would take it. */
  refusal(userId: string): QueueRefusal | undefined;
  /** A queued job is removed (`cancelled`); a running one's signal fires with `reason` (default CANCEL_REASON). */
  cancel(id: string, reason?: string): 'queued' | 'running' | undefined;
  has(id: string): boolean;
  stateOf(id: string): 'queued' | 'running' | undefined;
  /** Jobs that start before this queued one (0-based); undefined when not queued. */
  position(id: string): number | undefined;
  /** Expected start and finish of a queued or running job. */
  eta(id: string): EtaEstimate | undefined;
  /** Told when this queued job's place or expected finish moves; returns an unsubscribe function. */
  onPositionChange(id: string, callback: (update: PositionUpdate) => void): () => void;
  /** Shutdown: stop taking and starting jobs, wait up to graceMs for running ones, abort the rest. */
  drain(graceMs: number, abortMs: number): Promise<DrainResult>;
}
