// The error bodies the fake answers with, in the shapes real relays use (see shared/RELAYS.md):
// new-api's own errors, OpenAI's upstream errors relayed as they came, and FLUX's native `detail`.
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from './http.js';

/** A complete JSON error answer: status, body and any extra headers. */
export interface ErrorReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Sent exactly as given: no `(request id: …)` suffix (Flu's generic 400 is documented word for word). */
  exact?: boolean;
}

/**
 * A request id shaped like new-api's (`20260421153012` + random), so the bot's request-id parsing
 * sees a realistic value in headers and in `(request id: …)` suffixes.
 */
export function newRequestId(): string {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  return `${stamp}${randomBytes(6).toString('hex')}`;
}

/**
 * An error new-api writes itself (auth, routing, its own validation, its prompt filter).
 * new-api sends its own validation failures as HTTP 500, which is why `status` is explicit.
 */
export function relayError(status: number, message: string, code: string, param = ''): ErrorReply {
  return { status, body: { error: { message, type: 'new_api_error', param, code } } };
}

/** An OpenAI-style error coming from the upstream, passed through by the relay. */
export function upstreamError(
  status: number,
  message: string,
  param: string | null,
  code: string,
  type = 'invalid_request_error',
): ErrorReply {
  return { status, body: { error: { message, type, param, code } } };
}

/** A 400 about one request field, in OpenAI's wording. */
export function invalidParam(param: string, message: string, code = 'invalid_value'): ErrorReply {
  return upstreamError(400, message, param, code);
}

/** The relay's 503 for a model no channel serves (new-api's distributor wording). */
export function modelNotFound(model: string): ErrorReply {
  return relayError(503, `当前分组 default 下对于模型 ${model} 无可用渠道`, 'model_not_found');
}

/** The relay's 401 for a missing or wrong key. new-api sends an empty `code` here. */
export function invalidToken(): ErrorReply {
  return relayError(401, '无效的令牌', '');
}

/**
 * new-api appends `(request id: …)` to every error message it returns, relayed ones included;
 * FLUX's native `{"detail": …}` bodies pass through untouched.
 */
export function withRequestId(reply: ErrorReply, requestId: string): ErrorReply {
  if (reply.exact) return reply;
  const body = reply.body as { error?: { message?: unknown } } | null;
  const error = body?.error;
  if (error === undefined || typeof error.message !== 'string') return reply;
  return {
    ...reply,
    body: { ...body, error: { ...error, message: `${error.message} (request id: ${requestId})` } },
  };
}

/** Answers an error the way new-api does: with the request id in its message (see withRequestId). */
export function replyWithError(res: ServerResponse, requestId: string): (reply: ErrorReply) => void {
  return (reply) => {
    const final = withRequestId(reply, requestId);
    sendJson(res, final.status, final.body, final.headers);
  };
}
