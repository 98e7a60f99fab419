// A consistent copy of the live database, taken while the bot runs (`npm run backup`).
//
// SQLite's online backup API (better-sqlite3's db.backup) copies the file's pages under a read
// transaction. In WAL mode a reader never blocks the bot's writes, and the copy is one snapshot:
// every transaction the bot committed before it began, none after. The API copies in steps and
// starts over when another connection writes between two steps; a busy bot writes every few
// milliseconds, so stepping a hundred pages per turn could start over indefinitely. The whole file
// is therefore copied in one step (a few hundred milliseconds for a large history), which no write
// can interrupt.
//
// The copy is written beside its destination under a temporary name, switched to a single file
// (journal_mode DELETE: no -wal or -shm to carry around), checked with PRAGMA integrity_check, and
// only then renamed into place: a failed or interrupted backup never leaves a file that looks good.
//
// SQLite only. A PostgreSQL database (DATABASE_URL) is backed up with PostgreSQL's own tools
// (pg_dump, or the server's base backups and WAL archiving), which copy it consistently while the bot
// runs: this refuses one with a message saying so, rather than copying some SQLite file beside it.
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { isPostgresUrl, redactUrl } from './postgres/connectionUrl.js';

/** The source is opened by a process other than the bot: it may wait a little longer for a lock. */
const SOURCE_BUSY_TIMEOUT_MS = 5_000;
/** better-sqlite3 clamps a step's page count to this; more pages than any file has. */
const WHOLE_FILE = 0x7fffffff;

export interface BackupResult {
  /** Absolute path of the finished copy. */
  path: string;
  bytes: number;
  /** The copy's PRAGMA user_version: how many migrations its schema has. */
  schemaVersion: number;
  /** Rows in the copy's usage and ledger tables (0 for a table its schema predates). */
  rows: { usage: number; ledger: number };
}

/** `<folder of the database>/backups/<its name>-<UTC time>.sqlite`, e.g. data/backups/bot-2026-05-20T12-00-00Z.sqlite. */
export function defaultBackupPath(databasePath: string, now: Date = new Date()): string {
  const name = basename(databasePath, extname(databasePath));
  // Colons are not allowed in Windows file names; milliseconds add nothing to a file name.
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '-');
  return join(dirname(databasePath), 'backups', `${name}-${stamp}.sqlite`);
}

/** Copies the database at `sourcePath` to `destinationPath` (replacing a file there) and checks the copy. */
export async function backupDatabase(sourcePath: string, destinationPath: string): Promise<BackupResult> {
  if (isPostgresUrl(sourcePath)) {
    throw new Error(
      `${redactUrl(sourcePath)} is a PostgreSQL database: this backup copies a SQLite file. ` +
        "Use PostgreSQL's own tools, e.g. pg_dump --format=custom --file=imagine-bot.dump \"$DATABASE_URL\"",
    );
  }
  const source = resolve(sourcePath);
  const destination = resolve(destinationPath);
  if ([source, `${source}-wal`, `${source}-shm`].includes(destination)) {
    throw new Error(`the backup destination ${destination} is the database itself: name another file`);
  }
  mkdirSync(dirname(destination), { recursive: true });
  const partial = `${destination}.${process.pid}.partial`;
  try {
    await copyPages(source, partial);
    const verified = verify(partial);
    renameSync(partial, destination);
    return { path: destination, bytes: statSync(destination).size, ...verified };
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(partial + suffix, { force: true });
  }
}

async function copyPages(source: string, target: string): Promise<void> {
  if (!existsSync(source)) throw new Error(`there is no database at ${source}`);
  // Read-write, like the bot's own connection: a read-only one cannot create the -shm file the WAL
  // needs when the bot is not running, nor recover a WAL left by a crash. Never migrated here: the
  // live schema belongs to the bot that runs on it.
  const db = new BetterSqlite3(source, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${SOURCE_BUSY_TIMEOUT_MS}`);
    // The first step only opens the backup; the progress answer makes the next one copy everything.
    await db.backup(target, { progress: () => WHOLE_FILE });
  } finally {
    db.close();
  }
}

function verify(path: string): Omit<BackupResult, 'path' | 'bytes'> {
  const db = new BetterSqlite3(path, { fileMustExist: true });
  try {
    // The copy carries the source's WAL flag; a backup is easier to move as one self-contained file.
    db.pragma('journal_mode = DELETE');
    const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check);
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new Error(`the copy failed PRAGMA integrity_check: ${problems.slice(0, 5).join('; ')}`);
    }
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    const count = (table: 'usage' | 'ledger'): number =>
      tables.has(table) ? (db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number) : 0;
    return {
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
      rows: { usage: count('usage'), ledger: count('ledger') },
    };
  } finally {
    db.close();
  }
}
