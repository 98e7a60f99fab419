// Moves a bot's whole history from its SQLite file into a new, empty PostgreSQL database (`npm run
// db:copy`, src/cli/copyToPostgres.ts), so that a move to PostgreSQL (issue 15) keeps the usage log,
// the ledger and the month's budgets, the policies and word lists, the galleries and favourites, the
// members' settings, the style presets, the reports and the kept totals.
//
// How:
// - Both handles are migrated to this build's schema first (openDatabase does it). The tables are
//   discovered from SQLite's own catalogue (sqlite_master, less its internals) and compared with the
//   PostgreSQL schema's tables and columns: any difference refuses the copy, since it would lose or
//   invent data. `schema_version` (PostgreSQL's record of the migrations) is bookkeeping, not data.
// - The target must be as a fresh migration leaves it: every table empty, except the one-row
//   tables a migration seeds (settings_version, queue_clock), which must still hold their seed. The
//   copier never merges into a database a bot has run on; it says which tables are not empty.
// - One PostgreSQL transaction, under the adapter's write lock: the emptiness check, then every
//   table's rows, then the identity sequences, then the checks below. A failure anywhere rolls it
//   all back: nothing is committed unless it was verified.
// - The target's USER triggers are disabled during the copy (ALTER TABLE … DISABLE TRIGGER USER, on
//   tables the bot's role owns) and enabled again before COMMIT: the kept totals (usage_guild_totals,
//   ledger_guild_days) and the settings counter are copied as they are, not recomputed, because
//   retention may have pruned detail rows whose totals now live only there.
// - Rows go in multi-row INSERTs (500 rows a statement by default, fewer for wide tables: PostgreSQL
//   takes at most 65535 bind parameters), since every statement is a round trip.
// - The source is read in one read transaction: a consistent snapshot even if something writes the
//   file meanwhile (what it writes after the snapshot is not copied: stop the bot first).
// - Values: SQLite's integers are read as BigInt (exact past 2^53) and sent as numbers or, when
//   larger, as text; a fractional value in a whole-number column (SQLite's type affinity allows it)
//   is rounded down (the day it falls in stays the same) and counted; booleans are 0/1 integers in
//   both dialects (schema/postgres.ts), so nothing else changes.
// - Identity columns (usage.id, ledger.id, jobs.id, audit_log.id, guild_blocked_words.rowid) keep
//   their values (OVERRIDING SYSTEM VALUE; guild_blocked_words.rowid is SQLite's implicit rowid, the
//   order the word lists are shown in) and their sequences are set past the highest one.
//
// The checks, inside the transaction after the triggers are enabled again: per table, the row count
// and a checksum of every column (non-null values; the exact sum of whole-number columns, the sum of
// floating-point ones, the UTF-8 bytes of text ones) equal what was read; then, through the stores
// on both sides, each server's all-time usage report and its spend for the day and the month agree.
// After COMMIT the row counts are read once more.
import { dialectOf } from './dialect.js';
import type { Database } from './handle.js';
import { openDatabase } from './database.js';
import { Ledger } from './ledger.js';
import { UsageReports } from './usageReports.js';

/** The copy was refused before anything was written: the target is not empty, or the schemas differ. */
export class CopyRefused extends Error {
  override readonly name = 'CopyRefused';
}

/** Tables that record the migrations, not data: each database keeps its own. */
const BOOKKEEPING = new Set(['schema_version']);
/** PostgreSQL's limit on the parameters of one statement. */
const MAX_PARAMETERS = 65_535;
const DEFAULT_BATCH_ROWS = 500;
/** Servers whose reports and spend are compared through the stores (every server, up to this many). */
const DEFAULT_CHECKED_GUILDS = 1_000;

export interface TableCopy {
  readonly table: string;
  readonly rows: number;
  /** Fractional values in whole-number columns, rounded down. */
  readonly rounded: number;
}

export interface CopyOptions {
  /** Rows per INSERT statement (capped by PostgreSQL's 65535 parameters). */
  readonly batchRows?: number;
  /** The "now" of the spend check (epoch ms); Date.now() by default. */
  readonly now?: number;
  /** Called after each table is copied (before COMMIT). */
  readonly onTable?: (table: TableCopy) => void;
  /** At most this many servers are compared through the stores. */
  readonly checkedGuilds?: number;
}

