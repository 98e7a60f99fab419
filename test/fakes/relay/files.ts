// The fake's stand-in for BFL's delivery CDN: result images served at `/files/<id>.<ext>` until their
// signed URL would expire (10 minutes by default), then refused the way an expired signed URL is.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ImageFormat } from './dialects.js';
import { send, wait } from './http.js';
import { MIME_TYPES } from './paint.js';
import type { DownloadFault } from './types.js';

interface StoredFile {
  /** Dropped once expired, so a long-running demo does not keep every image in memory. */
  bytes?: Buffer;
  mime: string;
  expiresAt: number;
  fault?: DownloadFault;
}

const EXTENSIONS: Record<ImageFormat, string> = { png: 'png', jpeg: 'jpeg', webp: 'webp' };
const XML = { 'content-type': 'application/xml' };
const NOT_FOUND = '<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.</Message></Error>';
const EXPIRED = '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Signed expiry time has passed: the URL is no longer valid.</Message></Error>';
const HUGE_CHUNK = 64 * 1024;
const FORGET_AFTER_MS = 60 * 60 * 1000;

export class FileStore {
  private readonly files = new Map<string, StoredFile>();

  /** `clock` also says what an expired URL answers: 403 (an expired signature) or 404 (APIYI, 001 line 38). */
  constructor(private readonly clock: () => { now: number; ttlMs: number; expiredStatus?: 403 | 404 }) {}

  /** Stores an image and returns its path (`/files/<id>.<ext>`). */
  add(bytes: Buffer, format: ImageFormat, fault?: DownloadFault): string {
    const { now, ttlMs } = this.clock();
    this.dropExpired(now);
    const path = `/files/${randomUUID().replaceAll('-', '')}.${EXTENSIONS[format]}`;
    this.files.set(path, { bytes, mime: MIME_TYPES[format], expiresAt: now + ttlMs, ...(fault ? { fault } : {}) });
    return path;
  }

  async serve(req: IncomingMessage, res: ServerResponse, path: string, signal: AbortSignal): Promise<void> {
    const file = this.files.get(path);
    const { now, expiredStatus = 403 } = this.clock();
    if (file === undefined || file.fault?.kind === 'url404') return send(res, 404, NOT_FOUND, XML);
    if (now >= file.expiresAt || file.bytes === undefined) {
      file.bytes = undefined;
      return expiredStatus === 404 ? send(res, 404, NOT_FOUND, XML) : send(res, 403, EXPIRED, XML);
    }
    const fault = file.fault;
    const head = req.method === 'HEAD';
    switch (fault?.kind) {
      case 'urlRedirect':
        return send(res, 302, '', { location: fault.location });
      case 'urlNotImage':
        // Claims to be an image: the bot must sniff the bytes, not trust the header.
        return send(res, 200, '<!DOCTYPE html><html><body>Access denied</body></html>', { 'content-type': file.mime });
      case 'urlHuge':
        return serveHuge(res, fault.bytes, fault.chunked === true, head, signal);
      case 'urlSlow':
        if (!(await wait(fault.ms, signal))) return;
        break;
    }
    if (head) {
      res.writeHead(200, { 'content-type': file.mime, 'content-length': String(file.bytes.length) });
      res.end();
      return;
    }
    send(res, 200, file.bytes, { 'content-type': file.mime, 'cache-control': 'private, max-age=600' });
  }

  clear(): void {
    this.files.clear();
  }

  /** Expired images lose their bytes at once, and their entry (403 → 404) an hour later. */
  private dropExpired(now: number): void {
    for (const [path, file] of this.files) {
      if (now >= file.expiresAt + FORGET_AFTER_MS) this.files.delete(path);
      else if (now >= file.expiresAt) file.bytes = undefined;
    }
  }
}

/** A PNG signature and then zeros, written with backpressure so nothing huge is held in memory. */
async function serveHuge(
  res: ServerResponse,
  total: number,
  chunked: boolean,
  head: boolean,
  signal: AbortSignal,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'image/png', ...(chunked ? {} : { 'content-length': String(total) }) });
  if (head) return void res.end();
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const zeros = Buffer.alloc(HUGE_CHUNK);
  let sent = 0;
  while (sent < total && !signal.aborted) {
    const size = Math.min(HUGE_CHUNK, total - sent);
    const chunk = sent === 0 ? Buffer.concat([signature, zeros]).subarray(0, size) : zeros.subarray(0, size);
    sent += size;
    if (!res.write(chunk)) await drained(res, signal);
  }
  if (!signal.aborted) res.end();
}

/** Resolves when the response can take more, or when the client is gone. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
