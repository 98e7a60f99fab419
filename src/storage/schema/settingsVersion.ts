// Migration 12: one counter that moves with every change to the settings a request reads, so that a
// process may keep those settings in memory (../settingsCache.ts) and check them with ONE cheap read
// per request instead of reading each table again (issue 15: on PostgreSQL every statement is a
// round trip that holds the event loop, and a request read nine of them before Discord's deferral).
//
// settings_version (one row) is bumped by a row trigger on every INSERT, UPDATE and DELETE of each
// table in SETTINGS_TABLES. The trigger runs inside the writer's transaction, so the new number is
// committed together with the change, and seen by every other connection (another bot process, the
// CLI, an admin's psql) together with it: a reader that sees the old number can only have read
// rows as they were before. A change made by hand in SQL moves it too: no process can miss one.
//
// The same triggers in both dialects, with the same names (`<table>_settings_<event>`), three per
// table, since SQLite has no `INSERT OR UPDATE OR DELETE` trigger; on PostgreSQL they share one
// plpgsql function. PostgreSQL's blocked_words_version (entry 2), which did this for the word lists
// alone, is dropped: this counter covers them and nothing reads the old one any more.
//
// The texts are built from the two lists below: like any shipped entry, never edit them (append an
// entry that adds or drops triggers instead).

/** Every table whose rows a request reads through the settings cache. */
const SETTINGS_TABLES = [
  'guild_policy',
  'role_quota',
  'blocked_users',
  'guild_blocked_words',
  'member_settings',
  'member_shortcuts',
  'guild_prompt_settings',
  'style_presets',
] as const;

const EVENTS = ['insert', 'update', 'delete'] as const;

const BUMP = 'UPDATE settings_version SET version = version + 1 WHERE id = 1;';

const triggers = (each: (table: string, event: string) => string): string =>
  SETTINGS_TABLES.flatMap((table) => EVENTS.map((event) => each(table, event))).join('\n');

const SQLITE = `
  CREATE TABLE settings_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
  );
  INSERT INTO settings_version (id, version) VALUES (1, 0);
${triggers((table, event) => `  CREATE TRIGGER ${table}_settings_${event} AFTER ${event.toUpperCase()} ON ${table} BEGIN ${BUMP} END;`)}
`;

const POSTGRES = `
  DROP TRIGGER blocked_words_version ON guild_blocked_words;
  DROP FUNCTION blocked_words_version_bump();
  DROP TABLE blocked_words_version;

  CREATE TABLE settings_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
  );
  INSERT INTO settings_version (id, version) VALUES (1, 0);
  CREATE FUNCTION settings_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    ${BUMP}
    RETURN NULL;
  END $$;
${triggers((table, event) => `  CREATE TRIGGER ${table}_settings_${event} AFTER ${event.toUpperCase()} ON ${table} FOR EACH ROW EXECUTE FUNCTION settings_version_bump();`)}
`;

export const SETTINGS_VERSION_MIGRATION = { sqlite: SQLITE, postgres: POSTGRES } as const;
