// Child processes for the benchmarks: the real bot (dist/src/main.js), a relay fake on its own, and
// the client runs of the openai comparison. Separate processes keep each one's event loop and memory
// out of the others' figures.
import { spawn, type ChildProcess } from 'node:child_process';
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
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], {
    cwd: options.cwd,
    // Only what the child needs: a developer's own variables (a real IMAGE_API_KEY) stay out.
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    void exited.then((code) => reject(new Error(`${script} exited (${code}) before printing a line:\n${stderr.join('').slice(-2000)}`)));
  });
  firstLine.catch(() => {}); // callers that never read it must not see an unhandled rejection
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 25_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };
  return { child, firstLine, stderrTail: () => stderr.join('').slice(-2000), exited, stop };
}
