import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Socket } from 'node:net';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeLoopbackServers, listenOnLoopback } from '../helpers/loopbackServer.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import type { RelayConfig } from '../../src/config/relay.js';
import {
  CancelledError,
  ContentPolicyError,
  MalformedResponseError,
  RateLimitError,
  RelayAuthError,
  RelayTimeoutError,
  UpstreamError,
} from '../../src/providers/errors.js';
import { closeAgents, postJson } from '../../src/providers/http.js';
import { generateOnRelay, type RetryInfo } from '../../src/providers/relayClient.js';
import type { InputImage, PlannedRequest } from '../../src/providers/types.js';

// A key that redact()'s generic patterns would NOT catch: only our own handling can keep it out.
const KEY = 'relaykey-Zq8wX2vN5mP0tR7y';

// --- a small local relay on loopback (no dependency on test/fakes) ---
interface Hit {
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}
type Reply = (req: IncomingMessage, res: ServerResponse, hit: Hit, index: number) => void;
interface TestRelay {
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}
async function startRelay(...replies: Reply[]): Promise<TestRelay> {
  const hits: Hit[] = [];
  const server = await listenOnLoopback((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const hit: Hit = { body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {}, headers: req.headers };
      hits.push(hit);
      const reply = replies[Math.min(hits.length - 1, replies.length - 1)];
      reply?.(req, res, hit, hits.length - 1);
    });
  });
  return { url: server.url, hits, close: server.close };
}
afterEach(closeLoopbackServers);
afterAll(closeAgents);

