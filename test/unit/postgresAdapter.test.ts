// The PostgreSQL adapter (src/storage/postgres): better-sqlite3's synchronous API over a worker thread
// and one pg connection. The placeholder translation is checked on its own; everything else runs
// against the real test server (TEST_DATABASE_URL) and is skipped without one.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dialectOf, isDatabaseBusy, migrate, openDatabase, PgDatabase, PostgresError, SCHEMA, type Database } from '../../src/storage/index.js';
import { awaitSignal } from '../../src/storage/postgres/bridge.js';
import { isReadOnly, translatePlaceholders } from '../../src/storage/postgres/placeholders.js';
import { dropTestDatabase, openTestDatabase, testDatabaseUrl } from '../helpers/databases.js';
import { transpileForNode } from '../helpers/transpile.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const ADMIN_URL = process.env.TEST_DATABASE_URL;

describe('placeholders', () => {
  it('numbers ? in order and gives each @name one slot, however often it appears', () => {
    expect(translatePlaceholders('SELECT * FROM t WHERE a = ? AND b = ?')).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b = $2',
      slots: [{ index: 0 }, { index: 1 }],
    });
    expect(translatePlaceholders('UPDATE t SET a = @a, b = @b WHERE a <> @a')).toEqual({
      text: 'UPDATE t SET a = $1, b = $2 WHERE a <> $1',
      slots: [{ name: 'a' }, { name: 'b' }],
    });
  });

  it('leaves strings, quoted names, comments, dollar-quoted bodies and operators alone', () => {
    const sql = `SELECT '?', 'it''s @x', "col?" , $$ ? @y $$, $f$ @z $f$, j @> k -- ? @c
      /* ? @d */ FROM t WHERE a = ?`;
    const { text, slots } = translatePlaceholders(sql);
    expect(text).toBe(sql.replace('a = ?', 'a = $1'));
    expect(slots).toEqual([{ index: 0 }]);
  });

  it('tells reads from writes, which outside a transaction take the write lock', () => {
    expect(isReadOnly('  -- note\n SELECT 1')).toBe(true);
    expect(isReadOnly('WITH x AS (SELECT 1) SELECT * FROM x')).toBe(true);
    expect(isReadOnly('SELECT * FROM t FOR UPDATE')).toBe(false);
    expect(isReadOnly('WITH d AS (DELETE FROM t RETURNING id) SELECT * FROM d')).toBe(false);
    expect(isReadOnly('INSERT INTO t VALUES (1)')).toBe(false);
    expect(isReadOnly('/* c */ update t set a = 1')).toBe(false);
  });
});

describe('waiting for the worker’s reply', () => {
  // A worker that first sends a notify with the flag still 0 (the late notify of a previous reply),
  // counting how many waiters it woke in slot 1, and only later sets the flag.
  const STALE_THEN_SET = `
    const s = new Int32Array(require('node:worker_threads').workerData);
    setTimeout(() => { Atomics.store(s, 1, Atomics.notify(s, 0)); }, 150);
    if (s[2] === 1) setTimeout(() => { Atomics.store(s, 0, 1); Atomics.notify(s, 0); }, 600);
  `;
  const start = (setLater: boolean): { signal: Int32Array; worker: Worker } => {
    const signal = new Int32Array(new SharedArrayBuffer(12));
    signal[2] = setLater ? 1 : 0;
    return { signal, worker: new Worker(STALE_THEN_SET, { eval: true, workerData: signal.buffer }) };
  };

  it('sleeps through a notify that came without the flag, and wakes when the flag is set', async () => {
    const { signal, worker } = start(true);
    const began = performance.now();
    expect(awaitSignal(signal, 10_000)).toBe(true);
    const waited = performance.now() - began;
    await worker.terminate();
    expect(signal[1]).toBe(1); // the stale notify did wake this wait, once
    expect(signal[0]).toBe(1);
    expect(waited).toBeGreaterThanOrEqual(550);
  });

  it('gives up at its timeout when only stale notifies come', async () => {
    const { signal, worker } = start(false);
    const began = performance.now();
    expect(awaitSignal(signal, 1_500)).toBe(false);
    const waited = performance.now() - began;
    await worker.terminate();
    expect(signal[1]).toBe(1);
    expect(waited).toBeGreaterThanOrEqual(1_490);
  });
});