export interface CopyResult {
  /** In copy order. */
  readonly tables: readonly TableCopy[];
  readonly rows: number;
  readonly schemaVersion: number;
  /** Servers whose all-time report and day and month spend were compared, and how many there are. */
  readonly guildsChecked: number;
  readonly guilds: number;
  readonly elapsedMs: number;
}

type Row = Record<string, unknown>;

interface Column {
  readonly name: string;
  /** PostgreSQL's data_type. */
  readonly type: string;
  readonly identity: boolean;
}

interface TablePlan {
  readonly name: string;
  /** The target's columns, in its order. */
  readonly columns: readonly Column[];
  /** The source expression for each column (the column, or `rowid`). */
  readonly selects: readonly string[];
  readonly hasRowid: boolean;
  /** Rows a fresh migration puts in the table (settings_version, queue_clock). */
  readonly seed: readonly Row[];
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A column's checksum: values present, and their sum (exact for whole numbers). */
interface Sum {
  count: number;
  whole: bigint;
  real: number;
  bytes: number;
}

type Kind = 'whole' | 'real' | 'text' | 'bytes' | 'boolean';

function kindOf(table: string, column: Column): Kind {
  switch (column.type) {
    case 'smallint':
    case 'integer':
    case 'bigint':
      return 'whole';
    case 'real':
    case 'double precision':
    case 'numeric':
      return 'real';
    case 'text':
    case 'character varying':
    case 'character':
      return 'text';
    case 'bytea':
      return 'bytes';
    case 'boolean':
      return 'boolean';
    default:
      throw new CopyRefused(`${table}.${column.name} is of type ${column.type} in PostgreSQL, which the copier does not know how to fill`);
  }
}

class ValueError extends Error {}

/** Converts one SQLite value for the target column, adding it to the column's checksum. */
function convert(kind: Kind, value: unknown, sum: Sum, rounded: { count: number }): unknown {
  if (value === null || value === undefined) return null;
  sum.count += 1;
  switch (kind) {
    case 'whole': {
      let whole: bigint;
      if (typeof value === 'bigint') whole = value;
      else if (typeof value === 'number' && Number.isFinite(value)) {
        if (!Number.isInteger(value)) rounded.count += 1;
        whole = BigInt(Math.floor(value));
      } else if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) whole = BigInt(value.trim());
      else throw new ValueError(`${describe(value)}, which is not a whole number`);
      sum.whole += whole;
      return whole >= BigInt(Number.MIN_SAFE_INTEGER) && whole <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(whole) : whole.toString();
    }
    case 'real': {
      const real = typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : value;
      if (typeof real !== 'number' || !Number.isFinite(real)) throw new ValueError(`${describe(value)}, which is not a finite number`);
      sum.real += real;
      return real;
    }
    case 'text': {
      if (Buffer.isBuffer(value)) throw new ValueError('a BLOB in a text column');
      const text = typeof value === 'string' ? value : String(value);
      if (text.includes('\u0000')) throw new ValueError('text with a NUL character, which PostgreSQL text cannot hold');
      sum.bytes += Buffer.byteLength(text, 'utf8');
      return text;
    }
    case 'bytes': {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
      sum.bytes += bytes.length;
      return bytes;
    }
    case 'boolean': {
      const truth = typeof value === 'bigint' ? value !== 0n : Boolean(value);
      sum.whole += truth ? 1n : 0n;
      return truth;
    }
  }
}

function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return 'a BLOB';
  const text = String(value);
  return `${typeof value} ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`;
}

/** The statement the source reads with, with integers as BigInt (better-sqlite3's safeIntegers). */
interface SafeIntegers {
  safeIntegers(toggle?: boolean): unknown;
}

