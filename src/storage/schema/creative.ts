// Schema of the creative tools (issue 13): what kind of call each usage row was, members' own
// defaults and shortcuts, servers' style presets and prompt settings. Append CREATIVE_MIGRATION to
// MIGRATIONS in ../migrations.ts (entry 9), after the usage (1), ledger (3) and rollups (6) entries
// it builds on.
//
// - usage.kind: 'image' | 'describe' | 'enhance' (validated in usageLog.ts, no CHECK). A describe or
//   enhance call is a chat-model call: billed, but it makes no image (image_count 0), so /history,
//   the gallery and every image count skip it while money sums keep it. Older rows were all images.
// - member_settings: one row per member who set a default, across servers (Midjourney's /settings);
//   a NULL column is "not set", so the server's or the model's default applies.
// - member_shortcuts: a member's `--name` → text expansions (Midjourney's /prefer option).
// - style_presets: a server's named prompt prefix/suffix with an optional model and size; names
//   are stored lowercased, so "Anime" and "anime" are one preset.
// - guild_prompt_settings: whether /imagine enhances by default, and whether the rewrite may
//   translate to English for FLUX. No row = both off.
// - ledger_user_time is rebuilt with reserved_images: the cooldown counts only requests that
//   reserved images (a describe or enhance charge reserves none), and the index stays covering for
//   that check. Same name, same purpose, one more column.
// Snowflakes are TEXT (they exceed 2^53); no FOREIGN KEY, like the rest of the schema.
export const CREATIVE_MIGRATION = `
  ALTER TABLE usage ADD COLUMN kind TEXT NOT NULL DEFAULT 'image';

  CREATE TABLE member_settings (
    user_id    TEXT PRIMARY KEY,
    model      TEXT,
    size       TEXT,
    quality    TEXT,
    enhance    INTEGER,
    private    INTEGER,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE member_shortcuts (
    user_id    TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, name)
  ) WITHOUT ROWID;

  CREATE TABLE style_presets (
    guild_id   TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    prefix     TEXT    NOT NULL,
    suffix     TEXT    NOT NULL,
    model      TEXT,
    size       TEXT,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, name)
  ) WITHOUT ROWID;

  CREATE TABLE guild_prompt_settings (
    guild_id           TEXT PRIMARY KEY,
    enhance_default    INTEGER NOT NULL,
    translate_for_flux INTEGER NOT NULL,
    updated_by         TEXT    NOT NULL,
    updated_at         INTEGER NOT NULL
  );

  DROP INDEX ledger_user_time;
  CREATE INDEX ledger_user_time ON ledger (user_id, guild_id, created_at, state, images, reserved_images);
`;
