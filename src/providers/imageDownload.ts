// Downloads a relay's image URL (FLUX results are signed links valid ~10 minutes) without letting a
// relay steer the bot at internal services: only http(s), redirects followed by hand and re-checked,
// and every address checked at connect time by our own DNS lookup, so a name cannot resolve to a
// public address for the check and a private one for the connection (DNS rebinding).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { CancelledError, MalformedResponseError, RelayTimeoutError, isImagineError } from './errors.js';
import { USER_AGENT, errorCode, loadUndici, safeCause } from './http.js';
import { addressScope, isAddressAllowed } from './netAddress.js';

export const DEFAULT_MAX_IMAGE_BYTES = 50 * 1024 * 1024;
const MAX_REDIRECTS = 3;
const BLOCKED = 'ERR_BLOCKED_ADDRESS';

export type AddressLookup = (hostname: string) => Promise<LookupAddress[]>;

export interface DownloadOptions {
  /** Relay name, for error context. */
  relay: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Default 50 MiB; enforced while streaming. */
  maxBytes?: number;
  /** Allow private/loopback addresses: only when the relay itself lives on one. */
  allowPrivateAddresses: boolean;
  /** Overrides the address policy (tests). */
  isAllowed?: (address: string) => boolean;
  /** Overrides DNS (tests). */
  resolve?: AddressLookup;
}

const systemResolve: AddressLookup = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** Whether `url`'s host is, or resolves to, a non-public address (is the relay on a private network?). */
export async function hostIsPrivate(url: string, resolve: AddressLookup = systemResolve): Promise<boolean> {
  const host = new URL(url).hostname;
  const literal = addressScope(host);
  if (literal !== undefined) return literal !== 'public';
  try {
    const addresses = await resolve(host);
    return addresses.some((a) => addressScope(a.address) !== 'public');
  } catch {
    return false;
  }
}

function blockedError(host: string): Error {
  return Object.assign(new Error(`${host} is not a public address`), { code: BLOCKED });
}

/** A `lookup` for net.connect that refuses the connection when any resolved address is not allowed. */
function guardedLookup(resolve: AddressLookup, allowed: (address: string) => boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const family = options.family === 4 || options.family === 6 ? options.family : undefined;
        const usable = addresses.filter((a) => family === undefined || a.family === family);
        const first = usable[0];
        if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        if (addresses.some((a) => !allowed(a.address))) return callback(blockedError(hostname), '', 0);
        if (options.all) return callback(null, usable);
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

function checkUrl(url: URL, allowed: (address: string) => boolean): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`refusing the ${url.protocol} scheme`);
  }
  // IP literals never reach the lookup, so check them here.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !allowed(host)) throw blockedError(host);
}

async function readCapped(body: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) throw Object.assign(new Error(`image larger than ${maxBytes} bytes`), { code: 'TOO_LARGE' });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** GETs an image URL and returns its bytes. Failures: MalformedResponseError, RelayTimeoutError, CancelledError. */
export async function downloadImage(rawUrl: string, options: DownloadOptions): Promise<Buffer> {
  const { relay, timeoutMs, signal } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const allowed = options.isAllowed ?? ((address: string) => isAddressAllowed(address, options.allowPrivateAddresses));
  const deadline = AbortSignal.timeout(Math.max(1, timeoutMs));
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const { Agent, request } = await loadUndici();
  const agent = new Agent({ connect: { lookup: guardedLookup(options.resolve ?? systemResolve, allowed) } });
  const context = { relay };

  try {
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new MalformedResponseError('The relay returned an image link that is not a valid URL', context);
    }
    for (let hop = 0; ; hop++) {
      checkUrl(url, allowed);
      const response = await request(url, {
        method: 'GET',
        dispatcher: agent,
        signal: combined,
        headers: { 'user-agent': USER_AGENT, accept: 'image/*' },
        headersTimeout: timeoutMs + 1_000,
        bodyTimeout: timeoutMs + 1_000,
      });
      const { statusCode, headers, body } = response;
      const location = headers.location;
      if (statusCode >= 300 && statusCode < 400 && typeof location === 'string') {
        await body.dump();
        if (hop >= MAX_REDIRECTS) {
          throw new MalformedResponseError(`The image link redirected more than ${MAX_REDIRECTS} times`, context);
        }
        url = new URL(location, url);
        continue;
      }
      if (statusCode !== 200) {
        await body.dump();
        const expired = statusCode === 403 || statusCode === 404 || statusCode === 410;
        throw new MalformedResponseError(
          expired
            ? `The image link had expired or was refused (HTTP ${statusCode}); the image could not be downloaded`
            : `Downloading the image failed (HTTP ${statusCode})`,
          { ...context, status: statusCode, code: expired ? 'image_url_expired' : 'image_download_failed' },
        );
      }
      const declared = Number(headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        body.on('error', () => {}); // destroying an unread body emits an abort error
        body.destroy();
        throw new MalformedResponseError(`The image is larger than ${maxBytes} bytes`, { ...context, code: 'image_too_large' });
      }
      return await readCapped(body, maxBytes);
    }
  } catch (error) {
    if (isImagineError(error)) throw error;
    if (signal?.aborted) throw new CancelledError(undefined, context);
    if (deadline.aborted) {
      throw new RelayTimeoutError(`Downloading the image did not finish within ${Math.round(timeoutMs / 1000)} s`, {
        ...context,
        code: 'timeout',
      });
    }
    const code = errorCode(error);
    const reason =
      code === BLOCKED
        ? 'the image link points to a private or internal address'
        : code === 'TOO_LARGE'
          ? `the image is larger than ${maxBytes} bytes`
          : safeCause(error).message;
    throw new MalformedResponseError(`Downloading the image failed: ${reason}`, {
      ...context,
      code: code === BLOCKED ? 'image_url_blocked' : code === 'TOO_LARGE' ? 'image_too_large' : 'image_download_failed',
      cause: safeCause(error),
    });
  } finally {
    void agent.destroy();
  }
}
