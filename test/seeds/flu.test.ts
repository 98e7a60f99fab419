// Seed 000 (shared/seeds/000_3d1bffd6dd2fdba8.txt, Flu API) replayed through the bot's own relay
// client against the relay fake playing Flu (`profile: 'flu'`). Every request body the seed prints,
// then every error it documents. Test names cite the seed's lines.
// The fake refuses undocumented fields here (`rejectUnknownParams`, the seed's "参数名称写错"), so
// these bodies pass only because they carry nothing else.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RelayAuthError, RelayBadRequestError } from '../../src/providers/errors.js';
import { closeAgents } from '../../src/providers/http.js';
import type { RelayFake } from '../fakes/relay/index.js';
import {
  classified,
  imageInfo,
  postText,
  postValue,
  received,
  refusal,
  relayFor,
  replay,
  replayFailure,
  startSeedRelay,
  type Body,
} from './replay.js';

let fake: RelayFake;

beforeAll(async () => {
  fake = await startSeedRelay('flu', { rejectUnknownParams: true });
});

afterEach(() => {
  fake.reset();
  fake.configure({ rejectUnknownParams: true });
});

afterAll(async () => {
  await closeAgents();
  await fake.close();
});

const GREEN_SQUARE = 'A small green square centered on a white background.';
/** 000 lines 35 and 72 differ: the JSON example says "sitting comfortably near a window with …". */
const PORTRAIT_JSON =
  'A tasteful lifestyle photo of an adult Asian woman wearing modest satin pajamas in a modern hotel room, sitting comfortably near a window with warm evening light, elegant and natural, non-sexual, photorealistic.';
const PORTRAIT_SHELL =
  'A tasteful lifestyle photo of an adult Asian woman wearing modest satin pajamas in a modern hotel room, warm evening light, elegant and natural, non-sexual, photorealistic.';

/** Flu's documented refusal, word for word (000 line 196). */
const INVALID_REQUEST = { error: { message: 'Invalid request', type: 'invalid_request_error' } };

describe('000: every request body the seed prints', () => {
  const examples: Array<{ name: string; body: Body; size: [number, number] }> = [
    {
      // The same stable body, printed five times: as JSON (lines 20-28), a PowerShell hashtable
      // (54-65), a Python payload (92-107), a JavaScript fetch body (132-144) and the troubleshooting
      // advice (202-209).
      name: '000 lines 20-28, 54-65, 92-107, 132-144, 202-209 "稳定测试" / "建议先用最稳参数测试"',
      body: { model: 'gpt-image-2', prompt: GREEN_SQUARE, size: '1024x1024', n: 1 },
      size: [1024, 1024],
    },
    {
      name: '000 lines 30-39 "高清人物竖图" JSON',
      body: { model: 'gpt-image-2', prompt: PORTRAIT_JSON, size: '1024x1536', quality: 'high', n: 1 },
      size: [1024, 1536],
    },
    {
      name: '000 lines 67-81 PowerShell "高清竖图" $body',
      body: { model: 'gpt-image-2', prompt: PORTRAIT_SHELL, size: '1024x1536', quality: 'high', n: 1 },
      size: [1024, 1536],
    },
    {
      // Not a printed body: the size table's third row, with the two above it already replayed.
      name: '000 line 43 "size 1536x1024 横图,适合场景"',
      body: { model: 'gpt-image-2', prompt: GREEN_SQUARE, size: '1536x1024', n: 1 },
      size: [1536, 1024],
    },
  ];

  it.each(examples)('$name → one image of that size, decoded by the bot (lines 109-123: b64_json or url)', async ({ body, size }) => {
    const relay = relayFor(fake);
    const result = await replay(relay, body);
    expect(fake.requests).toHaveLength(1);
    expect(received(fake).body).toEqual(body);
    expect(result.attempts).toBe(1);
    expect(result.qualityDropped).toBe(false);
    expect(result.images).toHaveLength(1);
    expect(result.images[0]?.mime).toBe('image/png');
    expect(await imageInfo(result.images[0]!.bytes)).toEqual({ width: size[0], height: size[1], format: 'png' });
    expect(result.requestId).toBe(fake.requests[0]?.requestId);
  });
});

describe('000 lines 189-194: "401 Unauthorized — 没有传 key,或者 key 错误"', () => {
  const body = { model: 'gpt-image-2', prompt: GREEN_SQUARE, size: '1024x1024', n: 1 };

  it('a wrong key: the bot reports an auth error and does not retry', async () => {
    const error = await replayFailure(relayFor(fake, { apiKey: 'sk-wrong-flu-key-000000' }), body);
    expect(error).toBeInstanceOf(RelayAuthError);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect(fake.requests).toHaveLength(1);
  });

  it('no key at all ("没有传 key"): the same auth error', async () => {
    const error = await replayFailure(relayFor(fake, { apiKey: '' }), body);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect(fake.requests[0]?.headers.authorization).toMatch(/^Bearer\s*$/);
  });
});

