// The relay fake's HTTP server: routing, request recording, request ids, and a close() that
// cannot be held up by hung or stalled sockets.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { cloudflareGuard } from './cloudflare.js';
import { invalidToken, newRequestId, relayError, replyWithError, upstreamError } from './errors.js';
import { FaultQueue } from './faults.js';
import { FileStore } from './files.js';
import { handleChat } from './chat.js';
import { handleEdit } from './edits.js';
import { handleGeneration } from './generate.js';
import { bearerToken, BodyTooLargeError, clientGone, parseBody, readBody, send, sendJson } from './http.js';
import { FAKE_MODELS } from './models.js';
import { multipartBoundary, parseMultipart, type ParsedForm } from './multipart.js';
import { profileOf } from './profiles/index.js';
import { applyOptions, defaultSettings, type Settings } from './settings.js';
import type { Fault, RecordedRequest, RelayFake, RelayFakeOptions } from './types.js';

/** gpt-image-2-all's recommended endpoint on APIYI (chat.ts). */
const CHAT_PATH = '/v1/chat/completions';

export async function startRelayFake(options: RelayFakeOptions = {}): Promise<RelayFake> {
  const fake = new RelayFakeServer(options);
  await fake.listen(options.host ?? '127.0.0.1', options.port ?? 0);
  return fake;
}

class RelayFakeServer implements RelayFake {
  readonly requests: RecordedRequest[] = [];
  readonly downloads: string[] = [];
  origin = '';
  private readonly settings: Settings = defaultSettings();
  private readonly faults = new FaultQueue();
  private readonly files = new FileStore(() => ({
    now: this.settings.now(),
    ttlMs: this.settings.urlTtlMs,
    expiredStatus: profileOf(this.settings).expiredUrlStatus,
  }));
  private readonly sockets = new Set<Socket>();
  /** Aborts every simulated wait when the fake closes. */
  private readonly closing = new AbortController();
  private readonly server = createServer((req, res) => void this.handle(req, res));
  private closed?: Promise<void>;

  constructor(options: RelayFakeOptions) {
    applyOptions(this.settings, options);
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `${this.origin}/v1`;
  }

  get apiKey(): string {
    return this.settings.apiKey;
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        this.origin = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
        resolve();
      });
    });
  }

  failNext(fault: Fault, count = 1): void {
    this.faults.push(fault, count);
  }

  configure(options: Partial<RelayFakeOptions>): void {
    applyOptions(this.settings, options);
  }

  reset(): void {
    this.requests.length = 0;
    this.downloads.length = 0;
    this.faults.clear();
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing.abort();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
      this.files.clear();
    });
    return this.closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    res.setHeader('x-request-id', requestId);
    res.setHeader('X-Oneapi-Request-Id', requestId);
    const signal = clientGone(res, this.closing.signal);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    try {
      if (path.startsWith('/files/') && (req.method === 'GET' || req.method === 'HEAD')) {
        this.downloads.push(path);
        return await this.files.serve(req, res, path, signal);
      }
      if (path !== '/v1' && !path.startsWith('/v1/')) {
        // What gin answers for routes it does not have.
        return send(res, 404, '404 page not found', { 'content-type': 'text/plain' });
      }
      const raw = await readBody(req);
      const form = readForm(req, raw);
      const record: RecordedRequest = {
        method: req.method ?? 'GET',
        path,
        headers: { ...req.headers },
        // A form is recorded as its text fields and a list of its files, not as binary text.
        body: form ? { ...form.fields } : parseBody(raw),
        ...(form ? { files: form.files.map((f) => ({ field: f.field, filename: f.filename, contentType: f.contentType, size: f.bytes.length })) } : {}),
        at: this.settings.now(),
        requestId,
      };
      this.requests.push(record);
      // Cloudflare's clock starts once the request has reached the origin.
      const { cloudflareTimeoutMs } = this.settings;
      const cut =
        cloudflareTimeoutMs !== undefined && record.method === 'POST' && (path.startsWith('/v1/images/') || path === CHAT_PATH)
          ? cloudflareGuard(req, res, cloudflareTimeoutMs)
          : undefined;
      await this.route(req, res, record, cut ? AbortSignal.any([signal, cut]) : signal, form);
    } catch (error) {
      // Mid-answer there is no way to report an error: cut the connection rather than leave it open.
      if (res.headersSent) return void res.destroy();
      const reply =
        error instanceof BodyTooLargeError
          ? upstreamError(413, 'request body too large', null, 'request_too_large')
          : relayError(500, `fake relay failure: ${error instanceof Error ? error.message : String(error)}`, 'fake_error');
      replyWithError(res, requestId)(reply);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, signal: AbortSignal, form?: ParsedForm): Promise<void> {
    const { method, path } = record;
    const context = { settings: this.settings, origin: this.origin, files: this.files, takeFault: () => this.faults.take() };
    if (method === 'POST' && path === '/v1/images/generations') return handleGeneration(context, req, res, record, signal);
    if (method === 'POST' && path === '/v1/images/edits') return handleEdit(context, req, res, record, signal, form);
    if (method === 'POST' && path === CHAT_PATH) return handleChat(context, req, res, record, signal);
    if (method === 'GET' && path === '/v1/models') return this.listModels(req, res, record.requestId);
    // new-api's answer for a path it does not relay.
    const reply = upstreamError(404, `Invalid URL (${method} ${path})`, '', '');
    replyWithError(res, record.requestId)(reply);
  }

  /** new-api's model list: lets the bot (or a person with curl) check the key and the base URL. */
  private listModels(req: IncomingMessage, res: ServerResponse, requestId: string): void {
    if (bearerToken(req) !== this.settings.apiKey) {
      return replyWithError(res, requestId)(invalidToken());
    }
    const data = FAKE_MODELS.map((model) => ({
      id: model.id,
      object: 'model',
      created: 1626777600,
      owned_by: model.ownedBy,
      // new-api's names: `openai` is /v1/chat/completions (gpt-image-2-all's recommended endpoint).
      supported_endpoint_types: model.chatRoute ? ['openai', 'image-generation'] : ['image-generation'],
    }));
    sendJson(res, 200, { data, object: 'list', success: true });
  }
}

/** The parsed form of a multipart request (image edits); undefined for anything else or a broken form. */
function readForm(req: IncomingMessage, raw: Buffer): ParsedForm | undefined {
  const boundary = multipartBoundary(req.headers['content-type']);
  if (boundary === undefined) return undefined;
  try {
    return parseMultipart(raw, boundary);
  } catch {
    return undefined;
  }
}
