// Start-up: the time from spawning a process to the gateway IDENTIFY the Discord fake receives (the
// fake answers READY on the spot, so waitForReady() resolving marks it), for
//   (a) `npm start` with dist/ up to date (the stale check, then the bot),
//   (b) `node dist/src/main.js`, what the container and the service units run,
//   (c) the bare discord.js client with the same intents (bareClient.ts), the floor.
// Every second of a restart is a second in which members' commands fail with "The application did
// not respond". Each start is a restart: the database exists (a first, untimed start of each made
// it, and warmed the page cache), and each gets a fresh Discord fake. The three alternate, so a busy
// moment on the shared machine falls on all of them alike.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startDiscordFake } from '../../test/fakes/discord/index.js';
import { CLIENT_SCRIPTS, clientEnvironment } from './benchWorld.js';
import { DIST, spawnChild, spawnNode, type NodeChild } from './children.js';
import type { Benchmark, BenchOptions, Row } from './report.js';
import { ms, ratio, summarise } from './stats.js';

const ROOT = join(DIST, '..');
const TARGET_RATIO = 1.5;
const TRIALS = 7;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Kept out of the folder npm starts in: the developer's settings and data. */
const NOT_LINKED = new Set(['.env', '.git', 'data', 'outputs']);

type Variant = 'npm' | 'node' | 'bare';
const LABELS: Record<Variant, string> = {
  npm: '(a) npm start, dist/ up to date',
  node: '(b) node dist/src/main.js',
  bare: '(c) bare discord.js client',
};

/** dist/ must be up to date for (a): another build in the shared tree may have outdated it. */
function ensureBuilt(say: (line: string) => void): void {
  const check = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--check'], { cwd: ROOT });
  if (check.status === 0) return;
  say('startup: the sources changed since dist/ was built: building first (not timed)');
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('the build failed');
}

function start(variant: Variant, env: Record<string, string>, folders: { data: string; npmRoot: string }): NodeChild {
  if (variant === 'npm') {
    // npm needs a home for its own settings; its own process group, so the bot it starts goes too.
    return spawnChild(npm, ['start'], { cwd: folders.npmRoot, env: { ...env, HOME: process.env.HOME ?? folders.npmRoot }, group: true });
  }
  return spawnNode(CLIENT_SCRIPTS[variant === 'node' ? 'bot' : 'bare'], [], { cwd: folders.data, env });
}

/** One start of `variant` against a fresh Discord fake: ms from the spawn to IDENTIFY. */
async function timeToIdentify(variant: Variant, relayUrl: string, folders: { data: string; npmRoot: string }): Promise<number> {
  const discord = await startDiscordFake({ ackDeadlineMs: 15_000 });
  const env = clientEnvironment(discord, relayUrl, folders.data);
  let child: NodeChild | undefined;
  try {
    const spawnedAt = performance.now();
    child = start(variant, env, folders);
    const started = child;
    const failed = started.exited.then((code) => {
      throw new Error(`${LABELS[variant]} exited (${code}) before IDENTIFY:\n${started.stderrTail()}`);
    });
    failed.catch(() => {});
    await Promise.race([discord.waitForReady(60_000), failed]);
    return performance.now() - spawnedAt;
  } finally {
    await child?.stop('SIGTERM', 20_000);
    await discord.close();
  }
}

/** How long npm itself takes to run a script, with no bot: `npm run -s env`, spawn to exit. */
async function npmAlone(folder: string): Promise<number> {
  const spawnedAt = performance.now();
  const child = spawnChild(npm, ['run', '-s', 'env'], { cwd: folder, env: { HOME: process.env.HOME ?? folder }, group: true });
  await child.exited;
  return performance.now() - spawnedAt;
}

const middle = (samples: number[]) => summarise(samples).p50;
const spread = (samples: number[]) => {
  const s = summarise(samples);
  return `${ms(s.p50)} (${ms(s.min)}–${ms(s.max)})`;
};

async function run({ quick, say }: BenchOptions): Promise<Row[]> {
  const trials = quick ? 2 : TRIALS;
  const data = await mkdtemp(join(tmpdir(), 'imagine-bench-startup-'));
  // npm runs in a folder of its own with the project linked in (all but a developer's .env, which
  // must not be read); scripts/start.mjs resolves dist/ from where it really is.
  const npmRoot = await mkdtemp(join(tmpdir(), 'imagine-bench-npm-'));
  for (const entry of await readdir(ROOT)) {
    if (!NOT_LINKED.has(entry)) await symlink(join(ROOT, entry), join(npmRoot, entry));
  }
  const folders = { data, npmRoot };
  const relay = spawnNode(join(DIST, 'test/fakes/relay/main.js'), ['--latency', '1000'], { env: {} });
  const times: Record<Variant, number[]> = { npm: [], node: [], bare: [] };
  const npmOnly: number[] = [];
  try {
    const relayUrl = (await relay.firstLine).trim();
    const variants: Variant[] = ['npm', 'node', 'bare'];
    say('startup: one untimed start of each (the database, the page cache)');
    ensureBuilt(say);
    for (const variant of variants) await timeToIdentify(variant, relayUrl, folders);
    for (let round = 0; round < trials; round++) {
      say(`startup: round ${round + 1} of ${trials}`);
      // Rotated each round, so none of them is always the one that follows another's shutdown.
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(round + k) % variants.length] as Variant;
        if (variant === 'npm') ensureBuilt(say);
        times[variant].push(await timeToIdentify(variant, relayUrl, folders));
      }
      npmOnly.push(await npmAlone(npmRoot));
    }
  } finally {
    await relay.stop('SIGTERM', 5_000);
    await rm(data, { recursive: true, force: true });
    await rm(npmRoot, { recursive: true, force: true });
  }
  const [a, b, c] = [middle(times.npm), middle(times.node), middle(times.bare)];
  return [
    ...(['npm', 'node', 'bare'] as const).map((variant) => ({
      bench: 'startup',
      figure: `${LABELS[variant]}: spawn to IDENTIFY, median (min–max), n=${trials}`,
      value: spread(times[variant]),
    })),
    { bench: 'startup', figure: '(a) / (c): npm start against the bare client', value: ratio(a, c), target: `<= ${TARGET_RATIO}x`, pass: a <= TARGET_RATIO * c },
    { bench: 'startup', figure: '(b) / (c): the built bot against the bare client', value: ratio(b, c) },
    { bench: 'startup', figure: '  (a) − (b): what npm start adds (npm, the stale check)', value: ms(a - b) },
    { bench: 'startup', figure: '  npm alone: `npm run -s env`, spawn to exit, median', value: spread(npmOnly) },
  ];
}

export const startupBenchmark: Benchmark = { name: 'startup', title: 'start-up to gateway IDENTIFY, beside a bare discord.js client', run };
