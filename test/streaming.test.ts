// Streamed generations (`stream: true` with `partial_images`) through the real pipeline against the
// relay fake over HTTP: what is sent, the previews seen while it runs, how a stream fails (an
// `error` event is classified; a cut or unfinished stream is a timeout that may be billed and is not
// retried), the plain resend when a relay refuses `stream`, and Cloudflare's cut that only a stream
// survives.
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explainError } from '../src/i18n/errorMessages.js';
import {
  CancelledError,
  ContentPolicyError,
  MalformedResponseError,
  RelayTimeoutError,
  UpstreamError,
} from '../src/providers/errors.js';
import { closeAgents, postJson } from '../src/providers/http.js';
import type { PartialImage } from '../src/providers/imageEvents.js';
import type { RetryInfo } from '../src/providers/relayClient.js';
import { forgetStreamingRefusals, PARTIAL_IMAGES } from '../src/providers/streaming.js';
import { startRelayFake, type RelayFake } from './fakes/relay/index.js';
import { failure, generate, pipelineFor as plainPipelineFor } from './helpers/pipelineRun.js';
import { removeTempDirs } from './helpers/tempFiles.js';

/** Streaming on, as IMAGE_API_STREAMING=true sets it. */
function pipelineFor(relay: RelayFake, env: NodeJS.ProcessEnv = {}) {
  return plainPipelineFor(relay, { IMAGE_API_STREAMING: 'true', ...env });
}


let fake: RelayFake;

beforeAll(async () => {
  fake = await startRelayFake({ latencyMs: 60 });
});

afterEach(() => {
  fake.reset();
  fake.configure({ latencyMs: 60, streaming: true, cloudflareTimeoutMs: undefined });
  forgetStreamingRefusals();
});

afterAll(async () => {
  await closeAgents();
  await fake.close();
  removeTempDirs();
});

function sentBody(index = 0): Record<string, unknown> {
  const request = fake.requests[index];
  if (!request) throw new Error(`the relay fake received no request #${index + 1}`);
  return request.body as Record<string, unknown>;
}

/** Collects the previews a generation hands out, with the time each arrived. */
function previews() {
  const seen: Array<PartialImage & { at: number }> = [];
  return { seen, onPartialImage: (partial: PartialImage) => seen.push({ ...partial, at: Date.now() }) };
}

describe('a streamed generation', () => {
  it('sends stream and partial_images for gpt-image-2, hands out each preview as it arrives, and returns the final image', async () => {
    fake.configure({ latencyMs: 900 });
    const { seen, onPartialImage } = previews();
    const started = Date.now();
    const result = await generate(pipelineFor(fake), { prompt: 'a lighthouse', model: 'gpt-image-2', size: '1024x1536' }, { onPartialImage });
    const finished = Date.now();

    expect(fake.requests).toHaveLength(1);
    expect(sentBody()).toMatchObject({ model: 'gpt-image-2', stream: true, partial_images: PARTIAL_IMAGES });
    expect(fake.requests[0]?.headers.accept).toMatch(/text\/event-stream/);

    expect(seen.map((partial) => [partial.index, partial.total, partial.mime])).toEqual([
      [0, 2, 'image/png'],
      [1, 2, 'image/png'],
    ]);
    // Live: the first preview came well before the end (the fake spaces them over its 900 ms).
    expect(seen[0]!.at - started).toBeLessThan(finished - started - 300);
    const preview = await sharp(seen[0]!.bytes).metadata();
    expect([preview.width, preview.height]).toEqual([1024, 1536]);

    expect(result.images).toHaveLength(1);
    const final = await sharp(result.images[0]!.bytes).metadata();
    expect([final.format, final.width, final.height]).toEqual(['png', 1024, 1536]);
    // The same shape as a plain answer: request id, usage, no quality dropped.
    expect(result.requestId).toBe(fake.requests[0]?.requestId);
    expect(result.usage).toMatchObject({ total_tokens: expect.any(Number) });
    expect(result).toMatchObject({ model: 'gpt-image-2', relay: 'default', qualityDropped: false });
  });

  it('n: 2 streams two completed images', async () => {
    const result = await generate(pipelineFor(fake), { prompt: 'two foxes', model: 'gpt-image-2', n: 2 });
    expect(sentBody()).toMatchObject({ stream: true, n: 2 });
    expect(result.images).toHaveLength(2);
    expect(result.images[0]!.bytes.equals(result.images[1]!.bytes)).toBe(false);
  });

  it('is not asked for where it does not apply: FLUX, dall-e-3, or a relay without IMAGE_API_STREAMING', async () => {
    const streaming = pipelineFor(fake);
    await generate(streaming, { prompt: 'a fox', model: 'flux-2-pro' });
    await generate(streaming, { prompt: 'a fox', model: 'dall-e-3' });
    await generate(pipelineFor(fake, { IMAGE_API_STREAMING: 'false' }), { prompt: 'a fox', model: 'gpt-image-2' });
    expect(fake.requests).toHaveLength(3);
    for (const index of [0, 1, 2]) {
      expect(sentBody(index)).not.toHaveProperty('stream');
      expect(sentBody(index)).not.toHaveProperty('partial_images');
    }
  });

  it('works without a preview listener, and a listener that throws does not touch the result', async () => {
    expect((await generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' })).images).toHaveLength(1);
    const result = await generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }, {
      onPartialImage: () => {
        throw new Error('Discord is down');
      },
    });
    expect(result.images).toHaveLength(1);
  });
});

