// Interaction handlers still at work, so that shutdown waits for them and not only for generations.
// A command accepted just before shutdown may still be waiting for its deferral to reach Discord (a
// 429 retry, a slow network), and a handler whose job was just cancelled or dropped by the queue is
// still telling its user. Shutdown waits for those, so an accepted request is never dropped with its
// user left at "thinking…". The generations themselves are the JobQueue's (src/queue/jobQueue.ts).
export class HandlerTracker {
  private readonly handlers = new Set<Promise<unknown>>();

  /** Follows one interaction handler until it settles; `idle` waits for it. */
  follow<T>(work: Promise<T>): Promise<T> {
    this.handlers.add(work);
    const forget = () => this.handlers.delete(work);
    work.then(forget, forget);
    return work;
  }

  get size(): number {
    return this.handlers.size;
  }

  /** Resolves once no handler is at work (including those that start while waiting), or after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    const settled = (async () => {
      while (this.handlers.size > 0) await Promise.allSettled([...this.handlers]);
    })();
    await Promise.race([settled, timeout]);
    clearTimeout(timer);
  }
}