describe('000 lines 196-200: "400 Invalid request"', () => {
  it('line 198 "JSON 格式不合法": malformed JSON and a body that is no object get the generic 400, a bad request to the bot', async () => {
    const relay = relayFor(fake);
    // The seed's stable body with a trailing comma.
    const malformed = await postText(relay, `{"model": "gpt-image-2", "prompt": "${GREEN_SQUARE}", "size": "1024x1024", "n": 1,}`);
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text)).toEqual(INVALID_REQUEST);
    const error = classified(relay, malformed);
    expect(error).toBeInstanceOf(RelayBadRequestError);
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, relayMessage: 'Invalid request' });

    for (const value of [['gpt-image-2'], 'gpt-image-2', { model: 'gpt-image-2' }, { prompt: GREEN_SQUARE }]) {
      const answer = await postValue(relay, value);
      expect(answer.status, JSON.stringify(value)).toBe(400);
      expect(JSON.parse(answer.text)).toEqual(INVALID_REQUEST);
    }
  });

  it('line 199 "参数名称写错": a misspelt field (sise) is the generic 400, naming nothing; the bot reports a bad request, never retried', async () => {
    const error = await replayFailure(relayFor(fake), { model: 'gpt-image-2', prompt: GREEN_SQUARE, sise: '1024x1024', n: 1 });
    expect(error).toBeInstanceOf(RelayBadRequestError);
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, relayMessage: 'Invalid request' });
    expect(error.param).toBeUndefined();
    expect(fake.requests).toHaveLength(1);
  });

  it('line 199: a field the seed never sends (moderation, stream, response_format) is refused the same way', async () => {
    const relay = relayFor(fake);
    for (const extra of [{ moderation: 'auto' }, { stream: true, partial_images: 2 }, { response_format: 'b64_json' }]) {
      const error = await refusal(relay, { model: 'gpt-image-2', prompt: GREEN_SQUARE, size: '1024x1024', n: 1, ...extra });
      expect(error.body, JSON.stringify(extra)).toEqual(INVALID_REQUEST);
      expect(error).toMatchObject({ kind: 'bad_request', status: 400 });
    }
    // Nothing the relay refused itself reached the upstream.
    expect(fake.requests.every((request) => request.forwardedBody === undefined)).toBe(true);
  });

  it('line 200 "size … 当前通道不支持": a size outside the three (lines 41-43) is the generic 400', async () => {
    const relay = relayFor(fake);
    const error = await replayFailure(relay, { model: 'gpt-image-2', prompt: GREEN_SQUARE, size: '2048x2048', n: 1 });
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, relayMessage: 'Invalid request' });
    expect(fake.requests).toHaveLength(1);
    // Without the strictness, gpt-image-2's own size rules apply, and still answer generically.
    fake.configure({ rejectUnknownParams: false });
    fake.reset();
    expect(await replayFailure(relay, { model: 'gpt-image-2', prompt: GREEN_SQUARE, size: '1000x1000', n: 1 })).toMatchObject({
      kind: 'bad_request',
      relayMessage: 'Invalid request',
    });
    fake.reset();
    expect((await replay(relay, { model: 'gpt-image-2', prompt: GREEN_SQUARE, size: '2048x1152', n: 1 })).images).toHaveLength(1);
  });

  it('line 200 "quality 当前通道不支持" (and line 48 "如果 quality 参数报错,去掉 quality"): the first answer is the generic 400', async () => {
    const relay = relayFor(fake);
    const body = { model: 'gpt-image-2', prompt: GREEN_SQUARE, size: '1024x1536', quality: 'ultra', n: 1 };
    expect((await refusal(relay, body)).body).toEqual(INVALID_REQUEST);
    fake.reset();
    // The generic 400 does not say it was the quality: the bot's client reads it as line 48 advises
    // (drop the optional fields), resends once with the stable body, and gets the image.
    const outcome = await replay(relay, body, { resends: true });
    expect(fake.requests[0]?.body).toEqual(body);
    expect(outcome).toMatchObject({ qualityDropped: true, droppedParams: ['quality'], attempts: 2 });
    expect(fake.requests[1]?.body).toEqual({ model: 'gpt-image-2', prompt: GREEN_SQUARE, size: '1024x1536', n: 1 });
    expect(fake.requests).toHaveLength(2);
  });
});
