// Server policy, role quotas, blocked users and words, and the admin audit log: one migration entry
// (append it to MIGRATIONS; never edit it once shipped).
//
// - guild_policy: one row per server that changed anything; a server without a row uses the
//   defaults (src/moderation/guildPolicy.ts). Scalars are columns so the quota/budget ledger can
//   read them in SQL; the list settings are JSON arrays of strings, validated with zod on read.
//   The row always holds every setting (the store writes the merged policy), so there are no
//   SQL defaults to drift from the TypeScript ones.
// - guild_blocked_words: one row per entry; match_key is the normalised spelling (or the regex
//   itself), so "NSFW" and "n.s.f.w" are one entry and removing either finds it.
// - role_quota: per-role daily image quotas; NULL daily_quota = unlimited for that role.
// - blocked_users, audit_log: as named. Action and detail are validated in TypeScript, not CHECKs.
// Snowflakes (guild, user, role, channel ids) are TEXT: they exceed 2^53.
export const POLICY_MIGRATION = `
  CREATE TABLE guild_policy (
    guild_id              TEXT PRIMARY KEY,
    allowed_models        TEXT    NOT NULL,
    allowed_channels      TEXT    NOT NULL,
    spoiler_channels      TEXT    NOT NULL,
    safety_normal_default INTEGER NOT NULL,
    safety_normal_max     INTEGER NOT NULL,
    safety_nsfw_default   INTEGER NOT NULL,
    safety_nsfw_max       INTEGER NOT NULL,
    daily_quota           INTEGER,
    cooldown_seconds      INTEGER NOT NULL,
    daily_budget_usd      REAL,
    monthly_budget_usd    REAL,
    log_channel_id        TEXT,
    updated_at            INTEGER NOT NULL,
    updated_by            TEXT    NOT NULL
  );

  CREATE TABLE guild_blocked_words (
    guild_id  TEXT    NOT NULL,
    match_key TEXT    NOT NULL,
    entry     TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    added_by  TEXT    NOT NULL,
    added_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, match_key)
  );

  CREATE TABLE role_quota (
    guild_id    TEXT    NOT NULL,
    role_id     TEXT    NOT NULL,
    daily_quota INTEGER,
    updated_by  TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, role_id)
  );

  CREATE TABLE blocked_users (
    guild_id   TEXT    NOT NULL,
    user_id    TEXT    NOT NULL,
    reason     TEXT,
    blocked_by TEXT    NOT NULL,
    blocked_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
  );

  CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    guild_id TEXT    NOT NULL,
    actor_id TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    detail   TEXT    NOT NULL DEFAULT '{}',
    at       INTEGER NOT NULL
  );
  -- recent(guild): newest first; ids only grow, so (guild_id, id) orders by time.
  CREATE INDEX audit_log_guild ON audit_log (guild_id, id);
`;
