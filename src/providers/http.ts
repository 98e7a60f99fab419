// The one HTTP client for relay requests: a pooled keep-alive undici Agent per relay, one deadline
// that covers the whole exchange (connect, headers and body), and failures split by whether the
// request may have reached the relay. That split decides billing risk: a request that never left
// (connection refused, DNS failure) is safe to retry or send elsewhere; one cut after it was written
// may still be generated and charged, so it must never be retried automatically (RELAYS.md).
import type { Agent, Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { RelayConfig } from '../config/relay.js';
import {
  CancelledError,
  MalformedResponseError,
  RelayTimeoutError,
  UpstreamError,
  isImagineError,
  type ImagineError,
} from './errors.js';
import { EncodedBody } from './multipart.js';
import { redact, registerSecret } from './redact.js';
import { isEventStream } from './sse.js';

export const USER_AGENT = 'imagine-bot/0.1 (Discord /imagine bot; undici)';

/** `code` on the errors thrown here, so callers can tell the transport failures apart. */
export const TransportCode = {
  /**
   * Failed before the request was written (refused, DNS, TLS, connect timeout, or our deadline
   * passing while still connecting): nothing billed.
   */
  connectFailed: 'connect_failed',
  /** The connection broke after the request was written: may be billed. */
  connectionCut: 'connection_cut',
  /** Our deadline passed after the request was sent: may be billed. */
  timeout: 'timeout',
  /** The response was larger than we accept. */
  tooLarge: 'response_too_large',
} as const;

export interface RelayResponse {
  status: number;
  /** Header names lower-cased; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** The body; empty when it was an event stream handed to `onEventStreamData` (then `streamed`). */
  text: string;
  /** The body went chunk by chunk to `onEventStreamData` instead of into `text`. */
  streamed?: boolean;
}

export interface PostOptions {
  /** Bounds the whole exchange, reading the body included. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Larger bodies are refused (b64 images are big, but not this big). Default 128 MiB. */
  maxResponseBytes?: number;
  /**
   * Receives a 2xx `text/event-stream` body chunk by chunk as it arrives, instead of it being
   * buffered into `text`: a streamed generation's previews can be shown while it runs, and its
   * multi-MiB partial images are never held all at once. The deadline and the byte cap still apply.
   * An ImagineError it throws ends the exchange with that error.
   */
  onEventStreamData?(chunk: Buffer): void;
}

const DEFAULT_MAX_RESPONSE_BYTES = 128 * 1024 * 1024;

const agents = new Map<string, Agent>();

/**
 * undici is loaded with the first relay request, not at start-up (about 2.5 MiB of heap and a
 * tenth of a second before the gateway login otherwise; discord.js brings its own copy).
 */
let undici: typeof import('undici') | undefined;
export async function loadUndici(): Promise<typeof import('undici')> {
  undici ??= await import('undici');
  return undici;
}

function agentFor(relay: RelayConfig, { Agent }: typeof import('undici')): Agent {
  const key = `${relay.name}\u0000${relay.baseUrl}`;
  let agent = agents.get(key);
  if (!agent) {
    // undici's own header/body timers are disabled here: our single deadline covers both, and a
    // 300 s default must not undercut a longer configured REQUEST_TIMEOUT.
    agent = new Agent({ keepAliveTimeout: 4_000, headersTimeout: 0, bodyTimeout: 0, connect: { timeout: 10_000 } });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes every pooled connection (shutdown). In-flight requests finish first. */
export async function closeAgents(): Promise<void> {
  const all = [...agents.values()];
  agents.clear();
  await Promise.allSettled(all.map((agent) => agent.close()));
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The error's code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …), looking through `cause`. */
export function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A cause that is safe to keep on our errors: a plain Error with a redacted message and the code. */
export function safeCause(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return Object.assign(new Error(redact(message)), { code: errorCode(error) });
}

function transportError(relay: RelayConfig, error: unknown, sent: boolean): ImagineError {
  const code = errorCode(error) ?? 'unknown';
  const context = { relay: relay.name, cause: safeCause(error) };
  if (!sent) {
    return new UpstreamError(`Could not reach relay "${relay.name}" (${code}); the request was not sent`, {
      ...context,
      code: TransportCode.connectFailed,
    });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new RelayTimeoutError(`Relay "${relay.name}" stopped answering (${code}); it may still have been billed`, {
      ...context,
      code: TransportCode.timeout,
    });
  }
  return new RelayTimeoutError(
    `The connection to relay "${relay.name}" was cut after the request was sent (${code}); it may still have been billed`,
    { ...context, code: TransportCode.connectionCut },
  );
}

/**
 * POSTs `body` as JSON to `{relay.baseUrl}{path}` and reads the whole response as text (or, for an
 * event stream with `onEventStreamData`, hands it over as it arrives).
 * Resolves for any HTTP status; rejects only with typed errors (never containing the key):
 * UpstreamError `connect_failed`, RelayTimeoutError `connection_cut`/`timeout`, CancelledError,
 * MalformedResponseError `response_too_large`.
 */
export async function postJson(
  relay: RelayConfig,
  path: string,
  body: unknown,
  options: PostOptions,
): Promise<RelayResponse> {
  const { timeoutMs, signal } = options;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const library = await loadUndici();
  if (signal?.aborted) throw new CancelledError(undefined, { relay: relay.name });
  // Relays sometimes echo request headers in their error text: make sure redact() knows this key.
  registerSecret(relay.apiKey);
  const url = new URL(relay.baseUrl + path);
  // Image edits arrive already encoded as multipart (multipart.ts); everything else is JSON.
  const payload = body instanceof EncodedBody ? body.payload : Buffer.from(JSON.stringify(body), 'utf8');

  return new Promise<RelayResponse>((resolve, reject) => {
    // `sent` turns true when undici binds the request to a connected socket, right before writing it.
    let sent = false;
    let settled = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let headers: IncomingHttpHeaders = {};
    let size = 0;
    const chunks: Buffer[] = [];
    let streamed = false;

    const settle = (error: ImagineError | undefined, value?: RelayResponse): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error) {
        // Stop the exchange; if it is still queued, onRequestStart aborts it when it gets a socket.
        controller?.abort(new Error('request abandoned by the client'));
        reject(error);
      } else if (value) {
        resolve(value);
      }
    };
    const onAbort = (): void => settle(new CancelledError(undefined, { relay: relay.name }));
    const timer = setTimeout(() => {
      const seconds = Math.round(timeoutMs / 1000);
      settle(
        sent
          ? new RelayTimeoutError(`Relay "${relay.name}" did not finish within ${seconds} s; it may still have been billed`, {
              relay: relay.name,
              code: TransportCode.timeout,
            })
          : // Still connecting (or queued for a connection): nothing reached the relay, nothing can be billed.
            transportError(relay, Object.assign(new Error(`no connection within ${seconds} s`), { code: 'ETIMEDOUT' }), false),
      );
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (settled) c.abort(new Error('request abandoned by the client'));
        else sent = true;
      },
      onResponseStart(_c, statusCode, responseHeaders) {
        status = statusCode;
        headers = responseHeaders;
        streamed =
          options.onEventStreamData !== undefined &&
          statusCode >= 200 &&
          statusCode < 300 &&
          isEventStream(responseHeaders['content-type']);
      },
      onResponseData(_c, chunk) {
        size += chunk.length;
        if (size > maxBytes) {
          settle(
            new MalformedResponseError(`Relay "${relay.name}" sent a response larger than ${maxBytes} bytes`, {
              relay: relay.name,
              status,
              code: TransportCode.tooLarge,
            }),
          );
          return;
        }
        if (!streamed) {
          chunks.push(chunk);
          return;
        }
        try {
          options.onEventStreamData?.(chunk);
        } catch (error) {
          settle(
            isImagineError(error)
              ? error
              : new MalformedResponseError(`Relay "${relay.name}" sent an event stream that could not be read`, {
                  relay: relay.name,
                  status,
                  cause: safeCause(error),
                }),
          );
        }
      },
      onResponseEnd() {
        if (streamed) settle(undefined, { status, headers: flattenHeaders(headers), text: '', streamed: true });
        else settle(undefined, { status, headers: flattenHeaders(headers), text: Buffer.concat(chunks).toString('utf8') });
      },
      onResponseError(_c, error) {
        settle(transportError(relay, error, sent));
      },
    };

    try {
      agentFor(relay, library).dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'POST',
          headers: {
            authorization: `Bearer ${relay.apiKey}`,
            'content-type': body instanceof EncodedBody ? body.contentType : 'application/json',
            // Relays that stream check for this before they answer with events.
            accept: options.onEventStreamData ? 'text/event-stream, application/json' : 'application/json',
            'user-agent': USER_AGENT,
          },
          body: payload,
          // Backstops only: our timer fires first.
          headersTimeout: timeoutMs + 1_000,
          bodyTimeout: timeoutMs + 1_000,
        },
        handler,
      );
    } catch (error) {
      settle(transportError(relay, error, false));
    }
  });
}
