// Runs the real bot entry point (dist/src/main.js: what `npm start` runs) as a child process and
// keeps its stderr log lines, so tests can assert on logs and kill or restart it like an operator.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const MAIN_JS = `${REPO_ROOT}dist/src/main.js`;

export interface BotProcess {
  child: ChildProcess;
  /** Every stderr line so far (JSON log lines and anything else). */
  logs: string[];
  stdout: string[];
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends the signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startBotProcess(env: Record<string, string>, cwd: string): BotProcess {
  const child = spawn(process.execPath, [MAIN_JS], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const stdout: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (target: string[]) => {
    let partial = '';
    return (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      target.push(...lines);
      for (const wake of waiters) wake();
    };
  };
  child.stderr!.on('data', collect(logs));
  child.stdout!.on('data', collect(stdout));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog = (pattern: RegExp, timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const line = logs.find((candidate) => pattern.test(candidate));
        if (line === undefined) return;
        cleanup();
        resolve(line);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no log line matched ${pattern} within ${timeoutMs} ms; logs:\n${logs.slice(-30).join('\n')}`));
      }, timeoutMs);
      const onExit = () => {
        check();
        cleanup();
        reject(new Error(`the bot exited before logging ${pattern}; logs:\n${logs.slice(-30).join('\n')}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
        child.off('exit', onExit);
      };
      waiters.add(check);
      child.once('exit', onExit);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return { child, logs, stdout, waitForLog, exited, stop };
}