/** The SQLite tables to copy, from its catalogue, with their columns and whether they have a rowid. */
function sourceTables(source: Database): Map<string, { columns: string[]; hasRowid: boolean; dependsOn: string[] }> {
  const names = source
    .prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`)
    .pluck()
    .all()
    .filter((name) => !BOOKKEEPING.has(name));
  const columns = source.prepare<[string], string>('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck();
  const withoutRowid = source.prepare<[string], number>("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?").pluck();
  const references = source.prepare<[string], string>('SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)').pluck();
  return new Map(
    names.map((name) => [name, { columns: columns.all(name), hasRowid: withoutRowid.get(name) === 0, dependsOn: references.all(name) }]),
  );
}

/** The PostgreSQL tables (in the schema search_path selects) with their columns. */
function targetTables(target: Database): Map<string, Column[]> {
  const rows = target
    .prepare<[], { table_name: string; column_name: string; data_type: string; is_identity: string; serial: string | null }>(
      `SELECT c.table_name, c.column_name, c.data_type, c.is_identity,
              pg_get_serial_sequence(quote_ident(c.table_schema) || '.' || quote_ident(c.table_name), c.column_name) AS serial
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
       WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
       ORDER BY c.table_name, c.ordinal_position`,
    )
    .all();
  const tables = new Map<string, Column[]>();
  for (const row of rows) {
    if (BOOKKEEPING.has(row.table_name)) continue;
    const list = tables.get(row.table_name) ?? [];
    list.push({ name: row.column_name, type: row.data_type, identity: row.is_identity === 'YES' || row.serial !== null });
    tables.set(row.table_name, list);
  }
  return tables;
}

/** Tables in an order where every table comes after those its foreign keys point at; otherwise by name. */
function dependencyOrder(tables: Map<string, { dependsOn: string[] }>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new CopyRefused(`the foreign keys of ${name} form a cycle; the copier cannot order its tables`);
    state.set(name, 'visiting');
    for (const parent of tables.get(name)?.dependsOn ?? []) if (parent !== name && tables.has(parent)) visit(parent);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of [...tables.keys()].sort()) visit(name);
  return order;
}

/** What a freshly migrated database holds in each table (the one-row tables some migrations seed). */
function freshSeeds(): Map<string, Row[]> {
  const fresh = openDatabase(':memory:');
  try {
    const seeds = new Map<string, Row[]>();
    const names = fresh.prepare<[], string>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'`).pluck().all();
    for (const name of names) {
      const rows = fresh.prepare<[], Row>(`SELECT * FROM ${quote(name)}`).all();
      if (rows.length > 0) seeds.set(name, rows);
    }
    return seeds;
  } finally {
    fresh.close();
  }
}

/** Compares the two schemas and plans each table's copy; refuses on any difference. */
function plan(source: Database, target: Database): TablePlan[] {
  const sources = sourceTables(source);
  const targets = targetTables(target);
  const onlySource = [...sources.keys()].filter((name) => !targets.has(name));
  const onlyTarget = [...targets.keys()].filter((name) => !sources.has(name));
  if (onlySource.length > 0 || onlyTarget.length > 0) {
    const parts = [
      onlySource.length > 0 ? `only in SQLite: ${onlySource.join(', ')}` : '',
      onlyTarget.length > 0 ? `only in PostgreSQL: ${onlyTarget.join(', ')}` : '',
    ].filter(Boolean);
    throw new CopyRefused(`the two databases do not have the same tables (${parts.join('; ')})`);
  }
  const seeds = freshSeeds();
  return dependencyOrder(sources).map((name) => {
    const from = sources.get(name)!;
    const columns = targets.get(name)!;
    const selects: string[] = [];
    const missing: string[] = [];
    for (const column of columns) {
      if (from.columns.includes(column.name)) selects.push(quote(column.name));
      // SQLite's implicit row number, which PostgreSQL spells as a column (guild_blocked_words.rowid).
      else if (column.name === 'rowid' && from.hasRowid) selects.push('rowid');
      else missing.push(column.name);
    }
    const extra = from.columns.filter((column) => !columns.some((target) => target.name === column));
    if (missing.length > 0 || extra.length > 0) {
      const parts = [extra.length > 0 ? `only in SQLite: ${extra.join(', ')}` : '', missing.length > 0 ? `only in PostgreSQL: ${missing.join(', ')}` : ''];
      throw new CopyRefused(`table ${name} has different columns in the two databases (${parts.filter(Boolean).join('; ')})`);
    }
    for (const column of columns) kindOf(name, column); // refuses a type it cannot fill, before anything is written
    return { name, columns, selects, hasRowid: from.hasRowid, seed: seeds.get(name) ?? [] };
  });
}

