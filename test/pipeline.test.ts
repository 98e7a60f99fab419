// The generation pipeline the bot and the CLI share, against the relay fake over real HTTP: what is
// sent for each dialect, what comes back, which failures are retried or failed over, and which never
// are (a timeout or a cut connection may already have been billed).
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { explainError } from '../src/i18n/errorMessages.js';
import { ImagePipeline } from '../src/pipeline/imagePipeline.js';
import {
  CancelledError,
  ContentPolicyError,
  InvalidInputError,
  MalformedResponseError,
  RelayAuthError,
  RelayTimeoutError,
  UpstreamError,
} from '../src/providers/errors.js';
import { closeAgents } from '../src/providers/http.js';
import { startRelayFake, STRICT_ASPECT_RATIOS, type RelayFake } from './fakes/relay/index.js';
import { failure, generate, pipelineFor, type Input } from './helpers/pipelineRun.js';
import { makeTempDir, removeTempDirs, writeTempFile } from './helpers/tempFiles.js';

let fake: RelayFake;
const extraFakes: RelayFake[] = [];

beforeAll(async () => {
  fake = await startRelayFake({ latencyMs: 5 });
});

afterEach(() => {
  fake.reset();
  fake.configure({ latencyMs: 5 });
});

afterAll(async () => {
  await closeAgents();
  await Promise.all([fake, ...extraFakes].map((f) => f.close()));
  removeTempDirs();
});

async function anotherFake(options: Parameters<typeof startRelayFake>[0] = {}): Promise<RelayFake> {
  const started = await startRelayFake({ latencyMs: 5, ...options });
  extraFakes.push(started);
  return started;
}

/** A pipeline configured the way an operator would: environment variables, no .env file. */
function sentBody(relay: RelayFake, index = 0): Record<string, unknown> {
  const request = relay.requests[index];
  if (!request) throw new Error(`the relay fake received no request #${index + 1}`);
  return request.body as Record<string, unknown>;
}

async function metadata(bytes: Buffer): Promise<{ width?: number; height?: number; format?: string }> {
  const { width, height, format } = await sharp(bytes).metadata();
  return { width, height, format };
}

describe('the three dialects', () => {
  it('gpt-image-2: sends size and quality, and returns the b64 PNG of that size', async () => {
    const result = await generate(pipelineFor(fake), { prompt: 'a green square', model: 'gpt-image-2', size: '1536x1024', quality: 'high' });
    expect(fake.requests).toHaveLength(1);
    expect(sentBody(fake)).toMatchObject({ model: 'gpt-image-2', prompt: 'a green square', size: '1536x1024', quality: 'high', n: 1 });
    expect(fake.downloads).toHaveLength(0); // b64, nothing to download
    expect(result.images).toHaveLength(1);
    expect(result.images[0]?.mime).toBe('image/png');
    expect(await metadata(result.images[0]!.bytes)).toEqual({ width: 1536, height: 1024, format: 'png' });
    expect(result).toMatchObject({ model: 'gpt-image-2', relay: 'default', effectiveSize: '1536x1024', qualityDropped: false });
    expect(result.requestId).toBe(fake.requests[0]?.requestId);
    expect(result.estimatedCost).toBeGreaterThan(0);
  });

  it('gpt-image-2 with n: 2 returns two images', async () => {
    const result = await generate(pipelineFor(fake), { prompt: 'two foxes', model: 'gpt-image-2', n: 2 });
    expect(sentBody(fake).n).toBe(2);
    expect(result.images).toHaveLength(2);
    for (const image of result.images) expect(await metadata(image.bytes)).toMatchObject({ width: 1024, height: 1024 });
    expect(result.images[0]!.bytes.equals(result.images[1]!.bytes)).toBe(false);
  });

  it('flux-2-pro: sends seed, safety_tolerance, width/height and size, and downloads the URL result', async () => {
    const result = await generate(pipelineFor(fake), {
      prompt: 'a lighthouse at dusk',
      model: 'flux-2-pro',
      size: '1024x1536',
      seed: 42,
      safetyTolerance: 3,
    });
    expect(sentBody(fake)).toMatchObject({
      model: 'flux-2-pro',
      seed: 42,
      safety_tolerance: 3,
      width: 1024,
      height: 1536,
      size: '1024x1536',
    });
    expect(sentBody(fake)).not.toHaveProperty('quality');
    expect(fake.downloads).toHaveLength(1);
    expect(await metadata(result.images[0]!.bytes)).toEqual({ width: 1024, height: 1536, format: 'jpeg' });
    expect(result.seed).toBe(42);
  });

  it('flux-2-pro without a seed: one is chosen, sent and reported, so the image can be reproduced', async () => {
    const result = await generate(pipelineFor(fake), { prompt: 'a lighthouse', model: 'flux-2-pro' });
    const seed = sentBody(fake).seed;
    expect(typeof seed).toBe('number');
    expect(result.seed).toBe(seed);
  });

  it('flux-kontext-pro with 16:9: sends aspect_ratio and returns a landscape image of about 1 MP', async () => {
    const result = await generate(pipelineFor(fake), { prompt: 'a wide valley', model: 'flux-kontext-pro', size: '16:9' });
    expect(sentBody(fake)).toMatchObject({ model: 'flux-kontext-pro', aspect_ratio: '16:9' });
    const { width = 0, height = 0 } = await metadata(result.images[0]!.bytes);
    expect(width).toBeGreaterThan(height);
    expect(width / height).toBeCloseTo(16 / 9, 1);
    expect(Math.abs(width * height - 1024 * 1024) / (1024 * 1024)).toBeLessThan(0.1);
    expect(result.effectiveSize).toBe('16:9');
  });

  it('flux-kontext-pro given pixels sends their ratio', async () => {
    await generate(pipelineFor(fake), { prompt: 'a tall tower', model: 'flux-kontext-pro', size: '768x1024' });
    expect(sentBody(fake).aspect_ratio).toBe('3:4');
  });
});

