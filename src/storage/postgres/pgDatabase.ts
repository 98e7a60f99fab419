// better-sqlite3's API (the part the stores use) over one PostgreSQL connection, so every store runs
// on PostgreSQL unchanged in shape (issue 15, design points 1–3). Statements block like
// better-sqlite3's; see bridge.ts for how.
//
// What differs from SQLite, on purpose:
// - Transactions: every top-level transaction (deferred, immediate or exclusive alike) starts with
//   `pg_advisory_xact_lock`, so writers are serialised across processes exactly like SQLite's one
//   writer; a write outside a transaction takes it too. The wait is bounded by lock_timeout, after
//   which PostgreSQL raises 55P03, which `isDatabaseBusy` treats like SQLITE_BUSY.
// - A failed statement aborts a PostgreSQL transaction: later statements in it fail (25P02), so a
//   transaction function must not catch an error and carry on; use a nested transaction (a
//   SAVEPOINT) around a statement that may fail, or ON CONFLICT.
// - `lastInsertRowid` exists only for `INSERT … RETURNING id` (PostgreSQL has no rowid); portable
//   stores write `RETURNING id` and read it with `.pluck().get()` on both databases.
// - `iterate` reads the whole result first (no server-side cursor): the stores iterate bounded pages.
// - `pragma` is SQLite-only and throws.
import type { ArgumentTypes, Transaction, VariableArgFunction } from '../handle.js';
import { redactUrl } from './connectionUrl.js';
import { type BridgeSettings, type Reply, WorkerBridge } from './bridge.js';
import { isReadOnly, type Slot, translatePlaceholders } from './placeholders.js';

export { PostgresError } from './bridge.js';

const SETTINGS: BridgeSettings = {
  // A hung server or a runaway query fails after 10 s instead of freezing the bot, whose event loop
  // waits on every statement.
  statementTimeoutMs: 10_000,
  // SQLite's busy_timeout (database.ts): a writer waits one second for another process's lock.
  lockTimeoutMs: 1_000,
  connectTimeoutMs: 10_000,
  // The advisory lock's first key: "imag" in ASCII, one constant for every imagine-bot process.
  lockClass: 0x696d6167,
  applicationName: 'imagine-bot',
};

export interface PgRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

type Params = unknown[];

function isNamedParams(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value) && !(value instanceof Date);
}

/** Maps better-sqlite3's call arguments (positional values, arrays of them, one object of named ones) to `$n` values. */
function bindValues(slots: readonly Slot[], args: Params): unknown[] {
  const positional: unknown[] = [];
  let named: Record<string, unknown> | undefined;
  for (const arg of args) {
    if (Array.isArray(arg)) positional.push(...(arg as unknown[]));
    else if (isNamedParams(arg)) named = arg;
    else positional.push(arg);
  }
  const expected = slots.filter((slot) => 'index' in slot).length;
  if (positional.length < expected) throw new RangeError('Too few parameter values were provided');
  if (positional.length > expected) throw new RangeError('Too many parameter values were provided');
  return slots.map((slot) => {
    if ('index' in slot) return positional[slot.index];
    if (named === undefined || !(slot.name in named)) throw new RangeError(`Missing named parameter "${slot.name}"`);
    return named[slot.name];
  });
}

/** bytea values cross the thread boundary as Uint8Array; the stores expect Buffers, as from SQLite BLOBs. */
function toBuffers(rows: unknown[]): unknown[] {
  for (const row of rows) {
    const record = row as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      if (value instanceof Uint8Array && !Buffer.isBuffer(value)) record[key] = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  }
  return rows;
}

export class PgStatement<P extends unknown[] = unknown[], R = unknown> {
  private readonly text: string;
  private readonly slots: readonly Slot[];
  private readonly readOnly: boolean;
  private plucking = false;
  private rawRows = false;

  constructor(
    private readonly db: PgDatabase,
    readonly source: string,
  ) {
    ({ text: this.text, slots: this.slots } = translatePlaceholders(source));
    this.readOnly = isReadOnly(source);
  }

  run(...params: P): PgRunResult {
    const reply = this.query(params, false);
    const last = reply.rows.at(-1) as Record<string, unknown> | undefined;
    const id = last?.['id'];
    return { changes: reply.changes, lastInsertRowid: typeof id === 'number' || typeof id === 'bigint' ? id : 0 };
  }

  get(...params: P): R | undefined {
    return this.shape(this.query(params, true).rows)[0];
  }

  all(...params: P): R[] {
    return this.shape(this.query(params, false).rows);
  }

  iterate(...params: P): IterableIterator<R> {
    return this.all(...params)[Symbol.iterator]();
  }

  /** Return only the first column of each row (better-sqlite3's pluck). */
  pluck(toggle = true): this {
    this.plucking = toggle;
    if (toggle) this.rawRows = false;
    return this;
  }

