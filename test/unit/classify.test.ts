import { describe, expect, it } from 'vitest';
import {
  classifyParsedResponse,
  extractRequestId,
  isErrorJson,
  isOptionalFieldRejection,
  parseJsonBody,
} from '../../src/providers/classify.js';
import type { ErrorKind, ImagineError } from '../../src/providers/errors.js';
import { RelayBadRequestError, UpstreamError } from '../../src/providers/errors.js';
import type { RelayResponse } from '../../src/providers/http.js';

/** What the relay client does with a response: parse its body once, then classify it. */
function classify(relay: string, response: RelayResponse, now?: number): ImagineError {
  return classifyParsedResponse(relay, response, parseJsonBody(response.text), now);
}

const json = (error: Record<string, unknown>): string => JSON.stringify({ error });
const newApi = (message: string, code: string, type = 'new_api_error'): string =>
  json({ message, type, param: '', code });

const HTML_524 =
  '<!DOCTYPE html><html><head><title>relay.example | 524: A timeout occurred</title></head><body>Cloudflare</body></html>';
const HTML_502 = '<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>';

interface Row {
  name: string;
  status: number;
  body: string;
  headers?: Record<string, string>;
  kind: ErrorKind;
  code?: string;
}

// One row per line of RELAYS.md's table, in its order, plus the traps it warns about.
const ROWS: Row[] = [
  // timeout / cut
  { name: 'Cloudflare 524 HTML', status: 524, body: HTML_524, kind: 'timeout' },
  { name: 'Cloudflare 520 HTML', status: 520, body: '<html><title>520</title></html>', kind: 'timeout' },
  { name: 'Cloudflare 522', status: 522, body: 'error code: 522', kind: 'timeout' },
  { name: 'nginx 502 HTML', status: 502, body: HTML_502, kind: 'timeout' },
  { name: 'gateway 504 HTML', status: 504, body: '<html><title>504 Gateway Time-out</title></html>', kind: 'timeout' },
  { name: 'empty 502', status: 502, body: '', kind: 'timeout' },
  {
    name: 'new-api do_request_failed (500)',
    status: 500,
    body: newApi('Post "https://upstream/v1/images/generations": context deadline exceeded', 'do_request_failed'),
    kind: 'timeout',
    code: 'do_request_failed',
  },
  // content policy, whatever the status
  {
    name: 'OpenAI moderation_blocked 400',
    status: 400,
    body: json({ message: 'Your request was rejected by the safety system.', type: 'image_generation_user_error', code: 'moderation_blocked' }),
    kind: 'content_policy',
    code: 'moderation_blocked',
  },
  {
    name: 'dall-e content_policy_violation',
    status: 400,
    body: json({ message: 'Your request was rejected as a result of our safety system.', code: 'content_policy_violation', type: 'invalid_request_error' }),
    kind: 'content_policy',
  },
  {
    name: 'new-api sensitive_words_detected as 500',
    status: 500,
    body: newApi('sensitive words detected: xxx', 'sensitive_words_detected'),
    kind: 'content_policy',
  },
  { name: 'prompt_blocked 400', status: 400, body: newApi('prompt blocked', 'prompt_blocked'), kind: 'content_policy' },
  { name: 'FLUX Request Moderated', status: 400, body: JSON.stringify({ id: 'x', status: 'Request Moderated' }), kind: 'content_policy' },
  { name: 'FLUX Content Moderated as 200', status: 200, body: JSON.stringify({ status: 'Content Moderated' }), kind: 'content_policy' },
  {
    name: 'safety_violations message, 500',
    status: 500,
    body: json({ message: 'Image generation failed: safety_violations=[sexual]', type: 'upstream_error', code: null }),
    kind: 'content_policy',
  },
  { name: '敏感 message', status: 400, body: json({ message: '提示词包含敏感内容', code: 'bad_prompt' }), kind: 'content_policy' },
  { name: '违规 message', status: 500, body: json({ message: '内容违规，请修改后重试' }), kind: 'content_policy' },
  { name: 'NSFW detail body', status: 422, body: JSON.stringify({ detail: 'NSFW content detected in prompt' }), kind: 'content_policy' },
  { name: 'content policy in detail', status: 400, body: JSON.stringify({ detail: 'Blocked by content policy' }), kind: 'content_policy' },
  // auth / billing
  { name: '401', status: 401, body: json({ message: '无效的令牌', type: 'new_api_error', code: '' }), kind: 'auth' },
  { name: '403 Not authenticated (BFL)', status: 403, body: JSON.stringify({ detail: 'Not authenticated' }), kind: 'auth' },
  { name: '402', status: 402, body: json({ message: 'Payment required' }), kind: 'billing' },
  {
    name: 'new-api insufficient_user_quota (403)',
    status: 403,
    body: newApi('用户额度不足, 剩余额度: $0.01', 'insufficient_user_quota'),
    kind: 'billing',
  },
  {
    name: '429 + insufficient_quota is billing',
    status: 429,
    body: json({ message: 'You exceeded your current quota, please check your plan and billing details.', type: 'insufficient_quota', code: 'insufficient_quota' }),
    kind: 'billing',
  },
  // bad request
  { name: '400 invalid size', status: 400, body: json({ message: "Invalid value: '999x999'.", param: 'size', code: 'invalid_value' }), kind: 'bad_request' },
  { name: '404', status: 404, body: '404 page not found', kind: 'bad_request' },
  { name: '413', status: 413, body: '<html><title>413 Request Entity Too Large</title></html>', kind: 'bad_request' },
  { name: '422 FastAPI validation', status: 422, body: JSON.stringify({ detail: [{ loc: ['body', 'width'], msg: 'must be a multiple of 16' }] }), kind: 'bad_request' },
  { name: 'new-api invalid_request as 500', status: 500, body: newApi('prompt is required', 'invalid_request'), kind: 'bad_request' },
  {
    name: 'new-api model_not_found as 503',
    status: 503,
    body: newApi('当前分组 default 下对于模型 flux-2-max 无可用渠道 (request id: 2025010112345)', 'model_not_found'),
    kind: 'bad_request',
    code: 'model_not_found',
  },
  {
    name: 'invalid moderation parameter is not a policy block',
    status: 400,
    body: json({ message: "Invalid value for 'moderation': must be one of low, auto.", param: 'moderation', code: 'invalid_value' }),
    kind: 'bad_request',
  },
  // rate limit
  { name: '429 new-api (no Retry-After)', status: 429, body: newApi('当前分组上游负载已饱和，请稍后再试', 'rate_limit_exceeded'), kind: 'rate_limit' },
  { name: '429 with Retry-After', status: 429, body: json({ message: 'Too many requests' }), headers: { 'retry-after': '3' }, kind: 'rate_limit' },
  // upstream
  { name: '408 JSON', status: 408, body: json({ message: 'Request timeout' }), kind: 'upstream' },
  { name: '409 JSON', status: 409, body: json({ message: 'conflict' }), kind: 'upstream' },
  { name: '500 JSON', status: 500, body: json({ message: 'upstream error', type: 'upstream_error', code: 'bad_response_status_code' }), kind: 'upstream' },
  { name: '502 JSON', status: 502, body: json({ message: 'bad gateway', type: 'upstream_error' }), kind: 'upstream' },
  { name: '503 JSON', status: 503, body: json({ message: 'The server is overloaded' }), kind: 'upstream' },
  { name: '500 HTML', status: 500, body: '<html><title>Internal Server Error</title></html>', kind: 'upstream' },
  // unusable 2xx
  { name: '200 with an error body', status: 200, body: json({ message: 'something odd' }), kind: 'malformed_response' },
];

