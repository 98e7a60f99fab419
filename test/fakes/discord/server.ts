// The HTTP front: strips `/api/vN`, applies injected faults, checks the bot token on bot routes,
// runs the route, logs every request, and serves uploaded attachments under /attachments/.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FaultQueue } from './faults.js';
import type { FakeGateway } from './gateway.js';
import { DiscordError, errors, readBody, type RequestContext, type RouteResult, type Router } from './http.js';
import { parseBody, type ParsedBody } from './multipart.js';
import type { FakeStore } from './store.js';
import type { RequestRecord } from './types.js';

export interface ServerDeps {
  store: FakeStore;
  router: Router;
  faults: FaultQueue;
  gateway: FakeGateway;
  token: string;
  /** bodies beyond this are drained and answered 413 */
  maxBodyBytes(): number;
}

/** Serves REST and the gateway on one already-listening server (the port must be known first,
 * because attachment URLs and the gateway URL contain it). */
export function attachHandlers(server: Server, deps: ServerDeps): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(deps, req, res);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => deps.gateway.handleUpgrade(req, socket, head));
}

function send(res: ServerResponse, result: RouteResult): void {
  const headers: Record<string, string> = { ...result.headers };
  if (result.status === 204 || result.body === undefined) {
    res.writeHead(result.status, headers).end();
    return;
  }
  if (Buffer.isBuffer(result.body)) {
    res.writeHead(result.status, { 'content-length': String(result.body.length), ...headers }).end(result.body);
    return;
  }
  const text = JSON.stringify(result.body);
  res
    .writeHead(result.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers })
    .end(text);
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://fake');
  const api = /^\/api(?:\/v\d+)?(\/.*)$/.exec(url.pathname);
  const rawPath = api?.[1] ?? url.pathname;
  // @discordjs/rest sends `@original` as `%40original`; log and match faults on the readable form.
  const path = safeDecode(rawPath);
  const record: RequestRecord = { method, path, query: url.search, status: 0, at: Date.now() };
  let result: RouteResult;
  try {
    result = await route(deps, req, method, url, api !== null, rawPath, record);
  } catch (error) {
    if (error instanceof DiscordError) {
      result = { status: error.status, body: error.body(), ...(error.headers ? { headers: error.headers } : {}) };
    } else {
      console.error('[discord fake] route failed:', error);
      result = { status: 500, body: { message: '500: Internal Server Error', code: 0 } };
    }
  }
  record.status = result.status;
  deps.store.requests.push(record);
  send(res, result);
  deps.store.changed();
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

async function route(
  deps: ServerDeps,
  req: IncomingMessage,
  method: string,
  url: URL,
  isApi: boolean,
  path: string,
  record: RequestRecord,
): Promise<RouteResult> {
  const { body, tooLarge } = await readBody(req, deps.maxBodyBytes());
  let parsed: ParsedBody | undefined;
  let parseError: unknown;
  try {
    parsed = tooLarge ? undefined : await parseBody(req.headers['content-type'], body);
  } catch (error) {
    parseError = error;
  }
  if (parsed?.payload !== undefined) record.payload = parsed.payload;
  if (parsed?.files.length) record.files = parsed.files.map((f) => ({ name: f.filename, size: f.bytes.length }));

  const delay = deps.faults.takeDelay(method, record.path, safeDecode(url.pathname));
  if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
  const fault = deps.faults.take(method, record.path, safeDecode(url.pathname));
  if (fault) return fault;
  if (tooLarge) throw errors.tooLarge();
  if (parseError) throw parseError;

  if (!isApi) return serveAttachment(deps.store, method, path);
  const match = deps.router.match(method, path);
  if (match === undefined) throw errors.notFound();
  if (match === 'method') throw new DiscordError(405, 0, '405: Method Not Allowed');
  if (match.route.auth && req.headers.authorization !== `Bot ${deps.token}`) throw errors.unauthorized();
  const ctx: RequestContext = {
    method,
    path: record.path,
    params: match.params,
    query: url.searchParams,
    headers: req.headers,
    payload: parsed?.payload,
    files: parsed?.files ?? [],
  };
  return match.route.handler(ctx);
}

/** The CDN stand-in: attachment URLs the fake handed out (`/attachments/{channel}/{id}/{name}`). */
function serveAttachment(store: FakeStore, method: string, path: string): RouteResult {
  const m = /^\/attachments\/[^/]+\/([^/]+)\/[^/]+$/.exec(path);
  const attachment = m?.[1] ? store.attachments.get(m[1]) : undefined;
  if (!attachment || (method !== 'GET' && method !== 'HEAD')) {
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }
  return {
    status: 200,
    body: method === 'HEAD' ? undefined : attachment.bytes,
    headers: {
      'content-type': attachment.content_type ?? 'application/octet-stream',
      ...(method === 'HEAD' ? { 'content-length': String(attachment.size) } : {}),
    },
  };
}
