// Upgrading a database from every earlier schema version to the current one: a bot updated from any
// release keeps its history. Each version gets a few rows of what existed then (usage, policy and
// audit, ledger, jobs, reports, gallery, image input), then migrates; the rows survive, the columns
// added later read as their defaults, and the stores work on them (the ledger's cooldown, the
// reports' kept totals, /history). SQLite from every version; PostgreSQL (new with issue 15, so no
// older PostgreSQL database exists) from empty, from the version before the retention migration, and
// its schema compared with SQLite's after every entry.
import { afterEach, describe, expect, it } from 'vitest';
import {
  AuditLog,
  dialectOf,
  HistoryStore,
  Ledger,
  MemberSettingsStore,
  MIGRATIONS,
  migrate,
  PromptSettingsStore,
  StylePresetStore,
  UsageLog,
  UsageReports,
  UsageRetention,
  type Database,
} from '../../src/storage/index.js';
import { openTestDatabase, TEST_DATABASES, type DatabaseKind } from '../helpers/databases.js';

const handles: Database[] = [];
afterEach(() => {
  for (const db of handles.splice(0)) if (db.open) db.close();
});

const GUILD = '100000000000000000001';
const USER = '200000000000000000001';
const OTHER = '200000000000000000002';
const T0 = Date.UTC(2026, 4, 20, 12);
const UNTIL = T0 + 86_400_000;

/** Migrations by the version that introduced them (1-based), as the comments in migrations.ts number them. */
const USAGE = 1;
const POLICY = 2;
const LEDGER = 3;
const JOBS = 4;
const REPORTS = 5;
const GALLERY = 7;
const IMAGE_INPUT = 8;
const CREATIVE = 9;
const RETENTION = 10;

/** How many schema entries the database has applied (SQLite: PRAGMA user_version; PostgreSQL: schema_version). */
function schemaVersion(db: Database): number {
  if (dialectOf(db) === 'sqlite') return db.pragma('user_version', { simple: true }) as number;
  return db.prepare('SELECT version FROM schema_version').pluck().get() as number;
}

