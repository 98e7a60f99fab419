// One line per event on stderr, written by pino: JSON when not on a terminal (for log collectors),
// readable otherwise. The line shape stays what operators and tests already read: `time` (ISO),
// `level` as a word, `msg`, and the fields flat beside them. Every line passes through `redact`
// (see logDestination.ts), so a key that slipped into an error message never reaches a log.
import pino from 'pino';
import { createLogDestination, type LogDestination } from './logDestination.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export type LogFields = Record<string, unknown>;

export interface Log {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** The same logger with `bindings` on every line (a job's ids, say); a line's own fields win. */
  child(bindings: LogFields): Log;
  /** Writes out anything still buffered; call before process.exit. */
  flush(): void;
}

export interface CreateLogOptions {
  destination?: LogDestination;
  /** The level until setLevel changes it (and after setLevel(undefined)). Default: LOG_LEVEL, read once here. */
  level?: LogLevel;
}

/** Errors become {name, message, ...own props}; their `cause` stays out (it may hold requests and bodies). */
function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const { name, message } = value;
    const extra = Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'cause'));
    return { name, message, ...extra };
  }
  return value;
}

/** Names other tools use (trace, warning, fatal) map onto ours, so a LOG_LEVEL meant for them still works. */
const ALIASES: Record<string, LogLevel> = { trace: 'debug', warning: 'warn', fatal: 'error' };

export function parseLogLevel(text: string): LogLevel | undefined {
  const wanted = text.trim().toLowerCase();
  if ((LEVELS as readonly string[]).includes(wanted)) return wanted as LogLevel;
  return ALIASES[wanted];
}

/** LOG_LEVEL from the process environment; anything unknown reads as info (the configuration reports it). */
export function levelFromEnvironment(): LogLevel {
  return parseLogLevel(process.env.LOG_LEVEL ?? '') ?? 'info';
}

export function createLog(options: CreateLogOptions = {}): Log & { setLevel(level: LogLevel | undefined): void } {
  const destination = options.destination ?? createLogDestination();
  const initialLevel = options.level ?? levelFromEnvironment();
  const logger = pino(
    {
      level: initialLevel,
      base: null, // no pid and hostname: the line carries only what the bot says
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // Errors are serialised above, the same for every key; pino's own `err` serializer would add stacks.
      serializers: { err: (value: unknown) => value },
      depthLimit: 10,
      edgeLimit: 200,
    },
    destination,
  );

  const write = (level: LogLevel, message: string, fields: LogFields) => {
    if (!logger.isLevelEnabled(level)) return;
    const entries = Object.entries(fields).map(([key, value]) => [key, serialise(value)]);
    logger[level](Object.fromEntries(entries), message);
  };

  const bound = (bindings: LogFields): Log => ({
    debug: (message, fields) => write('debug', message, { ...bindings, ...fields }),
    info: (message, fields) => write('info', message, { ...bindings, ...fields }),
    warn: (message, fields) => write('warn', message, { ...bindings, ...fields }),
    error: (message, fields) => write('error', message, { ...bindings, ...fields }),
    child: (more) => bound({ ...bindings, ...more }),
    flush: () => destination.flush(),
  });
  return {
    ...bound({}),
    /** A level from the validated configuration (.env included); undefined goes back to the initial level. */
    setLevel(level) {
      logger.level = level ?? initialLevel;
    },
  };
}

const root = createLog();

export const log: Log = root;

/**
 * Sets the level once at start-up: main.ts applies LOG_LEVEL as validated by the configuration (so
 * `.env` counts too), the demo its own default. Until then, LOG_LEVEL as the process started with it.
 */
export function setLogLevel(level: LogLevel | undefined): void {
  root.setLevel(level);
}

export function flushLogs(): void {
  root.flush();
}
