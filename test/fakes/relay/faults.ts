// Queued faults, and the ones that replace a whole answer: what a relay, the Cloudflare or nginx
// in front of it, or a dying connection does to a generation request.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send, sendJson } from './http.js';
import type { DownloadFault, Fault, PayloadFault, StreamFault, TransportFault } from './types.js';

const TRANSPORT_KINDS = new Set<string>(['json', 'html', 'reset', 'hang', 'stallBody', 'invalidJson', 'missingData']);
const DOWNLOAD_KINDS = new Set<string>(['url404', 'urlNotImage', 'urlSlow', 'urlHuge', 'urlRedirect']);
const STREAM_KINDS = new Set<string>(['streamError', 'streamCut', 'streamEnd']);

export function isTransportFault(fault: Fault): fault is TransportFault {
  return TRANSPORT_KINDS.has(fault.kind);
}

export function isDownloadFault(fault: Fault): fault is DownloadFault {
  return DOWNLOAD_KINDS.has(fault.kind);
}

export function isStreamFault(fault: Fault): fault is StreamFault {
  return STREAM_KINDS.has(fault.kind);
}

export function isPayloadFault(fault: Fault): fault is PayloadFault {
  return !isTransportFault(fault) && !isDownloadFault(fault) && !isStreamFault(fault);
}

/** First in, first out; one fault per generation request. */
export class FaultQueue {
  private readonly queue: Fault[] = [];

  push(fault: Fault, count: number): void {
    for (let i = 0; i < count; i++) this.queue.push(fault);
  }

  take(): Fault | undefined {
    return this.queue.shift();
  }

  clear(): void {
    this.queue.length = 0;
  }
}

export function applyTransportFault(fault: TransportFault, req: IncomingMessage, res: ServerResponse): void {
  switch (fault.kind) {
    case 'json':
      return sendJson(res, fault.status, fault.body, fault.headers);
    case 'html':
      return send(res, fault.status, fault.body ?? errorPage(fault.status), {
        'content-type': 'text/html; charset=UTF-8',
        ...(fault.status >= 520 && fault.status <= 527 ? { server: 'cloudflare', 'cf-ray': '8f1e2d3c4b5a6978-SJC' } : {}),
      });
    case 'reset':
      // A TCP RST after the request was read: the client cannot tell whether it was billed.
      req.socket.resetAndDestroy();
      return;
    case 'hang':
      // Never answered; close() destroys the socket.
      return;
    case 'stallBody':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`{"created":${Math.floor(Date.now() / 1000)},"data":[{"b64_json":"iVBORw0KGgoAAAANSUhEUgAA`);
      return;
    case 'invalidJson':
      // What a wrong base URL often gets: new-api's web UI page, labelled as JSON by a proxy.
      return send(res, 200, NEW_API_WEB_PAGE, { 'content-type': 'application/json' });
    case 'missingData':
      return sendJson(res, 200, { created: Math.floor(Date.now() / 1000) });
  }
}

const NEW_API_WEB_PAGE =
  '<!doctype html><html lang="zh"><head><title>New API</title></head><body><div id="root"></div></body></html>';

function errorPage(status: number): string {
  if (status === 524) {
    return '<!DOCTYPE html><html lang="en-US"><head><title>fake-relay.example | 524: A timeout occurred</title></head><body><div id="cf-wrapper"><h1><span class="cf-error-type">Error</span> <span class="cf-error-code">524</span></h1><h2>A timeout occurred</h2><p>The origin web server timed out responding to this request.</p><p>Cloudflare Ray ID: 8f1e2d3c4b5a6978</p></div></body></html>';
  }
  if (status >= 520 && status <= 527) {
    return `<!DOCTYPE html><html><head><title>fake-relay.example | ${status}: Web server is returning an unknown error</title></head><body><h1>Error ${status}</h1><p>Cloudflare Ray ID: 8f1e2d3c4b5a6978</p></body></html>`;
  }
  const reason: Record<number, string> = { 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };
  const title = `${status} ${reason[status] ?? 'Error'}`;
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
}