/** A row with its values as JSON-comparable numbers and strings, its keys in order. */
function canonical(row: Row): string {
  return JSON.stringify(
    Object.keys(row)
      .sort()
      .map((key) => {
        const value = row[key];
        return [key, typeof value === 'bigint' ? Number(value) : value];
      }),
  );
}

/** Refuses unless every table holds what a fresh migration leaves in it; names those that do not. */
function refuseUnlessFresh(target: Database, tables: readonly TablePlan[]): void {
  const live: string[] = [];
  for (const table of tables) {
    if (table.seed.length === 0) {
      if (target.prepare<[], number>(`SELECT 1 FROM ${quote(table.name)} LIMIT 1`).pluck().get() !== undefined) live.push(table.name);
      continue;
    }
    const rows = target.prepare<[], Row>(`SELECT * FROM ${quote(table.name)}`).all();
    const expected = table.seed.map(canonical).sort();
    const found = rows.map(canonical).sort();
    if (found.length !== expected.length || found.some((row, index) => row !== expected[index])) live.push(`${table.name} (not as a fresh database has it)`);
  }
  if (live.length > 0) {
    throw new CopyRefused(
      `the PostgreSQL database is not empty: ${live.join(', ')} ${live.length === 1 ? 'holds' : 'hold'} data. ` +
        'The copy never merges into a database a bot has used: give it a new, empty database (createdb), or drop and recreate this one',
    );
  }
}

interface Copied extends TableCopy {
  readonly sums: readonly Sum[];
}

/** Copies one table's rows in multi-row INSERTs; returns the count and each column's checksum. */
function copyTable(source: Database, target: Database, table: TablePlan, batchRows: number): Copied {
  const kinds = table.columns.map((column) => kindOf(table.name, column));
  const sums: Sum[] = table.columns.map(() => ({ count: 0, whole: 0n, real: 0, bytes: 0 }));
  const rounded = { count: 0 };
  const width = table.columns.length;
  const perStatement = Math.max(1, Math.min(batchRows, Math.floor(MAX_PARAMETERS / width)));
  const overriding = table.columns.some((column) => column.identity) ? ' OVERRIDING SYSTEM VALUE' : '';
  const insertText = (rows: number): string =>
    `INSERT INTO ${quote(table.name)} (${table.columns.map((column) => quote(column.name)).join(', ')})${overriding} VALUES ` +
    Array.from({ length: rows }, () => `(${Array.from({ length: width }, () => '?').join(', ')})`).join(', ');
  const full = target.prepare(insertText(perStatement));

  const read = source.prepare<[], unknown[]>(`SELECT ${table.selects.join(', ')} FROM ${quote(table.name)}${table.hasRowid ? ' ORDER BY rowid' : ''}`).raw();
  (read as unknown as SafeIntegers).safeIntegers(true);

  let values: unknown[] = [];
  let pending = 0;
  let rows = 0;
  const flush = (): void => {
    if (pending === 0) return;
    try {
      (pending === perStatement ? full : target.prepare(insertText(pending))).run(values);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${table.name}: inserting rows ${rows - pending + 1}–${rows} failed: ${reason}`, { cause: error });
    }
    values = [];
    pending = 0;
  };
  for (const row of read.iterate()) {
    for (let index = 0; index < width; index++) {
      try {
        values.push(convert(kinds[index]!, row[index], sums[index]!, rounded));
      } catch (error) {
        if (!(error instanceof ValueError)) throw error;
        throw new Error(`${table.name}.${table.columns[index]!.name} holds ${error.message} (row ${rows + 1} of the table)`);
      }
    }
    pending += 1;
    rows += 1;
    if (pending === perStatement) flush();
  }
  flush();
  return { table: table.name, rows, rounded: rounded.count, sums };
}

/** Sets each identity sequence so that the next id is past the highest copied one. */
function advanceSequences(target: Database, tables: readonly TablePlan[]): void {
  for (const table of tables) {
    for (const column of table.columns) {
      if (!column.identity) continue;
      target
        .prepare(
          `SELECT setval(pg_get_serial_sequence(quote_ident(current_schema()) || '.' || quote_ident(?), ?),
                         GREATEST(COALESCE(MAX(${quote(column.name)}), 0) + 1, 1), false)
           FROM ${quote(table.name)}`,
        )
        .get(table.name, column.name);
    }
  }
}

/** Compares the target's row count and column checksums with what was read from the source. */
function checkTable(target: Database, table: TablePlan, copied: Copied): void {
  const parts = ['COUNT(*)::text AS n'];
  table.columns.forEach((column, index) => {
    const name = quote(column.name);
    const kind = kindOf(table.name, column);
    parts.push(`COUNT(${name})::text AS c${index}`);
    if (kind === 'whole') parts.push(`COALESCE(SUM(${name}), 0)::text AS s${index}`);
    else if (kind === 'real') parts.push(`COALESCE(SUM(${name}), 0)::float8 AS s${index}`);
    else if (kind === 'text' || kind === 'bytes') parts.push(`COALESCE(SUM(octet_length(${name})), 0)::text AS s${index}`);
    else parts.push(`COUNT(*) FILTER (WHERE ${name})::text AS s${index}`);
  });
  const found = target.prepare<[], Record<string, string | number>>(`SELECT ${parts.join(', ')} FROM ${quote(table.name)}`).get()!;
  const differ = (what: string, expected: unknown, actual: unknown): Error =>
    new Error(`verification failed: ${table.name}${what} is ${String(actual)} in PostgreSQL but ${String(expected)} in SQLite`);
  if (Number(found['n']) !== copied.rows) throw differ(' row count', copied.rows, found['n']);
  table.columns.forEach((column, index) => {
    const sum = copied.sums[index]!;
    const kind = kindOf(table.name, column);
    if (Number(found[`c${index}`]) !== sum.count) throw differ(`.${column.name}'s count of values`, sum.count, found[`c${index}`]);
    const total = found[`s${index}`];
    if (kind === 'whole' || kind === 'boolean') {
      if (String(total) !== sum.whole.toString()) throw differ(`.${column.name}'s sum`, sum.whole, total);
    } else if (kind === 'real') {
      // Sums of floating-point values depend on their order; a relative 1e-9 is far below any cent.
      const actual = Number(total);
      if (Math.abs(actual - sum.real) > 1e-9 * Math.max(1, Math.abs(actual), Math.abs(sum.real))) throw differ(`.${column.name}'s sum`, sum.real, actual);
    } else if (Number(total) !== sum.bytes) throw differ(`.${column.name}'s bytes`, sum.bytes, total);
  });
}