describe.skipIf(!ADMIN_URL)('PgDatabase against PostgreSQL', () => {
  const handles: Database[] = [];
  const open = (): Database => {
    const db = openTestDatabase('postgres', { version: 0 });
    handles.push(db);
    return db;
  };
  /** A second connection to the same schema, as a second bot process would have. */
  const connectTo = (db: Database): PgDatabase => {
    const url = new URL(ADMIN_URL as string);
    url.searchParams.set('options', `-c search_path=${db.prepare<[], string>('SELECT current_schema()').pluck().get()}`);
    const other = new PgDatabase(url.toString());
    handles.unshift(other); // closed before the schema's owner drops it
    return other;
  };

  afterEach(() => {
    for (const db of handles.splice(0)) db.close();
  });

  function table(db: Database): Database {
    db.exec(`
      CREATE TABLE items (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name TEXT UNIQUE, n BIGINT, blob BYTEA);
      INSERT INTO items (name, n) VALUES ('a', 1), ('b', 2), ('c', 3);
    `);
    return db;
  }

  it('binds positional, named and array parameters; refuses too few, too many and missing', () => {
    const db = table(open());
    expect(db.prepare('SELECT name FROM items WHERE n = ? OR n = ? ORDER BY n').pluck().all(1, 3)).toEqual(['a', 'c']);
    expect(db.prepare('SELECT name FROM items WHERE n = ? OR n = ? ORDER BY n').pluck().all([1, 2])).toEqual(['a', 'b']);
    expect(db.prepare('SELECT name FROM items WHERE n >= @low AND n <= @low + 1 ORDER BY n').pluck().all({ low: 2 })).toEqual(['b', 'c']);
    expect(db.prepare("SELECT '?' || name FROM items WHERE name = ?").pluck().get('a')).toBe('?a');
    expect(() => db.prepare('SELECT ? + ?').get(1)).toThrow(RangeError);
    expect(() => db.prepare('SELECT ?').get(1, 2)).toThrow(RangeError);
    expect(() => db.prepare('SELECT @x::int').get({ y: 1 })).toThrow(/Missing named parameter "x"/);
  });

  it('returns rows, plucked values, raw arrays and iterators like better-sqlite3', () => {
    const db = table(open());
    expect(db.prepare('SELECT name, n FROM items ORDER BY n').get()).toEqual({ name: 'a', n: 1 });
    expect(db.prepare('SELECT name FROM items WHERE n = ?').get(99)).toBeUndefined();
    expect(db.prepare('SELECT name, n FROM items ORDER BY n').raw().all()).toEqual([['a', 1], ['b', 2], ['c', 3]]);
    const statement = db.prepare('SELECT name, n FROM items ORDER BY n');
    expect(statement.pluck().all()).toEqual(['a', 'b', 'c']);
    expect(statement.pluck(false).get()).toEqual({ name: 'a', n: 1 });
    expect([...db.prepare<[number], { name: string }>('SELECT name FROM items WHERE n > ? ORDER BY n').iterate(1)].map((row) => row.name)).toEqual(['b', 'c']);
  });

  it('reports changes, and the id of INSERT … RETURNING id as lastInsertRowid', () => {
    const db = table(open());
    expect(db.prepare('UPDATE items SET n = n + 10 WHERE n > ?').run(1)).toEqual({ changes: 2, lastInsertRowid: 0 });
    expect(db.prepare("INSERT INTO items (name) VALUES ('d') RETURNING id").run()).toEqual({ changes: 1, lastInsertRowid: 4 });
    expect(db.prepare("INSERT INTO items (name) VALUES ('e') RETURNING id").pluck().get()).toBe(5);
    expect(db.prepare("INSERT INTO items (name) VALUES ('a') ON CONFLICT DO NOTHING").run().changes).toBe(0);
  });

  it('reads int8 and numeric as numbers, exact up to 2^53, and bytea as Buffers', () => {
    const db = table(open());
    const big = 2 ** 53 - 1;
    db.prepare('INSERT INTO items (name, n, blob) VALUES (?, ?, ?)').run('big', big, Buffer.from([0, 1, 255]));
    expect(db.prepare("SELECT n FROM items WHERE name = 'big'").pluck().get()).toBe(big);
    expect(db.prepare('SELECT COUNT(*) FROM items').pluck().get()).toBe(4);
    expect(db.prepare("SELECT SUM(n) FROM items WHERE name <> 'big'").pluck().get()).toBe(6); // numeric
    expect(db.prepare('SELECT AVG(n) FROM items WHERE n < 3').pluck().get()).toBe(1.5);
    const blob = db.prepare("SELECT blob FROM items WHERE name = 'big'").pluck().get();
    expect(Buffer.isBuffer(blob)).toBe(true);
    expect([...(blob as Buffer)]).toEqual([0, 1, 255]);
  });

  it('commits a transaction, rolls it back when it throws, and rethrows the same error', () => {
    const db = table(open());
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    const names = db.prepare('SELECT name FROM items ORDER BY id').pluck();
    const add = db.transaction((name: string) => {
      insert.run(name);
      expect(db.inTransaction).toBe(true);
      return name.length;
    });
    expect(add.immediate('dd')).toBe(2);
    expect(db.inTransaction).toBe(false);
    const boom = new Error('boom');
    expect(() =>
      db.transaction(() => {
        insert.run('gone');
        throw boom;
      }).exclusive(),
    ).toThrow(boom);
    expect(db.inTransaction).toBe(false);
    expect(names.all()).toEqual(['a', 'b', 'c', 'dd']);
    expect(() => db.transaction(async () => undefined)()).toThrow(/cannot return a promise/);
  });

  it('nests transactions as savepoints: an inner failure undoes only the inner work', () => {
    const db = table(open());
    const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
    const inner = db.transaction((name: string) => insert.run(name));
    db.transaction(() => {
      inner('kept');
      expect(() => inner('a')).toThrow(expect.objectContaining({ code: '23505' })); // duplicate name
      inner('also kept');
    })();
    expect(db.prepare("SELECT name FROM items WHERE name LIKE '%kept' ORDER BY id").pluck().all()).toEqual(['kept', 'also kept']);
  });

  it('refuses to commit a transaction in which a statement failed (PostgreSQL aborts it)', () => {
    const db = table(open());
    expect(() =>
      db.transaction(() => {
        db.prepare("INSERT INTO items (name) VALUES ('x')").run();
        try {
          db.prepare("INSERT INTO items (name) VALUES ('a')").run();
        } catch {
          // swallowed: fine on SQLite, but this PostgreSQL transaction is now aborted
        }
      })(),
    ).toThrow(expect.objectContaining({ code: '25P02' }));
    expect(db.prepare("SELECT COUNT(*) FROM items WHERE name = 'x'").pluck().get()).toBe(0);
  });

  it('keeps PostgreSQL’s code, detail and constraint on errors', () => {
    const db = table(open());
    let caught: unknown;
    try {
      db.prepare("INSERT INTO items (id, name) VALUES (1, 'z')").run();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PostgresError);
    expect(caught).toMatchObject({ code: '23505', constraint: 'items_pkey', detail: 'Key (id)=(1) already exists.' });
    expect(() => db.prepare('SELECT * FROM missing').all()).toThrow(expect.objectContaining({ code: '42P01' }));
  });

  it('serialises writers across connections with the advisory lock; readers do not wait', () => {
    const first = table(open());
    const second = connectTo(first);
    expect(dialectOf(second)).toBe('postgres');
    let busy: unknown;
    let waited = 0;
    first.transaction(() => {
      first.prepare("UPDATE items SET n = 100 WHERE name = 'a'").run();
      // Another process's reader sees the last committed state at once…
      expect(second.prepare("SELECT n FROM items WHERE name = 'a'").pluck().get()).toBe(1);
      // …but its transaction waits for the lock, lock_timeout (1 s), then gives up: busy.
      const started = performance.now();
      try {
        second.transaction(() => second.prepare("UPDATE items SET n = 200 WHERE name = 'b'").run())();
      } catch (error) {
        busy = error;
      }
      waited = performance.now() - started;
      // A write outside a transaction takes the lock too, like SQLite's autocommit writer.
      expect(() => second.prepare("UPDATE items SET n = 300 WHERE name = 'c'").run()).toThrow(expect.objectContaining({ code: '55P03' }));
    })();
    expect(busy).toMatchObject({ code: '55P03' });
    expect(isDatabaseBusy(busy)).toBe(true);
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(second.inTransaction).toBe(false);
    // Once the first commits, the second's transaction goes through.
    second.transaction(() => second.prepare("UPDATE items SET n = 200 WHERE name = 'b'").run())();
    expect(first.prepare('SELECT n FROM items ORDER BY id').pluck().all()).toEqual([100, 200, 3]);
  });

  it('does not serialise different schemas (each test database, or deployment, has its own lock)', () => {
    const first = table(open());
    const other = table(open());
    first.transaction(() => {
      const started = performance.now();
      other.transaction(() => other.prepare("UPDATE items SET n = 5 WHERE name = 'a'").run())();
      expect(performance.now() - started).toBeLessThan(900);
    })();
  });

  it('bounds every statement (10 s) and every lock wait (1 s), so a hung server cannot freeze the bot', () => {
    const db = open();
    expect(db.prepare('SHOW statement_timeout').pluck().get()).toBe('10s');
    expect(db.prepare('SHOW lock_timeout').pluck().get()).toBe('1s');
    expect(db.prepare('SHOW application_name').pluck().get()).toBe('imagine-bot');
  });

  it('keeps the schema version in schema_version and refuses a database newer than this build', () => {
    const db = open();
    migrate(db, 3);
    expect(db.prepare('SELECT version FROM schema_version').pluck().get()).toBe(3);
    migrate(db);
    expect(db.prepare('SELECT version FROM schema_version').pluck().get()).toBe(SCHEMA.length);
    migrate(db); // nothing left to do
    db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA.length + 1);
    expect(() => migrate(db)).toThrow(/newer than this build knows/);
  });

  it('runs multi-statement scripts with exec, atomically', () => {
    const db = table(open());
    expect(() => db.exec("INSERT INTO items (name) VALUES ('s1'); INSERT INTO items (name) VALUES ('a')")).toThrow(
      expect.objectContaining({ code: '23505' }),
    );
    expect(db.prepare("SELECT COUNT(*) FROM items WHERE name = 's1'").pluck().get()).toBe(0);
    expect(() => db.pragma('user_version')).toThrow(/SQLite-only/);
  });

  it('never shows the password: not in name, not in connection errors, not in query errors', () => {
    const secret = 'Sup3rSecretPw';
    const url = new URL(ADMIN_URL as string);
    url.password = secret;
    const db = new PgDatabase(url.toString()); // the test server trusts local connections: any password works
    handles.push(db);
    expect(db.name).not.toContain(secret);
    let message = '';
    try {
      db.prepare('SELECT ?::int').get(secret);
    } catch (error) {
      message = `${(error as Error).message} ${JSON.stringify(error)}`;
    }
    expect(message).toMatch(/invalid input syntax for type integer/);
    expect(message).not.toContain(secret);

    const unreachable = new URL(url);
    unreachable.port = '1'; // nothing listens there
    unreachable.searchParams.set('connect_timeout', '2');
    let opening = '';
    try {
      openDatabase(unreachable.toString());
    } catch (error) {
      opening = `${(error as Error).message} ${String((error as Error).cause)} ${(error as Error).stack}`;
    }
    expect(opening).toMatch(/Cannot open the PostgreSQL database postgres:\/\/postgres@/);
    expect(opening).not.toContain(secret);
  });

  it('reconnects after losing its connection between statements (a server restart, an idle kill)', () => {
    const db = table(open());
    const pid = db.prepare<[], number>('SELECT pg_backend_pid()').pluck().get();
    const admin = connectTo(db);
    expect(admin.prepare('SELECT pg_terminate_backend(?)').pluck().get(pid)).toBe(true);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // the worker sees the socket close
    expect(db.prepare('SELECT COUNT(*) FROM items').pluck().get()).toBe(3);
    expect(db.prepare<[], number>('SELECT pg_backend_pid()').pluck().get()).not.toBe(pid);
  });

  it('closes its connection on close(), and refuses statements afterwards', () => {
    const db = open();
    const pid = db.prepare<[], number>('SELECT pg_backend_pid()').pluck().get() as number;
    const watcher = connectTo(db);
    const alive = watcher.prepare<[number], number>('SELECT COUNT(*) FROM pg_stat_activity WHERE pid = ?').pluck();
    expect(alive.get(pid)).toBe(1);
    handles.splice(handles.indexOf(db), 1);
    db.close();
    db.close(); // idempotent
    expect(db.open).toBe(false);
    expect(() => db.prepare('SELECT 1').get()).toThrow(/not open/);
    const deadline = Date.now() + 2_000;
    while (alive.get(pid) !== 0 && Date.now() < deadline);
    expect(alive.get(pid)).toBe(0);
  });
});

