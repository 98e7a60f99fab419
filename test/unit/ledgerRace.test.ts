// The ledger's reserve is atomic across PROCESSES (issue 15): eight child processes, each with its own
// connection to one database (a SQLite file; a PostgreSQL schema), release their reservations at the
// same instant against the same limits, and exactly the limit is granted, never more:
// - one member, userDailyImages 20: 80 requests of 1 image → 20 granted;
// - one server, guildDailyBudget $1: 80 requests of $0.07 from 80 members → 14 granted ($0.98);
// - one interaction key asked by every request → one new reservation, 79 `existing`.
// A request refused as busy (another process held the write lock past the busy timeout) is asked
// again, as the member would be told to: it is counted, and it never turns into a second charge.
//
// The children run the compiled storage layer (dist/, built by test/globalSetup.ts unless
// SKIP_BUILD=1), as the CLI and bot-process tests run the compiled entry points.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../src/storage/index.js';
import { REPO_ROOT } from '../helpers/botProcess.js';
import { databasesClosedAfterEach, TEST_DATABASES } from '../helpers/databases.js';
import { makeTempDir, removeTempDirs, writeTempFile } from '../helpers/tempFiles.js';

const STORAGE_JS = join(REPO_ROOT, 'dist/src/storage/index.js');
const PROCESSES = 8;
const PER_PROCESS = 10;
// 2025-03-15 12:00 UTC
const NOW = Date.UTC(2025, 2, 15, 12);

interface Outcome {
  quota: boolean;
  budget: boolean;
  duplicateNew: boolean;
}

interface ChildReport {
  results: Outcome[];
  /** Busy refusals that were asked again. */
  busy: number;
  /** From the go signal to the last reservation. */
  ms: number;
}

// One racing process: open its own connection, say "ready", wait for the start on stdin, reserve.
const CHILD = `
const { storage, location, index, perProcess, now } = JSON.parse(process.env.LEDGER_RACE);
const { isDatabaseBusy, Ledger, openDatabase } = await import(storage);
const db = openDatabase(location);
const ledger = new Ledger(db);
let busy = 0;
const reserve = (request) => {
  for (;;) {
    try {
      return ledger.reserve({ ...request, images: 1, now });
    } catch (error) {
      if (!isDatabaseBusy(error)) throw error;
      busy += 1;
    }
  }
};
process.stdout.write('ready\\n');
// The parent names a start instant a little ahead; spinning to it lines the processes up within a
// fraction of a millisecond, closer than the delivery of a message to each would.
const startAt = Number(await new Promise((resolve) => process.stdin.once('data', resolve)));
while (Date.now() < startAt);
const started = performance.now();
const results = [];
for (let i = 0; i < perProcess; i++) {
  const quota = reserve({ key: 'q-' + index + '-' + i, guildId: 'g', userId: 'same-user', cost: 0.01, limits: { userDailyImages: 20 } });
  const budget = reserve({ key: 'b-' + index + '-' + i, guildId: 'g2', userId: 'user-' + index + '-' + i, cost: 0.07, limits: { guildDailyBudget: 1 } });
  const duplicate = reserve({ key: 'same-key', guildId: 'g3', userId: 'u', cost: 0.01, limits: {} });
  results.push({ quota: quota.ok, budget: budget.ok, duplicateNew: duplicate.ok && !duplicate.existing });
}
const ms = performance.now() - started;
db.close();
process.stdout.write(JSON.stringify({ results, busy, ms }) + '\\n');
process.stdin.destroy();
`;

interface Racer {
  ready: Promise<void>;
  /** Tells the racer to start at `at` (epoch ms). */
  go(at: number): void;
  report: Promise<ChildReport>;
}

function startRacer(script: string, location: string, index: number): Racer {
  const config = { storage: pathToFileURL(STORAGE_JS).href, location, index, perProcess: PER_PROCESS, now: NOW };
  // A file, not `node --input-type=module -e`: worker threads inherit execArgv, and the PostgreSQL
  // adapter's CommonJS worker source would then be read as a module.
  const child = spawn(process.execPath, [script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', LEDGER_RACE: JSON.stringify(config) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const report = new Promise<ChildReport>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      if (code !== 0 || line === undefined) reject(new Error(`racer ${index} exited ${code}: ${stderr || stdout}`));
      else resolve(JSON.parse(line) as ChildReport);
    });
  });
  // A child that dies before "ready" must fail the test, not hang it.
  void report.catch(() => markReady());
  return { ready, go: (at) => child.stdin.end(`${at}\n`), report };
}

const databases = databasesClosedAfterEach();
afterEach(removeTempDirs);

describe.each(TEST_DATABASES)('Ledger.reserve raced by processes (%s)', (kind) => {
  it(`grants exactly the limits to ${PROCESSES} processes × ${PER_PROCESS} requests racing at the edge`, async () => {
    expect(existsSync(STORAGE_JS), `${STORAGE_JS} is missing: run npm run -s build`).toBe(true);
    const location = databases.sharedLocation(kind);
    // Created and migrated once, so the racers only connect.
    const check = databases.connect(location);

    const script = writeTempFile(makeTempDir('imagine-race-'), 'racer.mjs', CHILD);
    const racers = Array.from({ length: PROCESSES }, (_, index) => startRacer(script, location, index));
    await Promise.all(racers.map((racer) => racer.ready));
    const startAt = Date.now() + 200;
    for (const racer of racers) racer.go(startAt);
    const reports = await Promise.all(racers.map((racer) => racer.report));
    const results = reports.flatMap((report) => report.results);

    expect(results).toHaveLength(PROCESSES * PER_PROCESS);
    expect(results.filter((r) => r.quota)).toHaveLength(20);
    expect(results.filter((r) => r.budget)).toHaveLength(14); // 14 × 0.07 = 0.98 ≤ 1 < 15 × 0.07
    expect(results.filter((r) => r.duplicateNew)).toHaveLength(1);
    // The rows agree with the answers: nothing was granted that the ledger does not hold, or more.
    const ledger = new Ledger(check);
    expect(ledger.userImagesToday('g', 'same-user', NOW)).toBe(20);
    expect(ledger.spent('g2', 'day', NOW)).toBeCloseTo(0.98, 9);
    expect(check.prepare("SELECT COUNT(*) FROM ledger WHERE guild_id = 'g3'").pluck().get()).toBe(1);

    // How much the processes really interleaved: in the order the rows were written, how often the
    // next row came from another process (a run one process after another would give at most 7).
    const writers = check
      .prepare<[], string>("SELECT key FROM ledger WHERE key <> 'same-key' ORDER BY id")
      .pluck()
      .all()
      .map((key) => key.split('-')[1]);
    const switches = writers.filter((writer, i) => i > 0 && writer !== writers[i - 1]).length;
    const slowest = Math.max(...reports.map((report) => report.ms));
    const busy = reports.reduce((sum, report) => sum + report.busy, 0);
    console.log(
      `ledger race (${kind}): ${PROCESSES} processes × ${PER_PROCESS * 3} reserves in ${Math.round(slowest)} ms ` +
        `(${Math.round((PROCESSES * PER_PROCESS * 3 * 1000) / slowest)} reserves/s), ${busy} busy retries, ` +
        `${switches} switches between processes in ${writers.length} rows; granted 20/80 quota, 14/80 budget, 1 new duplicate key`,
    );
  });
});
