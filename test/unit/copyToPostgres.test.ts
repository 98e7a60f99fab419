// `npm run db:copy`: a bot's SQLite history, written through the real stores (usage with every kind
// of ending, the ledger's reservations, commits, releases and refunds, a policy with its word list,
// role quotas and blocked members, gallery posts and favourites, members' defaults and shortcuts,
// style presets, prompt settings, reports, and a retention prune so that the kept totals hold rows
// that are gone), copied into an empty PostgreSQL database. Read back through the same stores, the
// PostgreSQL side answers every question as the SQLite side did, and it goes on working: ids
// continue past the copied ones, the triggers keep the totals and the settings counter again, and a
// reservation at the quota edge gets the same verdict. A database that is not empty is refused with
// nothing written; a wrong URL is named without its password. Skipped without PostgreSQL.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { periodStart } from '../../commands/imagineAdmin/period.js';
import { topPeriodStart } from '../../commands/galleryTop.js';
import { DEFAULT_POLICY_SETTINGS } from '../../src/moderation/guildPolicy.js';
import {
  copyToPostgres,
  CopyRefused,
  GalleryStore,
  JobStore,
  Ledger,
  MemberSettingsStore,
  openDatabase,
  PolicyStore,
  PromptSettingsStore,
  ReportStore,
  StylePresetStore,
  UsageLog,
  UsageReports,
  UsageRetention,
  type Database,
  type FinishedOutcome,
} from '../../src/storage/index.js';
import { REPO_ROOT } from '../helpers/botProcess.js';
import { dropTestDatabase, TEST_DATABASES, testDatabaseUrl } from '../helpers/databases.js';

const run = promisify(execFile);
const COPY_JS = `${REPO_ROOT}dist/src/cli/copyToPostgres.js`;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 6, 15, 12, 30);
const G1 = '100000000000000000001';
const G2 = '100000000000000000002';
const GUILDS = [G1, G2];
const U1 = '200000000000000000001';
const U2 = '200000000000000000002';
const U3 = '200000000000000000003';
const USERS = [U1, U2, U3];
const ADMIN = '200000000000000000009';
const CHANNEL = '300000000000000000001';
const GALLERY_CHANNEL = '300000000000000000009';
const ROLE = '700000000000000000001';
const MODELS = ['gpt-image-2', 'flux-2-pro'];
const ENDINGS: Array<{ outcome: FinishedOutcome; images: number | null; cost: number | null; settle: 'commit' | 'release' | 'refund' | 'none' }> = [
  { outcome: 'success', images: 1, cost: 0.04, settle: 'commit' },
  { outcome: 'success', images: 2, cost: 0.1, settle: 'commit' },
  { outcome: 'timeout', images: null, cost: 0.3, settle: 'release' },
  { outcome: 'content_policy', images: null, cost: 0, settle: 'refund' },
  { outcome: 'invalid_input', images: null, cost: null, settle: 'none' },
];

const count = (db: Database, sql: string, ...params: unknown[]): number => Number(db.prepare(sql).pluck().get(...params));

/** A request still open (reserved, queued) from an hour ago. */
function openRequest(usage: UsageLog, jobs: JobStore, ledger: Ledger, now: number): void {
  const open = usage.start({ source: 'discord', interactionId: '4000000000000999999', userId: U2, guildId: G1, channelId: CHANNEL, model: MODELS[0]!, prompt: 'open', startedAt: now - HOUR });
  jobs.create({ interactionId: '4000000000000999999', guildId: G1, userId: U2, model: MODELS[0]!, request: { prompt: 'open' }, usageId: open.id, now: now - HOUR });
  ledger.reserve({ key: '4000000000000999999', guildId: G1, userId: U2, images: 1, cost: 0.05, limits: {}, now: now - HOUR });
}

