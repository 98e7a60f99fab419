// `npm run backup` against the real bot process while it writes: a burst of /imagine from many
// members on a slow relay keeps reservations, usage rows, jobs and settlements coming, and the
// backup entry point (what the npm script runs) copies the database three times meanwhile. Each copy
// passes integrity_check, has the live schema version, says so in its one line, and is one moment
// of the bot's history: every request in it is whole (a finished attempt has its settled charge
// and its finished job; an unfinished one its open reservation), and a charge without its usage row
// is only a reservation between the acknowledgement and its rows. Then the copy is restored into a
// new world as the README says (stop, copy over DATABASE_PATH, remove -wal/-shm, start): the bot
// closes the requests the copy caught in flight and serves on it.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser, InteractionHandle } from './fakes/discord/index.js';
import { REPO_ROOT } from './helpers/botProcess.js';
import { startWorld, waitSettled, type World } from './helpers/world.js';

const run = promisify(execFile);
const BACKUP_JS = `${REPO_ROOT}dist/src/cli/backup.js`;
const MEMBERS = 24;
const LINE = /^backup (.+): ([\d.]+ (?:bytes|KiB|MiB|GiB)), schema version (\d+), (\d+) usage rows, (\d+) ledger rows, integrity ok$/;

type Row = Record<string, unknown>;

function member(index: number): FakeUser {
  return { id: `5100000000000${String(10000 + index)}`, username: `member${index}` };
}

function imagine(world: World, user: FakeUser, prompt: string): InteractionHandle {
  return world.discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: prompt }], user });
}

/** The backup entry point as `npm run backup [-- dest]` runs it, with the world's DATABASE_PATH. */
async function backup(world: World, destination?: string): Promise<{ line: string; path: string; usage: number; ledger: number; version: number }> {
  const { stdout, stderr } = await run(process.execPath, [BACKUP_JS, ...(destination ? [destination] : [])], {
    cwd: world.dir,
    env: { PATH: process.env.PATH ?? '', DATABASE_PATH: world.dbPath },
  });
  expect(stderr).toBe('');
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1);
  const match = LINE.exec(lines[0]!);
  expect(match, lines[0]).not.toBeNull();
  const [, path, , version, usage, ledger] = match!;
  return { line: lines[0]!, path: path!, version: Number(version), usage: Number(usage), ledger: Number(ledger) };
}

