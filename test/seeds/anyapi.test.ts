// Seed 004 (shared/seeds/004_a2ae070d811670db.txt, AnyAPI, "Flux 创建(OpenAI dall-e-3格式)", an
// OpenAPI 3.0.1 document) replayed through the bot's own relay client against the relay fake playing
// AnyAPI (`profile: 'anyapi'`): the spec's example, its schema and its security scheme. The page
// documents no error answers of its own (no 429 or 500: those are QuickRouter's, 003 lines 412-415),
// so only what the schema and the bearer scheme imply is tested. Test names cite the seed's lines.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RelayAuthError, RelayBadRequestError } from '../../src/providers/errors.js';
import { closeAgents } from '../../src/providers/http.js';
import type { RelayFake } from '../fakes/relay/index.js';
import { classified, postText, postValue, received, refusal, relayFor, replay, replayFailure, startSeedRelay } from './replay.js';

let fake: RelayFake;

beforeAll(async () => {
  fake = await startSeedRelay('anyapi');
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await closeAgents();
  await fake.close();
});

/** 004 lines 88-95, `example: |-`, exactly as the YAML block scalar reads (a JS comment inside). */
const EXAMPLE_TEXT = [
  '{',
  '  "model": "flux-kontext-pro",',
  '  "prompt": "a beautiful landscape with a river and mountains",',
  ' // "size": "1024x1524",',
  '  "n": 1,',
  '  "aspect_ratio": "21:9"',
  '}',
].join('\n');

/** The same example as JSON: the commented line left out. */
const EXAMPLE = { model: 'flux-kontext-pro', prompt: 'a beautiful landscape with a river and mountains', n: 1, aspect_ratio: '21:9' };