/**
 * Through the stores, on both sides: each server's all-time usage report (from the kept totals) and
 * its spend for the day and the month containing `now` (the budgets) agree. Returns the servers
 * checked and the servers there are.
 */
function checkStores(source: Database, target: Database, now: number, limit: number): { checked: number; guilds: number } {
  const guilds = source
    .prepare<[], string>('SELECT guild_id FROM usage_guild_totals UNION SELECT guild_id FROM ledger_guild_days ORDER BY 1')
    .pluck()
    .all();
  const reports = [new UsageReports(source), new UsageReports(target)] as const;
  const ledgers = [new Ledger(source), new Ledger(target)] as const;
  const checked = guilds.slice(0, limit);
  for (const guildId of checked) {
    const [before, after] = reports.map((store) => JSON.stringify(store.guildReport({ guildId, until: now })));
    if (before !== after) throw new Error(`verification failed: server ${guildId}'s all-time usage report differs (SQLite ${before}, PostgreSQL ${after})`);
    for (const period of ['day', 'month'] as const) {
      const [spentBefore, spentAfter] = ledgers.map((ledger) => ledger.spent(guildId, period, now));
      if (spentBefore !== spentAfter) {
        throw new Error(`verification failed: server ${guildId}'s spend this ${period} is ${spentAfter} USD in PostgreSQL but ${spentBefore} USD in SQLite`);
      }
    }
  }
  return { checked: checked.length, guilds: guilds.length };
}

/**
 * Requests the SQLite bot left unfinished: a job queued or running, an attempt still pending, a
 * reservation not settled. A bot stopped with SIGTERM settles all of them before it exits, so these
 * mean it crashed or is still running. Copied as they are, PostgreSQL's shared queue would take them
 * for another live process's work (start-up in shared mode closes none); the SQLite bot's own next
 * start closes them by the restart rule and tells their members, so that is the way out.
 */
