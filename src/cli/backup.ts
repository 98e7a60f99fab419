// `npm run backup [-- <destination file>]`: a consistent copy of the bot's SQLite database, taken
// while the bot runs (storage/backup.ts), to the given file or to
// <DATABASE_PATH's folder>/backups/<name>-<UTC time>.sqlite.
// stdout: one line with the copy's path, size, schema version and row counts. stderr: one line on
// failure. Exit codes: 0 ok, 1 the copy failed, 2 usage or configuration (a line naming the variable).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { readEnvironment } from '../config/dotenv.js';
import { parseEnv } from '../config/env.js';
import { ConfigError } from '../config/errors.js';
import { backupDatabase, defaultBackupPath, type BackupResult } from '../storage/backup.js';
import { optionalArgument } from './optionalArgument.js';

const USAGE = 'usage: npm run backup [-- <destination file>]  (default: <DATABASE_PATH folder>/backups/<name>-<UTC time>.sqlite)';

function size(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function summaryLine(result: BackupResult): string {
  return (
    `backup ${result.path}: ${size(result.bytes)}, schema version ${result.schemaVersion}, ` +
    `${result.rows.usage} usage rows, ${result.rows.ledger} ledger rows, integrity ok`
  );
}

/** The live database's path, from the same settings the bot reads (DATABASE_PATH in .env or the environment). */
function databasePath(): string {
  const env = parseEnv(readEnvironment());
  if (env.databaseUrl) {
    // PostgreSQL has its own consistent online copy; the URL is not repeated (it holds the password).
    throw new ConfigError('DATABASE_URL points the bot at PostgreSQL: back it up with PostgreSQL\'s own tools (pg_dump -Fc), not npm run backup, which copies the SQLite file');
  }
  const path = env.databasePath;
  if (path === ':memory:' || path === '') {
    throw new ConfigError('DATABASE_PATH is an in-memory database, which has nothing to back up: point it at the bot\'s SQLite file');
  }
  if (!existsSync(path)) {
    throw new ConfigError(`DATABASE_PATH ${resolve(path)} does not exist: point it at the bot's SQLite file (the bot creates it on its first start)`);
  }
  return path;
}

async function main(): Promise<number> {
  const parsed = optionalArgument(process.argv.slice(2), USAGE);
  if ('exitCode' in parsed) return parsed.exitCode;
  const source = databasePath();
  const result = await backupDatabase(source, parsed.argument ?? defaultBackupPath(source));
  process.stdout.write(`${summaryLine(result)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof ConfigError ? error.message : `backup failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${message}\n`);
    process.exitCode = error instanceof ConfigError ? 2 : 1;
  },
);
