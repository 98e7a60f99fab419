// Child processes for the benchmarks: the real bot (dist/src/main.js), a relay fake on its own, and
// the client runs of the openai comparison. Separate processes keep each one's event loop and memory
// out of the others' figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dist/ of this build (this file runs as dist/scripts/bench/children.js). */
export const DIST = fileURLToPath(new URL('../../', import.meta.url));

export interface NodeChild {
  child: ChildProcess;
  /** Resolves with the first line the child writes on stdout. */
  firstLine: Promise<string>;
  /** The last stderr lines, for error messages. */
  stderrTail(): string;
  exited: Promise<number | null>;
  /** Signals the child (by its pid) and waits; SIGKILL after `graceMs` if it is still there. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

export function spawnNode(script: string, args: string[], options: { env: Record<string, string>; cwd?: string; nodeArgs?: string[] }): NodeChild {
  return spawnChild(process.execPath, [...(options.nodeArgs ?? []), script, ...args], options);
}

/**
 * Any command as a child. `group`: the child leads a process group of its own and stop() signals the
 * whole group, for a command (npm) that runs the process of interest as its grandchild.
 */
export function spawnChild(command: string, args: string[], options: { env: Record<string, string>; cwd?: string; group?: boolean }): NodeChild {
  const child = spawn(command, args, {
    cwd: options.cwd,
    // Only what the child needs: a developer's own variables (a real IMAGE_API_KEY) stay out.
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
  });
  const signal = (name: NodeJS.Signals) => {
    try {
      if (options.group && child.pid !== undefined) process.kill(-child.pid, name);
      else child.kill(name);
    } catch {
      // already gone
    }
  };
  const stderr: string[] = [];
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    if (stderr.length > 40) stderr.shift();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const firstLine = new Promise<string>((resolve, reject) => {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    void exited.then((code) => reject(new Error(`${command} ${args.join(' ')} exited (${code}) before printing a line:\n${stderr.join('').slice(-2000)}`)));
  });
  firstLine.catch(() => {}); // callers that never read it must not see an unhandled rejection
  const stop = async (name: NodeJS.Signals = 'SIGTERM', graceMs = 25_000): Promise<number | null> => {
    const running = child.exitCode === null && child.signalCode === null;
    if (running || options.group) signal(name);
    const timer = setTimeout(() => signal('SIGKILL'), graceMs);
    try {
      const code = await exited;
      // npm exits on the signal at once; the bot it started (same group) takes its time to stop.
      if (options.group) await groupGone(child.pid, graceMs);
      return code;
    } finally {
      clearTimeout(timer);
    }
  };
  return { child, firstLine, stderrTail: () => stderr.join('').slice(-2000), exited, stop };
}

/** Waits until no process of the group `pid` leads is left; SIGKILLs the rest after `graceMs`. */
async function groupGone(pid: number | undefined, graceMs: number): Promise<void> {
  if (pid === undefined) return;
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const until = Date.now() + graceMs;
  while (alive()) {
    if (Date.now() > until) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone in the meantime
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A process's resident memory in bytes (Linux /proc): all of it, anonymous (heap, stacks) and file-backed (code, shared libraries). Zeros where /proc is missing. */
export function residentOf(pid: number): { rss: number; anon: number; file: number } {
  let status = '';
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // not Linux, or the process is gone
  }
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') };
}