describe('a strict relay (only the nine aspect ratios)', () => {
  it('snaps 7:3 and 5:2 to one of the nine, and the strict relay accepts it', async () => {
    const strict = await anotherFake({ strictAspectRatios: true });
    const pipeline = pipelineFor(strict, { IMAGE_API_STRICT_ASPECT_RATIOS: 'true' });
    for (const [size, snapped] of [['7:3', '21:9'], ['5:2', '21:9'], ['2:1', '16:9']] as const) {
      strict.reset();
      const result = await generate(pipeline, { prompt: 'a panorama', model: 'flux-kontext-pro', size });
      const sent = sentBody(strict).aspect_ratio;
      expect(STRICT_ASPECT_RATIOS).toContain(sent);
      expect(sent).toBe(snapped);
      expect(result.effectiveSize).toBe(snapped);
      expect(result.images).toHaveLength(1);
    }
  });

  it('a relay not marked strict gets 2:1 as asked; 5:2 (beyond 7:3) is clamped and the change reported', async () => {
    await generate(pipelineFor(fake), { prompt: 'a panorama', model: 'flux-kontext-pro', size: '2:1' });
    expect(sentBody(fake).aspect_ratio).toBe('2:1');
    fake.reset();
    const result = await generate(pipelineFor(fake), { prompt: 'a panorama', model: 'flux-kontext-pro', size: '5:2' });
    expect(sentBody(fake).aspect_ratio).toBe('7:3');
    expect(result.adjustments).toContainEqual({ field: 'size', from: '5:2', to: '7:3' });
  });
});

