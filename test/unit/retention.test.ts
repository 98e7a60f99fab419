// Usage retention (USAGE_RETENTION_DAYS): four months of history in two servers and DMs, pruned at
// 40 days. Everything the bot reads for reports, budgets and quotas answers the same before and
// after (the all-time totals, every report period, /usage, /gallery top, the day's and month's
// spend, the member's images today, and reserve()'s verdicts on the limits), while the old detail
// rows are gone, the recent ones, the unfinished ones and the images others point at stay, and
// the ledger keeps 62 days whatever the setting.
import { describe, expect, it } from 'vitest';
import { periodStart } from '../../commands/imagineAdmin/period.js';
import { topPeriodStart } from '../../commands/galleryTop.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseEnv } from '../../src/config/env.js';
import type { Log } from '../../src/log.js';
import {
  GalleryStore,
  JobStore,
  LEDGER_KEEP_DAYS,
  Ledger,
  ReportStore,
  scheduleRetention,
  UsageLog,
  UsageReports,
  UsageRetention,
  type Database,
  type FinishedOutcome,
} from '../../src/storage/index.js';
import { databasesClosedAfterEach, TEST_DATABASES } from '../helpers/databases.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const RETENTION_DAYS = 40;
const NOW = Date.UTC(2026, 6, 15, 12, 30);
const G1 = '100000000000000000001';
const G2 = '100000000000000000002';
const GUILDS = [G1, G2];
const U1 = '200000000000000000001';
const U2 = '200000000000000000002';
const U3 = '200000000000000000003';
const USERS = [U1, U2, U3];
const CHANNEL = '300000000000000000001';
const GALLERY_CHANNEL = '300000000000000000009';

const databases = databasesClosedAfterEach();

/** Each attempt's ending: its usage outcome, the images and cost it records, and how the ledger settles. */
const ENDINGS: Array<{ outcome: FinishedOutcome; images: number | null; cost: number | null; settle: 'commit' | 'release' | 'refund' | 'none' }> = [
  { outcome: 'success', images: 1, cost: 0.04, settle: 'commit' },
  { outcome: 'success', images: 2, cost: 0.1, settle: 'commit' },
  { outcome: 'timeout', images: null, cost: 0.3, settle: 'release' },
  { outcome: 'content_policy', images: null, cost: 0, settle: 'refund' },
  { outcome: 'invalid_input', images: null, cost: null, settle: 'none' },
];
const MODELS = ['gpt-image-2', 'flux-2-pro'];

interface Populated {
  /** Usage ids by what they are kept for. */
  shared: number;
  starred: number;
  reported: number;
  takenDown: number;
  pending: number;
  pendingJob: number;
}

/**
 * Four months back from `now`: every day, each member makes an attempt in each server they use and
 * in DMs, with every kind of ending, written through the stores as the bot writes them.
 */
