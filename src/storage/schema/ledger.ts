// Schema of the quota and budget ledger (issue 4). Append LEDGER_MIGRATION to MIGRATIONS in
// ../migrations.ts; it depends on no other table, so its position relative to JOBS_MIGRATION does not
// matter.
//
// One row per charge, keyed by the Discord interaction id: `reserved` when the request is accepted,
// then `committed` (the actual figures; also the "possibly billed" case at the reserved figures) or
// `refunded`. Reserved and committed rows count toward every limit; refunded rows count toward none.
// Money is stored in millionths of a USD (INTEGER), so sums never drift (0.1 + 0.2).
// No CHECK on `state` (see the rule in migrations.ts): the Ledger class validates it.
export const LEDGER_MIGRATION = `
  CREATE TABLE ledger (
    id                   INTEGER PRIMARY KEY,
    -- The interaction id: a redelivered interaction or a double click finds the same row.
    key                  TEXT    NOT NULL UNIQUE,
    -- Snowflakes: TEXT, never INTEGER. guild_id is NULL in DMs.
    guild_id             TEXT,
    user_id              TEXT    NOT NULL,
    -- reserved | committed | refunded
    state                TEXT    NOT NULL DEFAULT 'reserved',
    -- What counts toward the limits: the estimate while reserved, the actual figures once committed.
    images               INTEGER NOT NULL,
    cost_micros          INTEGER NOT NULL,
    -- The estimate, kept after commit (for audit and for "possibly billed" charges).
    reserved_images      INTEGER NOT NULL,
    reserved_cost_micros INTEGER NOT NULL,
    -- 1 when charged without knowing (timeout, interrupted): the relay may have billed it.
    possibly_billed      INTEGER NOT NULL DEFAULT 0,
    refund_reason        TEXT,
    created_at           INTEGER NOT NULL,
    settled_at           INTEGER
  );
  -- Covering indexes for the checks in reserve(): the user's images today and last request
  -- (cooldown), and the server's money this day / month, read without touching the table.
  CREATE INDEX ledger_user_time  ON ledger (user_id, guild_id, created_at, state, images);
  CREATE INDEX ledger_guild_time ON ledger (guild_id, created_at, state, cost_micros);
  -- A reservation is opened with its usage and job rows (one transaction), so start-up recovery finds it through its job.
  CREATE INDEX ledger_open       ON ledger (created_at) WHERE state = 'reserved';

  -- The 80 % budget warning, given once per server, period and period start.
  CREATE TABLE ledger_budget_warnings (
    guild_id     TEXT    NOT NULL,
    -- day | month
    period       TEXT    NOT NULL,
    period_start INTEGER NOT NULL,
    spent_micros INTEGER NOT NULL,
    limit_micros INTEGER NOT NULL,
    -- The reservation that crossed the threshold.
    key          TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, period, period_start)
  ) WITHOUT ROWID;
`;
