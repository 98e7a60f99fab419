// The queue several processes share, over a real database (SQLite file, and PostgreSQL when
// TEST_DATABASE_URL is set): each "process" here is a SharedJobQueue over its own handle to the one
// database, so every claim, cap and lease crosses a real connection. Only the runs are fakes: each
// marks its row running as the generation runner does, waits for the test to release it, and settles
// the row.
import { afterEach, describe, expect, it } from 'vitest';
import { CANCEL_REASON, SHUTDOWN_REASON, type JobRunner, type JobSettlement, type QueueJob } from '../../src/queue/index.js';
import { LEASE_LOST_REASON, SharedJobQueue, type SharedJobQueueOptions } from '../../src/queue/sharedQueue.js';
import { JobStore } from '../../src/storage/jobStore.js';
import { openDatabase, type Database } from '../../src/storage/index.js';
import { QueueStore } from '../../src/storage/queueStore.js';
import { dropTestDatabase, TEST_DATABASES, testDatabaseUrl, type DatabaseKind } from '../helpers/databases.js';
import { preparedSql } from '../helpers/queryPlan.js';

const LEASE_MS = 600;
const POLL_MS = 15;

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** What every fake run did, across processes: start order and the peaks the caps must bound. */
class Ledger {
  readonly started: { key: string; by: string }[] = [];
  readonly running = new Map<string, { userId: string; relay: string }>();
  peak = 0;
  readonly userPeak = new Map<string, number>();
  readonly relayPeak = new Map<string, number>();
  private readonly gates = new Map<string, ReturnType<typeof deferred>>();
  readonly signals = new Map<string, AbortSignal>();

  gate(key: string) {
    let gate = this.gates.get(key);
    if (!gate) {
      gate = deferred();
      this.gates.set(key, gate);
    }
    return gate;
  }

  release(key: string): void {
    this.gate(key).resolve();
  }

  enter(key: string, by: string, userId: string, relay: string): void {
    this.started.push({ key, by });
    this.running.set(key, { userId, relay });
    const all = [...this.running.values()];
    this.peak = Math.max(this.peak, all.length);
    this.userPeak.set(userId, Math.max(this.userPeak.get(userId) ?? 0, all.filter((job) => job.userId === userId).length));
    this.relayPeak.set(relay, Math.max(this.relayPeak.get(relay) ?? 0, all.filter((job) => job.relay === relay).length));
  }

  leave(key: string): void {
    this.running.delete(key);
  }

  order(): string[] {
    return this.started.map((entry) => entry.key);
  }
}

interface Proc {
  name: string;
  db: Database;
  jobs: JobStore;
  queue: SharedJobQueue;
  expired: { jobId: number; wasRunning: boolean }[];
}

interface Admit {
  userId?: string;
  relay?: string;
  portable?: boolean;
}

