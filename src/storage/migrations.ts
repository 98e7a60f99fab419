// The whole schema history, in order, in both dialects. The database's version (SQLite: `PRAGMA
// user_version`; PostgreSQL: the one row of `schema_version`) is the number of entries already
// applied, so opening runs only the new ones, each in its own transaction.
//
// Rules for later issues (quota ledger, durable jobs, server policy, audit log, gallery):
// - APPEND a new entry; never edit or reorder an entry that has shipped (existing databases have
//   already run it and would never see the change).
// - One entry may hold several statements; keep one feature per entry.
// - Avoid CHECK constraints on open-ended enums (outcomes, sources): SQLite cannot alter them
//   without rebuilding the table, so those values are validated in TypeScript instead.
// - Every entry has a PostgreSQL text too (schema/postgres.ts pairs with entries 1–10; later ones
//   carry both, `{ sqlite, postgres }`), describing the same tables, columns and indexes.
import { dialectOf } from './dialect.js';
import type { Database } from './handle.js';
import { CREATIVE_MIGRATION } from './schema/creative.js';
import { GALLERY_MIGRATION } from './schema/gallery.js';
import { IMAGE_INPUT_MIGRATION } from './schema/imageInput.js';
import { JOBS_MIGRATION } from './schema/jobs.js';
import { LEDGER_MIGRATION } from './schema/ledger.js';
import { LEDGER_REPLY_MIGRATION } from './schema/ledgerReply.js';
import { POLICY_MIGRATION } from './schema/policy.js';
import { POSTGRES_MIGRATIONS } from './schema/postgres.js';
import { REPORTS_MIGRATION } from './schema/reports.js';
import { RETENTION_MIGRATION } from './schema/retention.js';
import { ROLLUPS_MIGRATION } from './schema/rollups.js';
import { SETTINGS_VERSION_MIGRATION } from './schema/settingsVersion.js';
import { SHARED_QUEUE_MIGRATION } from './schema/sharedQueue.js';

/** Entries 1–10 in SQLite, as they shipped before PostgreSQL existed. */
const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: the usage log — one row per generation attempt, written when the attempt starts.
  `
  CREATE TABLE usage (
    id                 INTEGER PRIMARY KEY,
    -- UNIQUE allows many NULLs (CLI runs) but only one row per Discord interaction.
    interaction_id     TEXT UNIQUE,
    source             TEXT    NOT NULL,
    -- Discord snowflakes exceed 2^53: always TEXT, never INTEGER.
    user_id            TEXT    NOT NULL,
    guild_id           TEXT,
    channel_id         TEXT,
    locale             TEXT,
    model              TEXT    NOT NULL,
    size_requested     TEXT,
    size_effective     TEXT,
    params             TEXT    NOT NULL DEFAULT '{}',
    prompt             TEXT    NOT NULL,
    outcome            TEXT    NOT NULL DEFAULT 'pending',
    error_kind         TEXT,
    error_message      TEXT,
    relay              TEXT,
    request_id         TEXT,
    image_count        INTEGER,
    bytes              INTEGER,
    latency_ms         INTEGER,
    estimated_cost     REAL,
    seed               INTEGER,
    message_id         TEXT,
    message_channel_id TEXT,
    deleted_at         INTEGER,
    started_at         INTEGER NOT NULL,
    finished_at        INTEGER
  );
  CREATE INDEX usage_user_time  ON usage (user_id, started_at);
  CREATE INDEX usage_guild_time ON usage (guild_id, started_at);
  -- Start-up looks for unfinished rows; a partial index keeps that cheap and tiny.
  CREATE INDEX usage_pending    ON usage (started_at) WHERE outcome = 'pending';
  `,
  // 2: server policy, blocked words, role quotas, blocked users, the admin audit log.
  POLICY_MIGRATION,
  // 3: the quota and budget ledger.
  LEDGER_MIGRATION,
  // 4: the durable job table.
  JOBS_MIGRATION,
  // 5: reports of results by members (the Report button).
  REPORTS_MIGRATION,
  // 6: fast admin reads at any history size: a covering index for the server usage view and export
  //    (replaces usage_guild_time), all-time usage totals per server, member and model, and each
  //    server's spend per UTC day (replaces ledger_guild_time), the last two kept by triggers.
  ROLLUPS_MIGRATION,
  // 7: community sharing: gallery settings, shared images (once each), favourites, /history's index.
  GALLERY_MIGRATION,
  // 8: image input: whether each attempt was an edit, and how many input pictures it had.
  IMAGE_INPUT_MIGRATION,
  // 9: the creative tools: each usage row's kind (image, describe, enhance), members' defaults and
  //    shortcuts, servers' style presets and prompt settings; the cooldown's index gains reserved_images.
  CREATIVE_MIGRATION,
  // 10: usage retention: the delete triggers of the kept totals (entry 6) skip rows that retention
  //     prunes, so USAGE_RETENTION_DAYS drops old detail without moving reports or budgets.
  RETENTION_MIGRATION,
];