describe.skipIf(!ADMIN_URL)('a PostgreSQL handle in a process of its own', () => {
  let dir: string;
  let script: string;
  let url: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'imagine-pg-'));
    const entry = transpileForNode('src/storage/postgres/pgDatabase.ts', join(dir, 'js'));
    script = join(dir, 'run.mjs');
    writeFileSync(
      script,
      `import { PgDatabase } from ${JSON.stringify(entry)};
       const db = new PgDatabase(process.env.URL);
       console.log(db.prepare('SELECT 40 + 2 AS answer').pluck().get());
       if (process.env.CLOSE === '1') db.close();`,
    );
    url = testDatabaseUrl('postgres');
  });

  afterAll(() => {
    if (url) dropTestDatabase(url);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('migrates once when two processes open one empty database at the same moment', async () => {
    const migrateJs = transpileForNode('src/storage/migrations.ts', join(dir, 'js'));
    const racer = join(dir, 'migrate.mjs');
    writeFileSync(
      racer,
      `import { PgDatabase } from ${JSON.stringify(join(dirname(migrateJs), 'postgres/pgDatabase.js'))};
       import { migrate } from ${JSON.stringify(migrateJs)};
       const db = new PgDatabase(process.env.URL);
       migrate(db);
       console.log(db.prepare('SELECT version FROM schema_version').pluck().get());
       db.close();`,
    );
    const shared = testDatabaseUrl('postgres');
    try {
      const runs = await Promise.all([0, 1].map(() => runNode(racer, { URL: shared })));
      for (const run of runs) expect(run).toEqual({ code: 0, stdout: `${SCHEMA.length}\n`, stderr: '' });
      const db = new PgDatabase(shared);
      expect(db.prepare('SELECT COUNT(*) FROM schema_version').pluck().get()).toBe(1);
      db.close();
    } finally {
      dropTestDatabase(shared);
    }
  });

  it.each(['1', '0'])('exits when its work is done (close() called: %s), like a better-sqlite3 handle', (close) => {
    const started = Date.now();
    const run = spawnSync(process.execPath, [script], { cwd: ROOT, env: { ...process.env, URL: url, CLOSE: close }, encoding: 'utf8', timeout: 15_000 });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('42');
    expect(run.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

function runNode(script: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

