import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/storage/jobStore.js';
import type { NewJob } from '../../src/storage/jobStore.js';
import { openDatabase } from '../../src/storage/index.js';
import type { Database } from '../../src/storage/index.js';

const handles: Database[] = [];

afterEach(() => {
  for (const db of handles.splice(0)) if (db.open) db.close();
});

function open(path = ':memory:'): Database {
  const db = openDatabase(path);
  handles.push(db);
  return db;
}

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

describe('JobStore', () => {
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
});
