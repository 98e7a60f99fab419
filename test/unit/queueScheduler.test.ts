import { describe, expect, it } from 'vitest';
import { FairScheduler, relayCaps } from '../../src/queue/fairScheduler.js';
import type { SchedulerOptions } from '../../src/queue/fairScheduler.js';
import { LatencyStats } from '../../src/queue/latencyStats.js';

function scheduler(options: SchedulerOptions = {}) {
  let now = 1_000_000;
  const clock = {
    get now() {
      return now;
    },
    advance(ms: number) {
      now += ms;
    },
  };
  const s = new FairScheduler<string>({ maxQueuedPerUser: 100, ...options, now: () => now });
  const add = (id: string, userId = id[0] as string, relay = 'r1', weight?: number) =>
    s.enqueue({ id, userId, relay, item: id, ...(weight === undefined ? {} : { weight }) });
  /** Starts what can start, finishes it, repeatedly: the start order. */
  const runAll = (): string[] => {
    const order: string[] = [];
    for (;;) {
      const started: string[] = [];
      for (let job = s.next(); job; job = s.next()) started.push(job.id);
      if (started.length === 0) return order;
      order.push(...started);
      for (const id of started) s.finish(id);
    }
  };
  return { s, add, runAll, clock };
}

describe('FairScheduler', () => {
  it('is round robin across users, not FIFO: A A A B C starts as A B C A A', () => {
    const { s, add, runAll } = scheduler({ maxRunning: 1 });
    for (const id of ['A1', 'A2', 'A3', 'B1', 'C1']) add(id);
    expect(['A1', 'A2', 'A3', 'B1', 'C1'].map((id) => s.position(id))).toEqual([0, 3, 4, 1, 2]);
    expect(s.queued().map((j) => j.id)).toEqual(['A1', 'B1', 'C1', 'A2', 'A3']);
    expect(runAll()).toEqual(['A1', 'B1', 'C1', 'A2', 'A3']);
  });

  it('keeps the rotation when users come and go; idling earns no credit', () => {
    const { s, add, runAll } = scheduler({ maxRunning: 1 });
    for (const id of ['A1', 'A2', 'A3', 'A4', 'B1', 'B2']) add(id);
    const first = s.next();
    expect(first?.id).toBe('A1');
    s.finish('A1');
    expect(s.next()?.id).toBe('B1');
    s.finish('B1');
    // C arrives after A and B had their turn in this round: its turn comes next, then the round restarts.
    add('C1');
    expect(runAll()).toEqual(['C1', 'A2', 'B2', 'A3', 'A4']);
    // A ran alone for a while; D is new. D starts at the current virtual time (not at zero, which
    // would give it D1 D2 D3 in a row), so the two alternate.
    for (const id of ['A5', 'A6', 'D1', 'D2', 'D3']) add(id);
    expect(runAll()).toEqual(['D1', 'A5', 'D2', 'A6', 'D3']);
  });

  it('gives a user with weight 2 twice the turns', () => {
    const { add, runAll } = scheduler({ maxRunning: 1 });
    for (const id of ['A1', 'A2', 'A3', 'A4']) add(id, 'A', 'r1', 2);
    for (const id of ['B1', 'B2', 'B3', 'B4']) add(id, 'B');
    expect(runAll()).toEqual(['A1', 'B1', 'A2', 'A3', 'B2', 'A4', 'B3', 'B4']);
  });

  it('runs at most one job per user by default, and more when configured', () => {
    const one = scheduler({ maxRunning: 10 });
    for (const id of ['A1', 'A2', 'B1']) one.add(id);
    expect([one.s.next()?.id, one.s.next()?.id, one.s.next()?.id]).toEqual(['A1', 'B1', undefined]);
    one.s.finish('A1');
    expect(one.s.next()?.id).toBe('A2');

    const two = scheduler({ maxRunning: 10, maxRunningPerUser: 2 });
    for (const id of ['A1', 'A2', 'A3']) two.add(id);
    expect([two.s.next()?.id, two.s.next()?.id, two.s.next()?.id]).toEqual(['A1', 'A2', undefined]);
  });

  it('respects the global cap', () => {
    const { s, add } = scheduler({ maxRunning: 2 });
    for (const id of ['A1', 'B1', 'C1']) add(id);
    expect([s.next()?.id, s.next()?.id, s.next()]).toEqual(['A1', 'B1', undefined]);
    expect(s.runningCount).toBe(2);
    expect(s.position('C1')).toBe(0);
    s.finish('B1');
    expect(s.next()?.id).toBe('C1');
  });

  it('respects per-relay caps without blocking jobs for other relays', () => {
    const { s, add } = scheduler({ maxRunning: 10, maxRunningPerUser: 5, maxRunningPerRelay: { slow: 1, fast: 2 } });
    add('A1', 'A', 'slow');
    add('A2', 'A', 'slow');
    add('A3', 'A', 'fast');
    add('B1', 'B', 'slow');
    add('C1', 'C', 'fast');
    add('E1', 'E', 'other'); // not listed: only the global cap applies
    const started: string[] = [];
    for (let job = s.next(); job; job = s.next()) started.push(job.id);
    // slow holds A1 only, so B1 waits; A's next runnable job (A3, fast) is not held up by A2 (slow).
    expect(started).toEqual(['A1', 'C1', 'E1', 'A3']);
    expect(s.queued().map((j) => j.id)).toEqual(['B1', 'A2']);
    add('F1', 'F', 'fast');
    expect(s.next()).toBeUndefined(); // fast is full too
    s.finish('A1');
    expect(s.next()?.id).toBe('B1'); // B's turn on slow comes before A2
    expect(s.next()).toBeUndefined();
    s.finish('C1');
    expect(s.next()?.id).toBe('F1');
  });

  it('limits queued jobs per user and in total, and refuses duplicate ids', () => {
    const { s } = scheduler({ maxQueuedPerUser: 2, maxQueued: 3, maxRunning: 0 });
    const add = (id: string, userId: string) => s.enqueue({ id, userId, relay: 'r', item: id });
    expect(add('A1', 'A')).toEqual({ ok: true });
    expect(add('A2', 'A')).toEqual({ ok: true });
    expect([s.position('A1'), s.position('A2')]).toEqual([0, 1]);
    expect(add('A3', 'A')).toEqual({ ok: false, reason: 'user_queue_full', limit: 2 });
    expect(add('A1', 'B')).toEqual({ ok: false, reason: 'duplicate_id' });
    expect(add('B1', 'B')).toMatchObject({ ok: true });
    expect(add('C1', 'C')).toEqual({ ok: false, reason: 'queue_full', limit: 3 });
    expect(() => s.enqueue({ id: 'x', userId: 'X', relay: 'r', item: 'x', weight: 0 })).toThrow(RangeError);
  });

  it('only queued jobs count toward the per-user queue limit', () => {
    const { s } = scheduler({ maxQueuedPerUser: 1 });
    const add = (id: string) => s.enqueue({ id, userId: 'A', relay: 'r', item: id });
    expect(add('A1').ok).toBe(true);
    s.next();
    expect(add('A2').ok).toBe(true);
    expect(add('A3').ok).toBe(false);
  });

  it('cancels queued and running jobs', () => {
    const { s, add, runAll } = scheduler({ maxRunning: 1 });
    for (const id of ['A1', 'A2', 'B1', 'C1']) add(id);
    expect(s.next()?.id).toBe('A1');
    expect(s.position('C1')).toBe(1);
    expect(s.cancel('B1')).toBe('queued');
    expect(s.position('C1')).toBe(0);
    expect(s.cancel('A1')).toBe('running');
    expect(s.runningCount).toBe(0);
    expect(s.cancel('A1')).toBeUndefined();
    expect(s.finish('A1')).toBe(false);
    expect(runAll()).toEqual(['C1', 'A2']);
    expect(s.cancel('nope')).toBeUndefined();
  });

  it('estimates ETAs from latencies, elapsed time and concurrency', () => {
    const { s, add, clock } = scheduler({ maxRunning: 2 });
    const latency = { A: 60_000, B: 20_000, C: 30_000, D: 10_000 } as Record<string, number>;
    const latencyOf = (job: { userId: string }) => latency[job.userId] ?? 0;
    add('A1');
    add('B1');
    s.next();
    s.next();
    clock.advance(15_000);
    add('C1');
    add('D1');
    // A1 has 45 s left, B1 5 s: C1 starts when B1 ends, D1 when C1 ends (at 35 s, before A1's 45 s).
    expect(s.eta('A1', latencyOf)).toEqual({ position: 0, startsInMs: 0, doneInMs: 45_000 });
    expect(s.eta('B1', latencyOf)).toEqual({ position: 0, startsInMs: 0, doneInMs: 5_000 });
    expect(s.eta('C1', latencyOf)).toEqual({ position: 0, startsInMs: 5_000, doneInMs: 35_000 });
    expect(s.eta('D1', latencyOf)).toEqual({ position: 1, startsInMs: 35_000, doneInMs: 45_000 });
    // Overdue running jobs are expected to end soon, not in the past.
    clock.advance(100_000);
    expect(s.eta('A1', latencyOf)?.doneInMs).toBe(6_000);
    expect(s.eta('nope', latencyOf)).toBeUndefined();
    expect(s.etas(latencyOf).size).toBe(4);
  });

  it('positions follow the fair order when a user waits on their own running job', () => {
    const { s, add } = scheduler({ maxRunning: 2 });
    add('A1');
    add('A2');
    add('B1');
    add('B2');
    add('C1');
    expect([s.next()?.id, s.next()?.id]).toEqual(['A1', 'B1']);
    // Next slots: C1, then A2 and B2 as their owners' jobs end.
    expect(s.position('C1')).toBe(0);
    expect(s.position('A2')).toBe(1);
    expect(s.position('B2')).toBe(2);
    expect(s.position('A1')).toBeUndefined();
    expect(s.stateOf('A1')).toBe('running');
  });

  it('marks jobs that can never start (a relay capped at 0) last, without a time', () => {
    const { s } = scheduler({ maxRunningPerRelay: { off: 0 } });
    s.enqueue({ id: 'x', userId: 'A', relay: 'off', item: 'x' });
    expect(s.next()).toBeUndefined();
    expect(s.eta('x', () => 1000)).toEqual({ position: 0, startsInMs: Infinity, doneInMs: Infinity });
  });

  it('clears the queue for shutdown, keeping running jobs', () => {
    const { s, add } = scheduler({ maxRunning: 1 });
    for (const id of ['A1', 'B1', 'C1']) add(id);
    s.next();
    expect(s.clearQueued().map((j) => j.id)).toEqual(['B1', 'C1']);
    expect(s.queuedCount).toBe(0);
    expect(s.running().map((j) => j.id)).toEqual(['A1']);
  });

  it('builds relay caps from the relay configuration', () => {
    expect(relayCaps([{ name: 'a', maxConcurrency: 2 }, { name: 'b', maxConcurrency: 8 }])).toEqual({ a: 2, b: 8 });
  });
});

describe('LatencyStats', () => {
  it('starts from the catalog and moves to the measured latencies', () => {
    const stats = new LatencyStats({ models: [{ id: 'gpt-image-1', typicalSeconds: 60 }], window: 4, seedWeight: 2 });
    expect(stats.estimate('gpt-image-1')).toBe(60_000);
    expect(stats.estimate('unknown')).toBe(30_000);
    stats.record('gpt-image-1', 30_000);
    expect(stats.estimate('gpt-image-1')).toBe(45_000); // seed worth one sample now
    stats.record('gpt-image-1', 30_000);
    expect(stats.estimate('gpt-image-1')).toBe(30_000); // the seed has faded out
    for (const ms of [10_000, 10_000, 10_000, 10_000]) stats.record('gpt-image-1', ms);
    expect(stats.estimate('gpt-image-1')).toBe(10_000); // the window keeps the last 4
    stats.record('gpt-image-1', Number.NaN);
    stats.record('gpt-image-1', -5);
    expect(stats.sampleCount('gpt-image-1')).toBe(4);
    stats.record('new-model', 8_000);
    expect(stats.estimate('new-model')).toBe(8_000);
  });
});
