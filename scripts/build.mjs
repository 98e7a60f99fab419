// The TypeScript build, and whether it is needed. Plain JavaScript run by node, so that checking
// costs a few milliseconds of stat calls and no compiler:
//   node scripts/build.mjs           build (tsc -p tsconfig.build.json) and stamp dist/   (`npm run build`)
//   node scripts/build.mjs --check   exit 0 when dist/ is up to date, 1 when a build is due
// `npm start` (scripts/start.mjs) calls buildIfStale() before it starts the bot.
//
// The stamp, dist/.build-stamp, holds a fingerprint of the sources the build started from: every
// file's path, size and modification time under the folders tsconfig.build.json compiles, plus the
// settings that change the output. Any difference (a file edited, added or deleted by `git pull`,
// or copied in with an older time by rsync or tar) means a build is due. The fingerprint is taken
// before tsc runs, so a file saved during a build makes the next start build again. tsc's own
// dist/.tsbuildinfo cannot serve: an incremental build with nothing to emit leaves it untouched.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROJECT = 'tsconfig.build.json';
const STAMP = join(ROOT, 'dist', '.build-stamp');
/** Besides the folders the build compiles: its settings, and the installed types (a dependency bump). */
const SETTINGS = ['tsconfig.json', PROJECT, 'package-lock.json'];

/** The folders tsconfig.build.json compiles (its "include"), so the two lists cannot drift apart. */
function sourceFolders() {
  try {
    const include = JSON.parse(readFileSync(join(ROOT, PROJECT), 'utf8')).include;
    if (Array.isArray(include) && include.every((entry) => typeof entry === 'string' && !/[*?]/.test(entry))) return include;
  } catch {
    // unreadable: fall through to the folders it lists today
  }
  return ['src', 'commands', 'scripts', 'test/fakes'];
}

/** Adds `path` (relative to the repository; a file, or a folder and everything under it) to `hash`: path, size, time. */
function addTree(hash, path) {
  let stats;
  try {
    stats = statSync(join(ROOT, path));
  } catch {
    hash.update(`${path}\0missing\n`);
    return;
  }
  if (!stats.isDirectory()) {
    hash.update(`${path}\0${stats.size}\0${stats.mtimeMs}\n`);
    return;
  }
  for (const entry of readdirSync(join(ROOT, path)).sort()) addTree(hash, join(path, entry));
}

/** The fingerprint of what a build reads now. */
export function sourceFingerprint() {
  const hash = createHash('sha256');
  for (const path of [...sourceFolders(), ...SETTINGS]) addTree(hash, path);
  return hash.digest('hex');
}

/** Why a build is due, or undefined when dist/ was built from the sources as they are. */
export function staleReason() {
  if (!existsSync(join(ROOT, 'dist', 'src', 'main.js')) || !existsSync(STAMP)) return 'no finished build in dist/';
  if (readFileSync(STAMP, 'utf8').trim() !== sourceFingerprint()) return 'the sources changed since the last build';
  return undefined;
}

/** Runs tsc; on success stamps dist/ with the fingerprint taken before it started. Returns tsc's exit code. */
export function build() {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    process.stderr.write('dist/ needs a build, but TypeScript is not installed (a production install?): run `npm ci && npm run build`\n');
    return 1;
  }
  const fingerprint = sourceFingerprint();
  const result = spawnSync(process.execPath, [tsc, '-p', PROJECT], { cwd: ROOT, stdio: 'inherit' });
  const code = result.status ?? 1;
  if (code === 0) writeFileSync(STAMP, `${fingerprint}\n`);
  return code;
}

/** Builds when the sources are not what dist/ was built from; returns 0 when dist/ is ready. */
export function buildIfStale() {
  const reason = staleReason();
  if (reason === undefined) return 0;
  process.stderr.write(`Building first: ${reason}.\n`);
  return build();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv.includes('--check')) process.exit(staleReason() === undefined ? 0 : 1);
  process.exit(build());
}
