// Injected failures: the next matching request(s) get a canned answer instead of being served.
// 429s get Discord's headers filled in when the test leaves them out, because @discordjs/rest
// only waits and retries when it sees `Retry-After`.
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

  add(match: FailMatch, response: FailResponse, count = 1): void {
    this.faults.push({ match, response, remaining: count, spare: match.after ?? 0 });
  }

  /** The first pending fault matching this request, consumed once. */
  take(method: string, path: string, fullPath: string): RouteResult | undefined {
    const index = this.faults.findIndex(
      (f) =>
        (!f.match.method || f.match.method.toUpperCase() === method.toUpperCase()) &&
        (!f.match.path || testRegExp(f.match.path, path) || testRegExp(f.match.path, fullPath)),
    );
    const fault = this.faults[index];
    if (!fault) return undefined;
    if (fault.spare > 0) {
      fault.spare--;
      return undefined;
    }
    if (--fault.remaining <= 0) this.faults.splice(index, 1);
    return faultResult(fault.response);
  }
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
