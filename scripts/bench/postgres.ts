// PostgreSQL beside SQLite (issue 15), in one run on a throwaway cluster (scripts/postgresCluster.ts):
// - the acknowledgement burst of `ack`, the real bot process once on SQLite (DATABASE_PATH) and once
//   on PostgreSQL (DATABASE_URL, which also turns on the shared queue), trials alternating;
// - the ledger's writes (reserve, commit, usage start + finish) and two reads (/usage, the admin
//   report for the month) through the real classes on the same seeded history in both databases.
// Every statement to PostgreSQL is a round trip through the adapter's worker thread and the loopback
// socket, where SQLite reads pages in the process: these rows say what sharing the state costs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { periodStart } from '../../commands/imagineAdmin/period.js';
import { openDatabase, PgDatabase, UsageReports, type Database } from '../../src/storage/index.js';
import { findPostgresBin, startPostgresCluster, type PostgresCluster } from '../postgresCluster.js';
import { ackTrial, middle, type Trial } from './ack.js';
import { timeWrites } from './ledger.js';
import { guildId, pickUser, prng, seedHistory, userId } from './ledgerSeed.js';
import type { Benchmark, BenchOptions, Row } from './report.js';
import { ms, ratio, summarise } from './stats.js';

const TRIALS = 3;
const USERS = 200;
const GUILDS = 10;
const DAYS = 60;
const NOW = Date.UTC(2026, 10, 20, 18, 0, 0);

type Kind = 'SQLite' | 'PostgreSQL';

/**
 * A new empty schema in the cluster, for one bot process or one seeded history, and a URL whose
 * connections use it (search_path in the URL's options, as the tests do): a schema is made in
 * milliseconds, and CREATE DATABASE cannot run in the adapter's transactions.
 */
function createDatabase(cluster: PostgresCluster, name: string): string {
  const admin = new PgDatabase(cluster.url);
  try {
    admin.exec(`CREATE SCHEMA ${name}`);
  } finally {
    admin.close();
  }
  const url = new URL(cluster.url);
  url.searchParams.set('options', `-c search_path=${name}`);
  return url.toString();
}

const pair = (samples: number[]) => {
  const s = summarise(samples);
  return { p50: s.p50, p99: s.p99, text: `${ms(s.p50)} / ${ms(s.p99)}` };
};

async function ackRows(cluster: PostgresCluster, quick: boolean, say: (line: string) => void): Promise<Row[]> {
  const count = quick ? 40 : 200;
  const trials: Record<Kind, Trial[]> = { SQLite: [], PostgreSQL: [] };
  for (let i = 0; i < (quick ? 1 : TRIALS); i++) {
    say(`postgres: ack burst ${i + 1}, the bot on SQLite`);
    trials.SQLite.push(await ackTrial('bot', count, say));
    say(`postgres: ack burst ${i + 1}, the bot on PostgreSQL`);
    trials.PostgreSQL.push(await ackTrial('bot', count, say, { DATABASE_URL: createDatabase(cluster, `bench_ack_${i}`) }));
  }
  const p = (kind: Kind, which: 'p50' | 'p99') => middle(trials[kind].map((t) => summarise(t.latencies)[which]));
  const lost = (kind: Kind) => trials[kind].reduce((n, t) => n + t.missing + t.notDeferred, 0);
  return [
    { bench: 'postgres', figure: `ack burst of ${count}: SQLite p50 / p99 (median of ${trials.SQLite.length})`, value: `${ms(p('SQLite', 'p50'))} / ${ms(p('SQLite', 'p99'))}` },
    { bench: 'postgres', figure: 'ack burst: PostgreSQL p50 / p99', value: `${ms(p('PostgreSQL', 'p50'))} / ${ms(p('PostgreSQL', 'p99'))}` },
    { bench: 'postgres', figure: '  p99 of each PostgreSQL trial', value: trials.PostgreSQL.map((t) => ms(summarise(t.latencies).p99)).join(' / ') },
    { bench: 'postgres', figure: 'ack p99 PostgreSQL / SQLite', value: ratio(p('PostgreSQL', 'p99'), p('SQLite', 'p99')) },
    {
      bench: 'postgres',
      figure: 'not deferred or no callback (SQLite / PostgreSQL)',
      value: `${lost('SQLite')} / ${lost('PostgreSQL')}`,
      target: '0 / 0',
      pass: lost('SQLite') === 0 && lost('PostgreSQL') === 0,
    },
  ];
}

