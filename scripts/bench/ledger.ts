// The ledger and the usage views at a million usage rows: a temporary SQLite file made by the real
// openDatabase (real migrations and pragmas), filled by ledgerSeed.ts, then timed through the real
// classes: Ledger.reserve/commit (every /imagine, before the deferral), UsageLog.start/finish (every
// attempt; the triggers keeping the usage totals run in them), UsageReports.summary (/usage),
// UsageReports.guildReport and guildRows + the CSV line (/imagine-admin usage and export), Ledger.spent
// (/imagine-admin show). The database is closed and opened again before timing, as a bot start
// would; the OS page cache stays warm. No ANALYZE is run: the bot never runs it either.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { usageCsvLine } from '../../commands/imagineAdmin/csv.js';
import { periodStart } from '../../commands/imagineAdmin/period.js';
import { openDatabase, type Database } from '../../src/storage/database.js';
import { Ledger } from '../../src/storage/ledger.js';
import { UsageLog } from '../../src/storage/usageLog.js';
import { UsageReports } from '../../src/storage/usageReports.js';
import { guildId, pickUser, prng, seedHistory, snowflake, userId } from './ledgerSeed.js';
import type { Benchmark, BenchOptions, Row } from './report.js';
import { mib, ms, summarise } from './stats.js';

/** A query slower than this at p99 is reported as slow. */
const SLOW_P99_MS = 50;
const USERS = 1_000;
const GUILDS = 20;
const DAYS = 90;
/**
 * The clock of the whole benchmark: 18:00 UTC on the 20th, so "today" and "this month" hold the
 * same share of the history whatever day it runs (at 00:05 UTC on the 1st, both would be nearly empty).
 */
const NOW = Date.UTC(2026, 10, 20, 18, 0, 0);

