import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { JobStore } from '../../src/storage/jobStore.js';
import type { NewJob } from '../../src/storage/jobStore.js';
import { openDatabase } from '../../src/storage/index.js';
import type { Database } from '../../src/storage/index.js';

const handles: Database[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const db of handles.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
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

  it('recover(): every unfinished job is closed, running ones interrupted and queued ones expired', () => {
    const path = join((dirs[dirs.push(mkdtempSync(join(tmpdir(), 'imagine-jobs-'))) - 1] as string), 'bot.db');
    const before = new JobStore(open(path));
    const running = before.create(job('running', { now: T0 - 60_000 })).job;
    before.markRunning(running.id, { now: T0 - 50_000, usageId: 3 });
    const recent = before.create(job('recent', { now: T0 - 30_000 })).job;
    const old = before.create(job('old', { now: T0 - 2 * 60 * 60 * 1000 })).job;
    const finished = before.create(job('finished', { now: T0 - 10_000 })).job;
    before.finish(finished.id, 'delivered', { now: T0 - 5_000 });
    const cancelled = before.create(job('cancelled', { now: T0 - 8_000 })).job;
    before.finish(cancelled.id, 'cancelled', { errorKind: 'cancelled', now: T0 - 7_000 });
    expect(before.listUnfinished().map((j) => j.interactionId)).toEqual(['old', 'running', 'recent']);
    handles[0]?.close();

    // The next process.
    const store = new JobStore(open(path));
    const result = store.recover(T0);
    expect(Object.keys(result).sort()).toEqual(['expired', 'interrupted']);
    expect(result.interrupted).toHaveLength(1);
    // The snapshots keep the token for one last message; the table no longer has it.
    expect(result.interrupted[0]).toMatchObject({ interactionId: 'running', state: 'interrupted', errorKind: 'interrupted', finishedAt: T0, interactionToken: TOKEN, usageId: 3 });
    // Queued jobs are closed however recent (oldest first): none is resumed.
    expect(result.expired.map((j) => [j.interactionId, j.state, j.errorKind, j.finishedAt])).toEqual([
      ['old', 'interrupted', 'expired', T0],
      ['recent', 'interrupted', 'expired', T0],
    ]);
    expect(result.expired.map((j) => j.interactionToken)).toEqual([TOKEN, TOKEN]);
    expect(store.get(running.id)).toMatchObject({ state: 'interrupted', errorKind: 'interrupted', finishedAt: T0, interactionToken: null });
    expect(store.get(old.id)).toMatchObject({ state: 'interrupted', errorKind: 'expired', finishedAt: T0, interactionToken: null });
    expect(store.get(recent.id)).toMatchObject({ state: 'interrupted', errorKind: 'expired', startedAt: null, interactionToken: null });
    // Final rows are left as they were.
    expect(store.get(finished.id)).toMatchObject({ state: 'delivered', finishedAt: T0 - 5_000 });
    expect(store.get(cancelled.id)).toMatchObject({ state: 'cancelled', errorKind: 'cancelled', finishedAt: T0 - 7_000 });
    expect(store.listUnfinished()).toEqual([]);

    // Running it again changes nothing more; a closed job can no longer start or finish.
    expect(store.recover(T0 + 1)).toEqual({ interrupted: [], expired: [] });
    expect(store.markRunning(recent.id, { now: T0 + 2 })).toBe(false);
    expect(store.finish(running.id, 'delivered', { now: T0 + 3 })).toBe(false);
    expect(store.get(recent.id)).toMatchObject({ state: 'interrupted', finishedAt: T0 });
    // Jobs created by the new process after recovery run normally.
    const fresh = store.create(job('fresh', { now: T0 + 4 })).job;
    expect(store.markRunning(fresh.id, { now: T0 + 5 })).toBe(true);
    expect(store.recover(T0 + 6).interrupted.map((j) => j.interactionId)).toEqual(['fresh']);
  });
});