function readOnly<T>(path: string, read: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const liveVersion = (world: World): number => readOnly(world.dbPath, (db) => db.pragma('user_version', { simple: true }) as number);

/** What a copy must hold to be one moment of the bot's history; returns its unfinished requests. */
function expectWholeRequests(path: string): { pending: number; reservedAlone: number; usage: Row[] } {
  return readOnly(path, (db) => {
    const usage = db.prepare('SELECT * FROM usage ORDER BY id').all() as Row[];
    const ledger = new Map((db.prepare('SELECT * FROM ledger').all() as Row[]).map((row) => [row.key as string, row]));
    const jobs = new Map((db.prepare('SELECT * FROM jobs').all() as Row[]).map((row) => [row.interaction_id as string, row]));
    let pending = 0;
    for (const row of usage) {
      const key = row.interaction_id as string;
      const charge = ledger.get(key);
      const job = jobs.get(key);
      // Every /imagine here got past admission: its charge and its job were written with it.
      expect(charge, `ledger row of ${key}`).toBeDefined();
      expect(job, `job row of ${key}`).toBeDefined();
      expect(job!.usage_id).toBe(row.id);
      if (row.outcome === 'pending') {
        pending += 1;
        expect(charge!.state).toBe('reserved');
        expect(['queued', 'running']).toContain(job!.state);
      } else {
        expect(charge!.state).not.toBe('reserved');
        expect(charge!.settled_at).not.toBeNull();
        expect(['delivered', 'failed', 'cancelled', 'interrupted']).toContain(job!.state);
        // The usage row records what the ledger charges (schema/ledger.ts: money in millionths).
        const charged = charge!.state === 'refunded' ? 0 : (charge!.cost_micros as number) / 1e6;
        expect(row.estimated_cost).toBeCloseTo(charged, 6);
      }
    }
    const logged = new Set(usage.map((row) => row.interaction_id));
    const alone = [...ledger.values()].filter((row) => !logged.has(row.key));
    // A charge with no usage row: reserved, its rows not yet written (the acknowledgement is on its way).
    for (const row of alone) expect(row.state, `ledger row ${String(row.key)} without its usage row`).toBe('reserved');
    for (const key of jobs.keys()) expect(logged.has(key), `job ${key} without its usage row`).toBe(true);
    return { pending, reservedAlone: alone.length, usage };
  });
}

describe('npm run backup while the bot writes', () => {
  let world: World;
  let restored: World | undefined;
  beforeAll(async () => {
    // Each generation takes 1.5 s and four run at once: the burst keeps the bot writing for seconds.
    world = await startWorld({ relay: { latencyMs: 1_500 } });
  });
  afterAll(async () => {
    await restored?.close();
    await world?.close();
  });

  it('three copies taken mid-burst are whole and consistent; one restored into a new world serves again', { timeout: 120_000 }, async () => {
    // A finished request first, so the copies hold settled rows as well as open ones.
    const first = imagine(world, member(0), 'a lighthouse at dusk');
    await first.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(world, first.id);

    const burst = Array.from({ length: MEMBERS }, (_, index) => imagine(world, member(index + 1), `a paper boat number ${index + 1}`));
    await Promise.all(burst.map((handle) => handle.waitForCallback(3_000)));

    const dir = join(dirname(world.dbPath), 'backups');
    const copies = [];
    copies.push(await backup(world)); // the default destination
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    copies.push(await backup(world, join(world.dir, 'mid-burst.sqlite')));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    copies.push(await backup(world, join(world.dir, 'later.sqlite')));

    expect(copies[0]!.path).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/bot-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ\\.sqlite$`));
    const version = liveVersion(world);
    const wholes = copies.map((copy) => {
      // The line tells the truth about the file.
      expect(statSync(copy.path).size).toBeGreaterThan(0);
      readOnly(copy.path, (db) => {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(db.pragma('user_version', { simple: true })).toBe(version);
        expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
        expect(db.prepare('SELECT COUNT(*) FROM usage').pluck().get()).toBe(copy.usage);
        expect(db.prepare('SELECT COUNT(*) FROM ledger').pluck().get()).toBe(copy.ledger);
      });
      expect(copy.version).toBe(version);
      // One self-contained file: no -wal, -shm or half-written file beside it.
      expect(readdirSync(dirname(copy.path)).filter((name) => name.includes('.partial') || /-(wal|shm|journal)$/.test(name))).toEqual([]);
      return expectWholeRequests(copy.path);
    });

    // The copies caught the bot mid-work: the first holds requests still running, the burst kept
    // finishing between copies, and the live file went on past the last one.
    expect(wholes[0]!.pending).toBeGreaterThan(0);
    expect(copies.map((copy) => copy.usage)).toEqual([...copies.map((copy) => copy.usage)].sort((a, b) => a - b));
    const finished = wholes.map((whole) => whole.usage.filter((row) => row.outcome !== 'pending').length);
    expect(finished[2]).toBeGreaterThan(finished[0]!);
    for (const handle of burst) await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 60_000);
    for (const handle of burst) await waitSettled(world, handle.id);
    expect(world.usageRows().filter((row) => row.outcome === 'success')).toHaveLength(MEMBERS + 1);

    // Restore the first copy (requests in flight) into a new world as the README says; this one
    // prunes with a retention too (nothing in the copy is old enough to go).
    const copy = copies[0]!;
    restored = await startWorld({ env: { USAGE_RETENTION_DAYS: '40' } });
    await restored.bot.stop('SIGTERM');
    for (const suffix of ['', '-wal', '-shm']) rmSync(restored.dbPath + suffix, { force: true });
    copyFileSync(copy.path, restored.dbPath);
    await restored.restartBot();
    // The requests the copy caught in flight are closed at start (as after a crash), once each.
    expect(restored.bot.logs.some((line) => line.includes('closed requests left open by a previous run'))).toBe(true);
    readOnly(restored.dbPath, (db) => {
      expect(db.prepare("SELECT COUNT(*) FROM usage WHERE outcome = 'pending'").pluck().get()).toBe(0);
      expect(db.prepare("SELECT COUNT(*) FROM ledger WHERE state = 'reserved'").pluck().get()).toBe(0);
      expect(db.prepare('SELECT COUNT(*) FROM usage').pluck().get()).toBe(copy.usage);
    });
    const pruned = JSON.parse(await restored.bot.waitForLog(/pruned usage detail past the retention/)) as Row;
    expect(pruned).toMatchObject({ level: 'info', retentionDays: 40, usage: 0, jobs: 0, ledger: 0 });
    const after = imagine(restored, member(0), 'a lighthouse at dawn');
    expect((await after.waitForCallback(3_000)).type).toBe(5);
    await after.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(restored, after.id);
    expect(restored.usageRows()).toHaveLength(copy.usage + 1);
    expect(existsSync(copy.path)).toBe(true);
  });

  it('a wrong DATABASE_PATH is one line naming it (exit 2); the database itself is refused as a destination (exit 1)', async () => {
    const missing = join(world.dir, 'nowhere', 'bot.sqlite');
    const error = await run(process.execPath, [BACKUP_JS], { cwd: world.dir, env: { PATH: process.env.PATH ?? '', DATABASE_PATH: missing } }).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 2, stdout: '', stderr: `DATABASE_PATH ${missing} does not exist: point it at the bot's SQLite file (the bot creates it on its first start)\n` });
    const itself = await run(process.execPath, [BACKUP_JS, world.dbPath], { cwd: world.dir, env: { PATH: process.env.PATH ?? '', DATABASE_PATH: world.dbPath } }).catch((failure: unknown) => failure);
    expect(itself).toMatchObject({ code: 1, stdout: '' });
    expect(String((itself as { stderr: string }).stderr)).toMatch(/^backup failed: the backup destination .* is the database itself/);
  });

  it('with DATABASE_URL (PostgreSQL) it copies nothing and points to pg_dump, without repeating the password (exit 2)', async () => {
    const env = { PATH: process.env.PATH ?? '', DATABASE_PATH: world.dbPath, DATABASE_URL: 'postgres://bot:hunter2secret@127.0.0.1:1/imagine' };
    const error = await run(process.execPath, [BACKUP_JS], { cwd: world.dir, env }).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 2, stdout: '' });
    const stderr = String((error as { stderr: string }).stderr);
    expect(stderr).toMatch(/^DATABASE_URL points the bot at PostgreSQL: back it up with .*pg_dump/);
    expect(stderr).not.toContain('hunter2secret');
  });
});