function populate(db: Database, now: number): Populated {
  const usage = new UsageLog(db);
  const ledger = new Ledger(db);
  const jobs = new JobStore(db);
  let serial = 0;
  const attempt = (userId: string, guildId: string | null, at: number, ending: (typeof ENDINGS)[number] | 'pending') => {
    serial += 1;
    const key = `4000000000000${String(100000 + serial)}`;
    const model = MODELS[serial % MODELS.length]!;
    const { id } = usage.start({ source: 'discord', interactionId: key, userId, guildId, channelId: CHANNEL, model, prompt: `prompt ${serial}`, startedAt: at });
    const job = jobs.create({ interactionId: key, guildId, userId, model, request: { prompt: `prompt ${serial}` }, usageId: id, now: at }).job;
    if (ending === 'pending' || ending.settle !== 'none') {
      const reserved = ledger.reserve({ key, guildId, userId, images: 2, cost: 0.3, limits: {}, now: at });
      expect(reserved.ok).toBe(true);
    }
    if (ending === 'pending') return { id, job: job.id };
    usage.finish(id, { outcome: ending.outcome, imageCount: ending.images, estimatedCost: ending.cost, finishedAt: at + 5_000 });
    if (ending.settle === 'commit') ledger.commit(key, { images: ending.images ?? 0, cost: ending.cost ?? 0 }, at + 5_000);
    if (ending.settle === 'release') ledger.release(key, at + 5_000);
    if (ending.settle === 'refund') ledger.refund(key, 'content_policy', at + 5_000);
    jobs.finish(job.id, ending.outcome === 'success' ? 'delivered' : 'failed', { now: at + 5_000 });
    return { id, job: job.id };
  };
  const places: Array<[string, string | null]> = [
    [U1, G1],
    [U2, G1],
    [U3, G2],
    [U1, G2],
    [U1, null],
    [U3, null],
  ];
  const byDay = new Map<number, number[]>();
  for (let day = 120; day >= 0; day--) {
    const ids: number[] = [];
    places.forEach(([userId, guildId], index) => {
      const at = now - day * DAY - (index + 1) * HOUR;
      ids.push(attempt(userId, guildId, at, ENDINGS[(day + index) % ENDINGS.length]!).id);
    });
    byDay.set(day, ids);
  }
  // A request a crash left open 100 days ago (start-up recovery settles those; retention never does).
  const leftOpen = attempt(U2, G1, now - 100 * DAY, 'pending');

  // Old images others point at: shared to the gallery, starred, reported; one whose post was taken down.
  const gallery = new GalleryStore(db);
  const successOn = (day: number, guildId: string) => {
    const id = byDay.get(day)!.find((candidate) => {
      const row = usage.get(candidate)!;
      return row.outcome === 'success' && row.guildId === guildId;
    });
    if (id === undefined) throw new Error(`no success in ${guildId} ${day} days ago`);
    return id;
  };
  const shared = successOn(90, G1);
  expect(gallery.claimShare({ usageId: shared, guildId: G1, sharedBy: U1, channelId: GALLERY_CHANNEL, ageRestricted: false, spoiler: false, at: now - 89 * DAY })).toBe(true);
  expect(gallery.setPosted(shared, '600000000000000000001')).toBe(true);
  const takenDown = successOn(91, G1);
  gallery.claimShare({ usageId: takenDown, guildId: G1, sharedBy: U1, channelId: GALLERY_CHANNEL, ageRestricted: false, spoiler: false, at: now - 90 * DAY });
  gallery.setPosted(takenDown, '600000000000000000002');
  gallery.markRemoved(takenDown, now - 80 * DAY);
  const starred = successOn(92, G2);
  gallery.toggleFavourite({ usageId: starred, userId: U1, guildId: G2, ageRestricted: false, spoiler: false, at: now - 91 * DAY });
  // A recent star too, so /gallery top's week and month have something to list.
  gallery.toggleFavourite({ usageId: successOn(4, G1), userId: U2, guildId: G1, ageRestricted: false, spoiler: false, at: now - 2 * DAY });
  const reported = successOn(94, G1);
  expect(new ReportStore(db).add({ usageId: reported, reporterId: U2, guildId: G1, at: now - 93 * DAY })).toBe(true);

  // 80 % budget warnings: one from four months ago, one for this month.
  const warn = db.prepare(`
    INSERT INTO ledger_budget_warnings (guild_id, period, period_start, spent_micros, limit_micros, key, created_at)
    VALUES (?, 'month', ?, 800000, 1000000, ?, ?)`);
  warn.run(G1, Date.UTC(2026, 2, 1), 'old', Date.UTC(2026, 2, 20));
  warn.run(G1, Date.UTC(2026, 6, 1), 'current', Date.UTC(2026, 6, 10));
  return { shared, starred, reported, takenDown, pending: leftOpen.id, pendingJob: leftOpen.job };
}

/** Everything the bot reads for reports, budgets and quotas. */
function readings(db: Database, now: number) {
  const reports = new UsageReports(db);
  const ledger = new Ledger(db);
  const gallery = new GalleryStore(db);
  return {
    allTime: GUILDS.map((guildId) => reports.guildReport({ guildId, until: now })),
    periods: GUILDS.flatMap((guildId) =>
      (['today', 'week', 'month'] as const).map((period) => reports.guildReport({ guildId, since: periodStart(period, now)!, until: now })),
    ),
    summaries: USERS.flatMap((userId) => [
      reports.summary({ userId, now }),
      ...[G1, G2, null].map((guildId) => reports.summary({ userId, guildId, now })),
    ]),
    spent: GUILDS.flatMap((guildId) => [ledger.spent(guildId, 'day', now), ledger.spent(guildId, 'month', now)]),
    imagesToday: USERS.flatMap((userId) => [G1, G2, null].map((guildId) => ledger.userImagesToday(guildId, userId, now))),
    top: GUILDS.flatMap((guildId) =>
      (['week', 'month', 'all'] as const).map((period) =>
        gallery.top({ guildId, since: topPeriodStart(period, now), includeAgeRestricted: true, page: 1, pageSize: 25 }),
      ),
    ),
  };
}

