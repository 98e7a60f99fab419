// A synchronous call into a worker thread that owns one PostgreSQL connection.
//
// Why synchronous: every store, its transactions and their tests are written against
// better-sqlite3's blocking API (design point 1 in issue 15). The main thread posts a request on a
// MessagePort, then sleeps in Atomics.wait until the worker has posted the reply and flipped a
// shared flag; receiveMessageOnPort then takes the reply without going through the event loop.
// That is the pattern `synckit` implements; it is written out here (~80 lines) because synckit
// needs its worker as a file node can run, which a TypeScript source under vitest is not (see
// workerSource.ts), and because a statement here needs no more than one request and one reply.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { secretsOf } from './connectionUrl.js';
import { WORKER_SOURCE } from './workerSource.js';

export interface BridgeSettings {
  /** PostgreSQL's statement_timeout: a hung server or a runaway query fails instead of freezing the bot. */
  readonly statementTimeoutMs: number;
  /** PostgreSQL's lock_timeout, the equivalent of SQLite's busy_timeout: then 55P03, "busy". */
  readonly lockTimeoutMs: number;
  readonly connectTimeoutMs: number;
  /** The first key of the two-key advisory lock every transaction takes (the second is the schema). */
  readonly lockClass: number;
  readonly applicationName: string;
}

export type Request =
  | { readonly op: 'query'; readonly text: string; readonly values: unknown[]; readonly array: boolean; readonly first: boolean; readonly lock: boolean }
  | { readonly op: 'script'; readonly text: string; readonly lock: boolean }
  | { readonly op: 'begin' | 'commit' | 'rollback' | 'close' };

export interface Reply {
  readonly rows: unknown[];
  readonly changes: number;
  /** Some column is bytea: its values arrive as Uint8Array and are turned back into Buffers. */
  readonly bytea: boolean;
}

type Wire = ({ ok: true } & Partial<Reply>) | { ok: false; error: WireError };

/** An error PostgreSQL (or the connection) reported, with PG's SQLSTATE `code` and `detail` kept. */
export class PostgresError extends Error {
  readonly code?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
  readonly schema?: string;
  readonly severity?: string;
  readonly where?: string;
  readonly routine?: string;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = 'PostgresError';
    Object.assign(this, wire);
  }
}

/**
 * The fields of a PostgreSQL (or socket) error that survive the trip from the worker: PostgresError's
 * own, declared once there (the worker's FIELDS, in workerSource.ts, names the same ones).
 */
export type WireError = Omit<PostgresError, 'name' | 'stack' | 'cause'>;

/**
 * Where `pg` is, for the worker's require. From this module normally; a transpiled copy of it in a
 * temporary folder (tests that spawn processes or workers) resolves from the working directory.
 */
function resolvePg(): string {
  try {
    return createRequire(import.meta.url).resolve('pg');
  } catch {
    return createRequire(join(process.cwd(), 'package.json')).resolve('pg');
  }
}

/**
 * Sleeps until the worker has set the flag (true) or `timeoutMs` has passed (false).
 *
 * One Atomics.wait is not enough: it also returns "ok" for a notify that was meant for the
 * previous request. The worker posts, stores 1, then notifies; if the main thread has already read
 * that reply (it saw the 1) and reset the flag for the next request before the notify lands, the
 * notify wakes the next wait with no reply on the port (a CI run met it once; esbuild met
 * the same race, evanw/esbuild#590). So wake-ups are checked against the flag.
 */
export function awaitSignal(signal: Int32Array, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  while (Atomics.load(signal, 0) === 0) {
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(signal, 0, 0, left);
  }
  return true;
}

export class WorkerBridge {
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  /** Longest a request may take before the worker is given up: a statement plus the lock wait, with room to spare. */
  private readonly replyTimeoutMs: number;
  private closed = false;
  private connected = false;

  /** Starts the worker; unless `defer`, blocks until it has connected (throwing when it cannot). */
  constructor(url: string, settings: BridgeSettings, defer = false) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.replyTimeoutMs = Math.max(settings.statementTimeoutMs, settings.connectTimeoutMs) + settings.lockTimeoutMs + 5_000;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // Not the parent's node flags: `--input-type=module` (node -e scripts) would read this
      // CommonJS source as a module, and the worker would die before its first reply.
      execArgv: [],
      workerData: {
        port: port2,
        signal: this.signal.buffer,
        url,
        pgPath: resolvePg(),
        secrets: secretsOf(url),
        settings,
      },
      transferList: [port2],
    });
    // Like a better-sqlite3 handle, an open connection must not keep the process alive by itself.
    this.worker.unref();
    this.port.unref();
    if (!defer) this.awaitConnection();
  }

  /** The worker's first reply says whether it connected. */
  private awaitConnection(): void {
    if (this.connected) return;
    try {
      this.wait();
      this.connected = true;
    } catch (error) {
      this.stop();
      throw error;
    }
  }

  /** Sends one request and blocks until the worker answers; a failure is thrown as a PostgresError. */
  call(request: Request): Reply {
    if (this.closed) throw new TypeError('The database connection is not open');
    this.awaitConnection();
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage(request);
    return this.wait();
  }

  /** Ends the connection (waiting for PostgreSQL to see it go) and the worker. Idempotent. */
  close(): void {
    if (this.closed) return;
    try {
      this.call({ op: 'close' });
    } catch {
      // never connected, or the connection is gone: nothing left to end
    } finally {
      this.stop();
    }
  }

  private stop(): void {
    this.closed = true;
    this.port.close();
    void this.worker.terminate();
  }

  private wait(): Reply {
    if (!awaitSignal(this.signal, this.replyTimeoutMs)) {
      this.stop();
      throw new PostgresError({ code: 'ETIMEDOUT', message: `PostgreSQL did not answer within ${this.replyTimeoutMs} ms; the connection was dropped` });
    }
    const received = receiveMessageOnPort(this.port);
    if (received === undefined) throw new PostgresError({ message: 'the PostgreSQL worker signalled without a reply' });
    const wire = received.message as Wire;
    if (!wire.ok) throw new PostgresError(wire.error);
    return { rows: wire.rows ?? [], changes: wire.changes ?? 0, bytea: wire.bytea ?? false };
  }
}