/** One step of the schema, in each dialect. */
export interface Migration {
  readonly sqlite: string;
  readonly postgres: string;
}

/** The schema history in both dialects: a database must never record a version whose text later changes. */
export const SCHEMA: readonly Migration[] = [
  ...SQLITE_MIGRATIONS.map((sqlite, index) => ({ sqlite, postgres: POSTGRES_MIGRATIONS[index] ?? '' })),
  // 11: the job table as a queue several processes share (claims, leases, the fair order's lanes).
  SHARED_QUEUE_MIGRATION,
  // 12: settings_version, moved by triggers with every change to the settings a request reads, so
  //     each process keeps them cached and checks them with one read (settingsCache.ts).
  SETTINGS_VERSION_MIGRATION,
  // 13: a reservation keeps its member's reply (token, application, locale) until it is settled, so
  //     one refunded because its process died before writing the rows can be answered (ledgerReply.ts).
  LEDGER_REPLY_MIGRATION,
];

/** The SQLite texts of SCHEMA, in order. */
export const MIGRATIONS: readonly string[] = SCHEMA.map((entry) => entry.sqlite);

/** How a dialect stores and reads its schema version. */
interface VersionStore {
  read(): number;
  /** Runs `apply`, then records `version`, in one transaction that holds the write lock. */
  step(index: number, apply: () => void): void;
}

function sqliteVersions(db: Database): VersionStore {
  const read = (): number => db.pragma('user_version', { simple: true }) as number;
  // IMMEDIATE takes the write lock before reading the version, so two processes opening the same
  // file at once cannot both apply the same step.
  const step = db.transaction((index: number, apply: () => void) => {
    if (read() !== index) return; // another process applied it meanwhile
    apply();
    db.pragma(`user_version = ${index + 1}`);
  });
  return { read, step: (index, apply) => step.immediate(index, apply) };
}

function postgresVersions(db: Database): VersionStore {
  // Every PostgreSQL transaction takes the adapter's advisory lock first, so two processes starting
  // at once create the table once and apply each step once, like SQLite's IMMEDIATE.
  db.transaction(() => {
    db.exec(`
      CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
      INSERT INTO schema_version (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM schema_version);
    `);
  })();
  const select = db.prepare<[], number>('SELECT version FROM schema_version').pluck();
  const update = db.prepare<[number]>('UPDATE schema_version SET version = ?');
  const read = (): number => select.get() ?? 0;
  const step = db.transaction((index: number, apply: () => void) => {
    if (read() !== index) return; // another process applied it meanwhile
    apply();
    update.run(index + 1);
  });
  return { read, step: (index, apply) => step(index, apply) };
}

/**
 * Brings the schema up to date, or up to `upTo` entries (a number, or a prefix of MIGRATIONS as the
 * older tests pass it). Safe to call on every open and from several processes at once.
 */
export function migrate(db: Database, upTo: number | readonly string[] = SCHEMA.length): void {
  const target = typeof upTo === 'number' ? upTo : upTo.length;
  const dialect = dialectOf(db);
  const versions = dialect === 'postgres' ? postgresVersions(db) : sqliteVersions(db);
  const current = versions.read();
  if (current > target) {
    throw new Error(
      `Database ${db.name} has schema version ${current}, newer than this build knows (${target}); ` +
        'run a newer version of the bot or restore a matching backup.',
    );
  }
  for (let index = current; index < target; index++) {
    const entry = SCHEMA[index];
    const text = typeof upTo === 'number' || dialect === 'postgres' ? entry?.[dialect] : upTo[index];
    if (!text) throw new Error(`This build has no ${dialect} text for schema step ${index + 1}`);
    versions.step(index, () => db.exec(text));
  }
}