describe('classifyParsedResponse: every row of RELAYS.md', () => {
  it.each(ROWS)('$name → $kind', ({ status, body, headers, kind, code }) => {
    const error = classify('r1', { status, headers: headers ?? {}, text: body });
    expect(error.kind).toBe(kind);
    expect(error.relay).toBe('r1');
    expect(error.status).toBe(status);
    if (code) expect(error.code).toBe(code);
  });
});

describe('classifying a body parsed once', () => {
  it('parseJsonBody: the value, or undefined when blank or not JSON', () => {
    expect(parseJsonBody('')).toBeUndefined();
    expect(parseJsonBody(' \n ')).toBeUndefined();
    expect(parseJsonBody('not json')).toBeUndefined();
    expect(parseJsonBody('{"error":')).toBeUndefined();
    expect(parseJsonBody(HTML_524)).toBeUndefined();
    expect(parseJsonBody('null')).toBeNull();
    expect(parseJsonBody(' {"a":[1]} ')).toEqual({ a: [1] });
    expect(parseJsonBody('"x"')).toBe('x');
  });

  it('isErrorJson, for error and image bodies alike', () => {
    expect(isErrorJson(parseJsonBody('{"status":"Request Moderated","data":[]}'))).toBe(true);
    expect(isErrorJson(parseJsonBody('{"data":{},"error":{"message":"x"}}'))).toBe(true);
    expect(isErrorJson(parseJsonBody('{"data":[],"error":{"message":"x"}}'))).toBe(false);
    expect(isErrorJson(parseJsonBody('[{"error":"x"}]'))).toBe(false);
    expect(isErrorJson(parseJsonBody('{"status":200}'))).toBe(false);
    expect(isErrorJson(undefined)).toBe(false);
  });
});

