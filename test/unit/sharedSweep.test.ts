// Shared mode's two guards against a process that died or stalled, against a real database (SQLite,
// and PostgreSQL when the tests have one), with two handles on it standing for two processes:
// - the orphan sweep: what a dead process left without a job row — a reservation it never
//   acknowledged, a chat call it never finished — closed by age and by recover()'s rule, once
//   however many processes sweep, and nothing a live process may still be working on;
// - settle() guarded by the job's state: a process taken for dead that settles a job another process
//   closed meanwhile charges nothing and must not answer.
import { describe, expect, it } from 'vitest';
import { ORPHAN_CHAT_CALL_MS, ORPHAN_RESERVATION_MS, orphanCutoffs, scheduleOrphanSweep } from '../../src/generation/orphanSweep.js';
import { GenerationRecords, ReservationClosedError } from '../../src/generation/records.js';
import type { GenerationRecord, Origin } from '../../src/generation/types.js';
import type { Log } from '../../src/log.js';
import { JobStore, Ledger, UsageLog } from '../../src/storage/index.js';
import { QueueStore } from '../../src/storage/queueStore.js';
import { databasesClosedAfterEach, TEST_DATABASES, type DatabaseKind } from '../helpers/databases.js';
import { offlinePipeline, originFactory, TEST_REPLY } from '../helpers/recordsFixtures.js';
import { oneImageResult } from '../helpers/generationResult.js';

const databases = databasesClosedAfterEach();

/** Two processes on one database: A and B. */
function twoProcesses(kind: DatabaseKind) {
  const location = databases.sharedLocation(kind);
  const process = (name: string) => {
    const db = databases.connect(location);
    const ledger = new Ledger(db);
    const usage = new UsageLog(db);
    const jobs = new JobStore(db);
    return { db, ledger, usage, jobs, queue: new QueueStore(db), records: new GenerationRecords(db, ledger, usage, jobs, name) };
  };
  return { a: process('bot-a'), b: process('bot-b') };
}
type Process = ReturnType<typeof twoProcesses>['a'];

const pipeline = offlinePipeline();
const prepared = pipeline.prepare({ prompt: 'a harbour', model: 'flux-2-pro' });
const PRICE = pipeline.reservationCost(prepared);
const CHAT_PRICE = 0.004;

const origin = originFactory(1_320_000_000_000_000_000n);

/** Where records.reserve keeps the member's reply (origin().reply and its locale). */
const REPLY = { ...TEST_REPLY, locale: 'en-US' };

/** A reservation made at `at` (epoch ms), as records.reserve makes it. */
function reserveAt(p: Process, from: Origin, at: number, key = from.requestId, cost = PRICE): string {
  const reply = from.reply && { applicationId: from.reply.applicationId, token: from.reply.token, locale: from.locale };
  const reserved = p.ledger.reserve({ key, guildId: from.guildId, userId: from.userId, images: key === from.requestId ? 1 : 0, cost, limits: {}, ...(reply ? { reply } : {}), now: at });
  if (!reserved.ok) throw new Error('not reserved');
  return key;
}

/** A chat call (describe) reserved and started at `at`, as ChatTasks opens it. */
function chatCallAt(p: Process, at: number): { key: string; usageId: number } {
  const from = origin();
  const key = reserveAt(p, from, at, from.requestId, CHAT_PRICE);
  const { id } = p.usage.start({ interactionId: key, source: 'discord', userId: from.userId, guildId: from.guildId, channelId: from.channelId, kind: 'describe', model: 'gpt-4o-mini', params: {}, prompt: '(describe) a.png', relay: 'r', startedAt: at });
  return { key, usageId: id };
}

function openOne(p: Process): GenerationRecord {
  const from = origin();
  if (!p.records.reserve(from, 1, { cost: PRICE, limits: {} }).ok) throw new Error('not reserved');
  const record = p.records.open(from, prepared);
  if (!record) throw new Error('not opened');
  return record;
}

const result = oneImageResult(PRICE);

