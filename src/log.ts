// One line per event on stderr: JSON when not on a terminal (for log collectors), readable otherwise.
// Every line passes through `redact`, so a key that slipped into an error message never reaches a log.
import { redact } from './providers/redact.js';

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

function threshold(): number {
  const wanted = (process.env.LOG_LEVEL ?? 'info').toLowerCase() as Level;
  return ORDER[wanted] ?? ORDER.info;
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const { name, message } = value;
    const extra = Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'cause'));
    return { name, message, ...extra };
  }
  return value;
}

function write(level: Level, message: string, fields: LogFields = {}): void {
  if (ORDER[level] < threshold()) return;
  const entries = Object.entries(fields).map(([key, value]) => [key, serialise(value)]);
  const line = process.stderr.isTTY
    ? `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}${entries.length ? ` ${JSON.stringify(Object.fromEntries(entries))}` : ''}`
    : JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...Object.fromEntries(entries) });
  process.stderr.write(`${redact(line)}\n`);
}

export const log = {
  debug: (message: string, fields?: LogFields) => write('debug', message, fields),
  info: (message: string, fields?: LogFields) => write('info', message, fields),
  warn: (message: string, fields?: LogFields) => write('warn', message, fields),
  error: (message: string, fields?: LogFields) => write('error', message, fields),
};
