// Opens the one SQLite database every store shares (usage log now; ledger, jobs, policy, audit and
// gallery later). Each store is a class taking this handle and preparing its statements once.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Database = BetterSqlite3.Database;

/**
 * How long a writer waits for another process's lock (an operator's sqlite3 shell, a backup). The
 * wait blocks the event loop (better-sqlite3 is synchronous), and every interaction must be deferred
 * within Discord's 3 s: one second, then SQLITE_BUSY, which the user hears as "try again".
 */
const BUSY_TIMEOUT_MS = 1_000;

/** The database was locked by another process for longer than the busy timeout. */
export function isDatabaseBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY_'));
}

function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '';
}

/**
 * Opens (creating when missing) the database at `path`, applies pending migrations and returns the
 * handle. `:memory:` gives a private in-memory database for tests. Any failure is rethrown as one
 * Error naming the path, because the usual cause is a wrong DATABASE_PATH or folder permissions.
 */
export function openDatabase(path: string): Database {
  const shown = isMemoryPath(path) ? ':memory:' : resolve(path);
  let db: Database | undefined;
  try {
    if (!isMemoryPath(path)) mkdirSync(dirname(shown), { recursive: true });
    db = new BetterSqlite3(path);
    // WAL: readers never block the writer, and a crash mid-write leaves the file consistent.
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode and much faster than FULL.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot open the database at ${shown}: ${reason}. Check DATABASE_PATH and that its folder exists or can be created and is writable.`,
      { cause: error },
    );
  }
}
