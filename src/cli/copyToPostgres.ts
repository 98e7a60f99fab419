// `npm run db:copy [-- <postgres url>]`: copies the bot's whole SQLite database (DATABASE_PATH) into a
// new, empty PostgreSQL database (the URL given, or DATABASE_URL), for a move to PostgreSQL that keeps
// the history (storage/copy.ts says how, and what it checks). Stop the bot first: what it writes to
// the SQLite file during or after the copy is not copied.
// stdout, after COMMIT: one line per table, then one summary line. stderr: one line on failure.
// Exit codes: 0 copied and checked; 1 the copy failed or was refused (nothing committed); 2 usage or
// configuration (a line naming the argument or variable), found before PostgreSQL is contacted.
// The URL is only ever shown without its password.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readEnvironment } from '../config/dotenv.js';
import { parseEnv } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import { copyToPostgres, CopyRefused, type CopyResult } from '../storage/copy.js';
import { openDatabase, type Database } from '../storage/database.js';
import { isPostgresUrl, redactUrl, secretsOf } from '../storage/postgres/connectionUrl.js';
import { optionalArgument } from './optionalArgument.js';

const USAGE = [
  'usage: npm run db:copy [-- <postgres url>]',
  '  Copies the bot\'s SQLite database (DATABASE_PATH) into an empty PostgreSQL database: the URL given,',
  '  or DATABASE_URL. Stop the bot first: what it writes meanwhile is not copied. The target must be',
  '  new and empty (createdb); the copy never merges into a database a bot has used.',
].join('\n');

interface Plan {
  readonly sqlitePath: string;
  readonly url: string;
}

/** The source file and the target URL, from the argument and the same settings the bot reads. */
function planFrom(argument: string | undefined): Plan {
  const env = parseEnv(readEnvironment());
  const url = argument ?? env.databaseUrl;
  if (url === undefined) {
    throw new ConfigError('name the PostgreSQL database to copy into: npm run db:copy -- postgres://user:password@host:5432/database (or set DATABASE_URL)');
  }
  if (!isPostgresUrl(url)) {
    // Not repeated: whatever it is, it may hold a password.
    throw new ConfigError('the target must be a PostgreSQL URL such as postgres://user:password@host:5432/database');
  }
  try {
    new URL(url);
  } catch {
    throw new ConfigError(`the target ${redactUrl(url)} is not a valid URL (a password with @, : or / must be percent-encoded)`);
  }
  const path = env.databasePath;
  if (path === ':memory:' || path === '') {
    throw new ConfigError('DATABASE_PATH is an in-memory database, which has nothing to copy: point it at the bot\'s SQLite file');
  }
  if (!existsSync(path)) {
    throw new ConfigError(`DATABASE_PATH ${resolve(path)} does not exist: point it at the bot's SQLite file`);
  }
  return { sqlitePath: resolve(path), url };
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`;
}

function report(plan: Plan, result: CopyResult): string {
  const width = Math.max(...result.tables.map((table) => table.table.length));
  const lines = result.tables.map(
    (table) =>
      `table ${table.table.padEnd(width)} ${String(table.rows).padStart(9)} rows` +
      (table.rounded > 0 ? ` (${table.rounded} fractional values in whole-number columns rounded down)` : ''),
  );
  const rate = result.elapsedMs > 0 ? Math.round((result.rows / result.elapsedMs) * 1000) : result.rows;
  const servers = result.guildsChecked === result.guilds ? `${result.guilds}` : `${result.guildsChecked} of ${result.guilds}`;
  lines.push(
    `copied ${result.tables.length} tables, ${result.rows} rows from ${plan.sqlitePath} to ${redactUrl(plan.url)} ` +
      `(schema version ${result.schemaVersion}) in ${seconds(result.elapsedMs)} (${rate} rows/s); ` +
      `checked: every table's row count and column sums, and the all-time usage and day and month spend of ${servers} servers`,
  );
  return `${lines.join('\n')}\n`;
}

function scrub(message: string, url: string | undefined): string {
  let out = message;
  for (const secret of url ? secretsOf(url) : []) out = out.split(secret).join(redactUrl(url ?? ''));
  return out;
}

let target: string | undefined;

async function main(): Promise<number> {
  const parsed = optionalArgument(process.argv.slice(2), USAGE);
  if ('exitCode' in parsed) return parsed.exitCode;
  const plan = planFrom(parsed.argument);
  target = plan.url;
  let source: Database | undefined;
  let postgres: Database | undefined;
  try {
    // Both migrated to this build's schema (the source first: a file from an older build catches up).
    source = openDatabase(plan.sqlitePath);
    postgres = openDatabase(plan.url);
    const result = copyToPostgres(source, postgres);
    process.stdout.write(report(plan, result));
    return 0;
  } finally {
    postgres?.close();
    source?.close();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    const message =
      error instanceof ConfigError ? reason : error instanceof CopyRefused ? `copy refused, nothing written: ${reason}` : `copy failed, nothing committed: ${reason}`;
    process.stderr.write(`${scrub(message, target)}\n`);
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  },
);