  /** Return each row as an array of column values (better-sqlite3's raw). */
  raw(toggle = true): this {
    this.rawRows = toggle;
    if (toggle) this.plucking = false;
    return this;
  }

  private query(params: Params, first: boolean): Reply {
    const values = bindValues(this.slots, params);
    const array = this.plucking || this.rawRows;
    const reply = this.db.call({ op: 'query', text: this.text, values, array, first, lock: !this.readOnly });
    if (reply.bytea) toBuffers(reply.rows);
    return reply;
  }

  private shape(rows: unknown[]): R[] {
    if (this.plucking) return rows.map((row) => (row as unknown[])[0]) as R[];
    return rows as R[];
  }
}

export class PgDatabase {
  readonly dialect = 'postgres' as const;
  /** The connection URL without its password (better-sqlite3's `name` is the file path). */
  readonly name: string;
  private readonly bridge: WorkerBridge;
  private depth = 0;
  private isOpen = true;

  /**
   * Connects (blocking) to the database at `url`; throws a PostgresError when it cannot. With
   * `deferConnect`, returns at once while the worker connects in the background, and the first
   * statement waits for it (and throws if it failed): tests warm a spare handle this way.
   */
  constructor(url: string, options: { deferConnect?: boolean } = {}) {
    this.name = redactUrl(url);
    this.bridge = new WorkerBridge(url, SETTINGS, options.deferConnect ?? false);
  }

  get open(): boolean {
    return this.isOpen;
  }

  get inTransaction(): boolean {
    return this.depth > 0;
  }

  prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(
    source: string,
  ): BindParameters extends unknown[] ? PgStatement<BindParameters, Result> : PgStatement<[BindParameters], Result> {
    return new PgStatement(this, source) as never;
  }

  /**
   * better-sqlite3's transaction(): the returned function runs `fn` in a transaction (a SAVEPOINT
   * when already inside one), commits when it returns and rolls back and rethrows when it throws.
   * All four variants behave alike: each top-level transaction takes the write lock first.
   */
  transaction<F extends VariableArgFunction>(fn: F): Transaction<F> {
    const run = (...params: ArgumentTypes<F>): ReturnType<F> => (this.depth > 0 ? this.nested(fn, params) : this.topLevel(fn, params));
    return Object.assign(run, { default: run, deferred: run, immediate: run, exclusive: run });
  }

  /** Runs a script of one or more statements (no parameters), like better-sqlite3's exec. */
  exec(source: string): this {
    this.call({ op: 'script', text: source, lock: true });
    return this;
  }

  pragma(source: string): never {
    throw new Error(`PRAGMA ${source.split(/[\s=]/)[0] ?? ''} is SQLite-only; this database is PostgreSQL (${this.name})`);
  }

  /** Closes the connection and stops its worker thread. Idempotent, like better-sqlite3's close. */
  close(): this {
    if (!this.isOpen) return this;
    this.isOpen = false;
    this.depth = 0;
    this.bridge.close();
    return this;
  }

  /** @internal One request to the connection's worker (used by PgStatement). */
  call(request: Parameters<WorkerBridge['call']>[0]): Reply {
    if (!this.isOpen) throw new TypeError('The database connection is not open');
    return this.bridge.call(request);
  }

  /** A rollback after a failure: if it fails too (the connection is gone), the first error is the one to report. */
  private quietly(request: Parameters<WorkerBridge['call']>[0]): void {
    try {
      this.call(request);
    } catch {
      // reported by the caller's rethrow of the original error
    }
  }

  private topLevel<F extends VariableArgFunction>(fn: F, params: ArgumentTypes<F>): ReturnType<F> {
    this.call({ op: 'begin' });
    this.depth = 1;
    try {
      const result = guard(fn(...params));
      this.depth = 0;
      this.call({ op: 'commit' });
      return result as ReturnType<F>;
    } catch (error) {
      if (this.depth > 0) {
        this.depth = 0;
        this.quietly({ op: 'rollback' });
      }
      throw error;
    }
  }

  private nested<F extends VariableArgFunction>(fn: F, params: ArgumentTypes<F>): ReturnType<F> {
    const savepoint = `nested_${this.depth}`;
    this.call({ op: 'script', text: `SAVEPOINT ${savepoint}`, lock: false });
    this.depth += 1;
    try {
      const result = guard(fn(...params));
      this.call({ op: 'script', text: `RELEASE SAVEPOINT ${savepoint}`, lock: false });
      return result as ReturnType<F>;
    } catch (error) {
      this.quietly({ op: 'script', text: `ROLLBACK TO SAVEPOINT ${savepoint}; RELEASE SAVEPOINT ${savepoint}`, lock: false });
      throw error;
    } finally {
      this.depth -= 1;
    }
  }
}

/** better-sqlite3 refuses async transaction functions: the commit would run before their awaits. */
function guard(result: unknown): unknown {
  if (typeof (result as { then?: unknown } | null)?.then === 'function') throw new TypeError('Transaction function cannot return a promise');
  return result;
}