describe('classifyParsedResponse details', () => {
  it('parses Retry-After on rate limits (seconds, date, retry-after-ms)', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    const body = json({ message: 'slow down' });
    const seconds = classify('r', { status: 429, headers: { 'retry-after': '2' }, text: body }, now);
    expect(seconds).toMatchObject({ kind: 'rate_limit', retryAfterMs: 2000 });
    const date = classify('r', { status: 429, headers: { 'retry-after': 'Wed, 01 Jan 2025 00:00:05 GMT' }, text: body }, now);
    expect(date).toMatchObject({ retryAfterMs: 5000 });
    const ms = classify('r', { status: 429, headers: { 'retry-after-ms': '750', 'retry-after': '9' }, text: body }, now);
    expect(ms).toMatchObject({ retryAfterMs: 750 });
    const none = classify('r', { status: 429, headers: {}, text: body }, now);
    expect(none).toMatchObject({ retryAfterMs: undefined });
  });

  it('takes the request id from x-request-id, X-Oneapi-Request-Id or the message', () => {
    expect(extractRequestId({ 'x-request-id': 'req_1' })).toBe('req_1');
    expect(extractRequestId({ 'x-oneapi-request-id': 'one_2' })).toBe('one_2');
    expect(extractRequestId({}, 'model busy (request id: 20250101abc)')).toBe('20250101abc');
    const error = classify('r', { status: 500, headers: {}, text: newApi('boom (request id: B0B)', 'x') });
    expect(error.requestId).toBe('B0B');
    expect(error.relayMessage).toBe('boom');
  });

  it('keeps the relay message redacted and truncated, and the param', () => {
    // Built at run time so the repository holds nothing shaped like a real key.
    const long = `bad size ${'x'.repeat(1000)} Bearer ${'sk-'}${'abcdefghijklm'}${'nopqrstuvwxyz'}`;
    const error = classify('r', { status: 400, headers: {}, text: json({ message: long, param: 'size' }) });
    expect(error.relayMessage!.length).toBeLessThanOrEqual(300);
    expect(error.param).toBe('size');
    const secret = classify('r', { status: 401, headers: {}, text: json({ message: 'bad key sk-abcdefghijklmnop' }) });
    expect(secret.relayMessage).not.toContain('sk-abcdefghijklmnop');
    expect(secret.message).not.toContain('sk-abcdefghijklmnop');
  });

  it('uses the title of an HTML page as the message', () => {
    const error = classify('r', { status: 524, headers: {}, text: HTML_524 });
    expect(error.relayMessage).toBe('relay.example | 524: A timeout occurred');
  });

  it('reads the shapes relays use', () => {
    // A 502 tells a JSON body (the relay's own error: upstream) from anything else (a gateway page: timeout).
    const at = (status: number, text: string) => classify('r', { status, headers: {}, text });
    expect(at(502, '{"error":"plain string"}')).toMatchObject({ kind: 'upstream', relayMessage: 'plain string' });
    expect(at(500, '{"code":"x_y","msg":"中文"}')).toMatchObject({ code: 'x_y', relayMessage: '中文' });
    expect(at(500, '{"error":{"message":"m","code":400}}')).toMatchObject({ code: '400' });
    expect(at(502, 'not json')).toMatchObject({ kind: 'timeout', relayMessage: 'not json' });
  });

  it('tells error bodies from image bodies', () => {
    expect(isErrorJson(parseJsonBody('{"data":[{"b64_json":"AAAA"}]}'))).toBe(false);
    expect(isErrorJson(parseJsonBody('{"error":{"message":"x"}}'))).toBe(true);
    expect(isErrorJson(parseJsonBody('{"detail":"x"}'))).toBe(true);
    expect(isErrorJson(parseJsonBody('<html></html>'))).toBe(false);
  });
});

describe('isOptionalFieldRejection', () => {
  const sent = ['quality', 'moderation', 'output_format'];
  it('spots a 400 about an optional field that was sent, by param or message', () => {
    const byParam = classify('r', { status: 400, headers: {}, text: json({ message: "Invalid value: 'hd'", param: 'quality' }) });
    expect(isOptionalFieldRejection(byParam, sent)).toBe(true);
    const byMessage = classify('r', { status: 400, headers: {}, text: json({ message: '当前通道不支持 quality 参数' }) });
    expect(isOptionalFieldRejection(byMessage, sent)).toBe(true);
    const spelled = classify('r', { status: 400, headers: {}, text: json({ message: 'outputFormat is not allowed' }) });
    expect(isOptionalFieldRejection(spelled, sent)).toBe(true);
    const asNewApi500 = classify('r', { status: 500, headers: {}, text: newApi('quality not supported', 'invalid_request') });
    expect(isOptionalFieldRejection(asNewApi500, sent)).toBe(true);
    // 000: "400 Invalid request" names no field.
    const generic = classify('r', { status: 400, headers: {}, text: json({ message: 'Invalid request' }) });
    expect(isOptionalFieldRejection(generic, sent)).toBe(true);
  });

  it('ignores other errors, fields that were not sent, and requests with nothing optional', () => {
    expect(isOptionalFieldRejection(new RelayBadRequestError('bad size', { param: 'size' }), sent)).toBe(false);
    expect(isOptionalFieldRejection(new RelayBadRequestError('x', { param: 'style', relayMessage: 'style is not supported' }), sent)).toBe(false);
    expect(isOptionalFieldRejection(new RelayBadRequestError('x', { relayMessage: 'Invalid request: size is not supported' }), sent)).toBe(false);
    expect(isOptionalFieldRejection(new RelayBadRequestError('x', { relayMessage: 'Invalid request' }), [])).toBe(false);
    expect(isOptionalFieldRejection(new UpstreamError('quality service down'), sent)).toBe(false);
    expect(isOptionalFieldRejection(new Error('quality'), sent)).toBe(false);
  });
});
