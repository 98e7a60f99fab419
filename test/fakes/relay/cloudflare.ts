// Cloudflare in front of the relay (RelayFakeOptions.cloudflareTimeoutMs): its proxy gives up on an
// origin that sends nothing for ~100 s. Before the answer has started that is the HTML 524 page;
// after, the connection is simply cut. Bytes reset the clock, which is why a streamed generation
// (an event every few seconds) survives a generation time that a plain request does not.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { applyTransportFault } from './faults.js';

/**
 * Watches `res` from now on. The returned signal aborts when Cloudflare gives up, so the simulated
 * generation stops writing (the real upstream would go on, and bill).
 */
export function cloudflareGuard(req: IncomingMessage, res: ServerResponse, timeoutMs: number): AbortSignal {
  const controller = new AbortController();
  let lastByteAt = Date.now();
  const touch = (): void => {
    lastByteAt = Date.now();
  };
  // Every way bytes leave: wrapped, so activity is seen without parsing what is written.
  for (const method of ['write', 'flushHeaders', 'end'] as const) {
    const original = res[method].bind(res) as (...args: unknown[]) => unknown;
    (res as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      touch();
      return original(...args);
    };
  }

  let timer: NodeJS.Timeout;
  const check = (): void => {
    if (res.writableEnded || res.destroyed) return;
    const idle = Date.now() - lastByteAt;
    if (idle < timeoutMs) {
      timer = setTimeout(check, timeoutMs - idle);
      return;
    }
    controller.abort();
    if (res.headersSent) res.destroy();
    else applyTransportFault({ kind: 'html', status: 524 }, req, res);
  };
  timer = setTimeout(check, timeoutMs);
  res.once('close', () => clearTimeout(timer));
  return controller.signal;
}
