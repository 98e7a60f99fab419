// A job another process can run (shared mode): the job row keeps how its result is shown, who
// admitted it and whether the row alone is enough (`portable`); another process rebuilds the same
// request from it; a job whose process died is closed by ONE caller, by the recovery rule. Against a
// real database (SQLite, and PostgreSQL when the tests have one).
import { describe, expect, it } from 'vitest';
import { GenerationRecords } from '../../src/generation/records.js';
import { isPortable, restoreAdmitted } from '../../src/generation/storedJob.js';
import type { Origin } from '../../src/generation/types.js';
import type { InputImage } from '../../src/providers/types.js';
import { JobStore, Ledger, UsageLog } from '../../src/storage/index.js';
import { databasesClosedAfterEach, TEST_DATABASES, type DatabaseKind } from '../helpers/databases.js';
import { offlinePipeline, originFactory, TEST_REPLY } from '../helpers/recordsFixtures.js';

const { openFresh } = databasesClosedAfterEach();

const pipeline = offlinePipeline();
const prepared = pipeline.prepare({ prompt: 'a harbour at dawn', model: 'flux-2-pro', seed: 42 });
const TOKEN = TEST_REPLY.token;
const NOTES = [{ en: 'safety lowered to 2', zh: '安全等级降为 2' }];

const nextOrigin = originFactory(1_310_000_000_000_000_000n, { locale: 'zh-CN', reply: { ...TEST_REPLY, uploadLimit: 26_214_400 } });
/** Without a reply: a request that no other process could answer. */
function origin(reply = true): Origin {
  const made = nextOrigin();
  if (!reply) delete made.reply;
  return made;
}

function world(kind: DatabaseKind) {
  const db = openFresh(kind);
  const ledger = new Ledger(db);
  const usage = new UsageLog(db);
  const jobs = new JobStore(db);
  return { db, ledger, usage, jobs, records: new GenerationRecords(db, ledger, usage, jobs, 'bot-a') };
}

function openOne(w: ReturnType<typeof world>, from = origin()) {
  if (!w.records.reserve(from, 1, { cost: 0.04, limits: {} }).ok) throw new Error('not reserved');
  const record = w.records.open(from, prepared, { notes: NOTES, spoiler: true });
  if (!record) throw new Error('not opened');
  return record;
}

describe('which requests another process can run', () => {
  const image = { bytes: Buffer.alloc(8), mime: 'image/png', width: 1, height: 1, name: 'a.png', parts: 1, sources: [], toJSON: () => ({ name: 'a.png', parts: 1, sources: [] }) } as InputImage;

  it('a request that reads back whole from its JSON, with a stored reply to answer through', () => {
    expect(isPortable(prepared.request, origin())).toBe(true);
    // Input images are stored as references, never their bytes: only the admitting process has them.
    expect(isPortable({ ...prepared.request, inputImages: [image] }, origin())).toBe(false);
    expect(isPortable({ ...prepared.request, mask: image }, origin())).toBe(false);
    expect(isPortable(prepared.request, origin(false))).toBe(false);
  });
});

describe.each(TEST_DATABASES)('a job row another process runs (%s)', (kind) => {
  it('keeps the presentation, the admitting process and portable, and rebuilds the same request from them', () => {
    const w = world(kind);
    const from = origin();
    const record = openOne(w, from);
    const row = w.jobs.get(record.jobId)!;
    expect(row).toMatchObject({ admittedBy: 'bot-a', portable: true, weight: 1, presentation: { notes: NOTES, spoiler: true, uploadLimit: 26_214_400 } });

    const restored = restoreAdmitted(row, pipeline);
    if (!restored.ok) throw new Error(restored.reason);
    const { admitted } = restored;
    expect(admitted.record).toEqual(record);
    expect(admitted.prepared.request).toEqual(prepared.request);
    expect(admitted.prepared.plan.body).toEqual(prepared.plan.body);
    expect(admitted).toMatchObject({ owner: from.userId, notes: NOTES, spoiler: true });
    expect(admitted.origin).toMatchObject({ requestId: from.requestId, userId: from.userId, guildId: from.guildId, channelId: from.channelId, locale: 'zh-CN', reply: from.reply });
  });

  it('says why a row cannot be run elsewhere: not portable, or already closed (no token left)', () => {
    const w = world(kind);
    const local = openOne(w, origin(false));
    expect(w.jobs.get(local.jobId)!.portable).toBe(false);
    expect(restoreAdmitted(w.jobs.get(local.jobId)!, pipeline)).toMatchObject({ ok: false, reason: expect.stringMatching(/not portable/) });
    const closed = openOne(w);
    w.records.settle(closed, { kind: 'not_started', why: 'cancelled' });
    expect(restoreAdmitted(w.jobs.get(closed.jobId)!, pipeline)).toMatchObject({ ok: false, reason: 'no stored reply' });
  });

  it('closes a job whose process died once: a running one possibly billed, a waiting one refunded, the books agreeing', () => {
    const w = world(kind);
    const running = openOne(w);
    w.jobs.markRunning(running.jobId);
    const waiting = openOne(w);

    const closed = w.records.recoverOne(running.jobId, true);
    expect(closed).toMatchObject({ wasRunning: true, settled: { outcome: 'interrupted', charge: 'possibly_billed' } });
    expect(closed!.row.interactionToken).toBe(TOKEN); // for the one message that tells the member
    expect(w.records.recoverOne(running.jobId, true)).toBeUndefined();
    expect(w.jobs.get(running.jobId)).toMatchObject({ state: 'interrupted', errorKind: 'interrupted', interactionToken: null });
    expect(w.ledger.get(running.key)).toMatchObject({ state: 'committed', possiblyBilled: true });

    expect(w.records.recoverOne(waiting.jobId, false)).toMatchObject({ wasRunning: false, settled: { charge: 'refund', cost: 0 } });
    expect(w.ledger.get(waiting.key)).toMatchObject({ state: 'refunded' });
    for (const record of [running, waiting]) {
      expect(w.usage.get(record.usageId)).toMatchObject({ outcome: 'interrupted', estimatedCost: w.ledger.charged(record.key) });
    }
  });
});