interface LedgerFigures {
  seedMs: number;
  reserve: number[];
  commit: number[];
  usage: number[];
  summary: number[];
  report: number[];
}

function ledgerFigures(db: Database, history: number, ops: number): LedgerFigures {
  let started = performance.now();
  seedHistory(db, { rows: history, users: USERS, guilds: GUILDS, days: DAYS, now: NOW });
  const seedMs = performance.now() - started;
  const random = prng(7);
  const writes = timeWrites(db, ops, NOW, random, USERS, GUILDS);
  if (writes.refused > 0) throw new Error(`${writes.refused} reservations refused: the benchmark's limits are meant never to refuse`);
  const reports = new UsageReports(db);
  const time = (n: number, op: () => void) =>
    Array.from({ length: n }, () => {
      started = performance.now();
      op();
      return performance.now() - started;
    });
  const since = periodStart('month', NOW);
  return {
    seedMs,
    ...writes,
    summary: time(Math.ceil(ops / 4), () => reports.summary({ userId: userId(pickUser(random, USERS)), now: NOW })),
    report: time(Math.ceil(ops / 10), () =>
      reports.guildReport({ guildId: guildId(Math.floor(random() * GUILDS)), until: NOW, ...(since === undefined ? {} : { since }) }, 10),
    ),
  };
}

async function ledgerRows(cluster: PostgresCluster, quick: boolean, say: (line: string) => void): Promise<Row[]> {
  const history = quick ? 10_000 : 100_000;
  const ops = quick ? 200 : 1_000;
  const dir = await mkdtemp(join(tmpdir(), 'imagine-bench-pg-'));
  const figures = {} as Record<Kind, LedgerFigures>;
  try {
    for (const kind of ['SQLite', 'PostgreSQL'] as const) {
      say(`postgres: ledger on ${kind}: ${history.toLocaleString('en')} usage rows, then ${ops} requests' writes`);
      const db = openDatabase(kind === 'SQLite' ? join(dir, 'ledger.sqlite') : createDatabase(cluster, 'bench_ledger'));
      try {
        figures[kind] = ledgerFigures(db, history, ops);
      } finally {
        db.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const row = (figure: string, pick: (f: LedgerFigures) => number[]): Row => {
    const lite = pair(pick(figures.SQLite));
    const pg = pair(pick(figures.PostgreSQL));
    return { bench: 'postgres', figure: `${figure} p50 / p99: SQLite | PostgreSQL (p99 ratio)`, value: `${lite.text} | ${pg.text} (${ratio(pg.p99, lite.p99)})` };
  };
  return [
    { bench: 'postgres', figure: `ledger history: ${history.toLocaleString('en')} usage rows, ${USERS} users, ${GUILDS} guilds`, value: `filled in ${ms(figures.SQLite.seedMs)} | ${ms(figures.PostgreSQL.seedMs)}` },
    row('Ledger.reserve (all limits)', (f) => f.reserve),
    row('Ledger.commit', (f) => f.commit),
    row('UsageLog.start + finish', (f) => f.usage),
    row('/usage UsageReports.summary', (f) => f.summary),
    row('admin usage month: guildReport', (f) => f.report),
  ];
}

async function run({ quick, say }: BenchOptions): Promise<Row[]> {
  if (!findPostgresBin()) return [{ bench: 'postgres', figure: 'skipped: PostgreSQL is not installed (apt-get install postgresql)', value: '-' }];
  say('postgres: starting a throwaway PostgreSQL cluster');
  const cluster = await startPostgresCluster();
  try {
    return [...(await ledgerRows(cluster, quick, say)), ...(await ackRows(cluster, quick, say))];
  } finally {
    cluster.stop();
  }
}

export const postgresBenchmark: Benchmark = { name: 'postgres', title: 'PostgreSQL beside SQLite: the ack burst and the ledger', run };
