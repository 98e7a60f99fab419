import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/storage/jobStore.js';
import type { NewJob } from '../../src/storage/jobStore.js';
import type { Database } from '../../src/storage/index.js';
import { QueueStore } from '../../src/storage/queueStore.js';
import { openTestDatabase, TEST_DATABASES, type DatabaseKind } from '../helpers/databases.js';

const handles: Database[] = [];

afterEach(() => {
  for (const db of handles.splice(0)) if (db.open) db.close();
});

const USER = '1234567890123456789';
const GUILD = '987654321098765432';
const TOKEN = 'aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTpzZWNyZXQtdG9rZW4';
const T0 = Date.UTC(2025, 2, 15, 12);

function job(interactionId: string, overrides: Partial<NewJob> = {}): NewJob {
  return {
    interactionId,
    interactionToken: TOKEN,
    applicationId: '555555555555555555',
    guildId: GUILD,
    channelId: '111111111111111111',
    userId: USER,
    locale: 'zh-CN',
    model: 'gpt-image-1',
    relay: 'default',
    request: { prompt: 'a red fox', size: '1024x1024', n: 1, seed: 42 },
    now: T0,
    ...overrides,
  };
}

describe.each(TEST_DATABASES)('JobStore (%s)', (kind: DatabaseKind) => {
  function open(): Database {
    const db = openTestDatabase(kind);
    handles.push(db);
    return db;
  }

  it('round-trips a job through its states, keeping snowflakes exact', () => {
    const store = new JobStore(open());
    const { job: created, existing } = store.create(job('1300000000000000001'));
    expect(existing).toBe(false);
    expect(created).toMatchObject({
      interactionId: '1300000000000000001',
      interactionToken: TOKEN,
      applicationId: '555555555555555555',
      guildId: GUILD,
      userId: USER,
      locale: 'zh-CN',
      model: 'gpt-image-1',
      relay: 'default',
      request: { prompt: 'a red fox', size: '1024x1024', n: 1, seed: 42 },
      state: 'queued',
      usageId: null,
      errorKind: null,
      createdAt: T0,
      startedAt: null,
      finishedAt: null,
      // Single-process defaults of the shared queue's columns.
      presentation: null,
      weight: 1,
      admittedBy: null,
      portable: true,
    });

    expect(store.markRunning(created.id, { now: T0 + 1000, relay: 'backup', usageId: 7 })).toBe(true);
    expect(store.markRunning(created.id, { now: T0 + 2000 })).toBe(false);
    expect(store.get(created.id)).toMatchObject({ state: 'running', startedAt: T0 + 1000, relay: 'backup', usageId: 7, interactionToken: TOKEN });

    expect(store.finish(created.id, 'delivered', { now: T0 + 5000 })).toBe(true);
    const done = store.getByInteraction('1300000000000000001');
    expect(done).toMatchObject({ state: 'delivered', finishedAt: T0 + 5000, interactionToken: null, usageId: 7 });
    // Final states never change.
    expect(store.finish(created.id, 'failed', { errorKind: 'upstream' })).toBe(false);
    expect(store.finish(created.id, 'cancelled', { errorKind: 'cancelled' })).toBe(false);
    expect(store.get(created.id)?.state).toBe('delivered');
    expect(store.get(9999)).toBeUndefined();
    expect(() => store.finish(created.id, 'running' as never)).toThrow(TypeError);
  });

  it('stores one job per interaction id: a redelivery gets the existing row', () => {
    const store = new JobStore(open());
    const first = store.create(job('i-1'));
    const second = store.create(job('i-1', { model: 'flux-kontext-pro', now: T0 + 5 }));
    expect(second.existing).toBe(true);
    expect(second.job.id).toBe(first.job.id);
    expect(second.job.model).toBe('gpt-image-1');
    expect(() => store.create(job('i-2', { userId: 123 as unknown as string }))).toThrow(TypeError);
  });

  it('cancels queued and running jobs and records failures', () => {
    const store = new JobStore(open());
    const queued = store.create(job('q')).job;
    const running = store.create(job('r')).job;
    const failing = store.create(job('f')).job;
    store.markRunning(running.id, { now: T0 });
    store.markRunning(failing.id, { now: T0 });
    const cancel = (id: number) => store.finish(id, 'cancelled', { errorKind: 'cancelled', now: T0 + 1 });
    expect(cancel(queued.id)).toBe(true);
    expect(cancel(running.id)).toBe(true);
    expect(store.finish(failing.id, 'failed', { errorKind: 'content_policy', now: T0 + 2 })).toBe(true);
    expect(store.get(queued.id)).toMatchObject({ state: 'cancelled', errorKind: 'cancelled', startedAt: null });
    expect(store.get(running.id)).toMatchObject({ state: 'cancelled', errorKind: 'cancelled' });
    expect(store.get(failing.id)).toMatchObject({ state: 'failed', errorKind: 'content_policy' });
    expect(store.listUnfinished()).toEqual([]);
  });

  it('never shows the interaction token to JSON or the logger', () => {
    const store = new JobStore(open());
    const created = store.create(job('i-1')).job;
    expect(created.interactionToken).toBe(TOKEN);
    expect(JSON.stringify(created)).not.toContain(TOKEN);
    expect(inspect(created, { depth: 5 })).not.toContain(TOKEN);
    expect(Object.keys(created)).not.toContain('interactionToken');
  });

  it('keeps what another process needs to run the job: presentation, weight, admitter, portability', () => {
    const store = new JobStore(open());
    const presentation = { notes: [{ en: 'size adjusted', zh: '尺寸已调整' }], spoiler: true, uploadLimit: 10_485_760 };
    const created = store.create(job('p-1', { presentation, weight: 2.5, admittedBy: 'bot-a', portable: false })).job;
    expect(created).toMatchObject({ presentation, weight: 2.5, admittedBy: 'bot-a', portable: false });
    expect(store.get(created.id)).toMatchObject({ presentation, weight: 2.5, admittedBy: 'bot-a', portable: false });
    expect(store.create(job('p-2', { portable: true })).job.portable).toBe(true);
    expect(() => store.create(job('p-3', { weight: 0 }))).toThrow(RangeError);
    expect(() => store.create(job('p-4', { weight: Number.NaN }))).toThrow(RangeError);
  });

  it('starts a claimed job only for the process holding the claim', () => {
    const db = open();
    const store = new JobStore(db);
    const queue = new QueueStore(db);
    const { id } = store.create(job('c-1')).job;
    // Unclaimed: no process may start it as its own.
    expect(store.markRunning(id, { claimedBy: 'bot-a', now: T0 + 1 })).toBe(false);
    expect(queue.claim(id, 'bot-a', T0 + 15_000)).toBe(true);
    expect(store.markRunning(id, { claimedBy: 'bot-b', now: T0 + 1 })).toBe(false);
    expect(store.markRunning(id, { claimedBy: 'bot-a', now: T0 + 2 })).toBe(true);
    expect(store.get(id)).toMatchObject({ state: 'running', startedAt: T0 + 2 });
  });

  it('lists no queue-only entry (a chat call holding a slot of the shared queue) among unfinished jobs', () => {
    const db = open();
    const store = new JobStore(db);
    store.create(job('j-1'));
    new QueueStore(db).addQueueOnly({ key: 'chat-1', userId: USER, relay: 'default', model: 'gpt-4o-mini', weight: 1 }, 'bot-a', T0, T0 + 15_000);
    expect(store.listUnfinished().map((row) => row.interactionId)).toEqual(['j-1']);
  });
});