/** What a bot writes over `days` days up to `now`, through its stores; then retention at 40 days. */
async function populate(db: Database, now: number, days = 70, options: { openRequest?: boolean } = {}): Promise<void> {
  const usage = new UsageLog(db);
  const ledger = new Ledger(db);
  const jobs = new JobStore(db);
  const gallery = new GalleryStore(db);
  let serial = 0;
  const successes = new Map<string, number[]>();
  const places: Array<[string, string | null]> = [
    [U1, G1],
    [U2, G1],
    [U3, G2],
    [U1, G2],
    [U1, null],
    [U3, null],
  ];
  for (let day = days; day >= 0; day--) {
    places.forEach(([userId, guildId], index) => {
      serial += 1;
      const at = now - day * DAY - (index + 1) * HOUR;
      const ending = ENDINGS[(day + index) % ENDINGS.length]!;
      const key = `4000000000000${String(100000 + serial)}`;
      const model = MODELS[serial % MODELS.length]!;
      // Text beyond ASCII and a cost that is not a round number, to check the values cross unchanged.
      const prompt = `prompt ${serial} — café ✨ 🐙`;
      const { id } = usage.start({ source: 'discord', interactionId: key, userId, guildId, channelId: CHANNEL, model, prompt, startedAt: at });
      const job = jobs.create({ interactionId: key, guildId, userId, model, request: { prompt }, usageId: id, now: at }).job;
      if (ending.settle !== 'none') expect(ledger.reserve({ key, guildId, userId, images: 2, cost: 0.3, limits: {}, now: at }).ok).toBe(true);
      usage.finish(id, { outcome: ending.outcome, imageCount: ending.images, estimatedCost: ending.cost === null ? null : ending.cost + serial / 1e5, finishedAt: at + 5_000 });
      if (ending.settle === 'commit') ledger.commit(key, { images: ending.images ?? 0, cost: (ending.cost ?? 0) + serial / 1e5 }, at + 5_000);
      if (ending.settle === 'release') ledger.release(key, at + 5_000);
      if (ending.settle === 'refund') ledger.refund(key, 'content_policy', at + 5_000);
      jobs.finish(job.id, ending.outcome === 'success' ? 'delivered' : 'failed', { now: at + 5_000 });
      if (ending.outcome === 'success' && guildId !== null) successes.set(`${guildId}:${day}`, [...(successes.get(`${guildId}:${day}`) ?? []), id]);
    });
  }
  // A request still open (reserved, queued) from an hour ago: what a crashed bot leaves.
  if (options.openRequest) openRequest(usage, jobs, ledger, now);

  const success = (guildId: string, day: number): number => {
    for (let back = day; back <= days; back++) {
      const id = successes.get(`${guildId}:${back}`)?.[0];
      if (id !== undefined) return id;
    }
    throw new Error(`no success in ${guildId} around day ${day}`);
  };
  // Gallery: settings, a post kept past retention, a recent post, favourites old and new.
  gallery.updateSettings(G1, { channelId: GALLERY_CHANNEL, shareByAnyone: true }, ADMIN, now - 60 * DAY);
  const old = success(G1, days - 12);
  gallery.claimShare({ usageId: old, guildId: G1, sharedBy: U1, channelId: GALLERY_CHANNEL, ageRestricted: false, spoiler: false, at: now - (days - 13) * DAY });
  gallery.setPosted(old, '600000000000000000001');
  const recent = success(G1, 3);
  gallery.claimShare({ usageId: recent, guildId: G1, sharedBy: U2, channelId: GALLERY_CHANNEL, ageRestricted: true, spoiler: true, at: now - 2 * DAY });
  gallery.setPosted(recent, '600000000000000000002');
  for (const userId of USERS) gallery.toggleFavourite({ usageId: recent, userId, guildId: G1, ageRestricted: true, spoiler: true, at: now - DAY });
  gallery.toggleFavourite({ usageId: success(G2, days - 6), userId: U1, guildId: G2, ageRestricted: false, spoiler: false, at: now - (days - 7) * DAY });
  gallery.toggleFavourite({ usageId: success(G2, 5), userId: U2, guildId: G2, ageRestricted: false, spoiler: false, at: now - 4 * DAY });
  new ReportStore(db).add({ usageId: success(G1, 10), reporterId: U3, guildId: G1, messageId: '600000000000000000003', messageChannelId: CHANNEL, at: now - 9 * DAY });

  // Policy, word list (order matters: shown in the order added), role quotas, blocked members.
  const policy = new PolicyStore(db);
  policy.savePolicy({
    ...DEFAULT_POLICY_SETTINGS,
    guildId: G1,
    allowedModels: ['gpt-image-2'],
    dailyQuota: 4,
    cooldownSeconds: 30,
    dailyBudgetUsd: 2.5,
    monthlyBudgetUsd: 40,
    logChannelId: CHANNEL,
    updatedAt: now - 50 * DAY,
    updatedBy: ADMIN,
  });
  for (const [index, word] of ['zebra', 'apple', 'mango', 'b[a4]nana'].entries()) {
    policy.saveWord(G1, word, { entry: word, kind: word.includes('[') ? 'regex' : 'word', addedBy: ADMIN, addedAt: now - (40 - index) * DAY });
  }
  policy.saveRoleQuota(G1, { roleId: ROLE, dailyQuota: 10, updatedBy: ADMIN }, now - 30 * DAY);
  policy.saveBlockedUser(G2, { userId: U3, reason: 'spam', blockedBy: ADMIN, blockedAt: now - 20 * DAY });

  // Members' defaults and shortcuts; servers' style presets and prompt settings.
  const members = new MemberSettingsStore(db);
  members.set(U1, { model: 'flux-2-pro', size: '2:3', enhance: true }, now - 10 * DAY);
  members.addShortcut(U1, 'cozy', 'warm light, soft focus', now - 9 * DAY);
  members.addShortcut(U2, 'noir', 'black and white, hard shadows', now - 8 * DAY);
  const styles = new StylePresetStore(db);
  styles.upsert({ guildId: G1, name: 'poster', prefix: 'a vintage poster of', suffix: ', bold colours', model: null, size: '2:3', createdBy: ADMIN, createdAt: now - 7 * DAY });
  new PromptSettingsStore(db).set(G2, { enhanceDefault: true }, ADMIN, now - 6 * DAY);

  // Retention at 40 days: the old detail goes, its totals stay in the rollups only.
  const pruned = await new UsageRetention(db).prune({ days: 40, now });
  expect(pruned.usage).toBeGreaterThan(10);
}

