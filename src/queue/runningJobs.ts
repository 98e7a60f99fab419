// The jobs a process is running, for both queues: each run gets an AbortSignal, a deadline
// (maxRunMs, then DEADLINE_REASON) and, once aborted, abandonAfterMs to settle before its slot is
// freed anyway (outcome `abandoned`). Exactly one settlement per run.
import { DEADLINE_REASON, type JobRunner, type JobSettlement } from './workQueue.js';

interface Active {
  controller: AbortController;
  settled: boolean;
  timers: NodeJS.Timeout[];
  settle: (error: unknown, failed: boolean, abandoned?: boolean) => void;
}

const DEFAULT_MAX_RUN_MS = 15 * 60 * 1000;
const DEFAULT_ABANDON_AFTER_MS = 10_000;

export interface RunningJobsOptions {
  /** Longest a job may run before its signal fires with DEADLINE_REASON. Default 15 min. */
  maxRunMs?: number;
  /** After an abort, how long a run may take to settle before its slot is freed anyway. Default 10 s. */
  abandonAfterMs?: number;
}

export class RunningJobs {
  private readonly active = new Map<string, Active>();
  private readonly maxRunMs: number;
  private readonly abandonAfterMs: number;

  constructor(options: RunningJobsOptions = {}) {
    this.maxRunMs = options.maxRunMs ?? DEFAULT_MAX_RUN_MS;
    this.abandonAfterMs = options.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS;
  }

  has(id: string): boolean {
    return this.active.has(id);
  }

  /**
   * Calls `run` now. `settled` is told once how it ended (an abandoned run is told when its grace
   * runs out); `ended`, when given, when the run's promise really settles (even after abandonment).
   */
  start(id: string, run: JobRunner, settled: (settlement: JobSettlement) => void, ended?: () => void): void {
    const controller = new AbortController();
    const active: Active = {
      controller,
      settled: false,
      timers: [],
      settle: (error, failed, abandoned = false) => {
        if (active.settled) return;
        active.settled = true;
        for (const timer of active.timers) clearTimeout(timer);
        if (this.active.get(id) === active) this.active.delete(id);
        const signal = controller.signal;
        let settlement: JobSettlement;
        if (abandoned) settlement = { id, outcome: 'abandoned', reason: String(signal.reason) };
        else if (signal.aborted) settlement = { id, outcome: 'aborted', reason: String(signal.reason), ...(failed ? { error } : {}) };
        else settlement = failed ? { id, outcome: 'failed', error } : { id, outcome: 'completed' };
        settled(settlement);
      },
    };
    this.active.set(id, active);
    const deadline = setTimeout(() => this.abort(id, DEADLINE_REASON), this.maxRunMs);
    deadline.unref();
    active.timers.push(deadline);
    let running: Promise<void>;
    try {
      running = Promise.resolve(run(controller.signal));
    } catch (error) {
      running = Promise.reject(error);
    }
    running.then(
      () => active.settle(undefined, false),
      (error: unknown) => active.settle(error, true),
    );
    if (ended) running.then(ended, ended);
  }

  /** Fires the run's signal with `reason`; it has abandonAfterMs to settle. */
  abort(id: string, reason: string): void {
    const active = this.active.get(id);
    if (!active || active.settled || active.controller.signal.aborted) return;
    active.controller.abort(reason);
    const abandon = setTimeout(() => active.settle(undefined, false, true), this.abandonAfterMs);
    abandon.unref();
    active.timers.push(abandon);
  }
}
