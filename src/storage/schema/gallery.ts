// Schema of community sharing: the gallery settings per server, shared images, favourites, and an
// index for /history. Append GALLERY_MIGRATION to MIGRATIONS in ../migrations.ts (entry 7).
//
// - gallery_settings: one row per server that configured its gallery; none means "no gallery".
//   Kept apart from guild_policy, whose columns belong to the moderation layer.
// - gallery_posts: one row per shared image (usage row). The primary key is the "each image is
//   shared once" rule, across restarts and racing clicks. The row is written (claimed) before the
//   post exists, so message_id is NULL while the post is on its way; removed_at is set when the
//   image was deleted and its gallery post went with it.
// - favourites: one row per (image, member); the key makes ⭐ a toggle that no double click can
//   count twice. guild_id, age_restricted and spoiler are facts about the image copied in when the
//   star is given, so /gallery top needs no Discord lookups to filter and mask its list.
// - usage_history: /history reads a member's delivered, undeleted images in one server, newest
//   first; a partial index keeps that a range scan however long the usage log grows.
// Snowflakes are TEXT (they exceed 2^53); no FOREIGN KEY, like the rest of the schema.
export const GALLERY_MIGRATION = `
  CREATE TABLE gallery_settings (
    guild_id        TEXT PRIMARY KEY,
    channel_id      TEXT,
    nsfw_channel_id TEXT,
    share_by_anyone INTEGER NOT NULL DEFAULT 0,
    updated_by      TEXT    NOT NULL,
    updated_at      INTEGER NOT NULL
  );

  CREATE TABLE gallery_posts (
    usage_id       INTEGER PRIMARY KEY,
    guild_id       TEXT    NOT NULL,
    shared_by      TEXT    NOT NULL,
    channel_id     TEXT    NOT NULL,
    message_id     TEXT,
    age_restricted INTEGER NOT NULL,
    spoiler        INTEGER NOT NULL,
    shared_at      INTEGER NOT NULL,
    removed_at     INTEGER
  );

  CREATE TABLE favourites (
    usage_id       INTEGER NOT NULL,
    user_id        TEXT    NOT NULL,
    guild_id       TEXT    NOT NULL,
    age_restricted INTEGER NOT NULL,
    spoiler        INTEGER NOT NULL,
    at             INTEGER NOT NULL,
    PRIMARY KEY (usage_id, user_id)
  );
  CREATE INDEX favourites_guild ON favourites (guild_id, usage_id);

  CREATE INDEX usage_history ON usage (user_id, guild_id, started_at)
    WHERE outcome = 'success' AND deleted_at IS NULL;
`;