describe('invalid input is refused before anything is sent', () => {
  const cases: Array<[string, Input, string]> = [
    ['an unknown model', { prompt: 'a fox', model: 'flux-9-mega' }, 'model'],
    ['a size no model could honour', { prompt: 'a fox', model: 'gpt-image-2', size: '4000x10' }, 'size'],
    ['a size that is not a size', { prompt: 'a fox', model: 'flux-2-pro', size: 'large' }, 'size'],
    ['an over-long prompt', { prompt: 'x'.repeat(32_001), model: 'gpt-image-2' }, 'prompt'],
    ['too many images', { prompt: 'a fox', model: 'gpt-image-2', n: 11 }, 'n'],
    ['more than one image from a one-image model', { prompt: 'a fox', model: 'flux-2-pro', n: 2 }, 'n'],
    ['an unknown quality', { prompt: 'a fox', model: 'gpt-image-2', quality: 'ultra' }, 'quality'],
  ];
  it.each(cases)('%s', async (_label, input, param) => {
    const error = await failure(generate(pipelineFor(fake), input));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.param).toBe(param);
    expect((error as InvalidInputError).valid).toBeTruthy();
    expect(fake.requests).toHaveLength(0);
  });

  it('a relay prompt cap (IMAGE_API_MAX_PROMPT_CHARS) is checked locally too', async () => {
    const error = await failure(
      generate(pipelineFor(fake, { IMAGE_API_MAX_PROMPT_CHARS: '1000' }), { prompt: 'y'.repeat(1001), model: 'flux-kontext-pro' }),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.message).toContain('1000');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('retries', () => {
  it('a 400 about quality is sent once more without quality, and the result says so', async () => {
    fake.failNext({
      kind: 'json',
      status: 400,
      body: {
        error: {
          message: "Invalid value: 'high'. Supported values for 'quality' on this channel are: 'auto'.",
          type: 'invalid_request_error',
          param: 'quality',
          code: 'invalid_value',
        },
      },
    });
    const result = await generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2', quality: 'high' });
    expect(fake.requests).toHaveLength(2);
    expect(sentBody(fake, 0).quality).toBe('high');
    expect(sentBody(fake, 1)).not.toHaveProperty('quality');
    expect(result.qualityDropped).toBe(true);
    expect(result.images).toHaveLength(1);
  });

  it('a 429 with retry-after: 0 is retried and then succeeds', async () => {
    fake.failNext({
      kind: 'json',
      status: 429,
      headers: { 'retry-after': '0' },
      body: { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } },
    });
    const retries: string[] = [];
    const result = await generate(pipelineFor(fake), { prompt: 'a fox', model: 'flux-2-pro' }, { onRetry: (info) => retries.push(info.error.kind) });
    expect(fake.requests).toHaveLength(2);
    expect(retries).toEqual(['rate_limit']);
    expect(result.images).toHaveLength(1);
  });

  it('a JSON 500 from upstream is retried twice, then fails as an upstream error', async () => {
    fake.failNext(
      { kind: 'json', status: 500, body: { error: { message: 'upstream error: do request failed once', type: 'new_api_error', code: 'bad_response_status_code' } } },
      3,
    );
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'flux-2-pro' }));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(fake.requests).toHaveLength(3);
  });

  it('a timeout is never retried (it may have been billed)', async () => {
    fake.failNext({ kind: 'hang' });
    const started = Date.now();
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }, { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error.possiblyBilled).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('a connection reset after sending is never retried', async () => {
    fake.failNext({ kind: 'reset' });
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }));
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(fake.requests).toHaveLength(1);
  });

  it("Cloudflare's 524 page is a timeout, never retried", async () => {
    fake.failNext({ kind: 'html', status: 524 });
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }));
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('refusals that are final', () => {
  it.each([
    ['gpt-image-2', 'a forbidden scene'],
    ['gpt-image-2', '一张敏感的图片'],
    ['flux-2-pro', 'a moderated scene'],
    ['flux-kontext-pro', 'a moderated scene'],
  ])('%s, prompt "%s": content policy, not retried', async (model, prompt) => {
    const error = await failure(generate(pipelineFor(fake), { prompt, model }));
    expect(error).toBeInstanceOf(ContentPolicyError);
    expect(fake.requests).toHaveLength(1);
    expect(explainError(error).en).toMatch(/safety system/);
  });

  it('a wrong key: an auth error after one request, and the key is nowhere in the error', async () => {
    const key = 'relaykey-Zq8wX2vN5mP0tR7y'; // not sk-…: only our own redaction can keep it out
    const error = await failure(generate(pipelineFor(fake, { IMAGE_API_KEY: key }), { prompt: 'a fox', model: 'gpt-image-2' }));
    expect(error).toBeInstanceOf(RelayAuthError);
    expect(error.kind).toBe('auth');
    expect(error.status).toBe(401);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${key}`);
    expect(everythingIn(error)).not.toContain(key);
    expect(explainError(error).en).toMatch(/admin/);
  });

  it('a relay that echoes the key in its error message: the key is redacted', async () => {
    const key = 'relaykey-Hx3vB9nQ1kL6wE4r';
    fake.failNext({
      kind: 'json',
      status: 401,
      body: { error: { message: `invalid token ${key} (check Authorization: Bearer ${key})`, type: 'new_api_error', code: '' } },
    });
    const error = await failure(generate(pipelineFor(fake, { IMAGE_API_KEY: key }), { prompt: 'a fox', model: 'gpt-image-2' }));
    expect(error).toBeInstanceOf(RelayAuthError);
    expect(error.relayMessage).toContain('[redacted]');
    const everything = everythingIn(error);
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(key.slice(0, 16));
    expect(`${explainError(error).en} ${explainError(error).zh}`).not.toContain(key);
  });

  it('an image link that expired before the download: a clear malformed-response error, not retried', async () => {
    fake.failNext({ kind: 'url404' });
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'flux-2-pro' }));
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error.message).toMatch(/expired/);
    expect(error.message).toMatch(/404/);
    expect(fake.requests).toHaveLength(1);
  });
});

/** Message, stack and every own property (non-enumerable ones and causes included), as one string. */
function everythingIn(error: unknown, depth = 0): string {
  if (typeof error !== 'object' || error === null || depth > 3) return String(error);
  const parts: string[] = [];
  for (const name of Object.getOwnPropertyNames(error)) {
    const value = (error as Record<string, unknown>)[name];
    parts.push(`${name}=${typeof value === 'object' && value !== null ? everythingIn(value, depth + 1) : String(value)}`);
  }
  parts.push(JSON.stringify(error));
  return parts.join('\n');
}

describe('several relays', () => {
  function twoRelays(first: RelayFake, second: RelayFake): ImagePipeline {
    const providers = writeTempFile(
      makeTempDir(),
      'providers.json',
      JSON.stringify({
        relays: [
          { name: 'second', baseUrl: second.url, apiKeyEnv: 'SECOND_KEY', priority: 2 },
          { name: 'first', baseUrl: first.url, apiKeyEnv: 'FIRST_KEY', priority: 1 },
        ],
      }),
    );
    const config = loadConfig({
      require: ['relay'],
      envFile: join(makeTempDir(), '.env'),
      processEnv: { PROVIDERS_FILE: providers, FIRST_KEY: first.apiKey, SECOND_KEY: second.apiKey },
    });
    return new ImagePipeline(config);
  }

  it('fails over to the second relay when the first keeps answering 503 JSON', async () => {
    const first = await anotherFake();
    const second = await anotherFake();
    first.failNext(
      { kind: 'json', status: 503, body: { error: { message: 'upstream overloaded', type: 'new_api_error', code: 'upstream_error' } } },
      3,
    );
    const failovers: Array<[string, string]> = [];
    const result = await generate(twoRelays(first, second), { prompt: 'a fox', model: 'flux-2-pro' }, {
      onFailover: (info) => failovers.push([info.from, info.to]),
    });
    expect(result.relay).toBe('second');
    expect(failovers).toEqual([['first', 'second']]);
    expect(first.requests).toHaveLength(3);
    expect(second.requests).toHaveLength(1);
    expect(result.images).toHaveLength(1);
  });

  it('does not fail over after a timeout on the first relay (it may still bill)', async () => {
    const first = await anotherFake();
    const second = await anotherFake();
    first.failNext({ kind: 'hang' });
    const error = await failure(generate(twoRelays(first, second), { prompt: 'a fox', model: 'flux-2-pro' }, { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error.relay).toBe('first');
    expect(first.requests).toHaveLength(1);
    expect(second.requests).toHaveLength(0);
  });
});

describe('cancel', () => {
  it('aborting mid-request ends at once with CancelledError', async () => {
    fake.failNext({ kind: 'hang' });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }, { signal: controller.signal, timeoutMs: 20_000 }));
    expect(error).toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(fake.requests).toHaveLength(1);
  });

  it('aborting during generation (slow relay) also cancels', async () => {
    fake.configure({ latencyMs: 5_000 });
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'flux-2-pro' }, { signal: controller.signal }));
    expect(error).toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