let png: Buffer;
beforeAll(async () => {
  png = await sharp({ create: { width: 16, height: 8, channels: 3, background: '#0a0' } }).png().toBuffer();
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const ok = (headers: Record<string, string> = {}): Reply => json(200, { created: 1, data: [{ b64_json: png.toString('base64') }] }, headers);
const hang: Reply = () => {};
const reset: Reply = (req) => req.socket.destroy();

let relayCount = 0;
function relayAt(server: TestRelay, overrides: Partial<RelayConfig> = {}): RelayConfig {
  return {
    name: `test-${++relayCount}`,
    baseUrl: `${server.url}/v1`,
    apiKey: KEY,
    models: '*',
    priority: 0,
    strictAspectRatios: false,
    streaming: false,
    prices: {},
    maxConcurrency: 2,
    ...overrides,
  };
}
function plan(body: Record<string, unknown> = {}): PlannedRequest {
  return {
    model: { id: 'gpt-image-2' } as ModelSpec,
    path: '/images/generations',
    body: { model: 'gpt-image-2', prompt: 'a green square', size: '1024x1024', quality: 'high', ...body },
    effectiveSize: '1024x1024',
    n: 1,
    adjustments: [],
  };
}
function recorder() {
  const waits: number[] = [];
  const retries: RetryInfo[] = [];
  return {
    waits,
    retries,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
    onRetry: (info: RetryInfo) => retries.push(info),
  };
}

/** Every string reachable from the error: own properties (enumerable or not), causes, stack. */
function dump(value: unknown, seen = new Set<unknown>()): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  if (seen.has(value)) return '';
  seen.add(value);
  const parts = [value instanceof Error ? `${value.name} ${value.message} ${value.stack ?? ''}` : ''];
  for (const key of Object.getOwnPropertyNames(value)) {
    parts.push(key, dump((value as Record<string, unknown>)[key], seen));
  }
  return parts.join(' ');
}

describe('postJson', () => {
  it('sends the key, JSON and a User-Agent, and returns status, headers and text', async () => {
    const server = await startRelay(json(201, { hello: 'world' }, { 'x-request-id': 'req-9' }));
    const response = await postJson(relayAt(server), '/images/generations', { a: 1 }, { timeoutMs: 5_000 });
    expect(response).toMatchObject({ status: 201, text: '{"hello":"world"}' });
    expect(response.headers['x-request-id']).toBe('req-9');
    const headers = server.hits[0]?.headers;
    expect(headers?.authorization).toBe(`Bearer ${KEY}`);
    expect(headers?.['content-type']).toBe('application/json');
    expect(headers?.['user-agent']).toMatch(/imagine-bot/);
    expect(server.hits[0]?.body).toEqual({ a: 1 });
  });

  it('bounds the whole exchange, body included, with one deadline', async () => {
    const server = await startRelay((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"data":['); // headers arrive at once, then the body stalls
    });
    const start = Date.now();
    const error = await postJson(relayAt(server), '/images/generations', {}, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(Date.now() - start).toBeGreaterThanOrEqual(290);
    expect(Date.now() - start).toBeLessThan(2_000);
  });

  it('a deadline that passes before the request was sent is a failure to connect (not billed), not a timeout', async () => {
    // A TCP server that accepts but never answers the TLS handshake: undici is still connecting, so
    // nothing of the request has been written when the deadline passes.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const relay = relayAt({ url: `https://127.0.0.1:${port}`, hits: [], close: async () => {} });
      const start = Date.now();
      const error = await postJson(relay, '/images/generations', {}, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(Date.now() - start).toBeLessThan(2_000);
      expect(sockets.size).toBeGreaterThan(0); // it did connect at the TCP level
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ kind: 'upstream', code: 'connect_failed', possiblyBilled: false });
      expect((error as Error).message).toMatch(/not sent/);
      // The relay client may therefore retry or fail over; here its deadline is spent, so it reports the same.
      const routed = await generateOnRelay(relay, plan(), { timeoutMs: 300, sleep: async () => {} }).catch((e: unknown) => e);
      expect(routed).toMatchObject({ kind: 'upstream', code: 'connect_failed', possiblyBilled: false });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('refuses an oversized response', async () => {
    const server = await startRelay((_req, res) => res.end('x'.repeat(5_000)));
    await expect(
      postJson(relayAt(server), '/images/generations', {}, { timeoutMs: 5_000, maxResponseBytes: 1_000 }),
    ).rejects.toMatchObject({ kind: 'malformed_response', code: 'response_too_large' });
  });
});

describe('generateOnRelay', () => {
  it('returns checked images with the request id', async () => {
    const server = await startRelay(ok({ 'x-request-id': 'req-ok' }));
    const result = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000 });
    expect(result.images).toHaveLength(1);
    expect(result.images[0]).toMatchObject({ mime: 'image/png', width: 16, height: 8 });
    expect(result).toMatchObject({ requestId: 'req-ok', qualityDropped: false, attempts: 1 });
    expect(result.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('downloads URL results from a relay on 127.0.0.1 (a private relay may serve private links)', async () => {
    let server!: TestRelay;
    server = await startRelay((req, res) => {
      if (req.method === 'POST') json(200, { data: [{ url: `${server.url}/files/1.png` }], seed: 7 })(req, res, server.hits[0]!, 0);
      else res.end(png);
    });
    const result = await generateOnRelay(relayAt(server), plan({ quality: undefined }), { timeoutMs: 5_000 });
    expect(result.images[0]).toMatchObject({ mime: 'image/png' });
    expect(result.seed).toBe(7);
  });

  it('gives the download its own deadline from the answer, not what the generation left over', async () => {
    // An answer at 400 ms of a 500 ms generation deadline, then a download that takes 600 ms: the
    // answer was billed, so the link (valid 10 minutes) gets IMAGE_DOWNLOAD_TIMEOUT of its own.
    let server!: TestRelay;
    server = await startRelay((req, res) => {
      if (req.method === 'POST') setTimeout(() => json(200, { data: [{ url: `${server.url}/files/1.png` }] })(req, res, server.hits[0]!, 0), 400);
      else setTimeout(() => res.end(png), 600);
    });
    const result = await generateOnRelay(relayAt(server), plan({ quality: undefined }), { timeoutMs: 500, downloadTimeoutMs: 5_000 });
    expect(result.images[0]).toMatchObject({ mime: 'image/png' });
    // And the download deadline holds on its own.
    const slow = await startRelay((req, res) => {
      if (req.method === 'POST') json(200, { data: [{ url: `${slow.url}/files/1.png` }] })(req, res, slow.hits[0]!, 0);
      else setTimeout(() => res.end(png), 2_000);
    });
    const started = Date.now();
    await expect(generateOnRelay(relayAt(slow), plan({ quality: undefined }), { timeoutMs: 60_000, downloadTimeoutMs: 300 })).rejects.toMatchObject({ kind: 'malformed_response', code: 'image_download_timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reads a chat answer that carries the image as a markdown link (gpt-image-2-all on APIYI)', async () => {
    let server!: TestRelay;
    server = await startRelay((req, res) => {
      if (req.method !== 'POST') return void res.end(png);
      const content = `Here is your image:\n\n![image](${server.url}/files/chat.png)\n`;
      json(200, { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] })(req, res, server.hits[0]!, 0);
    });
    const body = { model: 'gpt-image-2-all', messages: [{ role: 'user', content: 'a green square' }], stream: false };
    const result = await generateOnRelay(relayAt(server), { ...plan(), path: '/chat/completions', body }, { timeoutMs: 5_000 });
    expect(result.images).toHaveLength(1);
    expect(result.images[0]).toMatchObject({ mime: 'image/png', width: 16, height: 8 });
    expect(server.hits[0]?.body).toEqual(body);
  });

  it('refuses a chat answer that holds no image as a malformed (billed) response', async () => {
    const server = await startRelay(json(200, { choices: [{ message: { role: 'assistant', content: 'I cannot draw that.' } }] }));
    const body = { model: 'gpt-image-2-all', messages: [{ role: 'user', content: 'p' }], stream: false };
    await expect(generateOnRelay(relayAt(server), { ...plan(), path: '/chat/completions', body }, { timeoutMs: 5_000 })).rejects.toBeInstanceOf(MalformedResponseError);
  });

  it('drops quality once when the relay rejects it, then succeeds', async () => {
    const server = await startRelay(
      json(400, { error: { message: "Invalid value: 'high'. quality is not supported", type: 'invalid_request_error', param: 'quality' } }),
      ok(),
    );
    const rec = recorder();
    const result = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000, sleep: rec.sleep, onRetry: rec.onRetry });
    expect(result.qualityDropped).toBe(true);
    expect(result.attempts).toBe(2);
    expect(server.hits).toHaveLength(2);
    expect(server.hits[0]?.body).toHaveProperty('quality', 'high');
    expect(server.hits[1]?.body).not.toHaveProperty('quality');
    expect(server.hits[1]?.body).toMatchObject({ prompt: 'a green square', size: '1024x1024' });
    expect(rec.waits).toEqual([]);
    expect(rec.retries.map((r) => r.reason)).toEqual(['params_dropped']);
    expect(result.droppedParams).toEqual(['quality']);
  });

  it('drops quality only once', async () => {
    const server = await startRelay(json(400, { error: { message: 'bad quality', param: 'quality' } }));
    await expect(generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000 })).rejects.toMatchObject({ kind: 'bad_request' });
    expect(server.hits).toHaveLength(2);
  });

  it("resends Flu's generic 400 Invalid request once with the stable set, and says what was dropped", async () => {
    // 000: "400 Invalid request … 参数名称写错 … size 或 quality 当前通道不支持": the message names nothing.
    const server = await startRelay(json(400, { error: { message: 'Invalid request', type: 'invalid_request_error' } }), ok());
    const rec = recorder();
    const body = { model: 'gpt-image-2', prompt: 'a green square', size: '1024x1024', n: 1, quality: 'high', moderation: 'low', output_format: 'webp' };
    const result = await generateOnRelay(relayAt(server), { ...plan(), body }, { timeoutMs: 5_000, sleep: rec.sleep, onRetry: rec.onRetry });
    expect(server.hits[1]?.body).toEqual({ model: 'gpt-image-2', prompt: 'a green square', size: '1024x1024', n: 1 });
    expect(result.droppedParams).toEqual(['quality', 'moderation', 'output_format']);
    expect(result.qualityDropped).toBe(true);
    expect(rec.retries.map((r) => r.reason)).toEqual(['params_dropped']);
  });

  it('a streamed request refused for another field is resent plain, and the relay is still asked to stream next time', async () => {
    const server = await startRelay(json(400, { error: { message: "Invalid value: 'high'", param: 'quality' } }), ok(), ok());
    const relay = relayAt(server, { streaming: true });
    const streamed = { ...plan(), model: { id: 'gpt-image-2', dialect: 'gpt-image', result: 'b64' } as ModelSpec };
    const result = await generateOnRelay(relay, streamed, { timeoutMs: 5_000 });
    expect(server.hits[0]?.body).toMatchObject({ quality: 'high', stream: true });
    expect(server.hits[1]?.body).toEqual({ model: 'gpt-image-2', prompt: 'a green square', size: '1024x1024' });
    expect(result.droppedParams).toEqual(['quality']);
    // The refusal named `quality`, so nothing was learned about streaming.
    await generateOnRelay(relay, streamed, { timeoutMs: 5_000 });
    expect(server.hits[2]?.body).toMatchObject({ stream: true });
  });

  it('resends once when a 400 names an optional field by its message alone', async () => {
    const server = await startRelay(json(400, { error: { message: 'Unknown parameter: safety tolerance' } }), ok());
    const body = { model: 'flux-2-pro', prompt: 'p', size: '1024x1024', n: 1, seed: 7, safety_tolerance: 5 };
    const result = await generateOnRelay(relayAt(server), { ...plan(), body }, { timeoutMs: 5_000 });
    expect(server.hits[1]?.body).toEqual({ model: 'flux-2-pro', prompt: 'p', size: '1024x1024', n: 1 });
    expect(result.droppedParams).toEqual(['seed', 'safety_tolerance']);
  });

  it('does not resend a 400 about a stable field, nor a request that carried no optional field', async () => {
    const aboutSize = await startRelay(json(400, { error: { message: 'Invalid request: size 999x999 is not supported', param: 'size' } }), ok());
    await expect(generateOnRelay(relayAt(aboutSize), plan(), { timeoutMs: 5_000 })).rejects.toMatchObject({ kind: 'bad_request', param: 'size' });
    expect(aboutSize.hits).toHaveLength(1);
    const stable = await startRelay(json(400, { error: { message: 'Invalid request' } }), ok());
    const body = { model: 'gpt-image-2', prompt: 'p', size: '1024x1024', n: 1 };
    await expect(generateOnRelay(relayAt(stable), { ...plan(), body }, { timeoutMs: 5_000 })).rejects.toMatchObject({ kind: 'bad_request' });
    expect(stable.hits).toHaveLength(1);
  });

  it('retries a 429 after the wait the relay asked for, then succeeds', async () => {
    const server = await startRelay(json(429, { error: { message: 'busy' } }, { 'retry-after-ms': '1500' }), ok());
    const rec = recorder();
    const result = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000, sleep: rec.sleep, onRetry: rec.onRetry });
    expect(result.attempts).toBe(2);
    expect(server.hits).toHaveLength(2);
    expect(rec.waits).toEqual([1500]);
    expect(rec.retries[0]).toMatchObject({ reason: 'retry', attempt: 1, delayMs: 1500 });
    expect(rec.retries[0]?.error).toBeInstanceOf(RateLimitError);
  });

  it('retries a 429 without Retry-After with jittered backoff, at most twice', async () => {
    const server = await startRelay(json(429, { error: { message: 'busy', code: 'rate_limit_exceeded' } }));
    const rec = recorder();
    const error = await generateOnRelay(relayAt(server), plan(), {
      timeoutMs: 5_000,
      sleep: rec.sleep,
      random: () => 0.5,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(server.hits).toHaveLength(3);
    expect(rec.waits).toEqual([375, 750]);
  });

  it('gives up at once when the relay asks for more than 60 s', async () => {
    const server = await startRelay(json(429, { error: { message: 'busy' } }, { 'retry-after': '120' }), ok());
    const rec = recorder();
    await expect(generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000, sleep: rec.sleep })).rejects.toBeInstanceOf(
      RateLimitError,
    );
    expect(server.hits).toHaveLength(1);
    expect(rec.waits).toEqual([]);
  });

  it('does not wait past the deadline', async () => {
    const server = await startRelay(json(429, { error: { message: 'busy' } }, { 'retry-after': '30' }), ok());
    const rec = recorder();
    await expect(generateOnRelay(relayAt(server), plan(), { timeoutMs: 2_000, sleep: rec.sleep })).rejects.toBeInstanceOf(
      RateLimitError,
    );
    expect(rec.waits).toEqual([]);
  });

  it('retries a 503 JSON error', async () => {
    const server = await startRelay(json(503, { error: { message: 'upstream overloaded', type: 'upstream_error' } }), ok());
    const rec = recorder();
    const result = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000, sleep: rec.sleep });
    expect(result.attempts).toBe(2);
    expect(rec.waits).toHaveLength(1);
  });

  it('never retries a connection reset after sending (may be billed)', async () => {
    const server = await startRelay(reset, ok());
    const rec = recorder();
    const error = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000, sleep: rec.sleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error).toMatchObject({ code: 'connection_cut', possiblyBilled: true });
    expect(server.hits).toHaveLength(1);
    expect(rec.waits).toEqual([]);
  });

  it('times out at the deadline and never retries a timeout', async () => {
    const server = await startRelay(hang, ok());
    const rec = recorder();
    const start = Date.now();
    const error = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 400, sleep: rec.sleep }).catch((e: unknown) => e);
    const elapsed = Date.now() - start;
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(2_000);
    expect(server.hits).toHaveLength(1);
    expect(rec.waits).toEqual([]);
  });

  it('does not retry HTML gateway timeouts (524)', async () => {
    const server = await startRelay((_req, res) => {
      res.writeHead(524, { 'content-type': 'text/html' });
      res.end('<html><title>524: A timeout occurred</title></html>');
    }, ok());
    await expect(generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000 })).rejects.toMatchObject({ kind: 'timeout' });
    expect(server.hits).toHaveLength(1);
  });

  it('does not retry content policy blocks', async () => {
    const server = await startRelay(json(500, { error: { message: 'sensitive words detected', code: 'sensitive_words_detected' } }), ok());
    await expect(generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000 })).rejects.toBeInstanceOf(ContentPolicyError);
    expect(server.hits).toHaveLength(1);
  });

  it('turns an abort into a CancelledError', async () => {
    const server = await startRelay(hang);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000, signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect(server.hits).toHaveLength(1);
  });

  it('turns an abort during a retry wait into a CancelledError', async () => {
    const server = await startRelay(json(503, { error: { message: 'busy' } }));
    const controller = new AbortController();
    const sleep = async (): Promise<void> => {
      controller.abort();
      throw new Error('aborted');
    };
    await expect(
      generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000, signal: controller.signal, sleep }),
    ).rejects.toBeInstanceOf(CancelledError);
  });

  it('treats a refused connection as not sent: upstream, retried', async () => {
    const server = await startRelay(ok());
    const relay = relayAt(server);
    await server.close();
    const rec = recorder();
    const error = await generateOnRelay(relay, plan(), { timeoutMs: 5_000, sleep: rec.sleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'connect_failed', possiblyBilled: false });
    expect(rec.waits).toHaveLength(2);
  });

  it('encodes a multipart edit once: a retry resends the same form', async () => {
    const forms: Array<{ contentType: string; body: Buffer }> = [];
    const server = await listenOnLoopback((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        forms.push({ contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        if (forms.length === 1) json(503, { error: { message: 'upstream overloaded', type: 'upstream_error' } })(req, res, { body: {}, headers: req.headers }, 0);
        else ok()(req, res, { body: {}, headers: req.headers }, 1);
      });
    });
    const input = { bytes: png, mime: 'image/png', width: 16, height: 8, name: 'in.png', parts: 1, sources: [] } as unknown as InputImage;
    const edit: PlannedRequest = { ...plan({ quality: undefined }), path: '/images/edits', files: [{ field: 'image[]', image: input }] };
    const rec = recorder();
    const relay = relayAt({ url: server.url, hits: [], close: server.close });
    const result = await generateOnRelay(relay, edit, { timeoutMs: 5_000, sleep: rec.sleep });
    expect(result.attempts).toBe(2);
    expect(forms).toHaveLength(2);
    expect(forms[0]!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    // A fresh encoding would have a fresh random boundary.
    expect(forms[1]!.contentType).toBe(forms[0]!.contentType);
    expect(forms[1]!.body.equals(forms[0]!.body)).toBe(true);
    expect(forms[0]!.body.includes(png)).toBe(true);
  });

  it('reads an event stream that was not streamed to it with the same reader as a streamed one', async () => {
    const sse = (body: string): Reply => (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(body);
    };
    // An `error` event in the Responses shape (no `error` field): the relay's refusal, classified.
    const blocked = await startRelay(sse('event: error\ndata: {"type":"error","code":"moderation_blocked","message":"blocked by safety"}\n\n'), ok());
    const policy = await generateOnRelay(relayAt(blocked), plan(), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(policy).toBeInstanceOf(ContentPolicyError);
    expect(blocked.hits).toHaveLength(1);
    // A stream that ends before any image: possibly billed, as when it is streamed, and never resent.
    const cut = await startRelay(sse('event: image_generation.partial_image\ndata: {"type":"image_generation.partial_image","b64_json":"AAAA"}\n\n'), ok());
    const incomplete = await generateOnRelay(relayAt(cut), plan(), { timeoutMs: 5_000, sleep: async () => {} }).catch((e: unknown) => e);
    expect(incomplete).toBeInstanceOf(RelayTimeoutError);
    expect(incomplete).toMatchObject({ code: 'stream_incomplete', possiblyBilled: true });
    expect(cut.hits).toHaveLength(1);
    // Data split over several lines, with a content type that does not say it is an event stream.
    const split = await startRelay((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`data: {"type":"image_generation.completed",\ndata: "b64_json":"${png.toString('base64')}"}\n\ndata: [DONE]\n\n`);
    });
    const result = await generateOnRelay(relayAt(split), plan(), { timeoutMs: 5_000 });
    expect(result.images[0]?.bytes.equals(png)).toBe(true);
  });

  it('reads an image event stream', async () => {
    const server = await startRelay((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: image_generation.partial_image\ndata: {"type":"image_generation.partial_image","b64_json":"AAAA"}\n\n');
      res.end(`event: image_generation.completed\ndata: {"type":"image_generation.completed","b64_json":"${png.toString('base64')}"}\n\n`);
    });
    const result = await generateOnRelay(relayAt(server), plan({ stream: true }), { timeoutMs: 5_000 });
    expect(result.images).toHaveLength(1);
  });
});

