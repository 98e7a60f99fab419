// The databases the storage suites run against: SQLite always, PostgreSQL too when TEST_DATABASE_URL
// names a server (test/globalSetup.ts starts a throwaway cluster and sets it). Suites write
//   describe.each(TEST_DATABASES)('… (%s)', (kind) => { … openTestDatabase(kind) … })
// Each PostgreSQL handle gets a schema of its own (a fresh, empty namespace in the one test database,
// selected by search_path in the connection URL), dropped when the handle is closed: creating a
// schema takes milliseconds where creating a database takes a checkpoint.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach } from 'vitest';
import { isPostgresUrl, migrate, openDatabase, PgDatabase, SCHEMA, type Database, type Dialect } from '../../src/storage/index.js';

export type DatabaseKind = Dialect;

/** The admin URL of the test server, or undefined when the PostgreSQL variants are skipped. */
const ADMIN_URL = process.env.TEST_DATABASE_URL || undefined;

export const TEST_DATABASES: DatabaseKind[] = ADMIN_URL ? ['sqlite', 'postgres'] : ['sqlite'];

let admin: PgDatabase | undefined;
let counter = 0;

function adminHandle(): PgDatabase {
  if (!ADMIN_URL) throw new Error('TEST_DATABASE_URL is not set: PostgreSQL tests must be skipped (use TEST_DATABASES)');
  admin ??= new PgDatabase(ADMIN_URL);
  return admin;
}

/** A schema name unique across test files, workers and parallel runs. */
function schemaName(): string {
  return `t_${process.pid}_${++counter}_${randomBytes(4).toString('hex')}`;
}

/** A new empty schema on the test server. */
function createSchema(name = schemaName()): string {
  adminHandle().exec(`CREATE SCHEMA ${name}`);
  return name;
}

function dropSchema(name: string): void {
  adminHandle().exec(`DROP SCHEMA IF EXISTS ${name} CASCADE`);
}

/**
 * The admin URL with every unqualified name resolved in `schema` (pg passes `options` to the
 * server). synchronous_commit=off: a test database need not survive a power cut, and each commit
 * then skips its WAL flush (creating a migrated schema ~20% faster).
 */
function urlForSchema(schema: string): string {
  const url = new URL(ADMIN_URL as string);
  url.searchParams.set('options', `-c search_path=${schema} -c synchronous_commit=off`);
  return url.toString();
}

function schemaOfUrl(url: string): string | undefined {
  return /search_path=([A-Za-z0-9_]+)/.exec(new URL(url).searchParams.get('options') ?? '')?.[1];
}

/** A PostgreSQL handle whose schema goes away with it. */
class TestPgDatabase extends PgDatabase {
  constructor(readonly schema: string) {
    // Connected in the background (see `spare`); the schema is created before its first statement.
    super(urlForSchema(schema), { deferConnect: true });
  }

  override close(): this {
    if (!this.open) return this;
    super.close();
    dropSchema(this.schema);
    return this;
  }
}

/** The handle the next PostgreSQL `openTestDatabase` returns, already connecting. */
let spare: TestPgDatabase | undefined;

export interface TestDatabaseOptions {
  /** Migrate only this many schema steps (default: all; 0: an empty database). */
  readonly version?: number;
}

/**
 * A fresh database of `kind`, migrated (fully, or to `options.version`). SQLite: a private
 * in-memory database. PostgreSQL: a new schema, dropped on close(). Close it in afterEach.
 */
export function openTestDatabase(kind: DatabaseKind, options: TestDatabaseOptions = {}): Database {
  const version = options.version ?? SCHEMA.length;
  if (kind === 'sqlite') {
    if (version === SCHEMA.length) return openDatabase(':memory:');
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, version);
    return db;
  }
  // A worker thread and its connection take ~100 ms to start: the handle for the next call starts
  // now, in the background, while the test runs.
  const db = spare ?? new TestPgDatabase(schemaName());
  spare = new TestPgDatabase(schemaName());
  try {
    createSchema(db.schema);
    migrate(db, version);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Where a spawned bot (or CLI) process can keep its database, fresh and empty (the process migrates
 * it): SQLite, a file path for DATABASE_PATH; PostgreSQL, a URL for DATABASE_URL naming a new schema
 * (in the URL, since a child process cannot inherit our connection settings). Several processes
 * given the same URL share one database. Remove it with `dropTestDatabase` when done.
 */
export function testDatabaseUrl(kind: DatabaseKind): string {
  if (kind === 'sqlite') return join(mkdtempSync(join(tmpdir(), 'imagine-db-')), 'bot.db');
  return urlForSchema(createSchema());
}

/** Removes what `testDatabaseUrl` made (its processes must have closed their connections or exited). */
export function dropTestDatabase(location: string): void {
  if (!isPostgresUrl(location)) {
    rmSync(dirname(location), { recursive: true, force: true });
    return;
  }
  const schema = schemaOfUrl(location);
  if (schema) dropSchema(schema);
}

/** What `databasesClosedAfterEach` hands a suite. */
export interface TestDatabases {
  /** A fresh database of `kind` (see `openTestDatabase`). */
  openFresh(kind: DatabaseKind): Database;
  /** One database several connections can open, as several bot processes would: a file, or a PostgreSQL schema. */
  sharedLocation(kind: DatabaseKind): string;
  /** A connection to a shared location (the first one migrates it), as a bot process would have. */
  connect(location: string): Database;
}

/**
 * Call once at a test file's top level: every database the returned functions open is closed, and
 * every shared location dropped, after each test.
 */
export function databasesClosedAfterEach(): TestDatabases {
  const handles: Database[] = [];
  const shared: string[] = [];
  afterEach(() => {
    for (const db of handles.splice(0)) if (db.open) db.close();
    for (const location of shared.splice(0)) dropTestDatabase(location);
  });
  const track = (db: Database): Database => {
    handles.push(db);
    return db;
  };
  return {
    openFresh: (kind) => track(openTestDatabase(kind)),
    sharedLocation: (kind) => {
      const location = testDatabaseUrl(kind);
      shared.push(location);
      return location;
    },
    connect: (location) => track(openDatabase(location)),
  };
}
