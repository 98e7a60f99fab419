import { describe, expect, it, vi } from 'vitest';
import { FairScheduler } from '../../src/queue/fairScheduler.js';
import { CANCEL_REASON, DEADLINE_REASON, JobQueue, SHUTDOWN_REASON } from '../../src/queue/jobQueue.js';
import type { JobRunner, PositionUpdate, QueueJob } from '../../src/queue/jobQueue.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A run that waits until released (or rejects when aborted, like the relay client). */
function controlled() {
  const gate = deferred();
  const state = { started: false, signal: undefined as AbortSignal | undefined };
  const run: JobRunner = async (signal) => {
    state.started = true;
    state.signal = signal;
    await Promise.race([
      gate.promise,
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(String(signal.reason))))),
    ]);
  };
  return { run, release: gate.resolve, state };
}

function job(id: string, overrides: Partial<QueueJob> = {}): QueueJob {
  return { id, userId: id[0] as string, relay: 'r1', model: 'gpt-image-1', ...overrides };
}

describe('JobQueue', () => {
  it('never runs more than the caps allow and starts waiting jobs as slots free', async () => {
    const queue = new JobQueue({ maxRunning: 2, maxQueuedPerUser: 10, latencyOf: () => 10_000, now: () => 1_000_000 });
    let running = 0;
    let peak = 0;
    const gates = new Map<string, () => void>();
    const order: string[] = [];
    const run = (id: string): JobRunner => async () => {
      order.push(id);
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.set(id, resolve));
      running--;
    };
    const ids = ['A1', 'A2', 'B1', 'C1', 'D1'];
    const submitted = ids.map((id) => queue.submit(job(id), run(id)));
    // Positions when each was submitted (computed on first read, so read each at once): A2 was alone
    // in the queue, then C1 and D1 went ahead of it.
    const queue2 = new JobQueue({ maxRunning: 2, maxQueuedPerUser: 10, latencyOf: () => 10_000, now: () => 1_000_000 });
    const atSubmit = ids.map((id) => {
      const r = queue2.submit(job(id), () => new Promise<void>(() => {}));
      return r.ok ? [r.state, r.position] : r.reason;
    });
    expect(atSubmit).toEqual([
      ['running', 0],
      ['queued', 0],
      ['running', 0],
      ['queued', 0],
      ['queued', 1],
    ]);
    expect(submitted[0]).toMatchObject({ ok: true, eta: { position: 0, startsInMs: 0, doneInMs: 10_000 } });
    expect(queue.position('A2')).toBe(2);
    expect(queue.eta('A2')).toEqual({ position: 2, startsInMs: 20_000, doneInMs: 30_000 });
    expect(queue.eta('D1')).toEqual({ position: 1, startsInMs: 10_000, doneInMs: 20_000 });
    expect(queue.size).toBe(5);
    while (order.length < ids.length || running > 0) {
      const next = [...gates.entries()][0];
      if (!next) {
        await sleep(1);
        continue;
      }
      gates.delete(next[0]);
      next[1]();
      await sleep(1);
      expect(queue.runningCount).toBeLessThanOrEqual(2);
    }
    expect(peak).toBe(2);
    expect(order).toEqual(['A1', 'B1', 'C1', 'D1', 'A2']);
    const outcomes = await Promise.all(submitted.map((r) => (r.ok ? r.done : undefined)));
    expect(outcomes.map((o) => o?.outcome)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
    expect(queue.size).toBe(0);
  });

  it('cancel aborts a running job with reason "cancelled", frees its slot and starts the next', async () => {
    const queue = new JobQueue({ maxRunning: 1 });
    const first = controlled();
    const second = controlled();
    const a = queue.submit(job('A1'), first.run);
    const b = queue.submit(job('B1'), second.run);
    expect(second.state.started).toBe(false);
    expect(queue.cancel('A1')).toBe('running');
    expect(first.state.signal?.aborted).toBe(true);
    expect(first.state.signal?.reason).toBe(CANCEL_REASON);
    if (!a.ok || !b.ok) throw new Error('unreachable');
    expect(await a.done).toMatchObject({ id: 'A1', outcome: 'aborted', reason: 'cancelled' });
    expect(second.state.started).toBe(true);
    second.release();
    expect(await b.done).toEqual({ id: 'B1', outcome: 'completed' });
    expect(queue.cancel('A1')).toBeUndefined();
  });

  it('cancel removes a queued job without running it, and the others move up', async () => {
    const queue = new JobQueue({ maxRunning: 1 });
    const first = controlled();
    const second = controlled();
    const third = controlled();
    queue.submit(job('A1'), first.run);
    const b = queue.submit(job('B1'), second.run);
    queue.submit(job('C1'), third.run);
    const updates: PositionUpdate[] = [];
    queue.onPositionChange('C1', (update) => updates.push(update));
    expect(queue.position('C1')).toBe(1);
    expect(queue.cancel('B1')).toBe('queued');
    if (!b.ok) throw new Error('unreachable');
    expect(await b.done).toEqual({ id: 'B1', outcome: 'cancelled' });
    expect(queue.position('C1')).toBe(0);
    expect(updates.map((u) => u.position)).toEqual([0]);
    first.release();
    await sleep(5);
    expect(second.state.started).toBe(false);
    expect(third.state.started).toBe(true);
    third.release();
  });

  it('tells listeners of queued jobs when their position or ETA moves, until they start', async () => {
    const queue = new JobQueue({ maxRunning: 1, maxQueuedPerUser: 5, latencyOf: () => 20_000, now: () => 1_000_000 });
    const runs = ['A1', 'B1', 'C1', 'A2'].map(() => controlled());
    ['A1', 'B1', 'C1', 'A2'].forEach((id, i) => queue.submit(job(id), runs[i]!.run));
    const seen: string[] = [];
    const stop = queue.onPositionChange('A2', (u) => seen.push(`${u.position}:${Math.round(u.eta.doneInMs / 1000)}`));
    queue.onPositionChange('C1', (u) => seen.push(`C${u.position}`));
    runs[0]!.release();
    await sleep(5);
    expect(seen).toEqual(['1:60', 'C0']);
    runs[1]!.release();
    await sleep(5);
    expect(seen).toEqual(['1:60', 'C0', '0:40']);
    stop();
    runs[2]!.release();
    await sleep(5);
    expect(seen).toHaveLength(3);
    runs[3]!.release();
    expect(queue.onPositionChange('nope', () => {})).toBeTypeOf('function');
  });

  it('gathered notices (notifyIntervalMs): a burst of submits replays the queue once, and every listener hears its place', async () => {
    // A replay is one run of the scheduler's plan(); count them where they happen. (The cached
    // unit-latency replay behind position() never calls latencyOf, so latencyOf alone cannot see it.)
    const plan = vi.spyOn(FairScheduler.prototype as unknown as { plan: (...args: unknown[]) => unknown }, 'plan');
    try {
      let latencies = 0;
      const queue = new JobQueue({
        maxRunning: 1,
        notifyIntervalMs: 30,
        latencyOf: () => {
          latencies++;
          return 10_000;
        },
        now: () => 1_000_000,
      });
      const runs = Array.from({ length: 40 }, () => controlled());
      const heard = new Map<string, number[]>();
      runs.forEach((run, i) => {
        const id = `U${i}`;
        const submitted = queue.submit(job(id, { userId: `user-${i}` }), run.run);
        if (!submitted.ok) throw new Error(submitted.reason);
        queue.onPositionChange(id, (update) => heard.set(id, [...(heard.get(id) ?? []), update.position]));
      });
      // 40 submits and 39 subscriptions: no replay at all yet.
      expect(plan).not.toHaveBeenCalled();
      expect(latencies).toBe(0);
      await sleep(60);
      // Everyone but the running first job heard their place once, from one replay of the 40 jobs.
      expect(heard.get('U1')).toEqual([0]);
      expect(heard.get('U39')).toEqual([38]);
      expect(heard.size).toBe(39);
      expect(plan).toHaveBeenCalledTimes(1);
      expect(latencies).toBe(40);
      runs[0]!.release();
      await sleep(60);
      expect(heard.get('U39')).toEqual([38, 37]);
      expect(heard.get('U1')).toEqual([0]);
      // The next job started and the rest moved up: one more replay (of 39 jobs).
      expect(plan).toHaveBeenCalledTimes(2);
      expect(latencies).toBe(40 + 39);
      await queue.drain(0, 0);
    } finally {
      plan.mockRestore();
    }
  });

  it('refuses over the queue limits and duplicate ids', () => {
    const queue = new JobQueue({ maxRunning: 1, maxQueuedPerUser: 1 });
    expect(queue.submit(job('A1'), controlled().run)).toMatchObject({ ok: true, state: 'running' });
    expect(queue.submit(job('A2'), controlled().run)).toMatchObject({ ok: true, state: 'queued' });
    expect(queue.submit(job('A3'), controlled().run)).toEqual({ ok: false, reason: 'user_queue_full', limit: 1 });
    expect(queue.submit(job('A1', { userId: 'Z' }), controlled().run)).toEqual({ ok: false, reason: 'duplicate_id' });
  });

  it('a run that throws fails alone; the queue goes on', async () => {
    const queue = new JobQueue({ maxRunning: 1 });
    const boom = new Error('boom');
    const a = queue.submit(job('A1'), async () => {
      throw boom;
    });
    const b = queue.submit(job('B1'), () => {
      throw boom; // synchronously
    });
    const c = queue.submit(job('C1'), async () => {});
    if (!a.ok || !b.ok || !c.ok) throw new Error('unreachable');
    expect(await a.done).toEqual({ id: 'A1', outcome: 'failed', error: boom });
    expect(await b.done).toEqual({ id: 'B1', outcome: 'failed', error: boom });
    expect(await c.done).toEqual({ id: 'C1', outcome: 'completed' });
  });

  it('aborts a job past maxRunMs (reason "deadline"), and frees the slot of a run that ignores its abort', async () => {
    const queue = new JobQueue({ maxRunning: 1, maxRunMs: 20, abandonAfterMs: 30 });
    let seen: AbortSignal | undefined;
    const stuck = queue.submit(job('A1'), (signal) => {
      seen = signal;
      return new Promise<void>(() => {}); // never settles, ignores the abort
    });
    const next = controlled();
    queue.submit(job('B1'), next.run);
    if (!stuck.ok) throw new Error('unreachable');
    expect(await stuck.done).toEqual({ id: 'A1', outcome: 'abandoned', reason: DEADLINE_REASON });
    expect(seen?.reason).toBe(DEADLINE_REASON);
    expect(next.state.started).toBe(true);
    next.release();
  });

  it('drain: stops accepting, drops queued jobs, lets running ones finish within the grace period', async () => {
    const queue = new JobQueue({ maxRunning: 2 });
    const quick = controlled();
    const slow = controlled();
    const waiting = controlled();
    const q = queue.submit(job('A1'), quick.run);
    const s = queue.submit(job('B1'), slow.run);
    const w = queue.submit(job('C1'), waiting.run);
    setTimeout(() => quick.release(), 10);
    const draining = queue.drain(60, 200);
    expect(queue.isAccepting).toBe(false);
    expect(queue.submit(job('D1'), controlled().run)).toEqual({ ok: false, reason: 'shutting_down' });
    const result = await draining;
    expect(result).toEqual({ left: 1, aborted: ['B1'], stillRunning: [], notStarted: [job('C1')] });
    expect(slow.state.signal?.reason).toBe(SHUTDOWN_REASON);
    expect(waiting.state.started).toBe(false);
    if (!q.ok || !s.ok || !w.ok) throw new Error('unreachable');
    expect((await q.done).outcome).toBe('completed');
    expect(await s.done).toMatchObject({ outcome: 'aborted', reason: SHUTDOWN_REASON });
    expect(await w.done).toEqual({ id: 'C1', outcome: 'not_started' });
  });

  it('drain reports runs that ignore the shutdown abort', async () => {
    const queue = new JobQueue({ maxRunning: 1, abandonAfterMs: 1_000 });
    queue.submit(job('A1'), () => new Promise<void>(() => {}));
    const started = Date.now();
    expect(await queue.drain(10, 20)).toEqual({ left: 1, aborted: ['A1'], stillRunning: ['A1'], notStarted: [] });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('drain with nothing running resolves at once', async () => {
    const queue = new JobQueue();
    const started = Date.now();
    expect(await queue.drain(5_000, 5_000)).toEqual({ left: 0, aborted: [], stillRunning: [], notStarted: [] });
    expect(Date.now() - started).toBeLessThan(500);
  });
});