function time(ops: number, op: (index: number) => void): number[] {
  const samples: number[] = [];
  for (let i = 0; i < ops; i++) {
    const started = performance.now();
    op(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

function queryRows(figure: string, samples: number[]): Row[] {
  const s = summarise(samples);
  return [
    {
      bench: 'ledger',
      figure: `${figure} p50 / p99 (n=${s.n})`,
      value: `${ms(s.p50)} / ${ms(s.p99)}`,
      target: `p99 < ${SLOW_P99_MS} ms`,
      pass: s.p99 < SLOW_P99_MS,
    },
  ];
}

/** Samples (ms) of the writes every /imagine makes, through the real classes. */
export interface WriteSamples {
  reserve: number[];
  commit: number[];
  usage: number[];
  /** Reservations refused (should be none: every limit is far above what is spent). */
  refused: number;
}

/**
 * `count` requests' writes on `db`: Ledger.reserve with every limit set (so each of its queries
 * runs: budgets far above what is spent, a 1 ms cooldown on a clock advancing 1 ms per op), then
 * Ledger.commit, then the usage row's start + finish. The rows start after `now`, the `until` of the
 * reports, so they change none of the reports' figures (the all-time report takes such rows back out).
 */
export function timeWrites(db: Database, count: number, now: number, random: () => number, users: number, guilds: number): WriteSamples {
  const ledger = new Ledger(db);
  const usage = new UsageLog(db);
  const samples: WriteSamples = { reserve: [], commit: [], usage: [], refused: 0 };
  for (let i = 0; i < count; i++) {
    const user = pickUser(random, users);
    const at = now + i;
    const key = snowflake(at, 4_000_000 + i);
    let t = performance.now();
    const result = ledger.reserve({
      key,
      guildId: guildId(user % guilds),
      userId: userId(user),
      images: 1,
      cost: 0.03,
      now: at,
      limits: { userDailyImages: 10_000, cooldownMs: 1, guildDailyBudget: 100_000, guildMonthlyBudget: 1_000_000 },
    });
    samples.reserve.push(performance.now() - t);
    if (!result.ok) {
      samples.refused++;
      continue;
    }
    t = performance.now();
    ledger.commit(key, { images: 1, cost: 0.03 }, at + 1);
    samples.commit.push(performance.now() - t);
    t = performance.now();
    const { id } = usage.start({
      interactionId: key,
      source: 'discord',
      userId: userId(user),
      guildId: guildId(user % guilds),
      channelId: snowflake(now, 1_000_000 + (user % 7)),
      model: 'gpt-image-2',
      params: { quality: 'high' },
      prompt: 'a lighthouse on a cliff at dusk, warm light',
      startedAt: at,
    });
    usage.finish(id, { outcome: 'success', imageCount: 1, estimatedCost: 0.03, bytes: 2_000_000, finishedAt: at + 1 });
    samples.usage.push(performance.now() - t);
  }
  return samples;
}

async function run({ quick, say }: BenchOptions): Promise<Row[]> {
  const rows = quick ? 100_000 : 1_000_000;
  const scale = quick ? 0.2 : 1;
  const ops = (n: number) => Math.max(5, Math.round(n * scale));
  const dir = await mkdtemp(join(tmpdir(), 'imagine-bench-ledger-'));
  const path = join(dir, 'ledger.sqlite');
  const now = NOW;
  try {
    say(`ledger: writing ${rows.toLocaleString('en')} usage rows (and their ledger rows)`);
    let started = performance.now();
    const seeding = openDatabase(path);
    seedHistory(seeding, { rows, users: USERS, guilds: GUILDS, days: DAYS, now });
    seeding.pragma('wal_checkpoint(TRUNCATE)');
    seeding.close();
    const seedMs = performance.now() - started;
    const size = (await stat(path)).size;

    const db = openDatabase(path);
    const ledger = new Ledger(db);
    const reports = new UsageReports(db);
    const random = prng(7);
    const out: Row[] = [
      { bench: 'ledger', figure: `database: ${rows.toLocaleString('en')} usage rows, ${USERS} users, ${GUILDS} guilds, ${DAYS} days`, value: mib(size) },
      { bench: 'ledger', figure: 'filling it (one transaction, not the bot)', value: ms(seedMs) },
    ];
    const ledgerRows = db.prepare('SELECT COUNT(*) FROM ledger').pluck().get() as number;
    out.push({ bench: 'ledger', figure: '  ledger rows', value: ledgerRows.toLocaleString('en') });

    say('ledger: reserve + commit, usage start + finish');
    const { reserve: reserveMs, commit: commitMs, usage: usageMs, refused } = timeWrites(db, ops(2_000), now, random, USERS, GUILDS);
    out.push(
      ...queryRows('Ledger.reserve (all limits)', reserveMs),
      ...queryRows('Ledger.commit', commitMs),
      ...queryRows('UsageLog.start + finish', usageMs),
    );
    if (refused > 0) out.push({ bench: 'ledger', figure: '  reservations refused (should be 0)', value: String(refused) });

    say('ledger: /usage summary');
    const heaviest = userId(0);
    out.push(
      ...queryRows('/usage UsageLog.summary', time(ops(500), () => reports.summary({ userId: userId(pickUser(random, USERS)), now }))),
      ...queryRows('  busiest member (3 % of rows)', time(ops(50), () => reports.summary({ userId: heaviest, now }))),
    );

    say('ledger: admin usage report');
    for (const period of ['today', 'week', 'month', 'all'] as const) {
      const since = periodStart(period, now);
      const n = period === 'all' ? ops(50) : ops(100);
      out.push(
        ...queryRows(
          `admin usage ${period}: guildReport`,
          time(n, () => reports.guildReport({ guildId: guildId(Math.floor(random() * GUILDS)), until: now, ...(since === undefined ? {} : { since }) }, 10)),
        ),
      );
    }
    say('ledger: admin export');
    let exported = 0;
    const monthSince = periodStart('month', now);
    out.push(
      ...queryRows(
        'admin export month: guildRows + CSV',
        time(ops(20), () => {
          exported = 0;
          for (const row of reports.guildRows({ guildId: guildId(Math.floor(random() * GUILDS)), until: now, ...(monthSince === undefined ? {} : { since: monthSince }) })) {
            usageCsvLine(row);
            exported++;
          }
        }),
      ),
    );
    out.push({ bench: 'ledger', figure: '  rows in the last export', value: exported.toLocaleString('en') });
    out.push(...queryRows('admin show: Ledger.spent day + month', time(ops(200), () => {
      const guild = guildId(Math.floor(random() * GUILDS));
      ledger.spent(guild, 'day', now);
      ledger.spent(guild, 'month', now);
    })));
    db.close();
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const ledgerBenchmark: Benchmark = { name: 'ledger', title: 'ledger at a million usage rows', run };
