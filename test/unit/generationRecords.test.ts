// The records of a request (ledger entry, usage row, job row) against a real database (SQLite, and
// PostgreSQL when the tests have one): opened
// together, settled together by one rule, and recovered through the same settlement after a crash.
import { describe, expect, it } from 'vitest';
import { GenerationRecords, type Ending } from '../../src/generation/records.js';
import type { GenerationRecord } from '../../src/generation/types.js';
import { MalformedResponseError, RelayBadRequestError, RelayTimeoutError } from '../../src/providers/errors.js';
import { JobStore, Ledger, UsageLog } from '../../src/storage/index.js';
import { databasesClosedAfterEach, TEST_DATABASES, type DatabaseKind } from '../helpers/databases.js';
import { offlinePipeline, originFactory, TEST_REPLY } from '../helpers/recordsFixtures.js';
import { refuseWrites } from '../helpers/refuseWrites.js';
import { oneImageResult } from '../helpers/generationResult.js';

const databases = databasesClosedAfterEach();

/** The stores over a fresh database of `kind`, or over the shared database at `location` (see `databases.sharedLocation`). */
function world(kind: DatabaseKind, location?: string) {
  const db = location === undefined ? databases.openFresh(kind) : databases.connect(location);
  const ledger = new Ledger(db);
  const usage = new UsageLog(db);
  const jobs = new JobStore(db);
  return { db, ledger, usage, jobs, records: new GenerationRecords(db, ledger, usage, jobs) };
}

const pipeline = offlinePipeline();
const prepared = pipeline.prepare({ prompt: 'a harbour', model: 'flux-2-pro' });
const PRICE = pipeline.reservationCost(prepared);
const TOKEN = TEST_REPLY.token;

const origin = originFactory(1_300_000_000_000_000_000n);

function openOne(w: ReturnType<typeof world>): GenerationRecord {
  const from = origin();
  const reserved = w.records.reserve(from, prepared.plan.n, { cost: PRICE, limits: {} });
  if (!reserved.ok) throw new Error('not reserved');
  const record = w.records.open(from, prepared);
  if (!record) throw new Error('not opened');
  return record;
}

const result = oneImageResult(PRICE);

/** The three rows of a record, as an operator would read them. */
function rows(w: ReturnType<typeof world>, record: GenerationRecord) {
  const ledger = w.ledger.get(record.key)!;
  const usage = w.usage.get(record.usageId)!;
  const job = w.jobs.get(record.jobId)!;
  return { ledger, usage, job };
}

/** The books agree: what the ledger charges is what the usage row records. */
function expectAgree(w: ReturnType<typeof world>, record: GenerationRecord): void {
  const { ledger, usage } = rows(w, record);
  const charged = ledger.state === 'refunded' ? 0 : ledger.cost;
  expect(usage.estimatedCost ?? 0).toBeCloseTo(charged, 9);
}