describe.each(TEST_DATABASES)('SharedJobQueue (%s)', (kind: DatabaseKind) => {
  let location: string | undefined;
  const procs: Proc[] = [];
  let ledger: Ledger;

  afterEach(async () => {
    for (const proc of procs.splice(0)) {
      if (proc.queue.isAccepting) await proc.queue.drain(0, 0);
      if (proc.db.open) proc.db.close();
    }
    if (location) dropTestDatabase(location);
    location = undefined;
  });

  /** A fake run as the generation runner does it: start only under this process's claim, settle the row. */
  function runner(proc: Proc, jobId: number, options: { beforeStart?: Promise<void> } = {}): JobRunner {
    return async (signal) => {
      // Marked running at once, as the generation runner does (unless told to wait).
      if (options.beforeStart) await options.beforeStart;
      const row = proc.jobs.get(jobId);
      if (!row || !proc.jobs.markRunning(jobId, { claimedBy: proc.name })) return;
      ledger.signals.set(row.interactionId, signal);
      ledger.enter(row.interactionId, proc.name, row.userId, row.relay ?? 'default');
      try {
        await Promise.race([
          ledger.gate(row.interactionId).promise,
          new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(String(signal.reason))))),
        ]);
        proc.jobs.finish(jobId, 'delivered');
      } catch (error) {
        if (proc.db.open) proc.jobs.finish(jobId, signal.reason === CANCEL_REASON ? 'cancelled' : 'interrupted');
        throw error;
      } finally {
        ledger.leave(row.interactionId);
      }
    };
  }

  /** A "process": its own handle to the one database, its own queue. `adoptGate`: its adopted runs wait for it before starting. */
  function open(name: string, options: Partial<SharedJobQueueOptions> = {}, adoptGate?: Promise<void>): Proc {
    location ??= testDatabaseUrl(kind);
    const db = openDatabase(location);
    const jobs = new JobStore(db);
    const proc: Proc = { name, db, jobs, queue: undefined as unknown as SharedJobQueue, expired: [] };
    proc.queue = new SharedJobQueue({
      store: new QueueStore(db),
      processId: name,
      maxRunning: 1,
      maxQueuedPerUser: 10,
      leaseMs: LEASE_MS,
      pollMs: POLL_MS,
      notifyIntervalMs: 20,
      latencyOf: () => 10_000,
      adopt: (jobId) => runner(proc, jobId, { beforeStart: adoptGate }),
      leaseExpired: (jobId, wasRunning) => {
        proc.expired.push({ jobId, wasRunning });
        proc.jobs.finish(jobId, 'interrupted', { errorKind: wasRunning ? 'interrupted' : 'expired' });
      },
      ...options,
    });
    procs.push(proc);
    return proc;
  }

  /** What records.open and the runner do in the admitting process: the row, then submit. */
  function admit(proc: Proc, key: string, options: Admit = {}): { jobId: number; job: QueueJob; submitted: ReturnType<SharedJobQueue['submit']> } {
    const userId = options.userId ?? key[0] ?? 'U';
    const relay = options.relay ?? 'default';
    const { job: row } = proc.jobs.create({
      interactionId: key,
      userId,
      model: 'gpt-image-1',
      relay,
      request: { prompt: key },
      admittedBy: proc.name,
      portable: options.portable ?? true,
    });
    const job: QueueJob = { id: key, userId, relay, model: 'gpt-image-1' };
    return { jobId: row.id, job, submitted: proc.queue.submit(job, runner(proc, row.id)) };
  }

  function done(submitted: ReturnType<SharedJobQueue['submit']>): Promise<JobSettlement> {
    if (!submitted.ok) throw new Error(`refused: ${submitted.reason}`);
    return submitted.done;
  }

  /** Releases running jobs one at a time until `count` have started, returning the start order. */
  async function serve(count: number): Promise<string[]> {
    for (;;) {
      await until(() => ledger.running.size > 0 || ledger.started.length >= count, 'a job to run');
      const keys = [...ledger.running.keys()];
      if (keys.length === 0) return ledger.order();
      for (const key of keys) ledger.release(key);
      await until(() => keys.every((key) => !ledger.running.has(key)), 'the released jobs to end');
    }
  }

  it('starts jobs from both processes in one fair order, with positions and ETAs from the shared table', async () => {
    ledger = new Ledger();
    const a = open('bot-a');
    const b = open('bot-b');
    // Submitted alternately in two processes: A A A B C.
    const first = admit(a, 'A1');
    admit(b, 'A2');
    admit(a, 'A3');
    admit(b, 'B1');
    admit(a, 'C1');
    expect(first.submitted).toMatchObject({ ok: true, state: 'running' });
    // Both processes replay the same table: the same places, and ETAs from the latencies.
    for (const proc of [a, b]) {
      expect(['A2', 'A3', 'B1', 'C1'].map((id) => proc.queue.position(id))).toEqual([2, 3, 0, 1]);
      expect(proc.queue.eta('A1')).toMatchObject({ position: 0, startsInMs: 0 });
      expect(proc.queue.eta('C1')).toMatchObject({ position: 1, startsInMs: expect.closeTo(20_000, -3) as number });
      expect(proc.queue.stateOf('B1')).toBe('queued');
      expect(proc.queue.stateOf('A1')).toBe('running');
    }
    a.queue.start();
    b.queue.start();
    expect(await serve(5)).toEqual(['A1', 'B1', 'C1', 'A2', 'A3']);
    expect(ledger.peak).toBe(1);
  });

  it('holds the global cap across processes, and counts a queue-only entry (a chat call) in it', async () => {
    ledger = new Ledger();
    const a = open('bot-a', { maxRunning: 2, localSlots: 2 });
    const b = open('bot-b', { maxRunning: 2, localSlots: 2 });
    a.queue.start();
    b.queue.start();
    // A chat call has no job row: the queue writes its own entry, which holds a slot while it runs.
    const chat = deferred();
    let chatRunning = false;
    const chatDone = done(
      a.queue.submit({ id: 'chat-1', userId: 'Z', relay: 'default', model: 'gpt-4o-mini' }, async () => {
        chatRunning = true;
        await chat.promise;
        chatRunning = false;
      }),
    );
    expect(chatRunning).toBe(true);
    for (const [index, user] of ['P', 'Q', 'R', 'S', 'T', 'U'].entries()) admit(index % 2 ? b : a, `${user}1`);
    await until(() => ledger.running.size === 1, 'one job beside the chat call');
    await sleep(100);
    expect(ledger.running.size).toBe(1);
    chat.resolve();
    expect(await chatDone).toMatchObject({ outcome: 'completed' });
    // The entry is gone with the call: nothing of it stays in the table.
    expect(new QueueStore(a.db).byKey('chat-1')).toBeUndefined();
    await serve(6);
    // Four local slots between them, two global ones.
    expect(ledger.peak).toBe(2);
  });

  it('holds the per-user cap (1) and a relay cap across processes', async () => {
    ledger = new Ledger();
    const options = { maxRunning: 4, localSlots: 4, maxRunningPerRelay: { slow: 1 } };
    const a = open('bot-a', options);
    const b = open('bot-b', options);
    a.queue.start();
    b.queue.start();
    admit(a, 'M1', { userId: 'M' });
    admit(b, 'M2', { userId: 'M' });
    admit(a, 'M3', { userId: 'M' });
    admit(b, 'N1', { relay: 'slow' });
    admit(a, 'O1', { relay: 'slow' });
    admit(b, 'P1', { relay: 'slow' });
    admit(a, 'Q1', { relay: 'fast' });
    await until(() => ledger.running.size === 3, 'M1, one slow job and Q1');
    await sleep(100);
    expect([...ledger.running.keys()].sort()).toEqual(['M1', 'N1', 'Q1']);
    await serve(7);
    expect(ledger.userPeak.get('M')).toBe(1);
    expect(ledger.relayPeak.get('slow')).toBe(1);
  });

  it('counts maxQueuedPerUser and maxQueued over every process, and withdraws a refused job', async () => {
    ledger = new Ledger();
    const options = { maxRunning: 0, maxQueuedPerUser: 2, maxQueued: 3 };
    const a = open('bot-a', options);
    const b = open('bot-b', options);
    admit(a, 'K1', { userId: 'K' });
    admit(b, 'K2', { userId: 'K' });
    expect(a.queue.refusal('K')).toEqual({ reason: 'user_queue_full', limit: 2 });
    expect(b.queue.refusal('L')).toBeUndefined();
    const third = admit(a, 'K3', { userId: 'K' });
    expect(third.submitted).toEqual({ ok: false, reason: 'user_queue_full', limit: 2 });
    // The refused row can never start anywhere: its admitter settles it.
    expect(new QueueStore(b.db).byKey('K3')).toMatchObject({ cancelRequested: true });
    admit(b, 'L1', { userId: 'L' });
    expect(admit(a, 'J1', { userId: 'J' }).submitted).toEqual({ ok: false, reason: 'queue_full', limit: 3 });
    expect(a.queue.queuedCount + b.queue.queuedCount).toBe(3);
  });

  it('runs a job admitted by one process in another (adopt); the admitter ends it as handed over', async () => {
    ledger = new Ledger();
    // bot-a takes requests but runs nothing; bot-b runs.
    const a = open('bot-a', { localSlots: 0 });
    const b = open('bot-b');
    const portable = admit(a, 'A1');
    const pinned = admit(a, 'B1', { portable: false });
    expect(portable.submitted).toMatchObject({ ok: true, state: 'queued' });
    a.queue.start();
    b.queue.start();
    await until(() => ledger.running.has('A1'), 'bot-b to run A1');
    expect(ledger.started).toEqual([{ key: 'A1', by: 'bot-b' }]);
    expect(await done(portable.submitted)).toEqual({ id: 'A1', outcome: 'handed_over' });
    expect(a.queue.stateOf('A1')).toBe('running');
    ledger.release('A1');
    await until(() => a.jobs.get(portable.jobId)?.state === 'delivered', 'A1 delivered');
    // Only its admitter can run a job that is not portable: it waits for bot-a, not for bot-b's free slot.
    await sleep(150);
    expect(ledger.started.map((entry) => entry.key)).toEqual(['A1']);
    expect(a.queue.stateOf('B1')).toBe('queued');
    expect(pinned.submitted).toMatchObject({ ok: true, state: 'queued' });
  });

  it('cancels from any process: a waiting job ends at its admitter, a running one is aborted where it runs', async () => {
    ledger = new Ledger();
    const a = open('bot-a');
    const b = open('bot-b');
    a.queue.start();
    b.queue.start();
    const running = admit(a, 'A1');
    const waiting = admit(a, 'B1');
    // Cancelled from the other process, while it waits.
    expect(b.queue.cancel('B1')).toBe('queued');
    expect(await done(waiting.submitted)).toEqual({ id: 'B1', outcome: 'cancelled' });
    expect(a.queue.has('B1')).toBe(false);
    // Running in bot-a, cancelled from bot-b: bot-a aborts it with CANCEL_REASON when it polls.
    expect(b.queue.cancel('A1')).toBe('running');
    expect(await done(running.submitted)).toMatchObject({ id: 'A1', outcome: 'aborted', reason: CANCEL_REASON });
    expect(a.jobs.get(running.jobId)?.state).toBe('cancelled');
    // A cancelled waiting job never starts anywhere.
    await sleep(100);
    expect(ledger.order()).toEqual(['A1']);
  });

  it('notices a dead process by its leases: releases what it had not started, closes what it ran exactly once', async () => {
    ledger = new Ledger();
    const adoptGate = deferred();
    const options = { maxRunning: 3, localSlots: 0 };
    // Its adopted runs stop before reaching the relay (a slow rebuild): claimed, not started.
    const dying = open('bot-a', { ...options, localSlots: 2 }, adoptGate.promise);
    const b = open('bot-b', options);
    const c = open('bot-c', options);
    const runningThere = admit(dying, 'A1');
    admit(b, 'B1');
    // bot-a's second slot goes to B1 (first in the fair order); C1, which only bot-a can run, waits.
    const pinned = admit(dying, 'C1', { portable: false });
    dying.queue.start();
    expect(ledger.running.has('A1')).toBe(true);
    expect(new QueueStore(b.db).byKey('B1')).toMatchObject({ state: 'queued', claimedBy: 'bot-a' });
    expect(new QueueStore(b.db).byKey('C1')).toMatchObject({ state: 'queued', claimedBy: null });
    await sleep(LEASE_MS); // bot-a renews its leases meanwhile
    expect(b.queue.stateOf('A1')).toBe('running');
    // bot-a dies: its database is gone, its leases are no longer renewed.
    expect(dying.queue.databaseReachable).toBe(true);
    dying.db.close();
    const diedAt = Date.now();
    b.queue.start();
    c.queue.start();
    await until(() => b.expired.length + c.expired.length === 2, 'the dead process to be noticed', 5_000);
    // What /healthz of a process whose database is gone reports (its polls fail); the others answer.
    expect(dying.queue.databaseReachable).toBe(false);
    expect(b.queue.databaseReachable).toBe(true);
    expect(Date.now() - diedAt).toBeGreaterThanOrEqual(LEASE_MS / 2);
    // Two survivors, one closing each job: the running one (possibly billed) and the one only bot-a could run.
    await sleep(5 * POLL_MS + LEASE_MS);
    const closed = [...b.expired, ...c.expired].sort((x, y) => x.jobId - y.jobId);
    expect(closed).toEqual([
      { jobId: runningThere.jobId, wasRunning: true },
      { jobId: pinned.jobId, wasRunning: false },
    ]);
    expect(b.jobs.get(runningThere.jobId)?.state).toBe('interrupted');
    // B1 was claimed but never started: back in the queue, with no one told.
    expect(new QueueStore(b.db).byKey('B1')).toMatchObject({ state: 'queued', claimedBy: null });
    expect(b.queue.stateOf('B1')).toBe('queued');
    expect(b.queue.stateOf('C1')).toBeUndefined();
    adoptGate.resolve();
  });

  it('stops a run here whose claim another process has taken over (its renewal fails): LEASE_LOST_REASON', async () => {
    ledger = new Ledger();
    const a = open('bot-a');
    const running = admit(a, 'A1');
    expect(ledger.running.has('A1')).toBe(true);
    // As a survivor's takeover leaves the row when this process's renewals came too late.
    a.db.prepare<[number]>("UPDATE jobs SET claimed_by = 'bot-b' WHERE id = ?").run(running.jobId);
    a.queue.start();
    expect(await done(running.submitted)).toMatchObject({ id: 'A1', outcome: 'aborted', reason: LEASE_LOST_REASON });
  });

  it('reports a waiting job moving up as another process finishes (polled)', async () => {
    ledger = new Ledger();
    const a = open('bot-a');
    const b = open('bot-b');
    a.queue.start();
    b.queue.start();
    admit(b, 'A1');
    admit(b, 'B1');
    admit(a, 'C1');
    const positions: number[] = [];
    a.queue.onPositionChange('C1', (update) => positions.push(update.position));
    await until(() => positions.length === 1, 'the first notice');
    expect(positions).toEqual([1]);
    ledger.release('A1');
    await until(() => positions.length === 2, 'the second notice');
    expect(positions).toEqual([1, 0]);
  });

  it('drains: hands waiting jobs over, releases claims not started, keeps the rest for the next process', async () => {
    ledger = new Ledger();
    const adoptGate = deferred();
    const a = open('bot-a', { maxRunning: 4, localSlots: 2 }, adoptGate.promise);
    const b = open('bot-b', { maxRunning: 4, localSlots: 0 });
    const running = admit(a, 'A1');
    admit(b, 'B1'); // claimed by bot-a (adopt), not started
    const waiting = admit(a, 'C1'); // bot-a's slots are full
    const pinned = admit(a, 'D1', { portable: false });
    expect(running.submitted).toMatchObject({ state: 'running' });
    expect(new QueueStore(a.db).byKey('B1')).toMatchObject({ claimedBy: 'bot-a', state: 'queued' });
    const draining = a.queue.drain(2_000, 200);
    expect(a.queue.isAccepting).toBe(false);
    expect(await done(waiting.submitted)).toEqual({ id: 'C1', outcome: 'handed_over' });
    expect(await done(pinned.submitted)).toEqual({ id: 'D1', outcome: 'not_started' });
    expect(new QueueStore(b.db).byKey('B1')).toMatchObject({ claimedBy: null, state: 'queued' });
    // B1's run was aborted; when its rebuild ends, the claim is gone and it does not start.
    adoptGate.resolve();
    ledger.release('A1');
    const result = await draining;
    expect(result).toMatchObject({ left: 0, aborted: [], stillRunning: [], notStarted: [{ id: 'D1' }], handedOver: [{ id: 'C1' }] });
    expect(ledger.signals.get('B1')).toBeUndefined();
    expect(a.jobs.get(running.jobId)?.state).toBe('delivered');
    // No process left: the waiting jobs stay queued, and the next process to start serves them.
    expect(new QueueStore(b.db).unfinished().map((job) => [job.key, job.state])).toEqual([
      ['B1', 'queued'],
      ['C1', 'queued'],
      ['D1', 'queued'],
    ]);
    a.db.close();
    const next = open('bot-c', { maxRunning: 4, localSlots: 4 });
    next.queue.start();
    await until(() => ledger.running.has('B1') && ledger.running.has('C1'), 'the next process to run B1 and C1');
    ledger.release('B1');
    ledger.release('C1');
    expect(next.queue.stateOf('D1')).toBeUndefined();
  });

  it('aborts running jobs with SHUTDOWN_REASON when the grace runs out', async () => {
    ledger = new Ledger();
    const a = open('bot-a');
    const running = admit(a, 'A1');
    const result = await a.queue.drain(20, 500);
    expect(result).toMatchObject({ left: 1, aborted: ['A1'], stillRunning: [] });
    expect(await done(running.submitted)).toMatchObject({ outcome: 'aborted', reason: SHUTDOWN_REASON });
    expect(a.queue.submit({ id: 'X', userId: 'X', relay: 'default', model: 'm' }, async () => {})).toEqual({ ok: false, reason: 'shutting_down' });
  });
});

describe('QueueStore query plans (SQLite)', () => {
  it('reads only unfinished rows, however long the finished history: the partial indexes serve every poll', () => {
    const db = openDatabase(':memory:');
    try {
      const store = new QueueStore(db);
      const values: Record<string, unknown> = { user_id: 'u', except_key: 'k', process: 'p', lease_until: 1, now: 1, lease_ms: 1 };
      const plan = (field: string): string => {
        const sql = preparedSql(store, field);
        const names = [...new Set([...sql.matchAll(/@([a-z_]+)/g)].map((match) => match[1] as string))];
        const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(names.length > 0 ? [Object.fromEntries(names.map((name) => [name, values[name]]))] : [])) as { detail: string }[];
        return rows.map((row) => row.detail).join('\n');
      };
      expect(plan('selectUnfinished')).toMatch(/USING INDEX jobs_unfinished/);
      expect(plan('selectExpired')).toMatch(/USING INDEX jobs_unfinished/);
      expect(plan('countWaiting')).toMatch(/USING INDEX jobs_waiting/);
      expect(plan('updateRenewWaiting')).toMatch(/USING INDEX jobs_claims/);
    } finally {
      db.close();
    }
  });
});
