// Seed 003 (shared/seeds/003_9e247056318b966e.txt, QuickRouter, "Flux GPT 图片创建") replayed through
// the bot's own relay client against the relay fake playing QuickRouter (`profile: 'quickrouter'`):
// the schema's example, the "请求示例代码" body, the seventeen code samples, the schema's rules, and
// the three "常见错误". Test names cite the seed's lines.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitError, RelayAuthError, RelayBadRequestError, UpstreamError } from '../../src/providers/errors.js';
import { closeAgents } from '../../src/providers/http.js';
import type { RelayFake } from '../fakes/relay/index.js';
import { classified, postText, received, refusal, relayFor, replay, replayFailure, startSeedRelay } from './replay.js';

let fake: RelayFake;

beforeAll(async () => {
  fake = await startSeedRelay('quickrouter');
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await closeAgents();
  await fake.close();
});

/** 003 line 51, the schema's example, with its `// "size": "1024x1524",` line left out (JSON has no comments). */
const SCHEMA_EXAMPLE = { model: 'flux-kontext-pro', prompt: 'a beautiful landscape with a river and mountains', n: 1, aspect_ratio: '21:9' };

/** 003 lines 53-63 (the example answer) is what lines 71-396 send as the request body, in every language. */
const ANSWER_AS_BODY = { created: 1589478378, data: [{ url: 'https://...' }, { url: 'https://...' }] };

const MEGAPIXEL = 1024 * 1024;

describe('003: the request bodies the page prints', () => {
  it('003 line 51 the schema example {flux-kontext-pro, n 1, aspect_ratio 21:9} → one URL, about one megapixel at 21:9', async () => {
    const result = await replay(relayFor(fake), SCHEMA_EXAMPLE);
    expect(received(fake).body).toEqual(SCHEMA_EXAMPLE);
    expect(result.attempts).toBe(1);
    expect(result.images).toHaveLength(1);
    expect(fake.downloads).toHaveLength(1);
    const image = result.images[0]!;
    expect(image.width! / image.height!).toBeCloseTo(21 / 9, 1);
    expect(image.width! * image.height!).toBeGreaterThan(0.9 * MEGAPIXEL);
    expect(image.width! * image.height!).toBeLessThan(1.2 * MEGAPIXEL);
  });

  it('003 line 51 verbatim, `// "size"` comment and all: not JSON, so a 400 the bot classes as a bad request', async () => {
    const relay = relayFor(fake);
    const verbatim =
      '{ "model": "flux-kontext-pro", "prompt": "a beautiful landscape with a river and mountains", // "size": "1024x1524", "n": 1, "aspect_ratio": "21:9" }';
    const answer = await postText(relay, verbatim);
    expect(answer.status).toBe(400);
    expect(classified(relay, answer)).toBeInstanceOf(RelayBadRequestError);
  });

  it('003 line 51 with the commented size put back ("1024x1524"): outside line 47\'s three sizes, a 400 naming size', async () => {
    const error = await replayFailure(relayFor(fake), { ...SCHEMA_EXAMPLE, size: '1024x1524' });
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, param: 'size' });
  });

  it('003 lines 64-70 "请求示例代码" {flux-1, n 1, size 1024x1024}: no aspect_ratio, which line 50 says is 必需 — a 400 naming it', async () => {
    // The page's own example leaves out the field its schema requires; the schema wins (the safer reading).
    const body = { model: 'flux-1', prompt: 'a beautiful sunset over the ocean', n: 1, size: '1024x1024' };
    const error = await replayFailure(relayFor(fake), body);
    expect(error).toBeInstanceOf(RelayBadRequestError);
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, param: 'aspect_ratio' });
    expect(fake.requests).toHaveLength(1);
    // With the ratio, flux-1 is served like any FLUX model here.
    fake.reset();
    expect((await replay(relayFor(fake), { ...body, aspect_ratio: '1:1' })).images[0]).toMatchObject({ width: 1024, height: 1024 });
  });

  it('003 lines 71-396 curl, JavaScript, Java, Swift, Go, PHP, Python, HTTP, C, C#, Objective-C, Ruby, OCaml, Dart, R: each sends the example answer {created, data} as its body → 400, prompt missing (line 18 必需)', async () => {
    const error = await replayFailure(relayFor(fake), ANSWER_AS_BODY);
    expect(error).toBeInstanceOf(RelayBadRequestError);
    expect(error).toMatchObject({ kind: 'bad_request', status: 400, param: 'prompt' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.forwardedBody).toBeUndefined();
  });
});

