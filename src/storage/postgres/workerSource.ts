// The worker thread that owns one `pg` connection (see bridge.ts for the protocol and why).
//
// It is JavaScript in a string, started with `new Worker(source, { eval: true })`, because a worker
// must be a file node can run as it stands: under vitest the sources are TypeScript that only vite
// can load, and a separate .cjs file would not be copied into dist/ by tsc. Keep it small and plain.
//
// Requests (one at a time; the main thread is blocked until the reply):
//   { op: 'query', text, values, array, first, lock }  one statement (extended protocol, $n parameters)
//   { op: 'script', text, lock }                        several statements (simple protocol, no parameters)
//   { op: 'begin' } | { op: 'commit' } | { op: 'rollback' }
//   { op: 'close' }
// `lock` (outside a transaction) wraps the work in BEGIN + the write lock + COMMIT.
// Replies: { ok: true, rows, changes, bytea } or { ok: false, error: { message, code, detail, … } }.
export const WORKER_SOURCE = String.raw`
'use strict';
const { workerData } = require('node:worker_threads');
const { port, signal: shared, url, pgPath, secrets, settings } = workerData;
const pg = require(pgPath);
const signal = new Int32Array(shared);

// int8 (COUNT, SUM of integers, BIGINT columns) and numeric (SUM of bigint, AVG) as JS numbers, like
// SQLite's integers and reals. Safe for this schema: epoch milliseconds (~2^41) and micro-dollar
// amounts stay far below 2^53; Discord snowflakes, which do not, are stored as TEXT. This worker
// has its own copy of pg, so the global parser table changes nothing outside it.
pg.types.setTypeParser(20, (value) => Number(value));
pg.types.setTypeParser(1700, (value) => Number(value));

const BYTEA = 17;
const FIELDS = ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'severity', 'where', 'routine'];
let client;
let broken;
let inTransaction = false;
// The write lock is per schema (evaluated at each BEGIN, so it follows search_path): test schemas
// in one database do not serialise each other, and one deployment is one schema, so all its
// processes share one lock.
const lockSql = "SELECT pg_advisory_xact_lock(" + settings.lockClass + ", hashtext(coalesce(current_schema(), '')))";

function scrub(text) {
  let out = String(text);
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}

function describe(error) {
  const out = { message: scrub(error && error.message !== undefined ? error.message : error) };
  for (const field of FIELDS) {
    const value = error && error[field];
    if (value !== undefined && value !== null) out[field] = typeof value === 'string' ? scrub(value) : value;
  }
  return out;
}

function reply(message) {
  port.postMessage(message);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

async function connect() {
  if (client) client.end().catch(() => {});
  client = undefined;
  const next = new pg.Client({
    connectionString: url,
    statement_timeout: settings.statementTimeoutMs,
    lock_timeout: settings.lockTimeoutMs,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    application_name: settings.applicationName,
  });
  // A dropped connection surfaces here between requests; the next request reconnects (or, inside a
  // transaction, fails: the transaction is gone with the connection).
  next.on('error', (error) => { broken = error; });
  broken = undefined;
  await next.connect();
  client = next;
}

async function ready() {
  if (client && !broken) return client;
  if (inTransaction) {
    inTransaction = false;
    const error = new Error('the connection to PostgreSQL was lost during a transaction: ' + (broken ? broken.message : 'closed'));
    error.code = '08006';
    throw error;
  }
  await connect();
  return client;
}

async function begin(c) {
  inTransaction = true;
  try {
    // One round trip: a BEGIN inside a multi-statement simple query opens a transaction that lasts.
    await c.query('BEGIN; ' + lockSql);
  } catch (error) {
    await rollback(c);
    throw error;
  }
}

async function commit(c) {
  inTransaction = false;
  const result = await c.query('COMMIT');
  // COMMIT of a transaction in which a statement failed is a silent ROLLBACK in PostgreSQL.
  if (result.command === 'ROLLBACK') {
    const error = new Error('the transaction was rolled back because a statement in it failed');
    error.code = '25P02';
    throw error;
  }
}

async function rollback(c) {
  inTransaction = false;
  if (c && !broken) await c.query('ROLLBACK').catch(() => {});
}

async function wrapped(c, lock, work) {
  if (!lock || inTransaction) return work();
  await begin(c);
  try {
    const result = await work();
    await commit(c);
    return result;
  } catch (error) {
    if (inTransaction) await rollback(c);
    throw error;
  }
}

async function handle(request) {
  if (request.op === 'close') {
    const c = client;
    client = undefined;
    if (c) await c.end().catch(() => {});
    return { ok: true };
  }
  if (request.op === 'rollback' && (!client || broken)) {
    inTransaction = false; // the transaction ended with the connection
    return { ok: true };
  }
  const c = await ready();
  switch (request.op) {
    case 'connect':
      return { ok: true };
    case 'begin':
      await begin(c);
      return { ok: true };
    case 'commit':
      await commit(c);
      return { ok: true };
    case 'rollback':
      await rollback(c);
      return { ok: true };
    case 'script':
      await wrapped(c, request.lock, () => c.query(request.text));
      return { ok: true };
    case 'query': {
      const result = await wrapped(c, request.lock, () =>
        c.query({ text: request.text, values: request.values, rowMode: request.array ? 'array' : undefined }),
      );
      const rows = request.first ? result.rows.slice(0, 1) : result.rows;
      const bytea = result.fields.some((field) => field.dataTypeID === BYTEA);
      return { ok: true, rows, changes: result.rowCount ?? 0, bytea };
    }
    default:
      throw new Error('unknown request ' + request.op);
  }
}

let chain = Promise.resolve();
port.on('message', (request) => {
  chain = chain.then(async () => {
    let response;
    try {
      response = await handle(request);
    } catch (error) {
      response = { ok: false, error: describe(error) };
    }
    reply(response);
  });
});
process.on('uncaughtException', (error) => { broken = error; });
handle({ op: 'connect' }).then(
  () => reply({ ok: true }),
  (error) => reply({ ok: false, error: describe(error) }),
);
`;
