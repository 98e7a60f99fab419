// Schema of the durable job table (issue 4). Append JOBS_MIGRATION to MIGRATIONS in
// ../migrations.ts; it depends on no other table, so its position relative to LEDGER_MIGRATION does
// not matter.
//
// One row per queued generation, keyed by the Discord interaction id. States:
//   queued → running → delivered | failed | cancelled | interrupted
// (queued may also go straight to failed, cancelled or interrupted). The interaction token is kept
// only while the job is unfinished — a restart needs it to tell the user — and cleared when the job
// reaches a final state. No CHECK on `state` (see the rule in migrations.ts): JobStore validates it.
export const JOBS_MIGRATION = `
  CREATE TABLE jobs (
    id                INTEGER PRIMARY KEY,
    interaction_id    TEXT    NOT NULL UNIQUE,
    -- Secret for 15 minutes: never logged, NULLed once the job is final.
    interaction_token TEXT,
    -- Snowflakes: TEXT, never INTEGER. guild_id is NULL in DMs.
    application_id    TEXT,
    guild_id          TEXT,
    channel_id        TEXT,
    user_id           TEXT    NOT NULL,
    locale            TEXT,
    model             TEXT    NOT NULL,
    relay             TEXT,
    -- The prepared request, JSON: enough to run the job again after a restart.
    request           TEXT    NOT NULL DEFAULT '{}',
    -- queued | running | delivered | failed | cancelled | interrupted
    state             TEXT    NOT NULL DEFAULT 'queued',
    -- The usage-log row (usage.id) once the attempt started; no FOREIGN KEY, like the rest.
    usage_id          INTEGER,
    error_kind        TEXT,
    created_at        INTEGER NOT NULL,
    started_at        INTEGER,
    finished_at       INTEGER
  );
  -- Start-up recovery reads only unfinished rows; a partial index keeps that tiny.
  CREATE INDEX jobs_unfinished ON jobs (created_at) WHERE state IN ('queued', 'running');
  CREATE INDEX jobs_user_time  ON jobs (user_id, created_at);
`;
