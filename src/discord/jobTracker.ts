// Running generations, so that shutdown can stop taking work, let running jobs finish for a while,
// then interrupt the rest (their users are told) and exit within the 20 s CONTRACT.md allows.
export const SHUTDOWN_REASON = 'shutdown';

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

export class JobTracker {
  private readonly running = new Map<string, RunningJob>();
  private accepting = true;

  get isAccepting(): boolean {
    return this.accepting;
  }

  get size(): number {
    return this.running.size;
  }

  /** Runs `job` with an AbortSignal that fires on shutdown (reason `shutdown`). */
  track(id: string, job: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const controller = new AbortController();
    const done = job(controller.signal).finally(() => this.running.delete(id));
    this.running.set(id, { controller, done });
    return done;
  }

  /** Stops accepting, waits up to `graceMs` for running jobs, then aborts them and waits `abortMs` more. */
  async drain(graceMs: number, abortMs: number): Promise<number> {
    this.accepting = false;
    const all = () => Promise.allSettled([...this.running.values()].map((job) => job.done));
    await Promise.race([all(), delay(graceMs)]);
    const left = this.running.size;
    for (const job of this.running.values()) job.controller.abort(SHUTDOWN_REASON);
    await Promise.race([all(), delay(abortMs)]);
    return left;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
