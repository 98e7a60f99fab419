// The relay fake, exercised through real HTTP: other tests and `npm run demo` trust it to behave
// like the relays of shared/RELAYS.md, so its own behaviour is pinned here.
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelayFake, type Fault, type RelayFake } from './fakes/relay/index.js';

let fake: RelayFake;
let clock = 1_000_000;

beforeAll(async () => {
  fake = await startRelayFake({ now: () => clock, latencyMs: 5 });
});

afterEach(() => {
  fake.reset();
  fake.configure({ strictAspectRatios: false, dropUnknownFields: false, latencyMs: 5, maxPromptChars: undefined });
});

afterAll(async () => {
  await fake.close();
});

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

async function generate(body: Record<string, unknown>, key: string | null = fake.apiKey, timeoutMs = 10_000): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const response = await fetch(`${fake.url}/images/generations`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
}

async function dimensions(bytes: Buffer): Promise<{ width?: number; height?: number; format?: string }> {
  const { width, height, format } = await sharp(bytes).metadata();
  return { width, height, format };
}

describe('GPT image models', () => {
  it('answers gpt-image-2 with b64_json of a PNG of the requested size, and usage', async () => {
    const answer = await generate({ model: 'gpt-image-2', prompt: 'a green square', size: '1536x1024', quality: 'low' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-request-id')).toMatch(/^\d{14}[0-9a-f]{12}$/);
    expect(answer.headers.get('x-oneapi-request-id')).toBe(answer.headers.get('x-request-id'));
    expect(answer.json.data).toHaveLength(1);
    expect(answer.json.data[0].url).toBeUndefined();
    const image = Buffer.from(answer.json.data[0].b64_json, 'base64');
    expect(await dimensions(image)).toEqual({ width: 1536, height: 1024, format: 'png' });
    expect(answer.json.usage.output_tokens).toBeGreaterThan(0);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.body).toMatchObject({ model: 'gpt-image-2', size: '1536x1024' });
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  it('takes free sizes on gpt-image-2 only when both sides divide by 16', async () => {
    expect((await generate({ model: 'gpt-image-2', prompt: 'x', size: '2048x1152' })).status).toBe(200);
    const bad = await generate({ model: 'gpt-image-2', prompt: 'x', size: '1000x1000' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.param).toBe('size');
    expect((await generate({ model: 'gpt-image-1', prompt: 'x', size: '2048x1152' })).status).toBe(400);
  });

  it('answers dall-e-3 with a URL unless b64_json is asked for', async () => {
    const url = await generate({ model: 'dall-e-3', prompt: 'x', size: '1792x1024', quality: 'hd' });
    expect(url.json.data[0].url).toMatch(/\/files\/\w+\.png$/);
    expect(url.json.data[0].revised_prompt).toBe('x');
    const b64 = await generate({ model: 'dall-e-3', prompt: 'x', response_format: 'b64_json' });
    expect(b64.json.data[0].b64_json).toBeTypeOf('string');
  });

  it('rejects a quality the model does not take with a 400 that names quality', async () => {
    const invalid = await generate({ model: 'gpt-image-2', prompt: 'x', quality: 'hd' });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.param).toBe('quality');
    const unsupported = await generate({ model: 'flux-2-pro', prompt: 'x', quality: 'high' });
    expect(unsupported.status).toBe(400);
    expect(unsupported.json.error.message).toMatch(/quality/);
  });

  it('rejects FLUX fields passed through to OpenAI, unless the relay drops them', async () => {
    const passed = await generate({ model: 'gpt-image-1', prompt: 'x', seed: 42 });
    expect(passed.status).toBe(400);
    expect(passed.json.error.code).toBe('unknown_parameter');
    fake.configure({ dropUnknownFields: true });
    const dropped = await generate({ model: 'gpt-image-1', prompt: 'x', seed: 42 });
    expect(dropped.status).toBe(200);
    expect(fake.requests[1]?.body).toMatchObject({ seed: 42 });
    expect(fake.requests[1]?.forwardedBody).not.toHaveProperty('seed');
  });
});

describe('FLUX models', () => {
  it('answers flux-2-pro with a URL that downloads, then expires like a signed URL', async () => {
    const answer = await generate({ model: 'flux-2-pro', prompt: 'a city', width: 1280, height: 720, output_format: 'png' });
    expect(answer.status).toBe(200);
    const url: string = answer.json.data[0].url;
    expect(url.startsWith(`${fake.origin}/files/`)).toBe(true);
    expect(answer.json.usage).toBeUndefined();

    const download = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(await dimensions(Buffer.from(await download.arrayBuffer()))).toEqual({ width: 1280, height: 720, format: 'png' });
    expect(fake.downloads).toEqual([new URL(url).pathname]);

    clock += 10 * 60 * 1000;
    const expired = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    expect([403, 404]).toContain(expired.status);
    await expired.arrayBuffer();
  });

  it('defaults to JPEG and enforces multiples of 16, 64..2048 and 4 MP', async () => {
    const answer = await generate({ model: 'flux-2-klein-4b', prompt: 'x', size: '512x768' });
    const download = await fetch(answer.json.data[0].url, { signal: AbortSignal.timeout(5_000) });
    expect(await dimensions(Buffer.from(await download.arrayBuffer()))).toEqual({ width: 512, height: 768, format: 'jpeg' });
    expect((await generate({ model: 'flux-2-pro', prompt: 'x', size: '1000x1000' })).status).toBe(400);
    expect((await generate({ model: 'flux-2-pro', prompt: 'x', width: 4096, height: 1024 })).status).toBe(400);
    expect((await generate({ model: 'flux-2-pro', prompt: 'x', safety_tolerance: 6 })).status).toBe(400);
    expect((await generate({ model: 'flux-pro-1.1', prompt: 'x', safety_tolerance: 6 })).status).toBe(200);
    expect((await generate({ model: 'flux-2-pro', prompt: 'x', steps: 20 })).status).toBe(400);
    expect((await generate({ model: 'flux-2-flex', prompt: 'x', steps: 20, guidance: 3.5 })).status).toBe(200);
  });

  it('answers Request Moderated for the keyword on FLUX models', async () => {
    const answer = await generate({ model: 'flux-2-pro', prompt: 'this will be moderated' });
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({ detail: 'Request Moderated' });
  });
});

describe('Kontext and Ultra aspect ratios', () => {
  it('takes any ratio from 3:7 to 7:3 and paints about one megapixel', async () => {
    const answer = await generate({ model: 'flux-kontext-pro', prompt: 'x', aspect_ratio: '5:4' });
    expect(answer.status).toBe(200);
    const download = await fetch(answer.json.data[0].url, { signal: AbortSignal.timeout(5_000) });
    const { width = 0, height = 0 } = await dimensions(Buffer.from(await download.arrayBuffer()));
    expect(width % 16).toBe(0);
    expect(height % 16).toBe(0);
    expect(width / height).toBeCloseTo(1.25, 1);
    expect(width * height).toBeGreaterThan(0.9 * 1024 * 1024);
    expect(width * height).toBeLessThan(1.1 * 1024 * 1024);

    expect((await generate({ model: 'flux-kontext-max', prompt: 'x', aspect_ratio: '7:3' })).status).toBe(200);
    const tooWide = await generate({ model: 'flux-kontext-pro', prompt: 'x', aspect_ratio: '4:1' });
    expect(tooWide.status).toBe(400);
    expect(tooWide.json.error.param).toBe('aspect_ratio');
  });

  it('takes only the nine-value enum in strict mode', async () => {
    fake.configure({ strictAspectRatios: true });
    expect((await generate({ model: 'flux-kontext-pro', prompt: 'x', aspect_ratio: '5:4' })).status).toBe(400);
    expect((await generate({ model: 'flux-pro-1.1-ultra', prompt: 'x', aspect_ratio: '21:9' })).status).toBe(200);
  });
});

describe('relay errors', () => {
  it('answers 401 in new-api shape for a missing or wrong key', async () => {
    for (const key of [null, 'sk-wrong']) {
      const answer = await generate({ model: 'gpt-image-2', prompt: 'x' }, key);
      expect(answer.status).toBe(401);
      expect(answer.json.error.type).toBe('new_api_error');
      expect(answer.json.error.message).toMatch(/\(request id: \w+\)$/);
    }
  });

  it('answers 503 model_not_found for an unknown model', async () => {
    const answer = await generate({ model: 'no-such-model', prompt: 'x' });
    expect(answer.status).toBe(503);
    expect(answer.json.error.code).toBe('model_not_found');
  });

  it('answers 400 for malformed JSON, a body that is no object, or one without model or prompt', async () => {
    const raw = await fetch(`${fake.url}/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: '{"model": "gpt-image-2",',
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    for (const body of [{ prompt: 'x' }, { model: 'gpt-image-2' }, { model: 'gpt-image-2', prompt: ' ' }]) {
      expect((await generate(body)).status, JSON.stringify(body)).toBe(400);
    }
  });

  it('answers content-policy keywords in the relays shapes', async () => {
    const blocked = await generate({ model: 'gpt-image-2', prompt: 'something forbidden' });
    expect(blocked.status).toBe(400);
    expect(blocked.json.error.code).toBe('moderation_blocked');
    const sensitive = await generate({ model: 'gpt-image-2', prompt: '敏感 内容' });
    expect(sensitive.status).toBe(500);
    expect(sensitive.json.error.code).toBe('sensitive_words_detected');
  });

  it('caps prompts at the relay limit when one is set', async () => {
    fake.configure({ maxPromptChars: 1000 });
    const answer = await generate({ model: 'flux-kontext-pro', prompt: 'a'.repeat(1001) });
    expect(answer.status).toBe(400);
    expect(answer.json.error.param).toBe('prompt');
  });
});

describe('faults', () => {
  it('serves a queued 429 with retry-after, then recovers', async () => {
    fake.failNext({
      kind: 'json',
      status: 429,
      body: { error: { message: 'rate limited', type: 'rate_limit_error', code: 'rate_limit_exceeded' } },
      headers: { 'retry-after': '2', 'retry-after-ms': '1500' },
    });
    const limited = await generate({ model: 'gpt-image-2', prompt: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('retry-after-ms')).toBe('1500');
    expect((await generate({ model: 'gpt-image-2', prompt: 'x' })).status).toBe(200);
  });

  it('resets the connection after reading the request', async () => {
    fake.failNext({ kind: 'reset' });
    await expect(generate({ model: 'gpt-image-2', prompt: 'x' })).rejects.toThrow();
    expect(fake.requests).toHaveLength(1);
  });

  it('hangs until the client gives up, without holding the test', async () => {
    fake.failNext({ kind: 'hang' });
    const started = Date.now();
    await expect(generate({ model: 'gpt-image-2', prompt: 'x' }, fake.apiKey, 300)).rejects.toThrow(/timeout|aborted/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('answers b64 as a data URI when asked', async () => {
    fake.failNext({ kind: 'dataUri' });
    const answer = await generate({ model: 'flux-2-pro', prompt: 'x' });
    expect(answer.json.data[0].b64_json).toMatch(/^data:image\/jpeg;base64,/);
  });

  it('closes quickly even with a hung request open', async () => {
    const other = await startRelayFake();
    other.failNext({ kind: 'hang' });
    const pending = fetch(`${other.url}/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${other.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-2', prompt: 'x' }),
      signal: AbortSignal.timeout(10_000),
    }).catch((error: unknown) => error);
    while (other.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('more faults', () => {
  it('spoils the image data of a successful answer', async () => {
    fake.failNext({ kind: 'badBase64' });
    fake.failNext({ kind: 'notImage' });
    fake.failNext({ kind: 'truncatedImage' });
    const bad = await generate({ model: 'gpt-image-2', prompt: 'x' });
    expect(bad.json.data[0].b64_json).not.toMatch(/^[A-Za-z0-9+/=]+$/);
    const notImage = await generate({ model: 'gpt-image-2', prompt: 'x' });
    await expect(sharp(Buffer.from(notImage.json.data[0].b64_json, 'base64')).metadata()).rejects.toThrow();
    const truncated = await generate({ model: 'gpt-image-2', prompt: 'x' });
    const bytes = Buffer.from(truncated.json.data[0].b64_json, 'base64');
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    await expect(sharp(bytes).raw().toBuffer()).rejects.toThrow();
  });

  it('answers 200 bodies without usable JSON', async () => {
    fake.failNext({ kind: 'invalidJson' });
    fake.failNext({ kind: 'missingData' });
    expect(typeof (await generate({ model: 'gpt-image-2', prompt: 'x' })).json).toBe('string');
    const missing = await generate({ model: 'gpt-image-2', prompt: 'x' });
    expect(missing.status).toBe(200);
    expect(missing.json.data).toBeUndefined();
  });

  it('answers a Cloudflare 524 page, and stalls a body mid-way', async () => {
    fake.failNext({ kind: 'html', status: 524 });
    const page = await generate({ model: 'gpt-image-2', prompt: 'x' });
    expect(page.status).toBe(524);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.json).toMatch(/524/);

    fake.failNext({ kind: 'stallBody' });
    await expect(generate({ model: 'gpt-image-2', prompt: 'x' }, fake.apiKey, 300)).rejects.toThrow();
  });

  it('breaks image downloads in the ways a CDN does', async () => {
    const download = async (fault: Fault, timeoutMs = 5_000): Promise<Response> => {
      fake.failNext(fault);
      const answer = await generate({ model: 'flux-2-pro', prompt: 'x' });
      return fetch(answer.json.data[0].url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    };
    expect((await download({ kind: 'url404' })).status).toBe(404);
    const notImage = await download({ kind: 'urlNotImage' });
    expect(notImage.headers.get('content-type')).toBe('image/jpeg');
    expect(await notImage.text()).toMatch(/<html>/);
    const redirect = await download({ kind: 'urlRedirect', location: 'http://169.254.169.254/latest/meta-data/' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('http://169.254.169.254/latest/meta-data/');
    const huge = await download({ kind: 'urlHuge', bytes: 3_000_000 });
    expect(huge.headers.get('content-length')).toBe('3000000');
    expect((await huge.arrayBuffer()).byteLength).toBe(3_000_000);
    await expect(download({ kind: 'urlSlow', ms: 5_000 }, 200)).rejects.toThrow();
    expect((await download({ kind: 'urlSlow', ms: 50 })).status).toBe(200);

    fake.failNext({ kind: 'urlPointsTo', url: 'http://10.0.0.1/x.png' });
    expect((await generate({ model: 'gpt-image-2', prompt: 'x' })).json.data[0].url).toBe('http://10.0.0.1/x.png');
  });
});

describe('streaming', () => {
  it('sends partial images, then the completed image, as server-sent events', async () => {
    const response = await fetch(`${fake.url}/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-image-2', prompt: 'x', size: '1024x1536', stream: true, partial_images: 2 }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await response.text()).split('\n\n').filter(Boolean).map((block) => {
      const data = block.split('\n').find((line) => line.startsWith('data: ')) ?? '';
      return JSON.parse(data.slice('data: '.length)) as { type: string; b64_json: string };
    });
    expect(events.map((event) => event.type)).toEqual([
      'image_generation.partial_image',
      'image_generation.partial_image',
      'image_generation.completed',
    ]);
    const final = Buffer.from(events[2]?.b64_json ?? '', 'base64');
    expect(await dimensions(final)).toEqual({ width: 1024, height: 1536, format: 'png' });
  });
});

describe('noise images', () => {
  it('paints a 2048x2048 noise PNG larger than 10 MiB', async () => {
    const answer = await generate({ model: 'gpt-image-2', prompt: 'noise', size: '2048x2048' });
    expect(answer.status).toBe(200);
    const image = Buffer.from(answer.json.data[0].b64_json, 'base64');
    expect(image.length).toBeGreaterThan(10 * 1024 * 1024);
    expect(await dimensions(image)).toEqual({ width: 2048, height: 2048, format: 'png' });
  });
});
