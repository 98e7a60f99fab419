// The handle every store takes, as an interface: better-sqlite3's Database satisfies it as it is, and
// the PostgreSQL adapter (postgres/pgDatabase.ts) implements it. Only the part of better-sqlite3's API
// the stores use; anything more would have to be written twice.

export type VariableArgFunction = (...params: any[]) => unknown;
// Spelled as @types/better-sqlite3 spells it, so that its Transaction is assignable to this one.
export type ArgumentTypes<F extends VariableArgFunction> = F extends (...args: infer A) => unknown ? A : never;

/** A prepared statement: the part of better-sqlite3's Statement the stores use. */
export interface Statement<BindParameters extends unknown[] = unknown[], Result = unknown> {
  run(...params: BindParameters): { changes: number; lastInsertRowid: number | bigint };
  get(...params: BindParameters): Result | undefined;
  all(...params: BindParameters): Result[];
  iterate(...params: BindParameters): IterableIterator<Result>;
  pluck(toggleState?: boolean): this;
  raw(toggleState?: boolean): this;
}

/** `db.transaction(fn)`: call it (or `.immediate(…)`) to run `fn` in a transaction. */
export interface Transaction<F extends VariableArgFunction> {
  (...params: ArgumentTypes<F>): ReturnType<F>;
  default(...params: ArgumentTypes<F>): ReturnType<F>;
  deferred(...params: ArgumentTypes<F>): ReturnType<F>;
  immediate(...params: ArgumentTypes<F>): ReturnType<F>;
  exclusive(...params: ArgumentTypes<F>): ReturnType<F>;
}

/**
 * The handle every store takes: better-sqlite3's Database and the PostgreSQL adapter both satisfy
 * it. `pragma` is SQLite-only (the adapter throws); check `dialectOf(db)` before using it.
 */
export interface Database {
  readonly name: string;
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare<BindParameters extends unknown[] | {} = unknown[], Result = unknown>(
    source: string,
  ): BindParameters extends unknown[] ? Statement<BindParameters, Result> : Statement<[BindParameters], Result>;
  transaction<F extends VariableArgFunction>(fn: F): Transaction<F>;
  exec(source: string): this;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): this;
}