/** Everything the bot reads that the copy must carry over. */
function readings(db: Database, now: number) {
  const reports = new UsageReports(db);
  const ledger = new Ledger(db);
  const gallery = new GalleryStore(db);
  const policy = new PolicyStore(db);
  const members = new MemberSettingsStore(db);
  return {
    allTime: GUILDS.map((guildId) => reports.guildReport({ guildId, until: now })),
    periods: GUILDS.flatMap((guildId) => (['today', 'week', 'month'] as const).map((period) => reports.guildReport({ guildId, since: periodStart(period, now)!, until: now }))),
    summaries: USERS.flatMap((userId) => [reports.summary({ userId, now }), ...[G1, G2, null].map((guildId) => reports.summary({ userId, guildId, now }))]),
    spent: GUILDS.flatMap((guildId) => [ledger.spent(guildId, 'day', now), ledger.spent(guildId, 'month', now)]),
    imagesToday: USERS.flatMap((userId) => [G1, G2, null].map((guildId) => ledger.userImagesToday(guildId, userId, now))),
    top: GUILDS.flatMap((guildId) =>
      (['week', 'month', 'all'] as const).map((period) => gallery.top({ guildId, since: topPeriodStart(period, now), includeAgeRestricted: true, page: 1, pageSize: 25 })),
    ),
    gallerySettings: GUILDS.map((guildId) => gallery.settings(guildId)),
    policies: GUILDS.map((guildId) => ({
      policy: policy.policy(guildId),
      words: policy.blockedWords(guildId),
      quotas: policy.roleQuotas(guildId),
      blocked: policy.blockedUsers(guildId),
    })),
    members: USERS.map((userId) => ({ defaults: members.get(userId), shortcuts: members.shortcuts(userId) })),
    styles: GUILDS.map((guildId) => new StylePresetStore(db).list(guildId)),
    prompt: GUILDS.map((guildId) => new PromptSettingsStore(db).get(guildId)),
    settingsVersion: count(db, 'SELECT version FROM settings_version'),
    rows: Object.fromEntries(
      ['usage', 'ledger', 'jobs', 'usage_guild_totals', 'ledger_guild_days', 'gallery_posts', 'favourites', 'reports', 'audit_log'].map((table) => [table, count(db, `SELECT COUNT(*) FROM ${table}`)]),
    ),
  };
}

