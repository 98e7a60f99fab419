import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/storage/ledger.js';
import type { ReserveLimits, ReserveRequest } from '../../src/storage/ledger.js';
import { isDatabaseBusy } from '../../src/storage/index.js';
import type { Database } from '../../src/storage/index.js';
import { databasesClosedAfterEach, TEST_DATABASES } from '../helpers/databases.js';
import { transpileForNode } from '../helpers/transpile.js';
import { planOf } from '../helpers/queryPlan.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dirs: string[] = [];
const { openFresh, sharedLocation, connect } = databasesClosedAfterEach();

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'imagine-ledger-'));
  dirs.push(dir);
  return dir;
}


const GUILD = '987654321098765432';
const USER = '1234567890123456789';
const OTHER = '1234567890123456788';
// 2025-03-15 12:00 UTC
const NOON = Date.UTC(2025, 2, 15, 12);

function request(key: string, overrides: Partial<ReserveRequest> = {}, limits: ReserveLimits = {}): ReserveRequest {
  return { key, guildId: GUILD, userId: USER, images: 1, cost: 0.04, limits, now: NOON, ...overrides };
}

describe.each(TEST_DATABASES)('Ledger.reserve (%s)', (kind) => {
  const open = (): Database => openFresh(kind);

  it('reserves, and a second reserve with the same key returns the same row without charging', () => {
    const ledger = new Ledger(open());
    const first = ledger.reserve(request('i-1', {}, { userDailyImages: 1 }));
    expect(first).toMatchObject({ ok: true, existing: false, state: 'reserved' });
    const again = ledger.reserve(request('i-1', {}, { userDailyImages: 1 }));
    expect(again).toMatchObject({ ok: true, existing: true, state: 'reserved' });
    if (!first.ok || !again.ok) throw new Error('unreachable');
    expect(again.reservationId).toBe(first.reservationId);
    expect(ledger.userImagesToday(GUILD, USER, NOON)).toBe(1);
    expect(ledger.spent(GUILD, 'day', NOON)).toBeCloseTo(0.04, 9);
    // Even when settled, a redelivery finds the row (and its state) rather than charging again.
    ledger.commit('i-1', { images: 1, cost: 0.04 }, NOON);
    expect(ledger.reserve(request('i-1', {}, { userDailyImages: 1 }))).toMatchObject({ ok: true, existing: true, state: 'committed' });
    expect(ledger.userImagesToday(GUILD, USER, NOON)).toBe(1);
  });

  it('refuses over the daily image quota; a refund frees it; other users and servers are separate', () => {
    const ledger = new Ledger(open());
    const limits = { userDailyImages: 3 };
    expect(ledger.reserve(request('a', { images: 2 }, limits)).ok).toBe(true);
    const over = ledger.reserve(request('b', { images: 2 }, limits));
    expect(over).toEqual({ ok: false, reason: 'user_quota', used: 2, limit: 3, retryAfterMs: 12 * 3600_000 });
    expect(ledger.reserve(request('c', { images: 1 }, limits)).ok).toBe(true);
    expect(ledger.reserve(request('d', { images: 1 }, limits))).toMatchObject({ ok: false, reason: 'user_quota', used: 3 });
    expect(ledger.reserve(request('e', { userId: OTHER }, limits)).ok).toBe(true);
    expect(ledger.reserve(request('f', { guildId: '111111111111111111' }, limits)).ok).toBe(true);
    expect(ledger.reserve(request('g', { guildId: null }, limits)).ok).toBe(true);

    expect(ledger.refund('a', 'content_policy', NOON)).toBe(true);
    expect(ledger.userImagesToday(GUILD, USER, NOON)).toBe(1);
    expect(ledger.reserve(request('d2', { images: 2 }, limits)).ok).toBe(true);
    expect(ledger.get('a')).toMatchObject({ state: 'refunded', refundReason: 'content_policy' });
    // Settled rows stay settled.
    expect(ledger.refund('a', 'again', NOON)).toBe(false);
    expect(ledger.commit('a', { images: 2, cost: 0.08 }, NOON)).toBe(false);
    expect(ledger.refund('unknown', 'x', NOON)).toBe(false);
  });

  it('keeps the member’s reply only while reserved: every settlement clears the token; refundOpen returns it once', () => {
    const ledger = new Ledger(open());
    const reply = { applicationId: '555555555555555555', token: 'aW50ZXJhY3Rpb24tdG9rZW4', locale: 'zh-CN' };
    for (const key of ['commit', 'release', 'unusable', 'refund', 'open', 'cli']) {
      ledger.reserve(request(key, key === 'cli' ? {} : { reply }));
    }
    expect(ledger.get('commit')?.reply).toEqual(reply);
    expect(ledger.get('cli')?.reply).toBeUndefined(); // a CLI run has no reply
    // Not enumerable: an entry that is logged or serialised does not carry the token.
    expect(JSON.stringify(ledger.get('commit'))).not.toContain(reply.token);
    expect(Object.keys(ledger.get('commit')!)).not.toContain('reply');

    ledger.commit('commit', { images: 1, cost: 0.04 }, NOON);
    ledger.release('release', NOON);
    ledger.chargeUnusable('unusable', NOON);
    ledger.refund('refund', 'relay_error', NOON);
    for (const key of ['commit', 'release', 'unusable', 'refund']) expect(ledger.get(key)?.reply).toBeUndefined();

    const freed = ledger.refundOpen('interrupted', NOON);
    // (Sorted: RETURNING's order is the scan's, which PostgreSQL does not promise.)
    expect(freed.map((entry) => [entry.key, entry.reply]).sort()).toEqual([['cli', undefined], ['open', reply]]);
    expect(ledger.get('open')?.reply).toBeUndefined();
    expect(ledger.refundOpen('interrupted', NOON)).toEqual([]);
  });

  it('commits the actual figures, and release charges a possibly billed request at the estimate', () => {
    const ledger = new Ledger(open());
    ledger.reserve(request('a', { images: 4, cost: 0.16 }));
    expect(ledger.commit('a', { images: 3, cost: 0.12 }, NOON + 1)).toBe(true);
    expect(ledger.get('a')).toMatchObject({
      state: 'committed',
      images: 3,
      cost: 0.12,
      reservedImages: 4,
      reservedCost: 0.16,
      possiblyBilled: false,
      settledAt: NOON + 1,
    });
    expect(ledger.commit('a', { images: 4, cost: 0.16 }, NOON)).toBe(false);

    ledger.reserve(request('b', { images: 2, cost: 0.08 }));
    expect(ledger.release('b', NOON)).toBe(true);
    expect(ledger.get('b')).toMatchObject({ state: 'committed', images: 2, cost: 0.08, possiblyBilled: true });
    expect(ledger.release('b', NOON)).toBe(false);
    expect(ledger.userImagesToday(GUILD, USER, NOON)).toBe(5);
    expect(ledger.spent(GUILD, 'day', NOON)).toBeCloseTo(0.2, 9);
  });

  it('charges an unusable 200 to the server at the estimate, with no image against the member\'s quota', () => {
    const ledger = new Ledger(open());
    const limits = { userDailyImages: 1 };
    // The relay answered 200 but the image was broken: billed, not the member's.
    expect(ledger.reserve(request('broken', { cost: 0.05 }, limits)).ok).toBe(true);
    expect(ledger.chargeUnusable('broken', NOON + 1)).toBe(true);
    expect(ledger.get('broken')).toMatchObject({ state: 'committed', images: 0, cost: 0.05, reservedImages: 1, possiblyBilled: false, settledAt: NOON + 1 });
    expect(ledger.charged('broken')).toBeCloseTo(0.05, 9);
    expect(ledger.spent(GUILD, 'day', NOON)).toBeCloseTo(0.05, 9);
    expect(ledger.userImagesToday(GUILD, USER, NOON)).toBe(0);
    // So the member can still generate their one image today.
    expect(ledger.reserve(request('next', {}, limits)).ok).toBe(true);

    // A success already committed whose image proves undecodable during delivery: the same charge.
    ledger.commit('next', { images: 1, cost: 0.04 }, NOON);
    expect(ledger.chargeUnusable('next', NOON)).toBe(true);
    expect(ledger.get('next')).toMatchObject({ state: 'committed', images: 0, cost: 0.04, possiblyBilled: false });
    expect(ledger.userImagesToday(GUILD, USER, NOON)).toBe(0);

    // Never from a refund or a possibly billed charge; unknown keys say so.
    ledger.reserve(request('refunded', { userId: OTHER }));
    ledger.refund('refunded', 'upstream', NOON);
    expect(ledger.chargeUnusable('refunded', NOON)).toBe(false);
    expect(ledger.charged('refunded')).toBe(0);
    ledger.reserve(request('timed-out', { userId: OTHER, images: 2, cost: 0.08 }));
    ledger.release('timed-out', NOON);
    expect(ledger.chargeUnusable('timed-out', NOON)).toBe(false);
    expect(ledger.get('timed-out')).toMatchObject({ images: 2, cost: 0.08, possiblyBilled: true });
    expect(ledger.chargeUnusable('unknown', NOON)).toBe(false);
    expect(ledger.charged('unknown')).toBeUndefined();
    expect(ledger.spent(GUILD, 'day', NOON)).toBeCloseTo(0.05 + 0.04 + 0.08, 9);
  });

  it('keeps the cooldown between accepted requests; refunded requests do not start one', () => {
    const ledger = new Ledger(open());
    const limits = { cooldownMs: 10_000 };
    expect(ledger.reserve(request('a', {}, limits)).ok).toBe(true);
    expect(ledger.reserve(request('b', { now: NOON + 4_000 }, limits))).toEqual({
      ok: false,
      reason: 'cooldown',
      retryAfterMs: 6_000,
      used: 4_000,
      limit: 10_000,
    });
    expect(ledger.reserve(request('c', { now: NOON + 4_000, userId: OTHER }, limits)).ok).toBe(true);
    expect(ledger.reserve(request('d', { now: NOON + 10_000 }, limits)).ok).toBe(true);
    ledger.refund('d', 'upstream', NOON + 10_500);
    expect(ledger.reserve(request('e', { now: NOON + 11_000 }, limits)).ok).toBe(true);
  });

  it('a describe or enhance charge (no image, a cost) starts no cooldown; an image request still does', () => {
    const ledger = new Ledger(open());
    const limits = { cooldownMs: 10_000 };
    // /describe: a chat call charged at its price, no image reserved.
    expect(ledger.reserve(request('describe', { images: 0, cost: 0.002 }, limits)).ok).toBe(true);
    ledger.commit('describe', { images: 0, cost: 0.002 }, NOON + 500);
    // The member's /imagine right after it is not held back.
    expect(ledger.reserve(request('imagine', { now: NOON + 1_000 }, limits)).ok).toBe(true);
    // That one starts the cooldown as before, for images and for another describe alike.
    expect(ledger.reserve(request('again', { now: NOON + 2_000 }, limits))).toMatchObject({ ok: false, reason: 'cooldown', retryAfterMs: 9_000 });
    expect(ledger.reserve(request('describe-2', { images: 0, cost: 0.002, now: NOON + 3_000 }, limits))).toMatchObject({ ok: false, reason: 'cooldown' });
    // An image request whose image proved unusable (0 images committed) reserved images: it counts.
    ledger.reserve(request('broken', { userId: OTHER }, limits));
    ledger.chargeUnusable('broken', NOON + 100);
    expect(ledger.reserve(request('next', { userId: OTHER, now: NOON + 5_000 }, limits))).toMatchObject({ ok: false, reason: 'cooldown' });
    // The describe's money still counts toward the budget.
    expect(ledger.spent(GUILD, 'day', NOON)).toBeCloseTo(0.002 + 0.04 + 0.04, 9);
  });

  it('stops at the daily and monthly budgets and warns once per period at 80 %', () => {
    const ledger = new Ledger(open());
    const limits = { guildDailyBudget: 1, guildMonthlyBudget: 3 };
    const at = (day: number, hour = 12) => Date.UTC(2025, 2, day, hour);
    // 0.25 each: 0.25, 0.5, 0.75 — the fourth reaches 1.00 (80 % crossed by the fourth: 1.0 ≥ 0.8).
    const results = ['a', 'b', 'c', 'd'].map((key) => ledger.reserve(request(key, { cost: 0.25, userId: key }, limits)));
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(results.slice(0, 3).map((r) => (r.ok ? r.budgetWarning : 'no'))).toEqual([undefined, undefined, undefined]);
    expect(results[3]).toMatchObject({ ok: true, budgetWarning: { period: 'day', spent: 1, limit: 1 } });
    // Exactly at the limit is allowed; any more is refused until tomorrow.
    expect(ledger.reserve(request('e', { cost: 0.01, userId: 'e' }, limits))).toEqual({
      ok: false,
      reason: 'guild_daily_budget',
      retryAfterMs: 12 * 3600_000,
      used: 1,
      limit: 1,
    });
    // A refund below 80 % and a new crossing do not warn again the same day.
    ledger.refund('d', 'upstream', NOON);
    ledger.refund('c', 'upstream', NOON);
    const again = ledger.reserve(request('f', { cost: 0.5, userId: 'f' }, limits));
    expect(again).toMatchObject({ ok: true, budgetWarnings: [] });
    expect(again.ok && again.budgetWarning).toBe(undefined);

    // Next days: 1.0 on the 16th (month at 2.0), the 17th crosses the month's 80 % (2.4 of 3).
    ledger.reserve(request('g', { cost: 1, userId: 'g', now: at(16) }, limits));
    const month = ledger.reserve(request('h', { cost: 0.5, userId: 'h', now: at(17) }, limits));
    expect(month).toMatchObject({ ok: true, budgetWarning: { period: 'month', spent: 2.5, limit: 3 } });
    expect(month.ok && month.budgetWarnings).toEqual([{ period: 'month', spent: 2.5, limit: 3 }]);
    const day = ledger.reserve(request('i', { cost: 0.3, userId: 'i', now: at(17, 13) }, limits));
    expect(day).toMatchObject({ ok: true, budgetWarning: { period: 'day', spent: 0.8, limit: 1 } });
    expect(ledger.reserve(request('j', { cost: 0.25, userId: 'j', now: at(18) }, limits))).toMatchObject({
      ok: false,
      reason: 'guild_monthly_budget',
      used: 2.8,
      limit: 3,
      retryAfterMs: Date.UTC(2025, 3, 1) - at(18),
    });
    // A new month starts from zero, and warns again.
    const april = ledger.reserve(request('k', { cost: 2.5, userId: 'k', now: Date.UTC(2025, 3, 1, 0, 0, 1) }, { guildMonthlyBudget: 3 }));
    expect(april).toMatchObject({ ok: true, budgetWarning: { period: 'month', spent: 2.5, limit: 3 } });
    expect(ledger.spent(GUILD, 'month', at(31))).toBeCloseTo(2.8, 9);
    expect(ledger.spent(GUILD, 'month', Date.UTC(2025, 3, 2))).toBeCloseTo(2.5, 9);
  });

  it('gives both warnings when one reservation crosses the day and the month together, month first', () => {
    const ledger = new Ledger(open());
    const result = ledger.reserve(request('a', { cost: 0.9 }, { guildDailyBudget: 1, guildMonthlyBudget: 1 }));
    expect(result).toMatchObject({
      ok: true,
      budgetWarning: { period: 'month' },
      budgetWarnings: [
        { period: 'month', spent: 0.9, limit: 1 },
        { period: 'day', spent: 0.9, limit: 1 },
      ],
    });
  });

  it('counts days and months in UTC', () => {
    const ledger = new Ledger(open());
    const limits = { userDailyImages: 1 };
    const beforeMidnight = Date.UTC(2025, 2, 31, 23, 59, 59, 999);
    const midnight = Date.UTC(2025, 3, 1);
    expect(ledger.reserve(request('a', { now: beforeMidnight, cost: 1 }, limits)).ok).toBe(true);
    expect(ledger.reserve(request('b', { now: beforeMidnight }, limits))).toMatchObject({ ok: false, reason: 'user_quota', retryAfterMs: 1 });
    expect(ledger.reserve(request('c', { now: midnight }, limits)).ok).toBe(true);
    expect(ledger.userImagesToday(GUILD, USER, beforeMidnight)).toBe(1);
    expect(ledger.userImagesToday(GUILD, USER, midnight)).toBe(1);
    expect(ledger.spent(GUILD, 'day', beforeMidnight)).toBe(1);
    expect(ledger.spent(GUILD, 'month', beforeMidnight)).toBeCloseTo(1.04 - 0.04, 9);
    expect(ledger.spent(GUILD, 'month', midnight)).toBeCloseTo(0.04, 9);
    expect(ledger.spent(GUILD, 'day', midnight)).toBeCloseTo(0.04, 9);
  });

  it('ignores server budgets in DMs and validates its input', () => {
    const ledger = new Ledger(open());
    expect(ledger.reserve(request('dm', { guildId: null, cost: 5 }, { guildDailyBudget: 1 })).ok).toBe(true);
    expect(() => ledger.reserve(request('', {}))).toThrow(TypeError);
    expect(() => ledger.reserve(request('x', { userId: 123 as unknown as string }))).toThrow(TypeError);
    expect(() => ledger.reserve(request('x', { images: 1.5 }))).toThrow(TypeError);
    expect(() => ledger.reserve(request('x', { cost: -1 }))).toThrow(TypeError);
    expect(() => ledger.reserve(request('x', {}, { userDailyImages: -1 }))).toThrow(TypeError);
    expect(ledger.get('x')).toBeUndefined();
  });

  // EXPLAIN QUERY PLAN and sqlite_master are SQLite's; PostgreSQL plans tiny test tables as scans.
  it.runIf(kind === 'sqlite')('uses its indexes for the checks', () => {
    const db = open();
    // The statements Ledger really prepared, explained as they are.
    const ledger = new Ledger(db);
    const plan = (field: string) => planOf(db, ledger, field);
    for (const field of ['selectUserImages', 'selectUserImagesDm', 'selectLastRequest', 'selectLastRequestDm']) {
      expect(plan(field)).toMatch(/COVERING INDEX ledger_user_time/);
    }
    // The budgets read the per-day totals (at most 31 rows a month), not the month's ledger rows.
    expect(plan('selectGuildSpent')).toMatch(/SEARCH ledger_guild_days USING PRIMARY KEY \(guild_id=\? AND day>\? AND day<\?\)/);
    const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ledger'").pluck().all();
    expect(indexes).not.toContain('ledger_guild_time');
  });

  it('keeps the per-day budget totals equal to the ledger rows through every change', () => {
    const db = open();
    const ledger = new Ledger(db);
    const SECOND_GUILD = '111111111111111111';
    // Money from the rows themselves, as the budget queries read it before the per-day totals.
    const scan = db.prepare<[string, number, number], number>(`
      SELECT COALESCE(SUM(cost_micros), 0) FROM ledger
      WHERE guild_id = ? AND created_at >= ? AND created_at < ? AND state <> 'refunded'`).pluck();
    const DAY = 86_400_000;
    const check = (): void => {
      for (const guild of [GUILD, SECOND_GUILD]) {
        for (const at of [Date.UTC(2025, 1, 28, 23), Date.UTC(2025, 2, 1), NOON, NOON + DAY, Date.UTC(2025, 3, 1)]) {
          const day = at - (at % DAY);
          const month = Date.UTC(new Date(at).getUTCFullYear(), new Date(at).getUTCMonth(), 1);
          const next = Date.UTC(new Date(at).getUTCFullYear(), new Date(at).getUTCMonth() + 1, 1);
          expect(ledger.spent(guild, 'day', at)).toBeCloseTo(scan.get(guild, day, day + DAY)! / 1e6, 9);
          expect(ledger.spent(guild, 'month', at)).toBeCloseTo(scan.get(guild, month, next)! / 1e6, 9);
        }
      }
    };
    const times = [Date.UTC(2025, 1, 28, 23, 59, 59, 999), Date.UTC(2025, 2, 1), NOON, NOON + DAY - 1, NOON + DAY, Date.UTC(2025, 3, 1)];
    times.forEach((now, i) => {
      ledger.reserve(request(`a${i}`, { now, cost: 0.01 * (i + 1) }));
      ledger.reserve(request(`b${i}`, { now, cost: 0.5, guildId: SECOND_GUILD }));
      ledger.reserve(request(`c${i}`, { now, cost: 0.7, userId: OTHER }));
      ledger.reserve(request(`dm${i}`, { now, cost: 9, guildId: null }));
    });
    check();
    ledger.commit('a0', { images: 1, cost: 0.2 }, NOON);
    ledger.commit('a2', { images: 0, cost: 0 }, NOON);
    ledger.refund('a3', 'upstream', NOON);
    ledger.release('b1', NOON);
    ledger.refund('c4', 'content_policy', NOON);
    ledger.chargeUnusable('c5', NOON);
    ledger.commit('c4', { images: 1, cost: 5 }, NOON); // already refunded: no change
    check();
    // Every reservation still open is settled, by key, as start-up recovery does: those made before
    // NOON + DAY refunded (never started), the later ones released (possibly billed).
    const stillOpen = db.prepare("SELECT key, created_at AS at FROM ledger WHERE state = 'reserved' ORDER BY key").all() as Array<{ key: string; at: number }>;
    expect(stillOpen.length).toBeGreaterThan(1);
    for (const { key, at } of stillOpen) {
      if (at < NOON + DAY) ledger.refund(key, 'interrupted', NOON + DAY);
      else ledger.release(key, NOON + DAY);
    }
    check();
    // Rows changed or removed by hand (an operator, a test's clean-up) are followed too.
    db.prepare("UPDATE ledger SET state = 'reserved', cost_micros = 123456 WHERE key = 'a3'").run();
    db.prepare("UPDATE ledger SET guild_id = ? WHERE key = 'c5'").run(SECOND_GUILD);
    db.prepare("DELETE FROM ledger WHERE key IN ('b0', 'c1')").run();
    check();
    // The 16th: a3 (changed by hand) and a4 (released at its estimate); c3 and c4 were refunded.
    expect(ledger.spent(GUILD, 'day', NOON + DAY)).toBeCloseTo(0.123456 + 0.05, 9);
    db.prepare('DELETE FROM ledger').run();
    check();
    expect(ledger.spent(GUILD, 'month', NOON)).toBe(0);
    expect(db.prepare('SELECT COUNT(*) FROM ledger_guild_days WHERE cost_micros <> 0').pluck().get()).toBe(0);
  });
});

