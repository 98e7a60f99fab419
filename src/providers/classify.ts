// Turns a relay's error response into the typed error of its class, following RELAYS.md's table in
// its order: timeout/cut, content policy, auth/billing, bad request, rate limit, upstream.
// The relay's code is read before the HTTP status because relays bend statuses: new-api reports its
// prompt filter and its own validation failures as 500 and a missing model as 503.
import { shorten } from '../shorten.js';
import {
  ContentPolicyError,
  MalformedResponseError,
  RateLimitError,
  RelayAuthError,
  RelayBadRequestError,
  RelayTimeoutError,
  UpstreamError,
  isImagineError,
  type ErrorContext,
  type ImagineError,
} from './errors.js';
import type { RelayResponse } from './http.js';
import { redact } from './redact.js';
import { parseRetryAfterMs } from './retry.js';

/** What a relay's error body says, whichever of the shapes relays use it came in. */
export interface RelayErrorBody {
  /** The body parsed as a JSON object. */
  json: boolean;
  message?: string;
  type?: string;
  code?: string;
  param?: string;
  /** BFL task status (`Request Moderated`, `Content Moderated`). */
  status?: string;
}

const MAX_MESSAGE_CHARS = 300;

const TIMEOUT_CODES = new Set(['do_request_failed']);
const GATEWAY_TIMEOUT_STATUSES = new Set([504, 520, 521, 522, 523, 524]);

const POLICY_CODES = new Set([
  'moderation_blocked',
  'content_policy_violation',
  'sensitive_words_detected',
  'prompt_blocked',
  'content_filter',
  'responsibleaipolicyviolation',
  'violation_fee.grok.csam',
]);
const POLICY_STATUS = /^(request|content) moderated$/i;
const POLICY_MESSAGE =
  /safety system|content[\s_-]?policy|\bnsfw\b|safety_violations|\bmoderat(?:ion|ed)\b|request moderated|content moderated|敏感|违规/i;
// "Invalid value for 'moderation'…" is a complaint about the `moderation` parameter, not a block.
const PARAMETER_COMPLAINT =
  /invalid (?:value|parameter|enum|type)|must be (?:one of|either|a |an |between|at |less|greater)|expected (?:one of|a |an )|not (?:a )?valid|unsupported (?:value|parameter)|unknown parameter|unrecognized/i;

const BILLING_CODES = new Set([
  'insufficient_user_quota',
  'insufficient_quota',
  'pre_consume_token_quota_failed',
  'insufficient_balance',
  'billing_hard_limit_reached',
  'billing_not_active',
]);
const BILLING_MESSAGE =
  /insufficient[\s_](?:user[\s_])?(?:quota|balance|credits?|funds)|exceeded your current quota|余额不足|额度不足|quota is not enough/i;
const AUTH_CODES = new Set(['invalid_api_key', 'invalid_token', 'unauthorized', 'access_denied', 'account_deactivated']);

const BAD_REQUEST_CODES = new Set([
  'invalid_request',
  'model_not_found',
  'bad_request_body',
  'convert_request_failed',
  'invalid_value',
  'invalid_size',
  'unsupported_value',
  'unknown_parameter',
  'string_above_max_length',
]);
const BAD_REQUEST_STATUSES = new Set([400, 404, 405, 410, 411, 413, 414, 415, 422]);

const RATE_LIMIT_CODES = new Set(['rate_limit_exceeded', 'token_concurrency_limit_reached', 'too_many_requests']);

const REQUEST_ID_IN_MESSAGE = /\s*\(request id: ([^)\s]+)\)/i;

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function htmlMessage(body: string): string | undefined {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(body)?.[1];
  const plain = (title ?? body.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/gi, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
  return plain || undefined;
}

/** FastAPI validation errors: `{"detail": [{"loc": [...], "msg": "..."}]}`. */
function fromDetailArray(detail: unknown[]): Pick<RelayErrorBody, 'message' | 'param'> {
  const items = detail.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null);
  const message = items.map((d) => text(d.msg) ?? JSON.stringify(d)).join('; ') || undefined;
  const loc = items[0]?.loc;
  const param = Array.isArray(loc) ? text(loc[loc.length - 1]) : undefined;
  return { message, param };
}

/**
 * The body parsed as JSON, or undefined when it is blank or not JSON. A relay client parses each
 * response once with this and hands the value to isErrorJson, classifyParsedResponse and
 * imagesFromJson (a b64 image body is several MiB: every parse costs milliseconds).
 */