describe('004 lines 88-95: the spec\'s request example', () => {
  it('as JSON (its `//` line left out) → 200 {created, data: [{url}]} (lines 96-124); the bot downloads a 21:9 image of about 1 MP', async () => {
    const relay = relayFor(fake);
    const answer = await postValue(relay, EXAMPLE);
    expect(answer.status).toBe(200);
    const json = JSON.parse(answer.text) as { created: unknown; data: unknown[] };
    expect(json).toEqual({ created: expect.any(Number), data: [{ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/files\//) }] });

    fake.reset();
    const result = await replay(relay, EXAMPLE);
    expect(received(fake).body).toEqual(EXAMPLE);
    const image = result.images[0]!;
    expect(image.width! / image.height!).toBeCloseTo(21 / 9, 1);
    expect(image.width! * image.height!).toBeGreaterThan(0.9 * 1024 * 1024);
    expect(image.width! * image.height!).toBeLessThan(1.2 * 1024 * 1024);
  });

  it('verbatim, with its `// "size": "1024x1524",` line: not JSON, a 400 the bot classes as a bad request', async () => {
    const relay = relayFor(fake);
    const answer = await postText(relay, EXAMPLE_TEXT);
    expect(answer.status).toBe(400);
    expect(classified(relay, answer)).toBeInstanceOf(RelayBadRequestError);
  });

  it('with the commented size put back: "1024x1524" is none of line 54\'s three sizes, a 400 naming size', async () => {
    expect(await replayFailure(relayFor(fake), { ...EXAMPLE, size: '1024x1524' })).toMatchObject({ kind: 'bad_request', status: 400, param: 'size' });
  });
});

describe('004 lines 40-87: the request schema', () => {
  it('lines 75-77 `required: [prompt, aspect_ratio]`: without either, a 400 naming the missing one; model is optional in the schema but no default is documented', async () => {
    const relay = relayFor(fake);
    const { aspect_ratio: _ratio, ...noRatio } = EXAMPLE;
    const { prompt: _prompt, ...noPrompt } = EXAMPLE;
    expect(await replayFailure(relay, noRatio)).toMatchObject({ kind: 'bad_request', status: 400, param: 'aspect_ratio' });
    expect(await replayFailure(relay, noPrompt)).toMatchObject({ kind: 'bad_request', status: 400, param: 'prompt' });
    expect(await replayFailure(relay, { prompt: 'x', aspect_ratio: '1:1' })).toMatchObject({ kind: 'bad_request', status: 400, param: 'model' });
  });

  it('lines 69-73 the aspect_ratio enum "21:9, 16:9, 4:3, 3:2, 1:1, 2:3, 3:4, 9:16, 9:21": in passes, 5:4 and 7:3 do not', async () => {
    const relay = relayFor(fake);
    for (const ratio of ['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21']) {
      expect((await replay(relay, { ...EXAMPLE, aspect_ratio: ratio })).images, ratio).toHaveLength(1);
    }
    for (const ratio of ['5:4', '7:3']) {
      expect(await replayFailure(relay, { ...EXAMPLE, aspect_ratio: ratio }), ratio).toMatchObject({ kind: 'bad_request', param: 'aspect_ratio' });
    }
  });

  it('line 48 "最大长度为 1000 个字符"', async () => {
    const relay = relayFor(fake);
    expect((await replay(relay, { ...EXAMPLE, prompt: 'p'.repeat(1000) })).images).toHaveLength(1);
    expect(await replayFailure(relay, { ...EXAMPLE, prompt: 'p'.repeat(1001) })).toMatchObject({ kind: 'bad_request', param: 'prompt' });
  });

  it('line 51 "n 必须介于 1 和 10 之间": 3 answers three URLs, 11 is a 400', async () => {
    const relay = relayFor(fake);
    expect((await replay(relay, { ...EXAMPLE, n: 3 })).images).toHaveLength(3);
    expect(fake.downloads).toHaveLength(3);
    expect(await replayFailure(relay, { ...EXAMPLE, n: 11 })).toMatchObject({ kind: 'bad_request', param: 'n' });
  });

  it('line 54 size "256x256、512x512或 1024x1024之一"', async () => {
    const relay = relayFor(fake);
    expect((await replay(relay, { ...EXAMPLE, size: '512x512' })).images).toHaveLength(1);
    expect(await replayFailure(relay, { ...EXAMPLE, size: '1536x1024' })).toMatchObject({ kind: 'bad_request', param: 'size' });
  });

  it('line 57 quality and lines 67-68 style "此参数仅支持`dall-e-3`": refused on flux-kontext-pro', async () => {
    const relay = relayFor(fake);
    expect(await refusal(relay, { ...EXAMPLE, quality: 'hd' })).toMatchObject({ kind: 'bad_request', param: 'quality' });
    expect(await refusal(relay, { ...EXAMPLE, style: 'natural' })).toMatchObject({ kind: 'bad_request', param: 'style' });
  });

  it('line 60 response_format "url 或 b64_json": b64_json answers base64, nothing to download', async () => {
    const relay = relayFor(fake);
    const answer = await postValue(relay, { ...EXAMPLE, response_format: 'b64_json' });
    const json = JSON.parse(answer.text) as { data: Array<Record<string, unknown>> };
    expect(json.data[0]).toEqual({ b64_json: expect.any(String) });
    fake.reset();
    expect((await replay(relay, { ...EXAMPLE, response_format: 'b64_json' })).images[0]?.mime).toBe('image/jpeg');
    expect(fake.downloads).toHaveLength(0);
  });

  it('a field outside lines 43-73 (seed, safety_tolerance, output_format) is dropped before the upstream, not refused', async () => {
    const body = { ...EXAMPLE, seed: 7, safety_tolerance: 2, output_format: 'png' };
    const result = await replay(relayFor(fake), body);
    expect(result.images[0]?.mime).toBe('image/jpeg');
    expect(received(fake).forwarded).toEqual(EXAMPLE);
  });
});

// The operation's own `security: []` (line 125) would mean "no auth"; the page also documents the
// Authorization header (lines 29-34) and a global bearer scheme (lines 131-134, 138-139). A relay that
// sells keys checks them: the header wins.
describe('004 lines 29-34 "Authorization … Bearer {{YOUR_API_KEY}}" and lines 131-139 the bearer scheme', () => {
  it('a wrong key is a 401: an auth error, not retried', async () => {
    const error = await replayFailure(relayFor(fake, { apiKey: '{{YOUR_API_KEY}}' }), EXAMPLE);
    expect(error).toBeInstanceOf(RelayAuthError);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect(fake.requests).toHaveLength(1);
  });
});
