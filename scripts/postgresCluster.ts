// A throwaway PostgreSQL cluster for the test run and the benchmark: `initdb` in a temporary folder,
// `pg_ctl start` on a free loopback port, stopped and deleted by stop(). Nothing is installed or
// left behind; the server listens on 127.0.0.1 only, with trust authentication for its one user.
//
// PostgreSQL refuses to run as root (initdb: "cannot be run as root"), and CI containers are root:
// then the cluster's folder is handed to the `postgres` account Debian's package creates (or
// `nobody`), and its programs run as that account through runuser.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresCluster {
  /** An admin URL: user `postgres`, database `postgres`, no password. */
  url: string;
  /** The temporary folder holding the cluster (data, socket, log). */
  folder: string;
  /** Stops the server (immediate mode: nothing in it is worth keeping) and deletes the folder. */
  stop(): void;
}

/** The folder of PostgreSQL's programs (`pg_config --bindir`, else Debian's versioned folders), or undefined. */
export function findPostgresBin(): string | undefined {
  const hasServer = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  const fromConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const configured = fromConfig.status === 0 ? fromConfig.stdout.trim() : '';
  if (configured && hasServer(configured)) return configured;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => join(debian, version, 'bin')).find(hasServer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The account to run PostgreSQL as when we are root, with its uid and gid. */
function serverAccount(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    const id = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (id.status === 0 && gid.status === 0) return { name, uid: Number(id.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  throw new Error('PostgreSQL cannot run as root and neither a postgres nor a nobody account exists');
}

/**
 * Starts a fresh cluster. `parent` is where its temporary folder goes (default the OS's); a CI
 * script that must clean up after a killed run passes a folder of its own and deletes it.
 */
export async function startPostgresCluster(options: { parent?: string; bin?: string } = {}): Promise<PostgresCluster> {
  const bin = options.bin ?? findPostgresBin();
  if (!bin) throw new Error('PostgreSQL is not installed (no initdb / pg_ctl); on Debian: apt-get install postgresql');
  const folder = mkdtempSync(join(options.parent ?? tmpdir(), 'imagine-pg-'));
  const data = join(folder, 'data');
  const account = serverAccount();
  if (account) {
    chmodSync(folder, 0o755);
    chownSync(folder, account.uid, account.gid);
  }
  const run = (program: string, args: string[]) => {
    const [command, argv] = account ? ['runuser', ['-u', account.name, '--', join(bin, program), ...args]] : [join(bin, program), args];
    execFileSync(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: folder });
  };
  let started = false;
  const stop = () => {
    if (started) {
      started = false;
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already gone (the run was killed): deleting the folder is all that is left.
      }
    }
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    // C.UTF-8: byte-order text comparison (snowflakes and names sort the same as in SQLite).
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    const port = await freePort();
    // Durability settings off: a throwaway cluster that is deleted at the end needs no crash safety,
    // and fsync on a shared CI disk would dominate the run time.
    const settings = ['-p', String(port), '-k', folder, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=300'];
    started = true;
    run('pg_ctl', ['-D', data, '-l', join(folder, 'server.log'), '-w', '-t', '60', '-o', settings.join(' '), 'start']);
    return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, folder, stop };
  } catch (error) {
    stop();
    throw error;
  }
}
