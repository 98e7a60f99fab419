// The first steps every relay endpoint takes, in new-api's order: a queued transport fault replaces
// the answer, then the key is checked. What is left for the endpoint: how to answer an error, and
// the (non-transport) fault that spoils its answer, if any.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { invalidToken, replyWithError, type ErrorReply } from './errors.js';
import { applyTransportFault, isTransportFault } from './faults.js';
import { bearerToken } from './http.js';
import type { Settings } from './settings.js';
import type { Fault, RecordedRequest, TransportFault } from './types.js';

/** Undefined: already answered (a transport fault, or a wrong key). */
export function admitRequest(
  ctx: { settings: Settings; takeFault(): Fault | undefined },
  req: IncomingMessage,
  res: ServerResponse,
  record: RecordedRequest,
): { fail: (reply: ErrorReply) => void; fault: Exclude<Fault, TransportFault> | undefined } | undefined {
  const fail = replyWithError(res, record.requestId);
  const fault = ctx.takeFault();
  if (fault !== undefined && isTransportFault(fault)) {
    applyTransportFault(fault, req, res);
    return undefined;
  }
  if (bearerToken(req) !== ctx.settings.apiKey) {
    fail(invalidToken());
    return undefined;
  }
  return { fail, fault };
}
