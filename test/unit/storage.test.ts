import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/providers/redact.js';
import { MIGRATIONS, openDatabase, UsageLog } from '../../src/storage/index.js';
import type { Database, UsageAttempt } from '../../src/storage/index.js';

const dirs: string[] = [];
const handles: Database[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'imagine-storage-'));
  dirs.push(dir);
  return dir;
}

function open(path = ':memory:'): Database {
  const db = openDatabase(path);
  handles.push(db);
  return db;
}

afterEach(() => {
  for (const db of handles.splice(0)) if (db.open) db.close();
  for (const dir of dirs.splice(0)) {
    chmodSync(dir, 0o700);
    rmSync(dir, { recursive: true, force: true });
  }
});

// Larger than Number.MAX_SAFE_INTEGER: a numeric round-trip would change the last digits.
const USER = '1234567890123456789';
const GUILD = '987654321098765432';

function attempt(overrides: Partial<UsageAttempt> = {}): UsageAttempt {
  return {
    source: 'discord',
    userId: USER,
    guildId: GUILD,
    channelId: '111111111111111111',
    locale: 'zh-CN',
    model: 'gpt-image-1',
    sizeRequested: '1024x1024',
    params: { quality: 'high', n: 1 },
    prompt: 'a red fox in the snow',
    ...overrides,
  };
}

