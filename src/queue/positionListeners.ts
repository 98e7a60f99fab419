// Who waits to hear of a queued job's place, for both queues (JobQueue, SharedJobQueue): a listener
// hears its first update, then every position change and every move of the expected finish by at
// least etaChangeMs. A listener that throws (a Discord edit failing synchronously) stops nothing.
import type { EtaEstimate } from './fairPolicy.js';
import type { PositionUpdate } from './workQueue.js';

interface Listener {
  callback: (update: PositionUpdate) => void;
  last?: { position: number; doneAt: number };
}

export class PositionListeners {
  private readonly byId = new Map<string, Set<Listener>>();

  /** `etaChangeMs`: the least move of the expected finish a listener hears of (position changes always). Default 5 s. */
  constructor(private readonly etaChangeMs = 5_000) {}

  get size(): number {
    return this.byId.size;
  }

  /** `last`, when given, is what the listener already knows (no update until it moves). Returns an unsubscribe function. */
  add(id: string, callback: (update: PositionUpdate) => void, last?: Listener['last']): () => void {
    const listener: Listener = last ? { callback, last } : { callback };
    let set = this.byId.get(id);
    if (!set) {
      set = new Set();
      this.byId.set(id, set);
    }
    set.add(listener);
    return () => {
      const current = this.byId.get(id);
      current?.delete(listener);
      if (current?.size === 0) this.byId.delete(id);
    };
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  clear(): void {
    this.byId.clear();
  }

  /** Tells the listeners of every job in `etas` that `waiting` still holds, when their place moved. */
  notify(etas: Map<string, EtaEstimate>, waiting: (id: string) => boolean, now: number): void {
    for (const [id, set] of this.byId) {
      const eta = etas.get(id);
      if (!eta || !waiting(id)) continue;
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