describe.each(TEST_DATABASES)('GenerationRecords (%s)', (kind) => {
  it('reserves first, then writes the usage row and the job row together; a refusal writes nothing', () => {
    const w = world(kind);
    const record = openOne(w);
    expect(rows(w, record)).toMatchObject({ ledger: { state: 'reserved', cost: PRICE }, usage: { outcome: 'pending' }, job: { state: 'queued', usageId: record.usageId } });
    // A quota refusal writes nothing at all.
    const refused = w.records.reserve(origin(), 1, { cost: PRICE, limits: { userDailyImages: 1 } });
    expect(refused).toMatchObject({ ok: false, reason: 'user_quota' });
    expect(w.db.prepare('SELECT COUNT(*) AS n FROM usage').get()).toEqual({ n: 1 });
    expect(w.db.prepare('SELECT COUNT(*) AS n FROM jobs').get()).toEqual({ n: 1 });
    // A redelivery of the same key is neither reserved nor opened twice.
    const same = { ...origin(), requestId: record.key };
    expect(w.records.reserve(same, 1, { cost: PRICE, limits: {} })).toMatchObject({ ok: true, existing: true });
    expect(w.records.open(same, prepared)).toBeUndefined();
  });

  it('gives the reservation back when the rows cannot be written', () => {
    const w = world(kind);
    const from = origin();
    w.records.reserve(from, 1, { cost: PRICE, limits: {} });
    refuseWrites(w.db, 'refuse_job', 'INSERT ON jobs', 'disk full');
    expect(() => w.records.open(from, prepared)).toThrow(/disk full/);
    expect(w.ledger.get(from.requestId)).toMatchObject({ state: 'refunded', refundReason: 'internal' });
    // Neither row was left behind: the usage insert went with the refused job insert.
    expect(w.db.prepare('SELECT COUNT(*) AS n FROM usage').get()).toEqual({ n: 0 });
  });

  const endings: Array<[string, Ending, { outcome: string; ledger: string; job: string; charged: boolean }]> = [
    ['delivered', { kind: 'delivered', result, messageId: '222222222222222222', channelId: '333333333333333333' }, { outcome: 'success', ledger: 'committed', job: 'delivered', charged: true }],
    ['Discord refused every route', { kind: 'undelivered', result, error: new Error('Discord refused every way') }, { outcome: 'delivery_failed', ledger: 'committed', job: 'failed', charged: true }],
    ['unusable image found while fitting', { kind: 'undelivered', result, error: new MalformedResponseError('undecodable') }, { outcome: 'malformed_response', ledger: 'committed', job: 'failed', charged: true }],
    ['relay refused it', { kind: 'failed', error: new RelayBadRequestError('bad') }, { outcome: 'bad_request', ledger: 'refunded', job: 'failed', charged: false }],
    ['timeout', { kind: 'failed', error: new RelayTimeoutError('slow') }, { outcome: 'timeout', ledger: 'committed', job: 'failed', charged: true }],
    ['cancelled once sent', { kind: 'failed', error: new Error('aborted'), stopped: 'cancel' }, { outcome: 'cancelled', ledger: 'committed', job: 'cancelled', charged: true }],
    ['cancelled while queued', { kind: 'not_started', why: 'cancelled' }, { outcome: 'cancelled', ledger: 'refunded', job: 'cancelled', charged: false }],
    ['a restart, running', { kind: 'recovered', wasRunning: true }, { outcome: 'interrupted', ledger: 'committed', job: 'interrupted', charged: true }],
  ];
  for (const [name, ending, expected] of endings) {
    it(`settles "${name}" in one transaction, the books agreeing`, () => {
      const w = world(kind);
      const record = openOne(w);
      const settled = w.records.settle(record, ending);
      const { ledger, usage, job } = rows(w, record);
      expect({ outcome: usage.outcome, ledger: ledger.state, job: job.state }).toEqual({ outcome: expected.outcome, ledger: expected.ledger, job: expected.job });
      expect(settled?.outcome).toBe(expected.outcome);
      expect(settled!.cost > 0).toBe(expected.charged);
      expectAgree(w, record);
      // Settled once: a second settlement finds the job closed and changes no row.
      const before = rows(w, record);
      expect(w.records.settle(record, { kind: 'failed', error: new RelayBadRequestError('late') })).toBeUndefined();
      expect(rows(w, record)).toEqual(before);
    });
  }

  it('rolls back all three rows when the settlement fails halfway', () => {
    const w = world(kind);
    const record = openOne(w);
    // The job row's write fails after the ledger and usage writes (a trigger stands in for a crash
    // mid-settlement): the transaction must undo those two as well.
    refuseWrites(w.db, 'refuse_finish', 'UPDATE OF state ON jobs', 'refused');
    expect(() => w.records.settle(record, { kind: 'failed', error: new RelayTimeoutError('slow') })).toThrow(/refused/);
    expect(rows(w, record)).toMatchObject({ ledger: { state: 'reserved' }, usage: { outcome: 'pending' }, job: { state: 'queued' } });
  });

  it('recovers what a dead process left open through the same settlement, once', () => {
    const location = databases.sharedLocation(kind);
    const before = world(kind, location);
    const running = openOne(before);
    before.records.markRunning(running);
    const queued = openOne(before);
    const done = openOne(before);
    before.records.settle(done, { kind: 'delivered', result, messageId: '222222222222222222', channelId: '333333333333333333' });
    // Reserved, then the process died before acknowledging it: no rows at all.
    const unacknowledged = origin();
    before.records.reserve(unacknowledged, 1, { cost: PRICE, limits: {} });
    before.db.close();

    const after = world(kind, location);
    const { jobs: recovered, orphans, toTell } = after.records.recover();
    expect(orphans).toBe(1);
    expect(after.ledger.get(unacknowledged.requestId)).toMatchObject({ state: 'refunded', refundReason: 'interrupted' });
    // Its member is told through the reply the reservation kept (only it: the others have job rows).
    expect(toTell).toEqual([{ key: unacknowledged.requestId, userId: unacknowledged.userId, reply: { applicationId: '555555555555555555', token: TOKEN, locale: 'en-US' } }]);
    expect(after.ledger.get(unacknowledged.requestId)?.reply).toBeUndefined();
    expect(recovered.map((job) => [job.row.interactionId, job.wasRunning, job.settled.charge])).toEqual([
      [running.key, true, 'possibly_billed'],
      [queued.key, false, 'refund'],
    ]);
    // The snapshots keep the token for one last message; the table no longer has it.
    expect(recovered.map((job) => job.row.interactionToken)).toEqual([TOKEN, TOKEN]);
    expect(rows(after, running)).toMatchObject({ ledger: { state: 'committed', possiblyBilled: true }, usage: { outcome: 'interrupted' }, job: { state: 'interrupted', errorKind: 'interrupted', interactionToken: null } });
    expect(rows(after, queued)).toMatchObject({ ledger: { state: 'refunded' }, usage: { outcome: 'interrupted' }, job: { state: 'interrupted', errorKind: 'expired' } });
    expect(rows(after, done)).toMatchObject({ ledger: { state: 'committed' }, usage: { outcome: 'success' }, job: { state: 'delivered' } });
    for (const record of [running, queued, done]) expectAgree(after, record);
    // Nothing is left open, and a second recovery finds nothing.
    expect(after.jobs.listUnfinished()).toEqual([]);
    expect(after.records.recover()).toEqual({ jobs: [], orphans: 0, toTell: [] });
  });

  it('a chat call (describe, enhance) cut by a dead process is closed at start-up, its ledger row and usage row agreeing at 0', () => {
    const location = databases.sharedLocation(kind);
    const before = world(kind, location);
    const asker = origin();
    const key = `${asker.requestId}:enhance`;
    expect(before.records.reserve(asker, 0, { cost: 0.004, limits: {} }, key)).toMatchObject({ ok: true, existing: false });
    const call = before.records.openChat(asker, { key, kind: 'enhance', prompt: 'a fox', model: 'gpt-4o-mini', relay: 'r' });
    const answered = origin();
    before.records.reserve(answered, 0, { cost: 0.004, limits: {} });
    const done = before.records.openChat(answered, { key: answered.requestId, kind: 'describe', prompt: '(describe) a.png', model: 'gpt-4o-mini', relay: 'r' });
    expect(before.records.settleChat(done, { kind: 'answered', answer: { text: 'four prompts', elapsedMs: 5, attempts: 1 } })).toBe(0.004);
    before.db.close();

    const after = world(kind, location);
    expect(after.records.recover()).toEqual({ jobs: [], orphans: 1, toTell: [{ key, userId: asker.userId, reply: { applicationId: '555555555555555555', token: TOKEN, locale: 'en-US' } }] });
    expect(after.ledger.get(key)).toMatchObject({ state: 'refunded', refundReason: 'interrupted' });
    expect(after.usage.get(call.usageId)).toMatchObject({ kind: 'enhance', outcome: 'interrupted', estimatedCost: 0 });
    // The answered call is untouched: charged once, at the chat price, no image.
    expect(after.ledger.get(answered.requestId)).toMatchObject({ state: 'committed', images: 0, cost: 0.004 });
    expect(after.usage.get(done.usageId)).toMatchObject({ kind: 'describe', outcome: 'success', estimatedCost: 0.004, imageCount: 0 });
    expect(after.usage.pendingChatCalls()).toEqual([]);
  });
});
