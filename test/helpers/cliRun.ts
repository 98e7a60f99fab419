// Runs the compiled `imagine` CLI as a user would: a child process, configured only by what the test
// gives it (the parent's IMAGE_*, DISCORD_*, LANG… are left out so a developer's settings never leak
// in). Asynchronous on purpose: a relay fake in the test process must keep answering meanwhile.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './botProcess.js';

export const CLI = join(REPO_ROOT, 'dist/src/cli/imagine.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  cwd: string;
}

/** The parent's environment without anything that configures the bot or picks a language. */
export function cleanEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(IMAGE_|NEW_API_|DISCORD_|PROVIDERS_FILE$|REQUEST_TIMEOUT$|DATABASE_PATH$|LANG$|LANGUAGE$|LC_)/.test(name)) continue;
    env[name] = value;
  }
  return env;
}

export function spawnAndCollect(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, limitMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started, cwd });
    });
  });
}

/** `node dist/src/cli/imagine.js …` in `cwd`, English, pointed at `relay`. */
export function runCli(
  relay: { url: string; apiKey: string },
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  limitMs?: number,
): Promise<Run> {
  return spawnAndCollect(
    process.execPath,
    [CLI, ...args],
    cwd,
    { ...cleanEnvironment(), LANG: 'en_US.UTF-8', IMAGE_API_BASE_URL: relay.url, IMAGE_API_KEY: relay.apiKey, ...env },
    limitMs,
  );
}
