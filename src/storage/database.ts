// Opens the one database every store shares: SQLite at a path (the default), or PostgreSQL when the
// location is a postgres:// URL (several processes sharing one state, issue 15). Each store is a
// class taking this handle and preparing its statements once; both kinds offer the same
// synchronous, better-sqlite3-shaped API below.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from './handle.js';
import { migrate } from './migrations.js';
import { isPostgresUrl, redactUrl } from './postgres/connectionUrl.js';
import { PgDatabase } from './postgres/pgDatabase.js';

export type { Database, Statement, Transaction } from './handle.js';

export { dialectOf, type Dialect } from './dialect.js';

/**
 * How long a writer waits for another process's lock (an operator's sqlite3 shell, a backup). The
 * wait blocks the event loop (better-sqlite3 is synchronous), and every interaction must be deferred
 * within Discord's 3 s: one second, then SQLITE_BUSY, which the user hears as "try again".
 */
const BUSY_TIMEOUT_MS = 1_000;

/**
 * PostgreSQL's answers that mean the same as SQLITE_BUSY, "another writer, try again":
 * 55P03 lock_not_available (the write lock not granted within lock_timeout), 40001
 * serialization_failure and 40P01 deadlock_detected (PostgreSQL rolled the transaction back; with
 * every writer taking one advisory lock first neither should happen, but both mean "retry").
 */
const POSTGRES_BUSY = new Set(['55P03', '40001', '40P01']);

/** The database was locked by another process for longer than the busy timeout. */
export function isDatabaseBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_LOCKED' ||
    (typeof code === 'string' && (code.startsWith('SQLITE_BUSY_') || POSTGRES_BUSY.has(code)))
  );
}

function isMemoryPath(path: string): boolean {
  return path === ':memory:' || path === '';
}

/**
 * Opens the database at `location`, applies pending migrations and returns the handle: PostgreSQL
 * for a postgres:// or postgresql:// URL, otherwise SQLite at that path (see openSqlite).
 */
export function openDatabase(location: string): Database {
  return isPostgresUrl(location) ? openPostgres(location) : openSqlite(location);
}

/**
 * Connects to the PostgreSQL database at `url` and migrates it. Any failure is rethrown as one Error
 * naming the URL without its password, because the usual cause is a wrong DATABASE_URL, a server
 * that is down, or a missing database or role.
 */
function openPostgres(url: string): Database {
  let db: PgDatabase | undefined;
  try {
    db = new PgDatabase(url);
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot open the PostgreSQL database ${redactUrl(url)}: ${reason}. Check DATABASE_URL, that the server is running, and that the database and role exist.`,
      { cause: error },
    );
  }
}

/**
 * Opens (creating when missing) the SQLite database at `path`, applies pending migrations and returns
 * the handle. `:memory:` gives a private in-memory database for tests. Any failure is rethrown as one
 * Error naming the path, because the usual cause is a wrong DATABASE_PATH or folder permissions.
 */
function openSqlite(path: string): Database {
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
