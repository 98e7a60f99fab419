import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/providers/redact.js';
import { backupDatabase, dayStart, MIGRATIONS, migrate, monthStart, openDatabase, UsageLog, UsageReports } from '../../src/storage/index.js';
import type { Database, UsageAttempt } from '../../src/storage/index.js';
import { Ledger } from '../../src/storage/ledger.js';
import type { FinishedOutcome } from '../../src/storage/usageLog.js';
import { openTestDatabase, TEST_DATABASES, type DatabaseKind } from '../helpers/databases.js';
import { planOf } from '../helpers/queryPlan.js';

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

/** A fresh database of this kind, migrated (fully, or to `version` steps), closed after the test. */
function openFresh(kind: DatabaseKind, version?: number): Database {
  const db = openTestDatabase(kind, version === undefined ? {} : { version });
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

// Files, WAL and PRAGMA user_version are SQLite's; PostgreSQL's opening and versions: migrations.test.ts.
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

describe('backupDatabase', () => {
  it('refuses a PostgreSQL database, naming its own tools, without the password', async () => {
    const failure = backupDatabase('postgres://bot:s3cret-pass@db.example:5432/imagine', join(tempDir(), 'copy.sqlite'));
    await expect(failure).rejects.toThrow(/is a PostgreSQL database: this backup copies a SQLite file\. Use PostgreSQL's own tools, e\.g\. pg_dump/);
    await expect(failure).rejects.not.toThrow(/s3cret-pass/);
  });
});

describe.each(TEST_DATABASES)('UsageLog (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

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

  it('keeps an error message with a NUL in it (a binary error body), without the NUL', () => {
    const log = new UsageLog(open());
    const { id } = log.start(attempt());
    expect(log.finish(id, { outcome: 'upstream', errorMessage: 'bad\u0000gateway' })).toBe(true);
    expect(log.get(id)?.errorMessage).toBe('badgateway');
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
    const db = open();
    const log = new UsageLog(db);
    const reports = new UsageReports(db);
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
    expect(reports.summary({ userId: big, now: Date.now() }).today[0]?.attempts).toBe(1);
    expect(() => log.start(attempt({ userId: 1234567890123456789 as unknown as string }))).toThrow(TypeError);
  });

  it('sums per model for today and this month, excluding last month and other users', () => {
    const db = open();
    const log = new UsageLog(db);
    const reports = new UsageReports(db);
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

    const summary = reports.summary({ userId: USER, now });
    expect(summary.today).toEqual([
      { model: 'flux-2-pro', images: 0, attempts: 1, failures: 0, cost: 0 },
      { model: 'gpt-image-1', images: 6, attempts: 4, failures: 1, cost: 9.35 },
    ]);
    expect(summary.month).toEqual([
      { model: 'flux-2-pro', images: 2, attempts: 3, failures: 1, cost: 0.03 },
      { model: 'gpt-image-1', images: 8, attempts: 5, failures: 1, cost: 9.75 },
    ]);

    const inGuild = reports.summary({ userId: USER, guildId: GUILD, now });
    expect(inGuild.today.find((t) => t.model === 'gpt-image-1')).toMatchObject({ attempts: 3, cost: 0.35 });
    const inDms = reports.summary({ userId: USER, guildId: null, now });
    expect(inDms.month).toEqual([{ model: 'gpt-image-1', images: 2, attempts: 1, failures: 0, cost: 9 }]);
  });

  it('leaves refused input out of the summary: it never reached a relay, and its model may be a typo', () => {
    const db = open();
    const log = new UsageLog(db);
    const reports = new UsageReports(db);
    const now = Date.UTC(2025, 4, 20, 15, 0);
    const ok = log.start(attempt({ model: 'flux-2-pro', startedAt: now - 1000 }));
    log.finish(ok.id, { outcome: 'success', imageCount: 1, estimatedCost: 0.03, finishedAt: now - 500 });
    const refused = log.start(attempt({ model: 'dall-e-9', startedAt: now - 900 }));
    log.finish(refused.id, { outcome: 'invalid_input', estimatedCost: 0, finishedAt: now - 899 });
    expect(reports.summary({ userId: USER, now }).today).toEqual([{ model: 'flux-2-pro', images: 1, attempts: 1, failures: 0, cost: 0.03 }]);
    expect(log.get(refused.id)?.outcome).toBe('invalid_input');
  });

  it('starts the day and month at local midnight for a time-zone offset', () => {
    const db = open();
    const log = new UsageLog(db);
    const reports = new UsageReports(db);
    // 1 June 2025 01:00 in UTC+8 is 31 May 17:00 UTC: a new day and a new month locally.
    const now = Date.UTC(2025, 4, 31, 17, 30);
    log.start(attempt({ startedAt: Date.UTC(2025, 4, 31, 16, 30) })); // 00:30 on 1 June local
    log.start(attempt({ startedAt: Date.UTC(2025, 4, 31, 15, 30) })); // 23:30 on 31 May local
    expect(reports.summary({ userId: USER, now }).today[0]?.attempts).toBe(2);
    const local = reports.summary({ userId: USER, now, timeZoneOffsetMinutes: 480 });
    expect(local.today[0]?.attempts).toBe(1);
    expect(local.month[0]?.attempts).toBe(1);
  });
});

describe.each(TEST_DATABASES)('UsageLog server report and export (%s)', (kind) => {
  const open = (): Database => openFresh(kind);
  const OTHER_GUILD = '111111111111111111';
  const ALICE = '2000000000000000001';
  const BOB = '2000000000000000002';
  const CAROL = '2000000000000000003';
  const T0 = Date.UTC(2025, 4, 1);
  const HOUR = 3_600_000;

  /** A small history across members, models, outcomes, servers and DMs; returns the row ids. */
  function history(log: UsageLog): number[] {
    const ids: number[] = [];
    const add = (
      userId: string,
      model: string,
      hours: number,
      outcome: FinishedOutcome | null,
      cost: number | null,
      images: number | null,
      extra: Partial<UsageAttempt> = {},
    ): void => {
      const { id } = log.start(attempt({ userId, model, startedAt: T0 + hours * HOUR, ...extra }));
      if (outcome) log.finish(id, { outcome, estimatedCost: cost, imageCount: images, finishedAt: T0 + hours * HOUR + 1 });
      ids.push(id);
    };
    add(ALICE, 'gpt-image-2', 1, 'success', 0.1, 1);
    add(ALICE, 'gpt-image-2', 2, 'success', 0.2, 2);
    add(ALICE, 'flux-2-pro', 3, 'timeout', 0.03, null);
    add(BOB, 'flux-2-pro', 4, 'success', 0.03, 1);
    add(BOB, 'flux-2-pro', 5, 'content_policy', 0, null);
    add(BOB, 'gpt-image-2', 6, null, null, null); // still pending: an attempt, not a failure
    add(CAROL, 'dall-e-9', 7, 'invalid_input', 0, null); // refused input: left out
    add(CAROL, 'flux-kontext-pro', 30, 'success', 0.035, 1); // the next day
    add(CAROL, 'gpt-image-2', 8, 'success', 5, 1, { guildId: OTHER_GUILD });
    add(ALICE, 'gpt-image-2', 9, 'success', 7, 1, { guildId: null }); // a DM
    add(BOB, 'gpt-image-2', 500, 'success', 0.5, 1); // after the `until` used below
    return ids;
  }

  const UNTIL = T0 + 100 * HOUR;

  it('sums a server over a period: totals, per model (most expensive first), heaviest members', () => {
    const db = open();
    const log = new UsageLog(db);
    const reports = new UsageReports(db);
    history(log);
    const report = reports.guildReport({ guildId: GUILD, until: UNTIL }, 2);
    expect(report).toEqual({
      total: { images: 5, attempts: 7, failures: 2, cost: 0.395 },
      byModel: [
        { model: 'gpt-image-2', images: 3, attempts: 3, failures: 0, cost: 0.3 },
        { model: 'flux-2-pro', images: 1, attempts: 3, failures: 2, cost: 0.06 },
        { model: 'flux-kontext-pro', images: 1, attempts: 1, failures: 0, cost: 0.035 },
      ],
      topUsers: [
        { userId: ALICE, images: 3, attempts: 3, failures: 1, cost: 0.33 },
        { userId: CAROL, images: 1, attempts: 1, failures: 0, cost: 0.035 },
      ],
      userCount: 3,
    });
    // A period is a scan: the first day only, and the day after.
    expect(reports.guildReport({ guildId: GUILD, since: T0, until: T0 + 24 * HOUR - 1 }).total).toEqual({ images: 4, attempts: 6, failures: 2, cost: 0.36 });
    expect(reports.guildReport({ guildId: GUILD, since: T0 + 24 * HOUR, until: UNTIL })).toMatchObject({
      total: { images: 1, attempts: 1, failures: 0, cost: 0.035 },
      userCount: 1,
    });
    expect(reports.guildReport({ guildId: '404', until: UNTIL })).toEqual({
      total: { images: 0, attempts: 0, failures: 0, cost: 0 },
      byModel: [],
      topUsers: [],
      userCount: 0,
    });
  });

  it('answers "all time" from the kept totals with exactly the figures of a scan, through every change', () => {
    const db = open();
    const log = new UsageLog(db);
    const reports = new UsageReports(db);
    const ids = history(log);
    const same = (until: number, topUsers = 10): void => {
      for (const guildId of [GUILD, OTHER_GUILD]) {
        // since = MIN_SAFE_INTEGER takes the scan; no since takes the totals.
        const scan = reports.guildReport({ guildId, since: Number.MIN_SAFE_INTEGER, until }, topUsers);
        expect(reports.guildReport({ guildId, until }, topUsers)).toEqual(scan);
      }
    };
    const check = (): void => {
      for (const until of [T0, T0 + 5 * HOUR, UNTIL, T0 + 1_000 * HOUR]) same(until);
      same(UNTIL, 1);
      same(UNTIL, 0);
    };
    check();
    expect(reports.guildReport({ guildId: GUILD, until: T0 + 1_000 * HOUR }).total.attempts).toBe(8);

    // The pending row finishes, then start-up recovery closes a new pending one.
    log.finish(ids[5]!, { outcome: 'success', imageCount: 4, estimatedCost: 0.16 });
    const leftOpen = log.start(attempt({ userId: CAROL, model: 'flux-2-pro', startedAt: T0 + 10 * HOUR }));
    check();
    log.finish(leftOpen.id, { outcome: 'interrupted', finishedAt: T0 + 11 * HOUR });
    // Delivery and deletion do not move the figures; a row refused after the fact leaves them.
    log.setDelivered(ids[0]!, { messageId: '222222222222222222', channelId: '333333333333333333' });
    log.markDeleted(ids[0]!, T0 + 12 * HOUR);
    const refused = log.start(attempt({ userId: ALICE, model: 'gpt-image-2', startedAt: T0 + 13 * HOUR }));
    log.finish(refused.id, { outcome: 'invalid_input' });
    check();
    // Rows changed or removed by hand are followed too.
    db.prepare("UPDATE usage SET outcome = 'success', image_count = 3, estimated_cost = 0.3 WHERE id = ?").run(ids[6]!);
    db.prepare('UPDATE usage SET guild_id = ?, user_id = ?, model = ? WHERE id = ?').run(OTHER_GUILD, BOB, 'flux-2-pro', ids[1]!);
    db.prepare('UPDATE usage SET guild_id = NULL WHERE id = ?').run(ids[3]!);
    db.prepare('DELETE FROM usage WHERE id IN (?, ?)').run(ids[2]!, ids[8]!);
    check();
    db.prepare('DELETE FROM usage').run();
    check();
    expect(reports.guildReport({ guildId: GUILD }).userCount).toBe(0);
  });

  it('migration 6 fills the kept totals from the history already there', () => {
    const db = openFresh(kind, 5);
    const insertUsage = db.prepare(`
      INSERT INTO usage (source, user_id, guild_id, model, prompt, outcome, image_count, estimated_cost, started_at)
      VALUES ('discord', ?, ?, ?, 'p', ?, ?, ?, ?)`);
    const insertLedger = db.prepare(`
      INSERT INTO ledger (key, guild_id, user_id, state, images, cost_micros, reserved_images, reserved_cost_micros, created_at)
      VALUES (?, ?, 'u', ?, 1, ?, 1, ?, ?)`);
    const outcomes = ['success', 'success', 'pending', 'timeout', 'invalid_input', 'blocked'] as const;
    const states = ['committed', 'reserved', 'refunded'] as const;
    for (let i = 0; i < 120; i++) {
      const guild = i % 7 === 0 ? null : i % 3 === 0 ? OTHER_GUILD : GUILD;
      const at = T0 + i * 7 * HOUR - 20 * 24 * HOUR; // across April and May (and one charge before 1970)
      insertUsage.run([ALICE, BOB, CAROL][i % 3], guild, ['gpt-image-2', 'flux-2-pro'][i % 2], outcomes[i % 6], i % 6 < 2 ? 1 : null, i % 6 === 4 ? null : 0.01 * (i % 5), at);
      insertLedger.run(`k${i}`, guild, states[i % 3], 10_000 * (i % 4), 10_000 * (i % 4), i === 0 ? -HOUR : at);
    }
    migrate(db);
    if (kind === 'sqlite') expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    const log = new UsageLog(db);
    const reports = new UsageReports(db);
    for (const guildId of [GUILD, OTHER_GUILD]) {
      expect(reports.guildReport({ guildId, until: UNTIL })).toEqual(reports.guildReport({ guildId, since: Number.MIN_SAFE_INTEGER, until: UNTIL }));
      expect(reports.guildReport({ guildId, until: UNTIL }).total.attempts).toBeGreaterThan(0);
    }
    const ledger = new Ledger(db);
    const scan = db.prepare<[string, number, number], number>(`
      SELECT COALESCE(SUM(cost_micros), 0) FROM ledger WHERE guild_id = ? AND created_at >= ? AND created_at < ? AND state <> 'refunded'`).pluck();
    for (const at of [-HOUR, T0 - 20 * 24 * HOUR, T0, T0 + 5 * 24 * HOUR + 3 * HOUR]) {
      const day = dayStart(at);
      expect(ledger.spent(GUILD, 'day', at)).toBeCloseTo(scan.get(GUILD, day, day + 24 * HOUR)! / 1e6, 9);
      expect(ledger.spent(GUILD, 'month', at)).toBeCloseTo(scan.get(GUILD, monthStart(at), monthStart(monthStart(at) + 32 * 24 * HOUR))! / 1e6, 9);
    }
    expect(ledger.spent(GUILD, 'month', T0)).toBeGreaterThan(0);
  });

  it('exports a server period oldest first, each row exactly as get() reads it', () => {
    const db = open();
    const log = new UsageLog(db);
    const reports = new UsageReports(db);
    const ids = history(log);
    registerSecret('sk-live-export-secret-000');
    const full = log.start(
      attempt({ interactionId: '18446744073709551615', userId: BOB, model: 'flux-2-pro', sizeEffective: '1024x768', relay: 'r1', seed: 7, startedAt: T0 + 2 * HOUR }),
    );
    log.finish(full.id, {
      outcome: 'upstream',
      errorKind: 'upstream',
      errorMessage: 'boom sk-live-export-secret-000',
      requestId: 'req-9',
      bytes: 99,
      latencyMs: 1234,
      estimatedCost: 0.03,
      finishedAt: T0 + 3 * HOUR,
    });
    log.setDelivered(full.id, { messageId: '222222222222222222', channelId: '333333333333333333' });
    log.markDeleted(full.id, T0 + 4 * HOUR);
    const rows = [...reports.guildRows({ guildId: GUILD, since: T0 + 2 * HOUR, until: UNTIL })];
    // Oldest first, ties by id; refused input, other servers, DMs and rows outside the period left out.
    const expected = [ids[1]!, full.id, ids[2]!, ids[3]!, ids[4]!, ids[5]!, ids[7]!];
    expect(rows.map((row) => row.id)).toEqual(expected);
    expect(rows).toEqual(expected.map((id) => log.get(id)));
    expect(rows[1]).toMatchObject({ interactionId: '18446744073709551615', params: { quality: 'high', n: 1 }, deletedAt: T0 + 4 * HOUR, seed: 7 });
    expect(rows[1]?.errorMessage).not.toContain('sk-live-export-secret-000');
    expect([...reports.guildRows({ guildId: GUILD, until: UNTIL })]).toHaveLength(8);
  });

  it('exports page after page: every row once, in order, through rows of the same millisecond', () => {
    const db = open();
    const log = new UsageLog(db);
    // 1,201 rows, three per millisecond, so page ends fall inside a millisecond; one refused, one elsewhere.
    db.transaction(() => {
      for (let i = 0; i < 1_201; i++) log.start(attempt({ userId: ALICE, startedAt: T0 + Math.floor(i / 3) }));
      log.finish(log.start(attempt({ startedAt: T0 + 5 })).id, { outcome: 'invalid_input' });
      log.start(attempt({ guildId: OTHER_GUILD, startedAt: T0 + 6 }));
    })();
    const rows = [...new UsageReports(db).guildRows({ guildId: GUILD, since: T0, until: T0 + 1_000 })];
    expect(rows).toHaveLength(1_201);
    const order = rows.map((row) => [row.startedAt, row.id]);
    expect(order).toEqual([...order].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!));
    expect(new Set(rows.map((row) => row.id)).size).toBe(1_201);
    expect([...new UsageReports(db).guildRows({ guildId: GUILD, since: T0 + 100, until: T0 + 100 })]).toHaveLength(3);
  });

  // EXPLAIN QUERY PLAN and sqlite_master are SQLite's; PostgreSQL plans tiny test tables as scans.
  it.runIf(kind === 'sqlite')('reads the report and the export through the covering index, and budgets from the day totals', () => {
    const db = open();
    // The statements UsageReports really prepared, explained as they are.
    const reports = new UsageReports(db);
    const plan = (field: string) => planOf(db, reports, field);
    const covering = /SEARCH usage USING COVERING INDEX usage_guild_report \(guild_id=\? AND started_at>\? AND started_at<\?\)/;
    expect(plan('selectGuildByModel')).toMatch(covering);
    expect(plan('selectGuildByUser')).toMatch(covering);
    expect(plan('countGuildUsers')).toMatch(covering);
    // The export walks the index in its order: no sort of whole rows.
    const rows = plan('selectGuildRows');
    expect(rows).toMatch(/SEARCH usage USING INDEX usage_guild_report/);
    expect(rows).not.toMatch(/TEMP B-TREE/);
    // All time: the per-member totals by their key, plus only the rows after the period from the index.
    for (const field of ['selectAllTimeByModel', 'selectAllTimeByUser', 'countAllTimeUsers']) {
      expect(plan(field)).toMatch(/SEARCH usage_guild_totals USING PRIMARY KEY \(guild_id=\?\)/);
      expect(plan(field)).toMatch(/SEARCH usage USING COVERING INDEX usage_guild_report \(guild_id=\? AND started_at>\?\)/);
      expect(plan(field)).not.toMatch(/SCAN usage\b/);
    }
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'usage'").pluck().all();
    expect(indexes).toContain('usage_guild_report');
    expect(indexes).not.toContain('usage_guild_time'); // a prefix of usage_guild_report
  });
});