describe('openDatabase', () => {
  it('applies migrations once: opening the same file twice is harmless', () => {
    const path = join(tempDir(), 'nested', 'bot.db');
    const first = open(path);
    expect(first.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    new UsageLog(first).start(attempt({ interactionId: 'i-1' }));
    first.close();

    const second = open(path);
    expect(second.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(new UsageLog(second).findByInteraction('i-1')?.prompt).toBe('a red fox in the snow');
  });

  it('uses WAL, a busy timeout and foreign keys for a file database', () => {
    const db = open(join(tempDir(), 'bot.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThan(0);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('names the path when the folder cannot be created', () => {
    const dir = tempDir();
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    const path = join(file, 'bot.db');
    expect(() => openDatabase(path)).toThrowError(new RegExp(`Cannot open the database at ${path}`));
  });

  it.skipIf(process.getuid?.() === 0)('names the path when the folder is not writable', () => {
    const dir = tempDir();
    chmodSync(dir, 0o500);
    const path = join(dir, 'bot.db');
    expect(() => openDatabase(path)).toThrowError(new RegExp(`Cannot open the database at ${path}`));
  });

  it('refuses a database from a newer build', () => {
    const path = join(tempDir(), 'bot.db');
    const db = open(path);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openDatabase(path)).toThrowError(/newer than this build knows/);
  });
});

describe('UsageLog', () => {
  it('writes a pending row at start and completes it at finish', () => {
    const log = new UsageLog(open());
    const { id, existing } = log.start(attempt({ interactionId: 'i-1', startedAt: 1_000 }));
    expect(existing).toBe(false);
    expect(log.get(id)).toMatchObject({ outcome: 'pending', finishedAt: null, startedAt: 1_000 });

    expect(
      log.finish(id, {
        outcome: 'success',
        relay: 'flu',
        requestId: 'req-1',
        sizeEffective: '1024x1024',
        imageCount: 1,
        bytes: 123_456,
        estimatedCost: 0.042,
        seed: 42,
        finishedAt: 4_500,
      }),
    ).toBe(true);
    const row = log.get(id);
    expect(row).toMatchObject({
      outcome: 'success',
      relay: 'flu',
      requestId: 'req-1',
      imageCount: 1,
      bytes: 123_456,
      estimatedCost: 0.042,
      seed: 42,
      latencyMs: 3_500,
      finishedAt: 4_500,
      params: { quality: 'high', n: 1 },
      guildId: GUILD,
      locale: 'zh-CN',
    });
    expect(log.finish(9_999, { outcome: 'success' })).toBe(false);
  });

  it('records delivery and deletion', () => {
    const log = new UsageLog(open());
    const { id } = log.start(attempt());
    log.finish(id, { outcome: 'success', imageCount: 1 });
    expect(log.setDelivered(id, { messageId: '222222222222222222', channelId: '333333333333333333' })).toBe(true);
    expect(log.markDeleted(id, 10)).toBe(true);
    log.markDeleted(id, 20); // a second click keeps the first time
    expect(log.get(id)).toMatchObject({
      messageId: '222222222222222222',
      messageChannelId: '333333333333333333',
      deletedAt: 10,
    });
  });

  it('stores redacted error messages', () => {
    registerSecret('sk-live-storage-secret-000');
    const log = new UsageLog(open());
    const { id } = log.start(attempt());
    log.finish(id, {
      outcome: 'auth',
      errorKind: 'auth',
      errorMessage: 'Invalid key sk-live-storage-secret-000 (Bearer abcdefghijklmnop)',
    });
    const row = log.get(id);
    expect(row?.errorKind).toBe('auth');
    expect(row?.errorMessage).not.toContain('sk-live-storage-secret-000');
    expect(row?.errorMessage).not.toContain('abcdefghijklmnop');
    expect(() => log.finish(id, { outcome: 'pending' as never })).toThrow(TypeError);
  });

  it('a redelivered interaction finds its row instead of adding one', () => {
    const db = open();
    const log = new UsageLog(db);
    const first = log.start(attempt({ interactionId: '555555555555555555' }));
    const again = log.start(attempt({ interactionId: '555555555555555555', prompt: 'different' }));
    expect(again).toEqual({ id: first.id, existing: true });
    expect(log.findByInteraction('555555555555555555')?.prompt).toBe('a red fox in the snow');
    // CLI attempts have no interaction id and never collide.
    log.start(attempt({ source: 'cli', interactionId: null }));
    log.start(attempt({ source: 'cli' }));
    expect(db.prepare('SELECT COUNT(*) FROM usage').pluck().get()).toBe(3);
  });

  it('keeps snowflake ids exactly and refuses numeric ones', () => {
    const log = new UsageLog(open());
    const big = '18446744073709551615'; // 2^64 − 1, the largest possible snowflake
    const { id } = log.start(attempt({ userId: big, guildId: big, channelId: big, interactionId: big }));
    log.setDelivered(id, { messageId: big, channelId: big });
    expect(log.get(id)).toMatchObject({
      userId: big,
      guildId: big,
      channelId: big,
      interactionId: big,
      messageId: big,
      messageChannelId: big,
    });
    expect(log.summary({ userId: big, now: Date.now() }).today[0]?.attempts).toBe(1);
    expect(() => log.start(attempt({ userId: 1234567890123456789 as unknown as string }))).toThrow(TypeError);
  });

  it('turns rows left pending by a previous process into interrupted', () => {
    const log = new UsageLog(open());
    const a = log.start(attempt({ startedAt: 1_000 }));
    const b = log.start(attempt({ startedAt: 2_000, source: 'cli' }));
    const done = log.start(attempt({ startedAt: 3_000 }));
    log.finish(done.id, { outcome: 'timeout', finishedAt: 4_000 });

    expect(log.interruptPending({ now: 10_000, source: 'discord' })).toBe(1);
    expect(log.get(b.id)?.outcome).toBe('pending');
    expect(log.interruptPending({ now: 11_000 })).toBe(1);
    expect(log.interruptPending()).toBe(0);
    expect(log.get(a.id)).toMatchObject({ outcome: 'interrupted', finishedAt: 10_000, latencyMs: 9_000 });
    expect(log.get(b.id)).toMatchObject({ outcome: 'interrupted', finishedAt: 11_000 });
    expect(log.get(done.id)?.outcome).toBe('timeout');
  });

  it('sums per model for today and this month, excluding last month and other users', () => {
    const log = new UsageLog(open());
    const now = Date.UTC(2025, 4, 20, 15, 0); // 20 May 2025 15:00 UTC
    const today = Date.UTC(2025, 4, 20, 9, 0);
    const earlierThisMonth = Date.UTC(2025, 4, 3, 12, 0);
    const lastMonth = Date.UTC(2025, 3, 30, 23, 0);
    const add = (model: string, startedAt: number, outcome: 'success' | 'timeout' | 'blocked' | null, cost: number, extra: Partial<UsageAttempt> = {}): void => {
      const { id } = log.start(attempt({ model, startedAt, ...extra }));
      if (outcome === 'success') log.finish(id, { outcome, imageCount: 2, estimatedCost: cost, finishedAt: startedAt + 1 });
      else if (outcome) log.finish(id, { outcome, estimatedCost: cost, finishedAt: startedAt + 1 });
    };
    add('gpt-image-1', today, 'success', 0.1);
    add('gpt-image-1', today + 60_000, 'success', 0.2);
    add('gpt-image-1', today + 120_000, 'timeout', 0.05);
    add('flux-2-pro', today, null, 0); // still pending: an attempt, not a failure
    add('flux-2-pro', earlierThisMonth, 'success', 0.03);
    add('flux-2-pro', earlierThisMonth, 'blocked', 0);
    add('gpt-image-1', earlierThisMonth, 'success', 0.4);
    add('gpt-image-1', lastMonth, 'success', 5);
    add('gpt-image-1', today, 'success', 7, { userId: '42' });
    add('gpt-image-1', today, 'success', 9, { guildId: null }); // a DM

    const summary = log.summary({ userId: USER, now });
    expect(summary.today).toEqual([
      { model: 'flux-2-pro', images: 0, attempts: 1, failures: 0, cost: 0 },
      { model: 'gpt-image-1', images: 6, attempts: 4, failures: 1, cost: 9.35 },
    ]);
    expect(summary.month).toEqual([
      { model: 'flux-2-pro', images: 2, attempts: 3, failures: 1, cost: 0.03 },
      { model: 'gpt-image-1', images: 8, attempts: 5, failures: 1, cost: 9.75 },
    ]);

    const inGuild = log.summary({ userId: USER, guildId: GUILD, now });
    expect(inGuild.today.find((t) => t.model === 'gpt-image-1')).toMatchObject({ attempts: 3, cost: 0.35 });
    const inDms = log.summary({ userId: USER, guildId: null, now });
    expect(inDms.month).toEqual([{ model: 'gpt-image-1', images: 2, attempts: 1, failures: 0, cost: 9 }]);
  });

  it('leaves refused input out of the summary: it never reached a relay, and its model may be a typo', () => {
    const log = new UsageLog(open());
    const now = Date.UTC(2025, 4, 20, 15, 0);
    const ok = log.start(attempt({ model: 'flux-2-pro', startedAt: now - 1000 }));
    log.finish(ok.id, { outcome: 'success', imageCount: 1, estimatedCost: 0.03, finishedAt: now - 500 });
    const refused = log.start(attempt({ model: 'dall-e-9', startedAt: now - 900 }));
    log.finish(refused.id, { outcome: 'invalid_input', estimatedCost: 0, finishedAt: now - 899 });
    expect(log.summary({ userId: USER, now }).today).toEqual([{ model: 'flux-2-pro', images: 1, attempts: 1, failures: 0, cost: 0.03 }]);
    expect(log.get(refused.id)?.outcome).toBe('invalid_input');
  });

  it('starts the day and month at local midnight for a time-zone offset', () => {
    const log = new UsageLog(open());
    // 1 June 2025 01:00 in UTC+8 is 31 May 17:00 UTC: a new day and a new month locally.
    const now = Date.UTC(2025, 4, 31, 17, 30);
    log.start(attempt({ startedAt: Date.UTC(2025, 4, 31, 16, 30) })); // 00:30 on 1 June local
    log.start(attempt({ startedAt: Date.UTC(2025, 4, 31, 15, 30) })); // 23:30 on 31 May local
    expect(log.summary({ userId: USER, now }).today[0]?.attempts).toBe(2);
    const local = log.summary({ userId: USER, now, timeZoneOffsetMinutes: 480 });
    expect(local.today[0]?.attempts).toBe(1);
    expect(local.month[0]?.attempts).toBe(1);
  });
});