/** reserve()'s verdicts for a member against every limit, as /imagine asks them. */
function verdicts(db: Database, now: number) {
  const ledger = new Ledger(db);
  const ask = (key: string, limits: Parameters<Ledger['reserve']>[0]['limits'], at = now) => {
    const result = ledger.reserve({ key, guildId: G1, userId: U1, images: 1, cost: 0.05, limits, now: at });
    return result.ok ? { ok: true, warnings: result.budgetWarnings } : result;
  };
  const today = ledger.spent(G1, 'day', now);
  const month = ledger.spent(G1, 'month', now);
  return [
    ask('probe-quota', { userDailyImages: ledger.userImagesToday(G1, U1, now) }),
    ask('probe-cooldown', { cooldownMs: 2 * HOUR }),
    ask('probe-day', { guildDailyBudget: today + 0.01 }),
    ask('probe-month', { guildMonthlyBudget: month + 0.01 }),
    ask('probe-warn', { guildMonthlyBudget: (month + 0.05) / 0.85 }),
  ];
}

const count = (db: Database, sql: string, ...params: unknown[]): number => db.prepare(sql).pluck().get(...params) as number;

describe.each(TEST_DATABASES)('usage retention (%s)', (kind) => {
  const fresh = (): Database => databases.openFresh(kind);
  /** A second database written exactly like the first (the same rows, ids included), left unpruned. */
  const twin = (): Database => {
    const db = fresh();
    populate(db, NOW);
    return db;
  };

  it('prunes the old detail and leaves every report, budget and quota reading as it was', async () => {
    const db = fresh();
    const kept = populate(db, NOW);
    const untouched = twin();
    const before = readings(db, NOW);
    const usageBefore = count(db, 'SELECT COUNT(*) FROM usage');
    // The fixture spans the cut: old detail to prune, recent detail to keep.
    expect(count(db, 'SELECT COUNT(*) FROM usage WHERE started_at < ?', NOW - RETENTION_DAYS * DAY)).toBeGreaterThan(300);

    const counts = await new UsageRetention(db).prune({ days: RETENTION_DAYS, now: NOW });

    expect(readings(db, NOW)).toEqual(before);
    const unpruned = verdicts(untouched, NOW);
    expect(verdicts(db, NOW)).toEqual(unpruned);
    // The verdicts are not all "yes": the limits were really tested.
    expect(unpruned.map((verdict) => ('reason' in verdict ? verdict.reason : 'ok'))).toEqual([
      'user_quota',
      'cooldown',
      'guild_daily_budget',
      'guild_monthly_budget',
      'ok',
    ]);

    // The detail really went: a scan from the beginning now sees only what is left.
    const reports = new UsageReports(db);
    const scanned = reports.guildReport({ guildId: G1, since: Number.MIN_SAFE_INTEGER, until: NOW }).total.attempts;
    expect(scanned).toBeLessThan(before.allTime[0]!.total.attempts);
    expect(counts.usage).toBe(usageBefore - count(db, 'SELECT COUNT(*) FROM usage'));

    // Old and finished: gone, except the images others point at and the unfinished request.
    const usageCut = NOW - RETENTION_DAYS * DAY;
    const oldLeft = db.prepare('SELECT id FROM usage WHERE started_at < ? ORDER BY id').pluck().all(usageCut);
    expect(oldLeft).toEqual([kept.pending, kept.shared, kept.starred, kept.reported].sort((a, b) => a - b));
    expect(new UsageLog(db).get(kept.takenDown)).toBeUndefined();
    expect(new GalleryStore(db).postOf(kept.takenDown)).toBeUndefined();
    expect(new GalleryStore(db).postOf(kept.shared)?.messageId).toBe('600000000000000000001');
    expect(new GalleryStore(db).favouriteCount(kept.starred)).toBe(1);
    expect(new ReportStore(db).messageOf(kept.reported)).toBeUndefined(); // kept, with no message recorded
    expect(count(db, 'SELECT COUNT(*) FROM reports')).toBe(1);
    expect(counts.galleryPosts).toBe(1);
    // Recent: every row stays.
    expect(count(db, 'SELECT COUNT(*) FROM usage WHERE started_at >= ?', usageCut)).toBe(count(untouched, 'SELECT COUNT(*) FROM usage WHERE started_at >= ?', usageCut));

    // Jobs: the finished old ones went, the one still queued stayed.
    expect(count(db, 'SELECT COUNT(*) FROM jobs WHERE created_at < ?', usageCut)).toBe(1);
    expect(new JobStore(db).get(kept.pendingJob)?.state).toBe('queued');
    expect(counts.jobs).toBe(count(untouched, 'SELECT COUNT(*) FROM jobs') - count(db, 'SELECT COUNT(*) FROM jobs'));

    // Ledger: 62 days stay whatever the setting (40 here); older settled rows go, the open reservation stays.
    const ledgerCut = NOW - LEDGER_KEEP_DAYS * DAY;
    expect(count(db, 'SELECT COUNT(*) FROM ledger WHERE created_at >= ?', ledgerCut)).toBe(count(untouched, 'SELECT COUNT(*) FROM ledger WHERE created_at >= ?', ledgerCut));
    expect(count(db, 'SELECT COUNT(*) FROM ledger WHERE created_at < ?', usageCut)).toBeGreaterThan(0);
    expect(db.prepare('SELECT state FROM ledger WHERE created_at < ?').pluck().all(ledgerCut)).toEqual(['reserved']);
    expect(counts.ledger).toBe(count(untouched, 'SELECT COUNT(*) FROM ledger') - count(db, 'SELECT COUNT(*) FROM ledger'));
    expect(db.prepare('SELECT key FROM ledger_budget_warnings').pluck().all()).toEqual(['current']);
    expect(counts.budgetWarnings).toBe(1);
    // The pruning's mark never outlives its transaction.
    expect(count(db, 'SELECT COUNT(*) FROM retention_pruning')).toBe(0);
  });

  it('small batches end where one big batch does, and a second run finds nothing', async () => {
    const db = twin();
    const other = twin();
    const first = await new UsageRetention(db).prune({ days: RETENTION_DAYS, now: NOW, batchRows: 7 });
    expect(await new UsageRetention(other).prune({ days: RETENTION_DAYS, now: NOW, batchRows: 100_000 })).toEqual(first);
    for (const table of ['usage', 'jobs', 'ledger', 'usage_guild_totals', 'ledger_guild_days', 'gallery_posts']) {
      expect(db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()).toEqual(other.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all());
    }
    expect(await new UsageRetention(db).prune({ days: RETENTION_DAYS, now: NOW })).toEqual({ usage: 0, galleryPosts: 0, jobs: 0, ledger: 0, budgetWarnings: 0 });
  });

  it('a deletion that is not retention still takes its row out of the totals', () => {
    const db = fresh();
    populate(db, NOW);
    const reports = new UsageReports(db);
    db.prepare('DELETE FROM usage WHERE guild_id = ?').run(G2);
    db.prepare('DELETE FROM ledger WHERE guild_id = ?').run(G2);
    expect(reports.guildReport({ guildId: G2, until: NOW }).total).toEqual({ images: 0, attempts: 0, failures: 0, cost: 0 });
    expect(new Ledger(db).spent(G2, 'month', NOW)).toBe(0);
  });

  it('refuses a retention shorter than the month the reports read', async () => {
    const db = fresh();
    await expect(new UsageRetention(db).prune({ days: 31, now: NOW })).rejects.toThrow(/at least 32/);
  });

  it('runs at start and logs one line with its counts; stop() ends it', async () => {
    const db = fresh();
    populate(db, Date.now());
    const lines: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];
    let logged!: () => void;
    const once = new Promise<void>((resolve) => (logged = resolve));
    const record = (message: string, fields?: Record<string, unknown>) => {
      lines.push({ message, fields });
      logged();
    };
    const log: Log = { debug: record, info: record, warn: record, error: record, child: () => log, flush: () => {} };
    const schedule = scheduleRetention(db, RETENTION_DAYS, { log });
    await once;
    schedule.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.message).toBe('pruned usage detail past the retention');
    expect(lines[0]!.fields).toMatchObject({ retentionDays: RETENTION_DAYS, usage: expect.any(Number), jobs: expect.any(Number), ledger: expect.any(Number) });
    expect(lines[0]!.fields!.usage).toBeGreaterThan(0);
    // Unset: nothing is scheduled, nothing is deleted.
    const untouched = fresh();
    populate(untouched, Date.now());
    const rows = count(untouched, 'SELECT COUNT(*) FROM usage');
    scheduleRetention(untouched, undefined, { log }).stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(count(untouched, 'SELECT COUNT(*) FROM usage')).toBe(rows);
  });
});

describe('usage retention settings', () => {
  it('USAGE_RETENTION_DAYS: unset keeps everything; a number of days from 32; anything else is one line naming it', () => {
    expect(parseEnv({}).usageRetentionDays).toBeUndefined();
    expect(parseEnv({ USAGE_RETENTION_DAYS: ' ' }).usageRetentionDays).toBeUndefined();
    expect(parseEnv({ USAGE_RETENTION_DAYS: '90' }).usageRetentionDays).toBe(90);
    for (const wrong of ['7', '31', '40.5', 'forever']) {
      expect(() => parseEnv({ USAGE_RETENTION_DAYS: wrong })).toThrow(ConfigError);
      expect(() => parseEnv({ USAGE_RETENTION_DAYS: wrong })).toThrow(/^USAGE_RETENTION_DAYS must be a whole number of days, 32 or more/);
    }
  });
});
