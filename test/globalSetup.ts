// Before any test file starts:
// - Child-process tests (the CLI, the bot entry point) run the compiled JavaScript, exactly what
//   `npm start` and `npm run imagine` run; build it once. SKIP_BUILD=1 skips it when running only
//   in-process unit tests.
// - The storage, ledger and queue suites run against PostgreSQL too: unless TEST_DATABASE_URL names
//   a server already, a throwaway cluster is started here when PostgreSQL's programs are installed
//   (scripts/postgresCluster.ts) and stopped and deleted when the run ends, passed or failed.
//   TEST_POSTGRES=0 runs SQLite only; TEST_POSTGRES=1 makes a missing PostgreSQL an error (CI).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { findPostgresBin, startPostgresCluster } from '../scripts/postgresCluster.js';

export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env.SKIP_BUILD !== '1') {
    const root = fileURLToPath(new URL('..', import.meta.url));
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  }
  if (process.env.TEST_DATABASE_URL || process.env.TEST_POSTGRES === '0') return undefined;
  if (!findPostgresBin()) {
    if (process.env.TEST_POSTGRES === '1') throw new Error('TEST_POSTGRES=1 but PostgreSQL is not installed (apt-get install postgresql)');
    console.warn('PostgreSQL is not installed: the PostgreSQL variants of the storage, ledger and queue suites are skipped.');
    return undefined;
  }
  const cluster = await startPostgresCluster({ parent: process.env.PG_TEST_ROOT || undefined });
  // Test files run in workers started after this: they inherit the variable.
  process.env.TEST_DATABASE_URL = cluster.url;
  console.log(`PostgreSQL for the tests: a throwaway cluster at ${cluster.url}`);
  return () => cluster.stop();
}