function refuseUnfinished(source: Database): void {
  const count = (sql: string) => source.prepare<[], number>(sql).pluck().get() ?? 0;
  const jobs = count("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')");
  const attempts = count("SELECT COUNT(*) FROM usage WHERE outcome = 'pending'");
  const reservations = count("SELECT COUNT(*) FROM ledger WHERE state = 'reserved'");
  if (jobs + attempts + reservations === 0) return;
  throw new CopyRefused(
    `the SQLite database holds requests that are not finished (${jobs} jobs queued or running, ${attempts} attempts pending, ${reservations} reservations open): ` +
      'the bot is still running or was not stopped cleanly. Stop it with SIGTERM; after a crash, start it once more on SQLite (it closes them at start and tells their members), stop it, and copy again',
  );
}

function schemaVersions(source: Database, target: Database): number {
  const sqlite = source.pragma('user_version', { simple: true }) as number;
  const postgres = target.prepare<[], number>('SELECT version FROM schema_version').pluck().get() ?? 0;
  if (sqlite !== postgres) throw new CopyRefused(`the SQLite file has schema version ${sqlite} and the PostgreSQL database ${postgres}; open both with the same build first`);
  return sqlite;
}

/**
 * Copies every table of the SQLite database `source` into the empty PostgreSQL database `target`,
 * both already open and migrated (openDatabase), in one PostgreSQL transaction that commits only
 * when the checks pass. Throws CopyRefused (nothing written) when the target is not empty or the
 * schemas differ, any other Error when the copy or its checks failed (nothing committed, unless the
 * message says the recount after COMMIT failed).
 */
export function copyToPostgres(source: Database, target: Database, options: CopyOptions = {}): CopyResult {
  if (dialectOf(source) !== 'sqlite') throw new CopyRefused('the source must be a SQLite database');
  if (dialectOf(target) !== 'postgres') throw new CopyRefused('the target must be a PostgreSQL database');
  const started = performance.now();
  const batchRows = Math.max(1, Math.floor(options.batchRows ?? DEFAULT_BATCH_ROWS));
  const now = options.now ?? Date.now();
  // One read transaction: every table, and the checks, read the same moment of the file.
  const ownSnapshot = !source.inTransaction;
  if (ownSnapshot) source.exec('BEGIN DEFERRED');
  try {
    const tables = plan(source, target);
    const schemaVersion = schemaVersions(source, target);
    refuseUnfinished(source);
    const result = target.transaction(() => {
      refuseUnlessFresh(target, tables);
      for (const table of tables) target.exec(`ALTER TABLE ${quote(table.name)} DISABLE TRIGGER USER`);
      // The seeded one-row tables take the source's row instead (checked above to hold only the seed).
      for (const table of tables) if (table.seed.length > 0) target.exec(`DELETE FROM ${quote(table.name)}`);
      const copied = tables.map((table) => {
        const done = copyTable(source, target, table, batchRows);
        options.onTable?.({ table: done.table, rows: done.rows, rounded: done.rounded });
        return done;
      });
      advanceSequences(target, tables);
      for (const table of tables) target.exec(`ALTER TABLE ${quote(table.name)} ENABLE TRIGGER USER`);
      tables.forEach((table, index) => checkTable(target, table, copied[index]!));
      const stores = checkStores(source, target, now, options.checkedGuilds ?? DEFAULT_CHECKED_GUILDS);
      return { copied, stores };
    })();
    // Committed: the counts once more, as another connection will see them.
    for (const table of result.copied) {
      const rows = target.prepare<[], number>(`SELECT COUNT(*) FROM ${quote(table.table)}`).pluck().get();
      if (rows !== table.rows) throw new Error(`after COMMIT, ${table.table} holds ${String(rows)} rows in PostgreSQL but ${table.rows} were copied`);
    }
    const tablesCopied = result.copied.map(({ table, rows, rounded }) => ({ table, rows, rounded }));
    return {
      tables: tablesCopied,
      rows: tablesCopied.reduce((sum, table) => sum + table.rows, 0),
      schemaVersion,
      guildsChecked: result.stores.checked,
      guilds: result.stores.guilds,
      elapsedMs: performance.now() - started,
    };
  } finally {
    if (ownSnapshot && source.inTransaction) source.exec('COMMIT');
  }
}