describe('003 lines 15-51: the schema', () => {
  it('lines 53-63 the example answer has two URLs; line 27 "n … 必须介于 1 和 10 之间": n 2 gives two, n 11 is a 400', async () => {
    const relay = relayFor(fake);
    const two = await replay(relay, { ...SCHEMA_EXAMPLE, n: 2 });
    expect(two.images).toHaveLength(2);
    expect(fake.downloads).toHaveLength(2);
    expect(two.images[0]!.bytes.equals(two.images[1]!.bytes)).toBe(false);
    expect(await replayFailure(relay, { ...SCHEMA_EXAMPLE, n: 11 })).toMatchObject({ kind: 'bad_request', param: 'n' });
    expect(await replayFailure(relay, { ...SCHEMA_EXAMPLE, n: 0 })).toMatchObject({ kind: 'bad_request', param: 'n' });
  });

  it('line 19 "最大长度为 1000 个字符": 1000 passes, 1001 is a 400 naming prompt, on GPT models too', async () => {
    const relay = relayFor(fake);
    expect((await replay(relay, { ...SCHEMA_EXAMPLE, prompt: 'a'.repeat(1000) })).images).toHaveLength(1);
    expect(await replayFailure(relay, { ...SCHEMA_EXAMPLE, prompt: 'a'.repeat(1001) })).toMatchObject({ kind: 'bad_request', param: 'prompt' });
    expect(await replayFailure(relay, { model: 'gpt-image-2', prompt: 'a'.repeat(1001) })).toMatchObject({ kind: 'bad_request', param: 'prompt' });
  });

  it('lines 48-51 aspect_ratio: each of the nine values passes; 5:4 and a missing one are 400s naming it, on every FLUX model', async () => {
    const relay = relayFor(fake);
    for (const ratio of ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21']) {
      const image = (await replay(relay, { ...SCHEMA_EXAMPLE, aspect_ratio: ratio })).images[0]!;
      const [w, h] = ratio.split(':').map(Number);
      expect(image.width! / image.height!, ratio).toBeCloseTo(w! / h!, 1);
    }
    for (const model of ['flux-kontext-max', 'flux-pro-1.1-ultra', 'flux-2-pro', 'flux-dev']) {
      expect(await replayFailure(relay, { model, prompt: 'x', aspect_ratio: '5:4' })).toMatchObject({ kind: 'bad_request', param: 'aspect_ratio' });
      expect(await replayFailure(relay, { model, prompt: 'x', size: '1024x1024' })).toMatchObject({ kind: 'bad_request', param: 'aspect_ratio' });
    }
  });

  it('line 47 size "256x256、512x512 或 1024x1024": those pass (the ratio decides the picture), others are 400s', async () => {
    const relay = relayFor(fake);
    for (const size of ['256x256', '512x512', '1024x1024']) {
      expect((await replay(relay, { ...SCHEMA_EXAMPLE, aspect_ratio: '1:1', size })).images[0], size).toMatchObject({ width: 1024, height: 1024 });
    }
    for (const size of ['1024x1536', '2048x2048', 'auto']) {
      expect(await replayFailure(relay, { ...SCHEMA_EXAMPLE, size }), size).toMatchObject({ kind: 'bad_request', param: 'size' });
    }
  });

  it('line 31 quality and line 43 style "此参数仅支持dall-e-3": refused on a FLUX model', async () => {
    const relay = relayFor(fake);
    expect(await refusal(relay, { ...SCHEMA_EXAMPLE, quality: 'hd' })).toMatchObject({ kind: 'bad_request', status: 400, param: 'quality' });
    expect(await refusal(relay, { ...SCHEMA_EXAMPLE, style: 'vivid' })).toMatchObject({ kind: 'bad_request', status: 400, param: 'style' });
    expect((await replay(relay, { model: 'dall-e-3', prompt: 'x', quality: 'hd', style: 'natural' })).images).toHaveLength(1);
  });

  it('line 35 response_format "url 或 b64_json" is honoured; anything else is a 400', async () => {
    const relay = relayFor(fake);
    const b64 = await replay(relay, { ...SCHEMA_EXAMPLE, response_format: 'b64_json' });
    expect(b64.images).toHaveLength(1);
    expect(fake.downloads).toHaveLength(0);
    await replay(relay, { ...SCHEMA_EXAMPLE, response_format: 'url' });
    expect(fake.downloads).toHaveLength(1);
    expect(await replayFailure(relay, { ...SCHEMA_EXAMPLE, response_format: 'png' })).toMatchObject({ kind: 'bad_request', param: 'response_format' });
  });

  it('fields the schema does not list (seed, safety_tolerance, width, output_format, input_image …) are dropped, not refused', async () => {
    const relay = relayFor(fake);
    const body = { ...SCHEMA_EXAMPLE, user: 'u-1', seed: 42, safety_tolerance: 6, width: 1000, height: 7, output_format: 'webp', prompt_upsampling: 'x', steps: 999, guidance: -1, input_image: 'not an image' };
    const result = await replay(relay, body);
    expect(result.images).toHaveLength(1);
    expect(received(fake).body).toEqual(body);
    expect(received(fake).forwarded).toEqual({ ...SCHEMA_EXAMPLE, user: 'u-1' });
  });
});

