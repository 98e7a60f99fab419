// Which database a handle talks to: the one question the schema runner and the SQLite-only tools
// (backup, PRAGMA) ask. Kept apart from database.ts so that migrations.ts can ask it without a cycle.
import type { Database } from './handle.js';
import { PgDatabase } from './postgres/pgDatabase.js';

export type Dialect = 'sqlite' | 'postgres';

/** Which database a handle talks to: the one question the schema and the SQLite-only tools ask. */
export function dialectOf(db: Database): Dialect {
  return db instanceof PgDatabase ? 'postgres' : 'sqlite';
}