/** The two books over what is closed: millionths of a USD charged by the ledger, and recorded by the usage log. */
function books(p: Process): { ledger: number; usage: number } {
  const row = p.db
    .prepare("SELECT (SELECT COALESCE(SUM(cost_micros), 0) FROM ledger WHERE state = 'committed') AS ledger, (SELECT COALESCE(SUM(ROUND(estimated_cost * 1000000)), 0) FROM usage WHERE outcome <> 'pending') AS usage")
    .get() as { ledger: number; usage: number };
  return { ledger: Number(row.ledger), usage: Number(row.usage) };
}

describe('the sweep’s ages', () => {
  it('a reservation without rows after two minutes; a chat call after its own deadline and a minute more', () => {
    expect(ORPHAN_RESERVATION_MS).toBe(120_000);
    expect(ORPHAN_CHAT_CALL_MS).toBe(150_000);
    expect(orphanCutoffs(1_000_000)).toEqual({ reservedBefore: 880_000, chatCallsBefore: 850_000 });
  });
});

describe.each(TEST_DATABASES)('shared mode: what a dead process left open without a job row (%s)', (kind) => {
  it('an old reservation without rows is refunded once, by whichever process sweeps first; young ones and live jobs are left alone', () => {
    const { a, b } = twoProcesses(kind);
    const t0 = Date.now();
    const sweepAt = t0 + ORPHAN_RESERVATION_MS + 1_000;
    // A died between its reservation and its rows.
    const orphan = reserveAt(a, origin(), t0);
    // Reserved a second before the sweep: its process may be acknowledging it right now.
    const young = reserveAt(a, origin(), sweepAt - 1_000);
    // A job admitted long ago and still running in a live process: its rows say so.
    const running = openOne(a);
    a.jobs.markRunning(running.jobId);

    const first = b.records.sweepOrphans(orphanCutoffs(sweepAt), sweepAt);
    expect(first.reservations.map((entry) => [entry.key, entry.state, entry.refundReason])).toEqual([[orphan, 'refunded', 'interrupted']]);
    expect(first).toMatchObject({ chatCalls: 0 });
    // Its member is to be told, through the reply the reservation kept.
    expect(first.toTell).toEqual([{ key: orphan, userId: '1234567890123456789', reply: REPLY }]);
    // A sweeps too: nothing left for it, and nobody is told twice.
    expect(a.records.sweepOrphans(orphanCutoffs(sweepAt), sweepAt)).toEqual({ reservations: [], chatCalls: 0, toTell: [] });

    expect(a.ledger.get(orphan)).toMatchObject({ state: 'refunded', refundReason: 'interrupted', settledAt: sweepAt });
    expect(a.ledger.get(orphan)?.reply).toBeUndefined(); // the token went with the reservation
    expect(a.ledger.get(young)).toMatchObject({ state: 'reserved' });
    expect(a.ledger.get(young)?.reply).toEqual(REPLY);
    expect(a.ledger.get(running.key)).toMatchObject({ state: 'reserved' });
    expect(a.usage.get(running.usageId)).toMatchObject({ outcome: 'pending' });
    expect(a.jobs.get(running.jobId)).toMatchObject({ state: 'running' });
  });

  it('a reservation without a reply to edit (a CLI run) is refunded all the same, and nobody is told', () => {
    const { a, b } = twoProcesses(kind);
    const t0 = Date.now();
    const sweepAt = t0 + ORPHAN_RESERVATION_MS + 1_000;
    const orphan = reserveAt(a, origin({ reply: undefined }), t0);
    const swept = b.records.sweepOrphans(orphanCutoffs(sweepAt), sweepAt);
    expect(swept.reservations.map((entry) => [entry.key, entry.state, entry.refundReason])).toEqual([[orphan, 'refunded', 'interrupted']]);
    expect(swept.toTell).toEqual([]);
  });

  it('an old chat call no queue holds is closed by recover()’s rule: refunded, interrupted, the books agreeing; a queued or young one is left alone', () => {
    const { a, b } = twoProcesses(kind);
    const t0 = Date.now();
    const sweepAt = t0 + ORPHAN_CHAT_CALL_MS + 1_000;
    const cut = chatCallAt(a, t0);
    // Waiting in the shared queue of a live process all this time: its queue row holds it.
    const waiting = chatCallAt(a, t0);
    a.queue.addQueueOnly({ key: waiting.key, userId: '1234567890123456789', relay: 'r', model: 'gpt-4o-mini', weight: 1 }, 'bot-a', sweepAt, sweepAt + 15_000);
    // Started within its own deadline: it may be at the relay now.
    const young = chatCallAt(a, sweepAt - ORPHAN_CHAT_CALL_MS + 1_000);
    const answered = chatCallAt(a, t0);
    a.records.settleChat(answered, { kind: 'answered', answer: { text: 'four prompts', elapsedMs: 5, attempts: 1 } }, t0 + 10);

    expect(b.records.sweepOrphans(orphanCutoffs(sweepAt), sweepAt)).toEqual({ reservations: [], chatCalls: 1, toTell: [{ key: cut.key, userId: '1234567890123456789', reply: REPLY }] });
    expect(a.records.sweepOrphans(orphanCutoffs(sweepAt), sweepAt)).toEqual({ reservations: [], chatCalls: 0, toTell: [] });
    expect(a.ledger.get(cut.key)?.reply).toBeUndefined();

    expect(a.ledger.get(cut.key)).toMatchObject({ state: 'refunded', refundReason: 'interrupted' });
    expect(a.usage.get(cut.usageId)).toMatchObject({ kind: 'describe', outcome: 'interrupted', errorKind: 'interrupted', estimatedCost: 0, finishedAt: sweepAt });
    for (const open of [waiting, young]) {
      expect(a.ledger.get(open.key)).toMatchObject({ state: 'reserved' });
      expect(a.usage.get(open.usageId)).toMatchObject({ outcome: 'pending' });
    }
    expect(a.ledger.get(answered.key)).toMatchObject({ state: 'committed', cost: CHAT_PRICE });
    expect(a.usage.get(answered.usageId)).toMatchObject({ outcome: 'success', estimatedCost: CHAT_PRICE });
    expect(books(a)).toEqual({ ledger: Math.round(CHAT_PRICE * 1e6), usage: Math.round(CHAT_PRICE * 1e6) });
    // Once the waiting call's process is gone (its queue row removed when its lease ran out), it goes too.
    const row = a.queue.byKey(waiting.key)!;
    a.queue.removeQueueOnly(row.id);
    expect(b.records.sweepOrphans(orphanCutoffs(sweepAt), sweepAt)).toMatchObject({ reservations: [], chatCalls: 1, toTell: [{ key: waiting.key }] });
    expect(a.usage.get(waiting.usageId)).toMatchObject({ outcome: 'interrupted', estimatedCost: 0 });

    // A process that only stalled (taken for dead) settles its call late: the sweep's close stands,
    // nothing is charged, and the books still agree.
    const late = chatCallAt(a, t0);
    b.records.sweepOrphans(orphanCutoffs(sweepAt), sweepAt);
    expect(a.records.settleChat(late, { kind: 'answered', answer: { text: 'late', elapsedMs: 5, attempts: 1 } }, sweepAt + 1)).toBe(0);
    expect(a.usage.get(late.usageId)).toMatchObject({ outcome: 'interrupted', estimatedCost: 0 });
    expect(a.ledger.get(late.key)).toMatchObject({ state: 'refunded' });
    const totals = books(a);
    expect(totals.ledger).toBe(totals.usage);
  });

  it('a process stalled past the sweep finds its reservation closed when it writes the rows: no rows, nothing run unbilled', () => {
    const { a, b } = twoProcesses(kind);
    const t0 = Date.now();
    const from = origin();
    reserveAt(a, from, t0);
    const sweepAt = t0 + ORPHAN_RESERVATION_MS + 1_000;
    expect(b.records.sweepOrphans(orphanCutoffs(sweepAt), sweepAt).reservations).toHaveLength(1);
    expect(() => a.records.open(from, prepared)).toThrow(ReservationClosedError);
    expect(a.db.prepare('SELECT COUNT(*) AS n FROM usage').get()).toEqual({ n: 0 });
    expect(a.db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 0 });
    expect(a.ledger.get(from.requestId)).toMatchObject({ state: 'refunded', refundReason: 'interrupted' });
  });

  it('the schedule sweeps at once and stops when told; what it closed is logged, and its member handed over to be told, once', async () => {
    const { a } = twoProcesses(kind);
    const orphan = reserveAt(a, origin(), Date.now() - ORPHAN_RESERVATION_MS - 5_000);
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const logger: Log = {
      debug: () => {},
      info: () => {},
      warn: (message, fields) => void lines.push([message, fields]),
      error: (message, fields) => void lines.push([message, fields]),
      child: () => logger,
      flush: () => {},
    };
    const told: unknown[] = [];
    const sweep = scheduleOrphanSweep(
      { sweepOrphans: (now = Date.now()) => a.records.sweepOrphans(orphanCutoffs(now), now) },
      { log: logger, intervalMs: 60_000, tell: (notices) => void told.push(notices) },
    );
    try {
      for (let i = 0; i < 100 && a.ledger.get(orphan)?.state === 'reserved'; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      sweep.stop();
    }
    expect(a.ledger.get(orphan)).toMatchObject({ state: 'refunded' });
    expect(lines).toEqual([[expect.stringMatching(/gave back a reservation whose process died/), expect.objectContaining({ key: orphan, user: '1234567890123456789', guild: '987654321098765432', replyKept: true })]]);
    expect(JSON.stringify(lines)).not.toContain(REPLY.token); // the log line names the request, never its token
    expect(told).toEqual([[{ key: orphan, userId: '1234567890123456789', reply: REPLY }]]);
  });
});

