// Running generations, so that shutdown can stop taking work, let running jobs finish for a while,
// then interrupt the rest (their users are told) and exit within the 20 s CONTRACT.md allows.
//
// Besides the generations themselves it follows every interaction handler still at work: a command
// accepted just before shutdown may still be waiting for its deferral to reach Discord (a 429 retry,
// a slow network) and has not started its generation yet. Shutdown waits for those too, so an
// accepted request is never dropped with its user left at "thinking…".
export const SHUTDOWN_REASON = 'shutdown';

interface RunningJob {
  controller: AbortController;
  done: Promise<void>;
}

export class JobTracker {
  private readonly running = new Map<string, RunningJob>();
  private readonly handlers = new Set<Promise<unknown>>();
  private accepting = true;
  private aborting = false;

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** Runs `job` with an AbortSignal that fires on shutdown (reason `shutdown`). */
  track(id: string, job: (signal: AbortSignal) => Promise<void>): Promise<void> {
    const controller = new AbortController();
    // Started after shutdown already interrupted the others: interrupted at once, its user told.
    if (this.aborting) controller.abort(SHUTDOWN_REASON);
    const done = job(controller.signal).finally(() => this.running.delete(id));
    this.running.set(id, { controller, done });
    return done;
  }

  /** Follows one interaction handler until it settles; `drain` waits for it. */
  follow<T>(work: Promise<T>): Promise<T> {
    this.handlers.add(work);
    const forget = () => this.handlers.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Stops accepting, waits up to `graceMs` for running jobs, then aborts them and waits `abortMs` more. */
  async drain(graceMs: number, abortMs: number): Promise<number> {
    this.accepting = false;
    await Promise.race([this.idle(), delay(graceMs)]);
    const left = this.running.size;
    this.aborting = true;
    for (const job of this.running.values()) job.controller.abort(SHUTDOWN_REASON);
    await Promise.race([this.idle(), delay(abortMs)]);
    return left;
  }

  /** Resolves once no job and no handler is at work, including those that start while waiting. */
  private async idle(): Promise<void> {
    while (this.running.size > 0 || this.handlers.size > 0) {
      await Promise.allSettled([...[...this.running.values()].map((job) => job.done), ...this.handlers]);
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
