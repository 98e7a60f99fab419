// Injected failures: the next matching request(s) get a canned answer instead of being served.
// 429s get Discord's headers filled in when the test leaves them out, because @discordjs/rest
// only waits and retries when it sees `Retry-After`. Injected delays hold matching requests for a
// while, then serve them as usual (a slow CDN or a slow route).
import type { RouteResult } from './http.js';
import type { FailMatch, FailResponse } from './types.js';

interface Fault {
  match: FailMatch;
  response: FailResponse;
  remaining: number;
  /** Matching requests still to let through. */
  spare: number;
}

export class FaultQueue {
  private readonly faults: Fault[] = [];
  private readonly delays: Array<Omit<Fault, 'response'> & { delayMs: number }> = [];

  add(match: FailMatch, response: FailResponse, count = 1): void {
    this.faults.push({ match, response, remaining: count, spare: match.after ?? 0 });
  }

  addDelay(match: FailMatch, delayMs: number, count = 1): void {
    this.delays.push({ match, delayMs, remaining: count, spare: match.after ?? 0 });
  }

  /** The first pending fault matching this request, consumed once. */
  take(method: string, path: string, fullPath: string): RouteResult | undefined {
    const fault = takeFirst(this.faults, method, path, fullPath);
    return fault && faultResult(fault.response);
  }

  /** How long to hold this request (ms), when a pending delay matches it; consumed once. */
  takeDelay(method: string, path: string, fullPath: string): number | undefined {
    return takeFirst(this.delays, method, path, fullPath)?.delayMs;
  }
}

function takeFirst<T extends Omit<Fault, 'response'>>(list: T[], method: string, path: string, fullPath: string): T | undefined {
  const index = list.findIndex(
    (f) =>
      (!f.match.method || f.match.method.toUpperCase() === method.toUpperCase()) &&
      (!f.match.path || testRegExp(f.match.path, path) || testRegExp(f.match.path, fullPath)),
  );
  const entry = list[index];
  if (!entry) return undefined;
  if (entry.spare > 0) {
    entry.spare--;
    return undefined;
  }
  if (--entry.remaining <= 0) list.splice(index, 1);
  return entry;
}

function testRegExp(re: RegExp, value: string): boolean {
  re.lastIndex = 0; // a /g or /y pattern would otherwise remember where it stopped
  return re.test(value);
}

function faultResult(response: FailResponse): RouteResult {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(response.headers ?? {})) headers[k.toLowerCase()] = v;
  let body = response.body;
  if (response.status === 429) {
    const given = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const retryAfter = typeof given.retry_after === 'number' ? given.retry_after : Number(headers['retry-after'] ?? 0.5);
    body ??= { message: 'You are being rate limited.', retry_after: retryAfter, global: false };
    headers['retry-after'] ??= String(retryAfter);
    headers['x-ratelimit-scope'] ??= given.global === true ? 'global' : 'user';
    if (given.global === true) headers['x-ratelimit-global'] ??= 'true';
  } else if (body === undefined && response.status >= 400) {
    body = { message: `${response.status}: Injected failure`, code: 0 };
  }
  return { status: response.status, ...(body === undefined ? {} : { body }), headers };
}