describe('a stream that fails', () => {
  it('an `error` event is classified like a JSON error: moderation_blocked is a content-policy block, not retried, not billed', async () => {
    fake.failNext({ kind: 'streamError', afterPartials: 1 });
    const { seen, onPartialImage } = previews();
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }, { onPartialImage }));
    expect(error).toBeInstanceOf(ContentPolicyError);
    expect(error).toMatchObject({ code: 'moderation_blocked', possiblyBilled: false, requestId: fake.requests[0]?.requestId });
    expect(seen).toHaveLength(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('an `error` event of no known class is the relay failing (upstream): retried, then reported', async () => {
    const serverError = { type: 'server_error', code: 'image_generation_failed', message: 'Image generation failed', param: null };
    fake.failNext({ kind: 'streamError', afterPartials: 0, error: serverError }, 3);
    const retries: RetryInfo[] = [];
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }, { onRetry: (info) => retries.push(info) }));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.relayMessage).toBe('Image generation failed');
    expect(fake.requests).toHaveLength(3);
    expect(retries.map((info) => info.reason)).toEqual(['retry', 'retry']);
    // Each resend streams again.
    for (const index of [0, 1, 2]) expect(sentBody(index).stream).toBe(true);
  });

  it('an `error` event that is a rate limit is retried like a 429, and the next attempt succeeds', async () => {
    fake.failNext({ kind: 'streamError', afterPartials: 0, error: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached', param: null } });
    const result = await generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' });
    expect(result.images).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  });

  it('a connection cut mid-stream is a timeout that may be billed, never retried; the previews before it were seen', async () => {
    fake.failNext({ kind: 'streamCut', afterPartials: 1 });
    const { seen, onPartialImage } = previews();
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }, { onPartialImage }));
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error).toMatchObject({ possiblyBilled: true, code: 'connection_cut' });
    expect(seen.map((partial) => partial.index)).toEqual([0]);
    expect(fake.requests).toHaveLength(1);
    expect(explainError(error).en).toMatch(/did not answer in time.*may still have charged/);
  });

  it('a stream that ends without the image is a timeout too (the relay may finish and bill it)', async () => {
    fake.failNext({ kind: 'streamEnd', afterPartials: 2 });
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }));
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error).toMatchObject({ possiblyBilled: true, code: 'stream_incomplete', requestId: fake.requests[0]?.requestId });
    expect(fake.requests).toHaveLength(1);
  });

  it('REQUEST_TIMEOUT still bounds the whole stream, events or not', async () => {
    fake.configure({ latencyMs: 4_000 });
    const { seen, onPartialImage } = previews();
    const started = Date.now();
    const error = await failure(generate(pipelineFor(fake, { REQUEST_TIMEOUT: '2' }), { prompt: 'a fox', model: 'gpt-image-2' }, { onPartialImage }));
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error).toMatchObject({ code: 'timeout', possiblyBilled: true });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(seen).toHaveLength(1); // the first preview (at 1.33 s) came; the second would have been at 2.67 s
  });

  it('an abort mid-stream cancels at once', async () => {
    fake.configure({ latencyMs: 3_000 });
    const controller = new AbortController();
    const started = Date.now();
    const error = await failure(
      generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }, { signal: controller.signal, onPartialImage: () => controller.abort() }),
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a relay error echoing the key mid-stream reaches no error text', async () => {
    fake.failNext({ kind: 'streamError', error: { type: 'server_error', code: 'bad_key', message: `upstream said no to ${fake.apiKey}`, param: null } }, 3);
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }));
    expect(error).toBeInstanceOf(UpstreamError);
    const text = JSON.stringify({ message: error.message, relayMessage: error.relayMessage, explained: explainError(error) });
    expect(text).not.toContain(fake.apiKey);
    expect(text).not.toContain(fake.apiKey.replace(/^sk-/, ''));
  });

  it('the byte cap holds for a stream read event by event', async () => {
    const chunks: Buffer[] = [];
    const relay = pipelineFor(fake).router.relaysServing('gpt-image-2')[0]!;
    const error = await postJson(
      relay,
      '/images/generations',
      { model: 'gpt-image-2', prompt: 'x', stream: true, partial_images: 2 },
      { timeoutMs: 5_000, maxResponseBytes: 10_000, onEventStreamData: (chunk) => chunks.push(chunk) },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResponseError);
    expect(error).toMatchObject({ code: 'response_too_large' });
  });
});