describe.each(TEST_DATABASES)('shared mode: settle() guarded by the job’s state (%s)', (kind) => {
  it('a job closed by another process (its lease ran out) is not settled again: no second charge, no row changed, nothing to answer', () => {
    const { a, b } = twoProcesses(kind);
    const running = openOne(a);
    a.jobs.markRunning(running.jobId);
    const waiting = openOne(a);

    // A stalled; B took it for dead and closed both jobs by the recovery rule (and told their members).
    expect(b.records.recoverOne(running.jobId, true)).toMatchObject({ settled: { charge: 'possibly_billed', cost: PRICE } });
    expect(b.records.recoverOne(waiting.jobId, false)).toMatchObject({ settled: { charge: 'refund', cost: 0 } });
    const snapshot = (record: GenerationRecord) => ({ ledger: a.ledger.get(record.key), usage: a.usage.get(record.usageId), job: a.jobs.get(record.jobId) });
    const before = [snapshot(running), snapshot(waiting)];

    // A comes back: the image was generated and delivered after all; the waiting one it would end as cancelled.
    expect(a.records.settle(running, { kind: 'delivered', result, messageId: '222222222222222222', channelId: '333333333333333333' })).toBeUndefined();
    expect(a.records.settle(running, { kind: 'undelivered', result, error: new Error('Discord refused') })).toBeUndefined();
    expect(a.records.settle(waiting, { kind: 'not_started', why: 'cancelled' })).toBeUndefined();
    expect([snapshot(running), snapshot(waiting)]).toEqual(before);
    expect(a.ledger.get(running.key)).toMatchObject({ state: 'committed', possiblyBilled: true, cost: PRICE });
    expect(a.usage.get(running.usageId)).toMatchObject({ outcome: 'interrupted', estimatedCost: PRICE, messageId: null });
    expect(a.ledger.get(waiting.key)).toMatchObject({ state: 'refunded' });
    const totals = books(a);
    expect(totals.ledger).toBe(totals.usage);
  });

  it('the other way round: settled first, the late takeover closes nothing', () => {
    const { a, b } = twoProcesses(kind);
    const record = openOne(a);
    a.jobs.markRunning(record.jobId);
    expect(a.records.settle(record, { kind: 'delivered', result, messageId: '222222222222222222', channelId: '333333333333333333' })).toMatchObject({ outcome: 'success', cost: PRICE });
    expect(b.records.recoverOne(record.jobId, true)).toBeUndefined();
    expect(a.ledger.get(record.key)).toMatchObject({ state: 'committed', possiblyBilled: false });
    expect(a.usage.get(record.usageId)).toMatchObject({ outcome: 'success' });
  });
});
