// EXPLAIN QUERY PLAN of the statements a store really prepared (read from the statement's own
// `source`), not of a hand-copied SQL text that could drift from them.
import type { Database } from '../../src/storage/index.js';

/** Values for every named parameter the storage statements use; extra names are ignored. */
const PARAMETERS = {
  guild_id: 'g',
  user_id: 'u',
  since: 0,
  until: 9,
  from: 0,
  to: 9,
  now: 9,
  today: 0,
  month: 0,
  any_guild: 0,
  limit: 10,
  day_from: 0,
  day_to: 1,
  month_from: 0,
  month_to: 9,
  after_started_at: 0,
  after_id: 0,
};

/** The SQL a store prepared as its private statement field `field`. */
export function preparedSql(store: object, field: string): string {
  const statement = (store as Record<string, unknown>)[field] as { source?: unknown } | undefined;
  if (typeof statement?.source !== 'string') throw new Error(`${store.constructor.name}.${field} is not a prepared statement`);
  return statement.source;
}

/** The query plan of that statement, one detail per line. */
export function planOf(db: Database, store: object, field: string): string {
  const sql = preparedSql(store, field);
  const explain = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
  const rows = (sql.includes('@') ? explain.all(PARAMETERS) : explain.all()) as { detail: string }[];
  return rows.map((row) => row.detail).join('\n');
}