describe('a relay that refuses to stream', () => {
  it('gets the request once more as a plain one, and is not asked to stream again', async () => {
    fake.configure({ streaming: 'refuse' });
    const pipeline = pipelineFor(fake);
    const retries: RetryInfo[] = [];
    const { seen, onPartialImage } = previews();
    const first = await generate(pipeline, { prompt: 'a fox', model: 'gpt-image-2', quality: 'high' }, { onRetry: (info) => retries.push(info), onPartialImage });
    expect(first.images).toHaveLength(1);
    expect(first.qualityDropped).toBe(false);
    expect(fake.requests).toHaveLength(2);
    expect(sentBody(0)).toMatchObject({ stream: true, partial_images: PARTIAL_IMAGES, quality: 'high' });
    expect(sentBody(1)).not.toHaveProperty('stream');
    expect(sentBody(1)).not.toHaveProperty('partial_images');
    expect(sentBody(1)).toMatchObject({ quality: 'high' });
    expect(retries).toEqual([expect.objectContaining({ reason: 'streaming_dropped', attempt: 1, delayMs: 0 })]);
    expect(retries[0]?.error).toMatchObject({ kind: 'bad_request', param: 'stream' });
    expect(seen).toHaveLength(0);

    // Remembered for the relay: the next generation goes plain at once.
    fake.reset();
    await generate(pipeline, { prompt: 'a hare', model: 'gpt-image-2' });
    expect(fake.requests).toHaveLength(1);
    expect(sentBody(0)).not.toHaveProperty('stream');
  });

  it('an unknown-parameter error without a param counts as a refusal; one about another field does not', async () => {
    fake.failNext({ kind: 'json', status: 400, body: { error: { message: 'Unrecognized request argument supplied: partial_images', type: 'invalid_request_error', param: null, code: null } } });
    const result = await generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' });
    expect(result.images).toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
    expect(sentBody(1)).not.toHaveProperty('stream');

    fake.reset();
    forgetStreamingRefusals();
    fake.failNext({ kind: 'json', status: 400, body: { error: { message: "Unknown parameter: 'moderation'.", type: 'invalid_request_error', param: 'moderation', code: 'unknown_parameter' } } });
    const error = await failure(generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }));
    expect(error).toMatchObject({ kind: 'bad_request', param: 'moderation' });
    expect(fake.requests).toHaveLength(1);
  });

  it('a relay that ignores `stream` and answers plain JSON just works (new-api drops the field)', async () => {
    fake.configure({ streaming: false });
    const { seen, onPartialImage } = previews();
    const result = await generate(pipelineFor(fake), { prompt: 'a fox', model: 'gpt-image-2' }, { onPartialImage });
    expect(result.images).toHaveLength(1);
    expect(sentBody().stream).toBe(true);
    expect(seen).toHaveLength(0);
  });
});

describe("Cloudflare's cut (fake: cloudflareTimeoutMs)", () => {
  it('cuts a slow plain request with its HTML 524 (a timeout, may be billed, not retried), while the same generation streamed survives', async () => {
    fake.configure({ latencyMs: 1_500, cloudflareTimeoutMs: 800 });
    const plain = await failure(generate(pipelineFor(fake, { IMAGE_API_STREAMING: 'false' }), { prompt: 'a slow castle', model: 'gpt-image-2' }));
    expect(plain).toBeInstanceOf(RelayTimeoutError);
    expect(plain).toMatchObject({ status: 524, possiblyBilled: true });
    expect(fake.requests).toHaveLength(1);

    fake.reset();
    const { seen, onPartialImage } = previews();
    const streamed = await generate(pipelineFor(fake), { prompt: 'a slow castle', model: 'gpt-image-2' }, { onPartialImage });
    expect(streamed.images).toHaveLength(1);
    expect(streamed.elapsedMs).toBeGreaterThan(1_400);
    expect(seen).toHaveLength(2);
    expect(fake.requests).toHaveLength(1);
  });

  it('also cuts a stream that goes quiet for longer than the limit (no previews asked for)', async () => {
    fake.configure({ latencyMs: 1_500, cloudflareTimeoutMs: 800 });
    const relay = pipelineFor(fake).router.relaysServing('gpt-image-2')[0]!;
    const error = await postJson(
      relay,
      '/images/generations',
      { model: 'gpt-image-2', prompt: 'x', stream: true, partial_images: 0 },
      { timeoutMs: 5_000, onEventStreamData: () => undefined },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayTimeoutError);
    expect(error).toMatchObject({ code: 'connection_cut' });
  });
});
