// Opens the one SQLite database every store shares (usage log now; ledger, jobs, policy, audit and
// gallery later). Each store is a class taking this handle and preparing its statements once.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Database = BetterSqlite3.Database;

/** How long a writer waits for another process's lock (the CLI and the bot may share the file). */
const BUSY_TIMEOUT_MS = 5_000;

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
