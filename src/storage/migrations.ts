// The whole schema history, in order. The database's `PRAGMA user_version` is the number of entries
// already applied, so opening runs only the new ones, each in its own transaction.
//
// Rules for later issues (quota ledger, durable jobs, server policy, audit log, gallery):
// - APPEND a new entry; never edit or reorder an entry that has shipped (existing databases have
//   already run it and would never see the change).
// - One entry may hold several statements; keep one feature per entry.
// - Avoid CHECK constraints on open-ended enums (outcomes, sources): SQLite cannot alter them
//   without rebuilding the table, so those values are validated in TypeScript instead.
import type { Database } from 'better-sqlite3';
import { CREATIVE_MIGRATION } from './schema/creative.js';
import { GALLERY_MIGRATION } from './schema/gallery.js';
import { IMAGE_INPUT_MIGRATION } from './schema/imageInput.js';
import { JOBS_MIGRATION } from './schema/jobs.js';
import { LEDGER_MIGRATION } from './schema/ledger.js';
import { POLICY_MIGRATION } from './schema/policy.js';
import { REPORTS_MIGRATION } from './schema/reports.js';
import { RETENTION_MIGRATION } from './schema/retention.js';
import { ROLLUPS_MIGRATION } from './schema/rollups.js';

export const MIGRATIONS: readonly string[] = [
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

/** Brings the schema up to date. Safe to call on every open and from several processes at once. */
export function migrate(db: Database, migrations: readonly string[] = MIGRATIONS): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  if (version() > migrations.length) {
    throw new Error(
      `Database ${db.name} has schema version ${version()}, newer than this build knows (${migrations.length}); ` +
        'run a newer version of the bot or restore a matching backup.',
    );
  }
  // IMMEDIATE takes the write lock before reading the version, so two processes opening the same
  // file at once cannot both apply the same step.
  const step = db.transaction((index: number) => {
    if (version() !== index) return; // another process applied it meanwhile
    db.exec(migrations[index] as string);
    db.pragma(`user_version = ${index + 1}`);
  });
  for (let index = version(); index < migrations.length; index++) step.immediate(index);
}