export function parseJsonBody(body: string): unknown {
  try {
    return body.trim() ? (JSON.parse(body) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `{"error": {message, type, param, code}}` (OpenAI, new-api, one-api), `{"error": "..."}`,
 * `{"detail": ...}` (BFL/FastAPI), `{"code", "message"|"msg"}` and `{"status": "Request Moderated"}`;
 * anything else (an HTML gateway page) yields its title or text as the message. `parsed` is
 * parseJsonBody(body).
 */
function errorBodyFrom(parsed: unknown, body: string): RelayErrorBody {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { json: false, message: htmlMessage(body) };
  }
  const root = parsed as Record<string, unknown>;
  const out: RelayErrorBody = { json: true, status: text(root.status) };
  const error = root.error;
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    out.message = text(e.message);
    out.type = text(e.type);
    out.code = text(e.code);
    out.param = text(e.param);
  } else {
    out.message = text(error);
  }
  const detail = root.detail;
  if (!out.message && detail !== undefined) {
    if (Array.isArray(detail)) Object.assign(out, fromDetailArray(detail));
    else if (typeof detail === 'object' && detail !== null) {
      const d = detail as Record<string, unknown>;
      out.message = text(d.message) ?? text(d.msg) ?? JSON.stringify(d);
      out.code ??= text(d.code);
    } else out.message = text(detail);
  }
  out.message ??= text(root.message) ?? text(root.msg);
  out.code ??= typeof root.code === 'string' ? text(root.code) : undefined;
  out.type ??= text(root.type);
  return out;
}

/**
 * Whether a 2xx body is really an error (some relays answer 200 with `{"error": …}`): `parsed` is
 * parseJsonBody(body). Reads no string.
 */
export function isErrorJson(parsed: unknown): boolean {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
  const root = parsed as Record<string, unknown>;
  const status = text(root.status);
  if (status && POLICY_STATUS.test(status)) return true;
  return !Array.isArray(root.data) && (root.error !== undefined || root.detail !== undefined);
}

/** The request id for support: response headers first, then new-api's `(request id: …)` suffix. */
export function extractRequestId(headers: Readonly<Record<string, string>>, message?: string): string | undefined {
  return (
    headers['x-request-id'] ??
    headers['x-oneapi-request-id'] ??
    (message ? REQUEST_ID_IN_MESSAGE.exec(message)?.[1] : undefined)
  );
}

/** Redacts, removes the request id suffix and truncates a relay message for storage and display. */
export function cleanRelayMessage(message: string | undefined): string | undefined {
  if (!message) return undefined;
  const cleaned = redact(message).replace(REQUEST_ID_IN_MESSAGE, '').replace(/\s+/g, ' ').trim();
  if (!cleaned) return undefined;
  return shorten(cleaned, MAX_MESSAGE_CHARS);
}

function isPolicy(body: RelayErrorBody, code: string | undefined): boolean {
  if (code && POLICY_CODES.has(code)) return true;
  if (body.status && POLICY_STATUS.test(body.status)) return true;
  const message = body.message ?? '';
  if (!POLICY_MESSAGE.test(message)) return false;
  return body.param?.toLowerCase() !== 'moderation' && !PARAMETER_COMPLAINT.test(message);
}

function isBilling(body: RelayErrorBody, code: string | undefined, status: number): boolean {
  if (code && BILLING_CODES.has(code)) return true;
  if (body.type?.toLowerCase() === 'insufficient_quota') return true;
  return status === 402 || BILLING_MESSAGE.test(body.message ?? '');
}

function describe(label: string, relay: string, status: number, code: string | undefined, message?: string): string {
  const where = `relay "${relay}" (HTTP ${status}${code ? `, ${code}` : ''})`;
  return message ? `${label} from ${where}: ${message}` : `${label} from ${where}`;
}

/**
 * The typed error for a relay response that carried no usable images: any non-2xx, or a 2xx whose
 * body is an error. `parsed` is parseJsonBody(response.text) (or an event stream's folded answer);
 * `now` is for `Retry-After` dates.
 */
export function classifyParsedResponse(
  relay: string,
  response: RelayResponse,
  parsed: unknown,
  now: number = Date.now(),
): ImagineError {
  const { status, headers } = response;
  const body = errorBodyFrom(parsed, response.text);
  const code = body.code?.toLowerCase();
  const relayMessage = cleanRelayMessage(body.message);
  const context: ErrorContext = {
    relay,
    status,
    requestId: extractRequestId(headers, body.message),
    code: body.code ?? (body.status && POLICY_STATUS.test(body.status) ? body.status : undefined),
    relayMessage,
    param: body.param,
  };
  const say = (label: string): string => describe(label, relay, status, context.code, relayMessage);

  // 1. Timeout / cut: a gateway gave up waiting (an HTML page) or new-api could not finish the
  //    upstream call. The upstream may still be generating and charging.
  if ((code && TIMEOUT_CODES.has(code)) || GATEWAY_TIMEOUT_STATUSES.has(status) || (status === 502 && !body.json)) {
    return new RelayTimeoutError(say('Gateway timeout or cut upstream request; it may still have been billed'), context);
  }
  // 2. Content policy, whatever the status.
  if (isPolicy(body, code)) return new ContentPolicyError(say("Blocked by the provider's safety system"), context);
  // 3. Auth / billing. 429 + insufficient_quota is an empty account, not a rate limit.
  if (isBilling(body, code, status)) return new RelayAuthError('billing', say('The relay account is out of credit'), context);
  if (status === 401 || status === 403 || (code && AUTH_CODES.has(code))) {
    return new RelayAuthError('auth', say('The relay refused the API key'), context);
  }
  // 4. Bad request (new-api: model_not_found as 503, its validation failures as 500).
  if ((code && BAD_REQUEST_CODES.has(code)) || BAD_REQUEST_STATUSES.has(status)) {
    return new RelayBadRequestError(say('The relay rejected the request as invalid'), context);
  }
  // 5. Rate limit.
  if (status === 429 || (code && RATE_LIMIT_CODES.has(code))) {
    return new RateLimitError(say('The relay is rate limiting'), {
      ...context,
      retryAfterMs: parseRetryAfterMs(headers, now),
    });
  }
  if (status >= 200 && status < 300) {
    return new MalformedResponseError(say('The relay answered without images'), context);
  }
  if (status >= 300 && status < 400) {
    return new MalformedResponseError(say('The relay answered with a redirect (check the base URL)'), context);
  }
  // Remaining 4xx (none are listed by RELAYS.md) are the request's fault.
  if (status >= 400 && status < 500 && status !== 408 && status !== 409) {
    return new RelayBadRequestError(say('The relay rejected the request'), context);
  }
  // 6. Upstream: 408, 409, 5xx with a JSON body (and the odd non-JSON 500/503).
  return new UpstreamError(say('The relay or its upstream provider failed'), context);
}

/** A field's name as relays spell it in messages: `output_format`, `output format`, `outputFormat`. */
const MENTION_PATTERNS = new Map<string, RegExp>();
function mentions(text: string, field: string): boolean {
  let pattern = MENTION_PATTERNS.get(field);
  if (!pattern) {
    const words = field.split('_');
    const camel = words.map((word, index) => (index === 0 ? word : `${word[0]?.toUpperCase()}${word.slice(1)}`)).join('');
    pattern = new RegExp(`\\b(?:${words.join('[ _-]?')}|${camel})\\b`, 'i');
    MENTION_PATTERNS.set(field, pattern);
  }
  return pattern.test(text);
}

/** The fields every request carries: a rejection that names one of them is about the request itself. */
const STABLE_FIELDS = ['model', 'prompt', 'size', 'aspect_ratio', 'width', 'height', 'n', 'input_image'];

/** Which of `fields` a bad request names, by its `param` or in its message. */
export function namedFields(error: ImagineError, fields: readonly string[]): string[] {
  const param = error.param?.toLowerCase();
  const said = `${error.relayMessage ?? ''} ${error.code ?? ''}`;
  return fields.filter((field) => field === param || mentions(said, field));
}

/**
 * Whether a bad request is about one of `sent`, the optional fields of the request that was refused,
 * so that sending it again without them may succeed: the error's `param` names one of them (a param
 * naming another field settles it: no), or its message does, or it is Flu's generic "400 Invalid
 * request" (000: "参数名称写错" among its causes) that names no stable field.
 */
export function isOptionalFieldRejection(error: unknown, sent: readonly string[]): boolean {
  if (!isImagineError(error) || error.kind !== 'bad_request' || sent.length === 0) return false;
  const param = error.param?.toLowerCase();
  if (param) return sent.includes(param);
  if (namedFields(error, sent).length > 0) return true;
  const said = `${error.relayMessage ?? ''} ${error.code ?? ''}`;
  return /invalid request/i.test(said) && !STABLE_FIELDS.some((field) => mentions(error.relayMessage ?? '', field));
}

/**
 * An error object the relay sent where its answer should be (an error event in a stream, an error
 * body under a 200): the relay saying the request failed, its own error and not billed. One the
 * table does not place is still that, not an unreadable answer, so it becomes an UpstreamError.
 */
export function classifyReportedError(relay: string, response: RelayResponse, json: unknown, where: string): ImagineError {
  const error = classifyParsedResponse(relay, response, json);
  if (error.kind !== 'malformed_response') return error;
  return new UpstreamError(`Relay "${relay}" ${where}: ${error.relayMessage ?? 'no detail'}`, {
    relay,
    status: response.status,
    requestId: error.requestId,
    code: error.code,
    relayMessage: error.relayMessage,
  });
}