describe('003 lines 412-415 "常见错误"', () => {
  it('line 413 "401 认证失败": a wrong key is an auth error, not retried', async () => {
    const error = await replayFailure(relayFor(fake, { apiKey: 'YOUR_API_KEY' }), SCHEMA_EXAMPLE);
    expect(error).toBeInstanceOf(RelayAuthError);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect(fake.requests).toHaveLength(1);
  });

  it('line 414 "429 请求限流": retried twice, then a rate-limit error', async () => {
    fake.failNext({ kind: 'json', status: 429, body: { error: { message: '请求限流', type: 'rate_limit_error', code: 'rate_limit_exceeded' } } }, 3);
    const error = await replayFailure(relayFor(fake), SCHEMA_EXAMPLE);
    expect(error).toBeInstanceOf(RateLimitError);
    expect(error).toMatchObject({ kind: 'rate_limit', status: 429 });
    expect(fake.requests).toHaveLength(3);
  });

  it('line 414 once, then the image: a single 429 is recovered by the retry', async () => {
    fake.failNext({ kind: 'json', status: 429, body: { error: { message: '请求限流', type: 'rate_limit_error', code: 'rate_limit_exceeded' } } });
    const result = await replay(relayFor(fake), SCHEMA_EXAMPLE, { resends: true });
    expect(result).toMatchObject({ attempts: 2 });
    expect(result.images).toHaveLength(1);
  });

  it('line 415 "500 服务器错误:稍后重试": retried twice, then an upstream error', async () => {
    fake.failNext({ kind: 'json', status: 500, body: { error: { message: '服务器错误', type: 'server_error', code: 'server_error' } } }, 3);
    const error = await replayFailure(relayFor(fake), SCHEMA_EXAMPLE);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ kind: 'upstream', status: 500 });
    expect(fake.requests).toHaveLength(3);
  });
});