/** reserve()'s verdicts against each limit, as /imagine asks them (the quota edge included). */
function verdicts(db: Database, now: number) {
  const ledger = new Ledger(db);
  const ask = (key: string, limits: Parameters<Ledger['reserve']>[0]['limits']) => {
    const result = ledger.reserve({ key, guildId: G1, userId: U1, images: 1, cost: 0.05, limits, now });
    return result.ok ? { ok: true, warnings: result.budgetWarnings } : result;
  };
  const today = ledger.userImagesToday(G1, U1, now);
  return [
    ask('probe-quota-edge', { userDailyImages: today + 1 }),
    ask('probe-quota-over', { userDailyImages: today + 1 }),
    ask('probe-cooldown', { cooldownMs: 2 * HOUR }),
    ask('probe-month', { guildMonthlyBudget: ledger.spent(G1, 'month', now) + 0.01 }),
  ];
}

describe.skipIf(!TEST_DATABASES.includes('postgres'))('copying a SQLite history into PostgreSQL', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => {
    for (const step of cleanup.splice(0).reverse()) step();
  });
  const sqliteFile = (): string => {
    const path = testDatabaseUrl('sqlite');
    cleanup.push(() => dropTestDatabase(path));
    return path;
  };
  const postgresUrl = (): string => {
    const url = testDatabaseUrl('postgres');
    cleanup.push(() => dropTestDatabase(url));
    return url;
  };
  const open = (location: string): Database => {
    const db = openDatabase(location);
    cleanup.push(() => db.close());
    return db;
  };

  it('carries every reading over, and the copy goes on working like the original', async () => {
    const sqlite = open(sqliteFile());
    await populate(sqlite, NOW);
    const target = open(postgresUrl());
    const seen: string[] = [];
    const result = copyToPostgres(sqlite, target, { now: NOW, batchRows: 97, onTable: (table) => seen.push(table.table) });

    // Every table of the schema, each with the source's row count.
    const tables = sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
    expect([...seen].sort()).toEqual(tables);
    for (const table of result.tables) expect(table.rows, table.table).toBe(count(sqlite, `SELECT COUNT(*) FROM ${table.table}`));
    expect(result.rows).toBeGreaterThan(900);
    expect(result.guilds).toBe(2);
    expect(result.guildsChecked).toBe(2);

    // The same answers, through the same stores: reports (all-time ones from the kept totals, whose
    // detail retention removed), budgets, quotas, gallery, policies, members, presets.
    const before = readings(sqlite, NOW);
    expect(before.allTime[0]!.total.attempts).toBeGreaterThan(count(sqlite, 'SELECT COUNT(*) FROM usage WHERE guild_id = ?', G1));
    expect(readings(target, NOW)).toEqual(before);
    expect(before.policies[0]!.words.map((word) => word.entry)).toEqual(['zebra', 'apple', 'mango', 'b[a4]nana']);
    expect(new GalleryStore(target).postOf(count(sqlite, 'SELECT MIN(usage_id) FROM gallery_posts'))?.messageId).toBe('600000000000000000001');
    expect(new ReportStore(target).messageOf(count(sqlite, 'SELECT usage_id FROM reports'))).toEqual({ messageId: '600000000000000000003', channelId: CHANNEL });
    expect(new UsageLog(target).get(count(sqlite, 'SELECT MAX(id) FROM usage'))).toEqual(new UsageLog(sqlite).get(count(sqlite, 'SELECT MAX(id) FROM usage')));

    // reserve() at the quota edge and at the other limits: the same verdicts.
    const expected = verdicts(sqlite, NOW);
    expect(expected.map((verdict) => ('reason' in verdict ? verdict.reason : 'ok'))).toEqual(['ok', 'user_quota', 'cooldown', 'guild_monthly_budget']);
    expect(verdicts(target, NOW)).toEqual(expected);

    // Ids continue past the copied ones, and the triggers are back: a new attempt moves the all-time
    // totals and the day's spend; a new word comes after the copied ones and moves the settings counter.
    const lastId = count(target, 'SELECT MAX(id) FROM usage');
    const usage = new UsageLog(target);
    const { id } = usage.start({ source: 'discord', interactionId: '4000000000001000001', userId: U2, guildId: G2, channelId: CHANNEL, model: MODELS[1]!, prompt: 'after the move', startedAt: NOW });
    expect(id).toBeGreaterThan(lastId);
    usage.finish(id, { outcome: 'success', imageCount: 3, estimatedCost: 0.25, finishedAt: NOW + 1_000 });
    const ledger = new Ledger(target);
    const spentBefore = ledger.spent(G2, 'day', NOW);
    expect(ledger.reserve({ key: '4000000000001000001', guildId: G2, userId: U2, images: 3, cost: 0.25, limits: {}, now: NOW }).ok).toBe(true);
    expect(ledger.get('4000000000001000001')!.id).toBeGreaterThan(count(sqlite, 'SELECT MAX(id) FROM ledger'));
    expect(ledger.spent(G2, 'day', NOW)).toBeCloseTo(spentBefore + 0.25, 6);
    const totals = new UsageReports(target).guildReport({ guildId: G2, until: NOW + 1_000 }).total;
    const was = before.allTime[1]!.total;
    expect(totals).toEqual({ attempts: was.attempts + 1, failures: was.failures, images: was.images + 3, cost: Math.round((was.cost + 0.25) * 1e6) / 1e6 });
    const policy = new PolicyStore(target);
    policy.saveWord(G1, 'kiwi', { entry: 'kiwi', kind: 'word', addedBy: ADMIN, addedAt: NOW });
    expect(policy.blockedWords(G1).map((word) => word.entry)).toEqual(['zebra', 'apple', 'mango', 'b[a4]nana', 'kiwi']);
    expect(count(target, 'SELECT version FROM settings_version')).toBe(before.settingsVersion + 1);
    expect(new JobStore(target).create({ interactionId: '4000000000001000002', guildId: G1, userId: U1, model: MODELS[0]!, request: {}, usageId: null, now: NOW }).job.id).toBeGreaterThan(
      count(sqlite, 'SELECT MAX(id) FROM jobs'),
    );
    // No trigger was left disabled.
    expect(count(target, "SELECT COUNT(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal AND t.tgenabled = 'D'")).toBe(0);
  });

  it('refuses a database that is not empty, naming the table, and writes nothing', async () => {
    const sqlite = open(sqliteFile());
    await populate(sqlite, NOW, 45);
    const target = open(postgresUrl());
    new PolicyStore(target).saveRoleQuota(G2, { roleId: ROLE, dailyQuota: 1, updatedBy: ADMIN }, NOW);
    expect(() => copyToPostgres(sqlite, target, { now: NOW })).toThrow(CopyRefused);
    expect(() => copyToPostgres(sqlite, target, { now: NOW })).toThrow(/not empty: role_quota, settings_version \(not as a fresh database has it\) hold data/);
    expect(count(target, 'SELECT COUNT(*) FROM usage')).toBe(0);
    expect(count(target, 'SELECT COUNT(*) FROM role_quota')).toBe(1);
    expect(count(target, "SELECT COUNT(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal AND t.tgenabled = 'D'")).toBe(0);

    // A copy that fails half way (a value PostgreSQL cannot hold) commits nothing.
    const fresh = open(postgresUrl());
    sqlite.prepare('UPDATE usage SET prompt = ? WHERE id = (SELECT MAX(id) FROM usage)').run('nul \u0000 inside');
    expect(() => copyToPostgres(sqlite, fresh, { now: NOW })).toThrow(/usage\.prompt holds text with a NUL character/);
    for (const table of ['usage', 'ledger', 'guild_policy', 'usage_guild_totals']) expect(count(fresh, `SELECT COUNT(*) FROM ${table}`), table).toBe(0);
  });

  it('refuses a SQLite file holding unfinished requests (a crash, or a bot still running), and writes nothing', async () => {
    const sqlite = open(sqliteFile());
    await populate(sqlite, NOW, 45, { openRequest: true });
    const target = open(postgresUrl());
    expect(() => copyToPostgres(sqlite, target, { now: NOW })).toThrow(CopyRefused);
    expect(() => copyToPostgres(sqlite, target, { now: NOW })).toThrow(
      /not finished \(1 jobs queued or running, 1 attempts pending, 1 reservations open\).*start it once more on SQLite/,
    );
    for (const table of ['usage', 'ledger', 'jobs']) expect(count(target, `SELECT COUNT(*) FROM ${table}`), table).toBe(0);
  });

  describe('the command (npm run db:copy), as a child process', () => {
    const dirs: string[] = [];
    afterAll(() => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });
    /** The built entry point as `npm run db:copy` runs it, from an empty folder (no .env). */
    const dbCopy = async (env: Record<string, string>, ...args: string[]) => {
      const cwd = mkdtempSync(join(tmpdir(), 'imagine-copy-'));
      dirs.push(cwd);
      try {
        const { stdout, stderr } = await run(process.execPath, [COPY_JS, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
      }
    };

    it('copies, prints a line per table and a summary, then refuses to copy twice', async () => {
      const path = sqliteFile();
      const sqlite = openDatabase(path);
      await populate(sqlite, Date.now(), 45);
      const expected = readings(sqlite, Date.now());
      const tables = sqlite.prepare("SELECT name, 0 AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>;
      const rows = new Map(tables.map(({ name }) => [name, count(sqlite, `SELECT COUNT(*) FROM ${name}`)]));
      sqlite.close();
      const url = postgresUrl();

      const copied = await dbCopy({ DATABASE_PATH: path, DATABASE_URL: url });
      expect(copied.stderr).toBe('');
      expect(copied.code).toBe(0);
      const lines = copied.stdout.trim().split('\n');
      expect(lines).toHaveLength(rows.size + 1);
      for (const line of lines.slice(0, -1)) {
        const match = /^table (\S+) +(\d+) rows$/.exec(line);
        expect(match, line).not.toBeNull();
        expect(Number(match![2]), line).toBe(rows.get(match![1]!));
      }
      const total = [...rows.values()].reduce((sum, n) => sum + n, 0);
      expect(lines.at(-1)).toMatch(
        new RegExp(`^copied ${rows.size} tables, ${total} rows from ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} to postgres://\\S+ \\(schema version \\d+\\) in [\\d.]+ s \\(\\d+ rows/s\\); checked: every table's row count and column sums, and the all-time usage and day and month spend of 2 servers$`),
      );
      const target = open(url);
      const after = readings(target, Date.now());
      expect(after).toEqual(expected);

      const again = await dbCopy({ DATABASE_PATH: path }, url);
      expect(again.code).toBe(1);
      expect(again.stdout).toBe('');
      expect(again.stderr).toMatch(/^copy refused, nothing written: the PostgreSQL database is not empty: .*\busage\b.* hold data\. .*\n$/);
      expect(count(target, 'SELECT COUNT(*) FROM usage')).toBe(rows.get('usage'));
    });

    it('names a wrong URL without its password; usage and settings mistakes exit 2', async () => {
      const path = sqliteFile();
      openDatabase(path).close();
      const secret = 'Sup3r-Secret-Passw0rd';
      const wrong = await dbCopy({ DATABASE_PATH: path }, `postgres://imagine:${secret}@127.0.0.1:1/imagine`);
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toBe('');
      expect(wrong.stderr).toContain('postgres://imagine@127.0.0.1:1/imagine');
      expect(wrong.stderr).toMatch(/^copy failed, nothing committed: Cannot open the PostgreSQL database/);
      expect(wrong.stderr + wrong.stdout).not.toContain(secret);

      const noTarget = await dbCopy({ DATABASE_PATH: path });
      expect(noTarget).toMatchObject({ code: 2, stdout: '' });
      expect(noTarget.stderr).toMatch(/^name the PostgreSQL database to copy into/);
      const notPostgres = await dbCopy({ DATABASE_PATH: path }, `mysql://imagine:${secret}@db/imagine`);
      expect(notPostgres.code).toBe(2);
      expect(notPostgres.stderr).not.toContain(secret);
      const noFile = await dbCopy({ DATABASE_PATH: join(tmpdir(), 'no-such-dir-imagine', 'bot.sqlite') }, 'postgres://imagine@127.0.0.1:1/imagine');
      expect(noFile.code).toBe(2);
      expect(noFile.stderr).toMatch(/^DATABASE_PATH .* does not exist/);
      const help = await dbCopy({}, '--help');
      expect(help).toMatchObject({ code: 0, stderr: '' });
      expect(help.stdout).toMatch(/^usage: npm run db:copy \[-- <postgres url>\]\n[\s\S]*Stop the bot first/);
      expect((await dbCopy({}, 'a', 'b')).code).toBe(2);
    });
  });
});