describe('generateOnRelay reads each response body once', () => {
  /** Runs `run` and counts JSON.parse calls on the relay's response body (told apart by `marker`). */
  async function parsesOf(marker: string, run: () => Promise<unknown>): Promise<number> {
    const spy = vi.spyOn(JSON, 'parse');
    try {
      await run().catch(() => undefined);
      return spy.mock.calls.filter(([text]) => typeof text === 'string' && text.includes(marker)).length;
    } finally {
      spy.mockRestore();
    }
  }

  it('parses a b64 image body once', async () => {
    const server = await startRelay(ok());
    const b64 = png.toString('base64');
    const count = await parsesOf(b64, async () => {
      const result = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000 });
      expect(result.images[0]?.bytes.equals(png)).toBe(true);
    });
    expect(count).toBe(1);
  });

  it('parses a 200 error body once and still classifies it', async () => {
    const server = await startRelay(json(200, { status: 'Content Moderated', marker: 'm-200' }));
    let error: unknown;
    const count = await parsesOf('m-200', async () => {
      error = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    });
    expect(error).toBeInstanceOf(ContentPolicyError);
    expect(count).toBe(1);
  });

  it('parses an error status body once and classifies it', async () => {
    const server = await startRelay(json(400, { error: { message: 'bad size m-400', param: 'size', code: 'invalid_value' } }));
    let error: unknown;
    const count = await parsesOf('m-400', async () => {
      error = await generateOnRelay(relayAt(server), plan({ quality: undefined }), { timeoutMs: 5_000 }).catch((e: unknown) => e);
    });
    expect(error).toMatchObject({ kind: 'bad_request', code: 'invalid_value', param: 'size' });
    expect(count).toBe(1);
  });

  it('refuses a 200 that is not JSON, or whose base64 is bad, as a malformed response', async () => {
    const b64 = png.toString('base64');
    const middle = b64.length >> 1;
    const replies: Reply[] = [
      (_req, res) => res.end('<html>not json</html>'),
      (_req, res) => res.end(''),
      json(200, { data: [{ b64_json: `${b64.slice(0, middle)}*${b64.slice(middle + 1)}` }] }),
      json(200, { data: [{ b64_json: `${b64.slice(0, middle)}Ł${b64.slice(middle + 1)}` }] }),
      json(200, { data: [{ b64_json: `${b64.slice(0, middle)}=${b64.slice(middle + 1)}` }] }),
      json(200, { data: [{ b64_json: `data:image/png;base64,${b64}!` }] }),
    ];
    for (const reply of replies) {
      const server = await startRelay(reply);
      const error = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MalformedResponseError);
      expect((error as Error).message).toMatch(/not JSON|invalid base64/);
      expect(server.hits).toHaveLength(1); // a malformed answer is not retried
    }
  });

  it('still reads a wrapped data URI', async () => {
    const b64 = png.toString('base64').replace(/(.{76})/g, '$1\r\n');
    const server = await startRelay(json(200, { data: [{ b64_json: `data:image/png;base64,${b64}` }] }));
    const result = await generateOnRelay(relayAt(server), plan(), { timeoutMs: 5_000 });
    expect(result.images[0]?.bytes.equals(png)).toBe(true);
  });
});

describe('the key never leaks', () => {
  it('is absent from every error, however the relay fails', async () => {
    const echo: Reply = (req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `invalid token ${req.headers.authorization} (key ${KEY})`, code: 'invalid_api_key' } }));
    };
    const echo500: Reply = (req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(`<html><title>Error for ${KEY}</title><body>${req.headers.authorization}</body></html>`);
    };
    const errors: unknown[] = [];
    for (const reply of [echo, echo500, reset, hang]) {
      const server = await startRelay(reply);
      errors.push(
        await generateOnRelay(relayAt(server), plan(), { timeoutMs: 300, sleep: async () => {} }).catch((e: unknown) => e),
      );
    }
    const refused = await startRelay(ok());
    const refusedRelay = relayAt(refused);
    await refused.close();
    errors.push(await generateOnRelay(refusedRelay, plan(), { timeoutMs: 2_000, sleep: async () => {} }).catch((e: unknown) => e));

    expect(errors[0]).toBeInstanceOf(RelayAuthError);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      const text = dump(error);
      expect(text).not.toContain(KEY);
      expect(JSON.stringify(error)).not.toContain(KEY);
    }
  });
});