/** A database of `kind` at schema version `version`, with rows of what that version had. */
function databaseAt(kind: DatabaseKind, version: number): Database {
  const db = openTestDatabase(kind, { version });
  handles.push(db);
  expect(schemaVersion(db)).toBe(version);
  if (version >= USAGE) {
    const insert = db.prepare(`
      INSERT INTO usage (interaction_id, source, user_id, guild_id, channel_id, model, prompt, outcome, image_count,
                         estimated_cost, message_id, message_channel_id, started_at, finished_at)
      VALUES (?, 'discord', ?, ?, '300000000000000000001', ?, ?, ?, ?, ?, ?, '300000000000000000001', ?, ?)`);
    insert.run('400000000000000000001', USER, GUILD, 'flux-2-pro', 'a red fox', 'success', 2, 0.08, '500000000000000000001', T0, T0 + 1);
    insert.run('400000000000000000002', USER, GUILD, 'gpt-image-2', 'a blue whale', 'timeout', null, 0.04, null, T0 + 10, T0 + 11);
    insert.run('400000000000000000003', OTHER, GUILD, 'gpt-image-2', 'a green owl', 'success', 1, 0.04, '500000000000000000003', T0 + 20, T0 + 21);
    insert.run(null, USER, null, 'flux-2-pro', 'cli run', 'success', 1, 0.04, null, T0 + 30, T0 + 31);
  }
  if (version >= POLICY) {
    db.prepare(`INSERT INTO audit_log (guild_id, actor_id, action, detail, at) VALUES (?, ?, 'user.block', ?, ?)`).run(
      GUILD,
      OTHER,
      JSON.stringify({ userId: USER, reason: null }),
      T0 - 5,
    );
  }
  if (version >= LEDGER) {
    const insert = db.prepare(`
      INSERT INTO ledger (key, guild_id, user_id, state, images, cost_micros, reserved_images, reserved_cost_micros, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    insert.run('400000000000000000001', GUILD, USER, 'committed', 2, 80_000, 2, 80_000, T0);
    insert.run('400000000000000000002', GUILD, USER, 'committed', 1, 40_000, 1, 40_000, T0 + 10);
    insert.run('400000000000000000003', GUILD, OTHER, 'refunded', 1, 40_000, 1, 40_000, T0 + 20);
  }
  if (version >= JOBS) {
    db.prepare(`
      INSERT INTO jobs (interaction_id, guild_id, user_id, model, state, usage_id, created_at, finished_at)
      VALUES ('400000000000000000001', ?, ?, 'flux-2-pro', 'delivered', 1, ?, ?)`).run(GUILD, USER, T0, T0 + 1);
  }
  if (version >= REPORTS) {
    db.prepare(`INSERT INTO reports (usage_id, reporter_id, guild_id, reported_at) VALUES (3, ?, ?, ?)`).run(USER, GUILD, T0 + 40);
  }
  if (version >= GALLERY) {
    db.prepare(`
      INSERT INTO favourites (usage_id, user_id, guild_id, age_restricted, spoiler, at) VALUES (1, ?, ?, 0, 0, ?)`).run(OTHER, GUILD, T0 + 50);
  }
  if (version >= IMAGE_INPUT) {
    db.prepare(`
      INSERT INTO usage (interaction_id, source, user_id, guild_id, model, prompt, outcome, image_count, estimated_cost,
                         started_at, finished_at, is_edit, input_count)
      VALUES ('400000000000000000005', 'discord', ?, ?, 'flux-kontext-pro', 'make it night', 'success', 1, 0.04, ?, ?, 1, 2)`).run(
      USER,
      GUILD,
      T0 + 60,
      T0 + 61,
    );
  }
  return db;
}

const count = (db: Database, table: string): number => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

describe('the schema list', () => {
  it('the ninth migration is the creative tools', () => {
    expect(MIGRATIONS[8]).toMatch(/ALTER TABLE usage ADD COLUMN kind TEXT NOT NULL DEFAULT 'image'/);
  });
});

describe.each(TEST_DATABASES)('migrating from every earlier schema version (%s)', (kind) => {
  // PostgreSQL support is new: no PostgreSQL database of an older version exists, so it starts empty.
  const versions = kind === 'sqlite' ? MIGRATIONS.map((_, version) => version) : [0];
  for (const version of versions) {
    it(`brings a version ${version} database up to date with its rows intact`, () => {
      const db = databaseAt(kind, version);
      const before = version >= USAGE ? db.prepare('SELECT id, prompt, outcome, estimated_cost FROM usage ORDER BY id').all() : [];
      migrate(db);
      expect(schemaVersion(db)).toBe(MIGRATIONS.length);

      // Every row survived, and what came later reads as its default.
      expect(db.prepare('SELECT id, prompt, outcome, estimated_cost FROM usage ORDER BY id').all()).toEqual(before);
      expect(db.prepare('SELECT DISTINCT kind FROM usage').pluck().all()).toEqual(version >= USAGE ? ['image'] : []);
      expect(count(db, 'audit_log')).toBe(version >= POLICY ? 1 : 0);
      expect(count(db, 'ledger')).toBe(version >= LEDGER ? 3 : 0);
      expect(count(db, 'jobs')).toBe(version >= JOBS ? 1 : 0);
      expect(count(db, 'reports')).toBe(version >= REPORTS ? 1 : 0);
      expect(count(db, 'favourites')).toBe(version >= GALLERY ? 1 : 0);
      for (const table of ['member_settings', 'member_shortcuts', 'style_presets', 'guild_prompt_settings']) expect(count(db, table)).toBe(0);

      const usage = new UsageLog(db);
      if (version >= USAGE) {
        expect(usage.get(1)).toMatchObject({ prompt: 'a red fox', kind: 'image', isEdit: false, inputCount: 0, imageCount: 2 });
        // The kept totals were filled from the rows already there: all time equals a scan.
        const reports = new UsageReports(db);
        const allTime = reports.guildReport({ guildId: GUILD, until: UNTIL });
        expect(allTime).toEqual(reports.guildReport({ guildId: GUILD, since: Number.MIN_SAFE_INTEGER, until: UNTIL }));
        expect(allTime.total.images).toBe(version >= IMAGE_INPUT ? 4 : 3);
        // Old images are in /history.
        expect(new HistoryStore(db).page({ userId: USER, guildId: GUILD, page: 1, pageSize: 10 }).total).toBe(version >= IMAGE_INPUT ? 2 : 1);
      }
      if (version >= IMAGE_INPUT) expect(usage.findByInteraction('400000000000000000005')).toMatchObject({ isEdit: true, inputCount: 2, kind: 'image' });

      // The old ledger rows reserved images: they still start the cooldown; the refunded one does not.
      const ledger = new Ledger(db);
      const cooldown = { cooldownMs: 60_000 };
      const next = (key: string, userId: string) => ledger.reserve({ key, guildId: GUILD, userId, images: 1, cost: 0.04, limits: cooldown, now: T0 + 30 });
      expect(next('after-user', USER)).toMatchObject(version >= LEDGER ? { ok: false, reason: 'cooldown' } : { ok: true });
      expect(next('after-other', OTHER).ok).toBe(true);

      // The new stores work on the migrated file, and a new row can say its kind.
      const described = usage.start({ source: 'discord', userId: USER, guildId: GUILD, model: 'gpt-4o-mini', prompt: '[image]', kind: 'describe' });
      expect(usage.get(described.id)?.kind).toBe('describe');
      expect(new MemberSettingsStore(db).set(USER, { quality: 'high' })).toEqual({ quality: 'high' });
      expect(new StylePresetStore(db).upsert({ guildId: GUILD, name: 'noir', prefix: 'film noir', suffix: '', model: null, size: null, createdBy: OTHER, createdAt: T0 })).toBe('added');
      expect(new PromptSettingsStore(db).set(GUILD, { enhanceDefault: true }, OTHER)).toEqual({ enhanceDefault: true, translateForFlux: false });
      expect(new AuditLog(db).recent(GUILD).map((entry) => entry.action)).toEqual([
        'prompt_settings.update',
        'style.add',
        ...(version >= POLICY ? ['user.block'] : []),
      ]);
    });
  }

  it('rebuilds the cooldown index with reserved_images, so the check reads only the index', () => {
    const db = databaseAt(kind, CREATIVE - 1);
    migrate(db);
    expect(indexColumns(db, 'ledger_user_time')).toEqual(['user_id', 'guild_id', 'created_at', 'state', 'images', 'reserved_images']);
  });

  it('the retention migration: pruning keeps the totals, any other deletion still takes its rows out', async () => {
    const db = databaseAt(kind, RETENTION - 1);
    migrate(db);
    const reports = new UsageReports(db);
    const ledger = new Ledger(db);
    const allTime = reports.guildReport({ guildId: GUILD, until: UNTIL });
    const month = ledger.spent(GUILD, 'month', T0);
    expect(allTime.total.attempts).toBe(4);
    // Forty days on, the May rows are past a 32-day retention; the ledger's are not past its 62 days.
    const later = T0 + 40 * 86_400_000;
    const pruned = await new UsageRetention(db).prune({ days: 32, now: later });
    expect(pruned).toMatchObject({ usage: 3, jobs: 1, ledger: 0 }); // the starred and the reported rows stay
    expect(reports.guildReport({ guildId: GUILD, until: UNTIL })).toEqual(allTime);
    expect(ledger.spent(GUILD, 'month', T0)).toBe(month);
    // A deletion by hand (not retention) is taken out of the totals, as before the migration.
    db.prepare('DELETE FROM usage WHERE id = 3').run();
    db.prepare("DELETE FROM ledger WHERE key = '400000000000000000001'").run();
    expect(reports.guildReport({ guildId: GUILD, until: UNTIL }).total.attempts).toBe(allTime.total.attempts - 1);
    expect(ledger.spent(GUILD, 'month', T0)).toBeCloseTo(month - 0.08, 6);
  });

  it('migrating again changes nothing', () => {
    const db = databaseAt(kind, MIGRATIONS.length);
    const rows = db.prepare('SELECT * FROM usage ORDER BY id').all();
    migrate(db);
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.prepare('SELECT * FROM usage ORDER BY id').all()).toEqual(rows);
  });
});

/** The columns of an index, in order. */
function indexColumns(db: Database, index: string): string[] {
  if (dialectOf(db) === 'sqlite') return db.prepare<[string], string>('SELECT name FROM pragma_index_info(?) ORDER BY seqno').pluck().all(index);
  return db
    .prepare<[string], string>(`
      SELECT a.attname FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
      WHERE i.relname = ? AND i.relnamespace = current_schema()::regnamespace
      ORDER BY k.n`)
    .pluck()
    .all(index);
}

/**
 * What PostgreSQL has that SQLite does not, each on purpose (schema/postgres.ts; migrations.ts for
 * schema_version). blocked_words_version lives from entry 2 to entry 12, which drops it (settings_version
 * covers the word lists in both dialects).
 */
const POSTGRES_ONLY = {
  tables: ['blocked_words_version', 'schema_version'],
  columns: ['guild_blocked_words.rowid'],
  triggers: ['guild_blocked_words.blocked_words_version'],
};

/** SQLite's declared types and PostgreSQL's, as one family each. */
function typeFamily(type: string): string {
  const lower = type.toLowerCase();
  if (lower === 'integer' || lower === 'bigint') return 'integer';
  if (lower === 'real' || lower === 'double precision') return 'real';
  return lower;
}

interface SchemaShape {
  /** table → "column type NULL|NOT NULL default", in column order. */
  columns: Record<string, string[]>;
  /** "table(columns)" of each primary key and UNIQUE constraint. */
  keys: string[];
  /** "table.name(columns)" of each CREATE INDEX, " partial" when it has a WHERE. */
  indexes: string[];
  /** "table.name" of each trigger. */
  triggers: string[];
}

function sqliteShape(db: Database): SchemaShape {
  const tables = db.prepare<[], string>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
  const columns: Record<string, string[]> = {};
  const keys: string[] = [];
  for (const table of tables) {
    const info = db
      .prepare<[string], { name: string; type: string; notnull: number; dflt: string | null; pk: number }>(
        'SELECT name, type, "notnull" AS "notnull", dflt_value AS dflt, pk FROM pragma_table_info(?) ORDER BY cid',
      )
      .all(table);
    columns[table] = info.map((c) => `${c.name} ${typeFamily(c.type)} ${c.notnull || c.pk ? 'NOT NULL' : 'NULL'} ${c.dflt ?? ''}`.trim());
    const primary = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    if (primary.length > 0) keys.push(`${table}(${primary.map((c) => c.name).join(', ')})`);
    const unique = db.prepare<[string], string>("SELECT name FROM pragma_index_list(?) WHERE origin = 'u'").pluck().all(table);
    for (const index of unique) keys.push(`${table}(${indexColumns(db, index).join(', ')})`);
  }
  const indexes = db
    .prepare<[], { name: string; tbl: string; sql: string }>("SELECT name, tbl_name AS tbl, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
    .all()
    .map((i) => `${i.tbl}.${i.name}(${indexColumns(db, i.name).join(', ')})${/\sWHERE\s/i.test(i.sql) ? ' partial' : ''}`);
  const triggers = db
    .prepare<[], { name: string; tbl: string }>("SELECT name, tbl_name AS tbl FROM sqlite_master WHERE type = 'trigger'")
    .all()
    .map((t) => `${t.tbl}.${t.name}`);
  return { columns, keys: keys.sort(), indexes: indexes.sort(), triggers: triggers.sort() };
}

function postgresShape(db: Database): SchemaShape {
  const here = 'current_schema()::regnamespace';
  const columns: Record<string, string[]> = {};
  const rows = db
    .prepare<[], { tbl: string; name: string; type: string; nullable: string; dflt: string | null; identity: string }>(`
      SELECT table_name AS tbl, column_name AS name, data_type AS type, is_nullable AS nullable,
             column_default AS dflt, is_identity AS identity
      FROM information_schema.columns WHERE table_schema = current_schema()
      ORDER BY table_name, ordinal_position`)
    .all();
  for (const c of rows) {
    if (POSTGRES_ONLY.tables.includes(c.tbl) || POSTGRES_ONLY.columns.includes(`${c.tbl}.${c.name}`)) continue;
    const dflt = c.dflt?.replace(/::[a-z ]+$/, '') ?? '';
    (columns[c.tbl] ??= []).push(`${c.name} ${typeFamily(c.type)} ${c.nullable === 'NO' ? 'NOT NULL' : 'NULL'} ${dflt}`.trim());
  }
  const keys = db
    .prepare<[], { tbl: string; cols: string }>(`
      SELECT t.relname AS tbl, string_agg(a.attname, ', ' ORDER BY k.n) AS cols
      FROM pg_constraint c
      JOIN pg_class t ON t.oid = c.conrelid
      CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
      WHERE c.contype IN ('p', 'u') AND t.relnamespace = ${here}
      GROUP BY c.oid, t.relname`)
    .all()
    .filter((k) => !POSTGRES_ONLY.tables.includes(k.tbl))
    .map((k) => `${k.tbl}(${k.cols})`);
  const indexes = db
    .prepare<[], { tbl: string; name: string; partial: boolean }>(`
      SELECT t.relname AS tbl, i.relname AS name, x.indpred IS NOT NULL AS partial
      FROM pg_index x
      JOIN pg_class i ON i.oid = x.indexrelid
      JOIN pg_class t ON t.oid = x.indrelid
      WHERE t.relnamespace = ${here} AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)`)
    .all()
    .map((i) => `${i.tbl}.${i.name}(${indexColumns(db, i.name).join(', ')})${i.partial ? ' partial' : ''}`);
  const triggers = db
    .prepare<[], string>(`
      SELECT t.relname || '.' || g.tgname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
      WHERE NOT g.tgisinternal AND t.relnamespace = ${here}`)
    .pluck()
    .all()
    .filter((name) => !POSTGRES_ONLY.triggers.includes(name));
  return { columns, keys: keys.sort(), indexes: indexes.sort(), triggers: triggers.sort() };
}

describe.runIf(TEST_DATABASES.includes('postgres'))('the PostgreSQL schema', () => {
  // Entry by entry: after each one, the same tables, columns (type family, nullability, default),
  // keys, indexes and triggers as SQLite after the same entry.
  for (let version = 1; version <= MIGRATIONS.length; version++) {
    it(`is SQLite's after entry ${version}`, () => {
      const sqlite = databaseAt('sqlite', 0);
      const postgres = databaseAt('postgres', 0);
      migrate(sqlite, version);
      migrate(postgres, version);
      expect(postgresShape(postgres)).toEqual(sqliteShape(sqlite));
    });
  }
});