describe.each(TEST_DATABASES)('Ledger under concurrency (%s)', (kind) => {
  it('holds the write lock from the first read', () => {
    const location = sharedLocation(kind);
    const first = connect(location);
    const second = connect(location);
    // SQLite waits busy_timeout; PostgreSQL waits the adapter's lock_timeout (1 s) for the advisory lock.
    if (kind === 'sqlite') second.pragma('busy_timeout = 50');
    expect(new Ledger(second).reserve(request('a')).ok).toBe(true);
    // Another process in a write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory lock).
    first.transaction(() => {
      // Even the read-only path (a known key) waits for the lock: nothing is read outside it.
      let refused: unknown;
      try {
        new Ledger(second).reserve(request('a'));
      } catch (error) {
        refused = error;
      }
      expect(isDatabaseBusy(refused)).toBe(true);
    }).immediate();
    expect(new Ledger(second).reserve(request('a'))).toMatchObject({ ok: true, existing: true });
  });

  it('never reserves more than the quota across connections taking turns', () => {
    const location = sharedLocation(kind);
    const ledgers = [connect(location), connect(location), connect(location), connect(location)].map((db) => new Ledger(db));
    const results = Array.from({ length: 50 }, (_, i) =>
      ledgers[i % 4]!.reserve(request(`k-${i}`, { images: 1, cost: 0.03 }, { userDailyImages: 20, guildDailyBudget: 0.5 })),
    );
    // The budget (16 × 0.03 ≤ 0.5) binds before the quota (20).
    expect(results.filter((r) => r.ok)).toHaveLength(16);
    expect(results.filter((r) => !r.ok && r.reason === 'guild_daily_budget')).toHaveLength(34);
    expect(ledgers[3]!.spent(GUILD, 'day', NOON)).toBeCloseTo(0.48, 9);
  });

  // Threads of one process on one SQLite file; processes on both databases: ledgerRace.test.ts.
  it.runIf(kind === 'sqlite')('never overspends with 50 reserves racing from 5 worker threads on one file', async () => {
    const dir = tempDir();
    const path = join(dir, 'bot.db');
    connect(path); // creates the schema
    const ledgerJs = transpileForNode('src/storage/ledger.ts', join(dir, 'js'));
    const workers = 5;
    const perWorker = 10;
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      const { createRequire } = require('node:module');
      const { pathToFileURL } = require('node:url');
      (async () => {
        const BetterSqlite3 = createRequire(workerData.root + '/package.json')('better-sqlite3');
        const { Ledger } = await import(pathToFileURL(workerData.ledgerJs).href);
        const db = new BetterSqlite3(workerData.path);
        db.pragma('busy_timeout = 20000');
        const ledger = new Ledger(db);
        parentPort.postMessage({ ready: true });
        Atomics.wait(workerData.gate, 0, 0);
        const results = [];
        for (let i = 0; i < workerData.perWorker; i++) {
          const quota = ledger.reserve({ key: 'q-' + workerData.index + '-' + i, guildId: 'g', userId: 'same-user',
            images: 1, cost: 0.01, limits: { userDailyImages: 20 }, now: workerData.now });
          const budget = ledger.reserve({ key: 'b-' + workerData.index + '-' + i, guildId: 'g2', userId: 'user-' + workerData.index + '-' + i,
            images: 1, cost: 0.07, limits: { guildDailyBudget: 1 }, now: workerData.now });
          const dup = ledger.reserve({ key: 'same-key', guildId: 'g3', userId: 'u', images: 1, cost: 0.01, limits: {}, now: workerData.now });
          results.push({ quota: quota.ok, budget: budget.ok, dupNew: dup.ok && !dup.existing });
        }
        db.close();
        parentPort.postMessage({ results });
      })().catch((error) => parentPort.postMessage({ error: String(error && error.stack || error) }));
    `;
    const ready: Promise<void>[] = [];
    const finished: Promise<{ quota: boolean; budget: boolean; dupNew: boolean }[]>[] = [];
    for (let index = 0; index < workers; index++) {
      const worker = new Worker(source, { eval: true, workerData: { root: ROOT, ledgerJs, path, gate, index, perWorker, now: NOON } });
      let markReady!: () => void;
      ready.push(new Promise((r) => (markReady = r)));
      finished.push(
        new Promise((resolve, reject) => {
          worker.on('message', (message: { ready?: boolean; results?: never; error?: string }) => {
            if (message.ready) markReady();
            else if (message.error) reject(new Error(message.error));
            else if (message.results) resolve(message.results);
          });
          worker.on('error', reject);
        }),
      );
    }
    await Promise.all(ready);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    const results = (await Promise.all(finished)).flat();
    expect(results).toHaveLength(50);
    expect(results.filter((r) => r.quota)).toHaveLength(20);
    expect(results.filter((r) => r.budget)).toHaveLength(14); // 14 × 0.07 = 0.98 ≤ 1 < 15 × 0.07
    expect(results.filter((r) => r.dupNew)).toHaveLength(1);
    const check = new Ledger(connect(path));
    expect(check.userImagesToday('g', 'same-user', NOON)).toBe(20);
    expect(check.spent('g2', 'day', NOON)).toBeCloseTo(0.98, 9);
  });
});
