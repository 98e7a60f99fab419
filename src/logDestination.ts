// Where pino's lines go: stderr, through `redact`, one line per event. A key that slipped into an
// error message is replaced here, after serialisation, so no field and no formatting can bypass it.
// On a terminal the JSON line is rewritten as a short readable one (no pino-pretty dependency).
// A leaf beside log.ts: every layer logs, so logging may import nothing but the (leaf) redaction.
import pino from 'pino';
import { redact } from './providers/redact.js';

export interface LogSink {
  write(text: string): void;
  flush?(): void;
}

export interface LogDestinationOptions {
  /** Where the finished lines go. Default: a synchronous writer on fd 2, so nothing waits in a buffer at exit. */
  sink?: LogSink;
  /** Readable lines instead of JSON; asked per line (like the old logger). Default: stderr is a terminal. */
  readable?: () => boolean;
}

export interface LogDestination extends pino.DestinationStream {
  flush(): void;
}

export function createLogDestination(options: LogDestinationOptions = {}): LogDestination {
  const sink = options.sink ?? stderrSink();
  const readable = options.readable ?? (() => process.stderr.isTTY === true);
  return {
    write(line: string) {
      sink.write(redact(readable() ? readableLine(line) : line));
    },
    flush() {
      sink.flush?.();
    },
  };
}

function stderrSink(): LogSink {
  // SonicBoom in sync mode retries EAGAIN on a non-blocking pipe instead of dropping the line.
  const boom = pino.destination({ fd: 2, sync: true });
  // A closed stderr (the reader went away) must not take the bot down with an unhandled 'error'.
  boom.on('error', () => {});
  return {
    write: (text) => void boom.write(text),
    flush: () => {
      try {
        boom.flushSync();
      } catch {
        // Nothing buffered (sync mode), or stderr is gone: either way there is nothing to save.
      }
    },
  };
}

/** `2026-01-01T00:00:00.000Z INFO  message {"field":1}`: what the pre-pino logger printed on a terminal. */
export function readableLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { time, level, msg, ...fields } = entry;
  const rest = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  return `${String(time)} ${String(level).toUpperCase().padEnd(5)} ${String(msg)}${rest}\n`;
}
