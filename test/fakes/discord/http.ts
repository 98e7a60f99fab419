// Minimal HTTP plumbing for the REST side: Discord-shaped errors, a route table keyed on the
// version-less path (`/channels/:id/messages`), and request-body reading.
import type { IncomingMessage } from 'node:http';
import type { UploadedFile } from './multipart.js';

/** Thrown by route handlers; serialised as Discord's `{message, code, errors?}` error body. */
export class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { message: this.message, code: this.code, ...(this.errors === undefined ? {} : { errors: this.errors }) };
  }
}

export const errors = {
  unauthorized: () => new DiscordError(401, 0, '401: Unauthorized'),
  notFound: () => new DiscordError(404, 0, '404: Not Found'),
  unknownChannel: () => new DiscordError(404, 10003, 'Unknown Channel'),
  unknownMessage: () => new DiscordError(404, 10008, 'Unknown Message'),
  unknownUser: () => new DiscordError(404, 10013, 'Unknown User'),
  unknownWebhook: () => new DiscordError(404, 10015, 'Unknown Webhook'),
  unknownApplication: () => new DiscordError(404, 10002, 'Unknown Application'),
  unknownCommand: () => new DiscordError(404, 10063, 'Unknown application command'),
  unknownGuild: () => new DiscordError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new DiscordError(404, 10007, 'Unknown Member'),
  unknownInteraction: () => new DiscordError(404, 10062, 'Unknown interaction'),
  alreadyAcknowledged: () => new DiscordError(400, 40060, 'Interaction has already been acknowledged.'),
  invalidWebhookToken: () => new DiscordError(401, 50027, 'Invalid Webhook Token'),
  tooLarge: () => new DiscordError(413, 40005, 'Request entity too large'),
  emptyMessage: () => new DiscordError(400, 50006, 'Cannot send an empty message'),
  cannotEditOthers: () => new DiscordError(403, 50005, 'Cannot edit a message authored by another user'),
};

/** 50035 Invalid Form Body with Discord's nested `errors` object built from a dotted path. */
export function formError(path: string, code: string, message: string): DiscordError {
  const leaf = { _errors: [{ code, message }] };
  const nested = path
    .split('.')
    .reverse()
    .reduce<Record<string, unknown>>((inner, key) => ({ [key]: inner }), leaf);
  return new DiscordError(400, 50035, 'Invalid Form Body', nested);
}

export interface RequestContext {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** parsed JSON body, or payload_json (or the plain fields) of a multipart body */
  payload: unknown;
  files: UploadedFile[];
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (ctx: RequestContext) => RouteResult | Promise<RouteResult>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
  /** bot routes need `Authorization: Bot <token>`; interaction and webhook-token routes do not */
  auth: boolean;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, template: string, handler: RouteHandler, options: { auth: boolean }): void {
    const names: string[] = [];
    // `@me` and `@original` are literal segments, so only `:name` becomes a capture group.
    const source = template.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler, auth: options.auth });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { route, params };
    }
    return pathMatched ? 'method' : undefined;
  }
}

/**
 * Reads the whole body. Past `maxBytes` it keeps draining (answering before the upload ends makes
 * undici report a socket error instead of the 413) but stops storing, and reports `tooLarge`.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
    req.on('error', reject);
  });
}
