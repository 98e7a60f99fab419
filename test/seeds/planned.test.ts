// The bodies the bot itself builds, per seed relay and model family, sent through the bot's client to
// the relay fake playing that seed: each must be one the document accepts, answered with an image.
// (The seeds' own printed requests are replayed in the other files of this folder.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/models.js';
import { closeAgents } from '../../src/providers/http.js';
import { planRequest } from '../../src/providers/dialects/index.js';
import type { ProfileName } from '../../src/providers/profiles/index.js';
import { generateOnRelay } from '../../src/providers/relayClient.js';
import type { ImageRequest } from '../../src/providers/types.js';
import type { RelayFake } from '../fakes/relay/index.js';
import { imageInfo, received, relayFor, startSeedRelay, TIMEOUT_MS } from './replay.js';

interface Case {
  model: string;
  request: Partial<ImageRequest>;
  /** The body the bot must send (the seed's own shape). */
  body: Record<string, unknown>;
  /** The image's pixel shape, width / height. */
  shape: number;
}

const CASES: Record<Exclude<ProfileName, 'new-api'>, Case[]> = {
  // 000: {model, prompt, size, n} and quality.
  flu: [
    { model: 'gpt-image-2', request: { size: '1024x1536', quality: 'high' }, body: { model: 'gpt-image-2', prompt: 'p', n: 1, size: '1024x1536', quality: 'high' }, shape: 2 / 3 },
    { model: 'gpt-image-2', request: { quality: 'auto', safetyTolerance: 2 }, body: { model: 'gpt-image-2', prompt: 'p', n: 1, size: '1024x1024' }, shape: 1 },
  ],
  // 001: size alone (or width/height), seed, output_format; 002: Kontext by aspect_ratio.
  apiyi: [
    { model: 'flux-2-pro', request: { size: '1920x1080', seed: 42 }, body: { model: 'flux-2-pro', prompt: 'p', n: 1, size: '1920x1072', seed: 42 }, shape: 1920 / 1072 },
    { model: 'flux-2-max', request: { size: '1024x1024', outputFormat: 'png', seed: 1 }, body: { model: 'flux-2-max', prompt: 'p', n: 1, size: '1024x1024', seed: 1, output_format: 'png' }, shape: 1 },
    { model: 'flux-2-flex', request: { size: '1024x1024', seed: 3, steps: 28, guidance: 6 }, body: { model: 'flux-2-flex', prompt: 'p', n: 1, size: '1024x1024', seed: 3, steps: 28, guidance: 6 }, shape: 1 },
    { model: 'flux-pro-1.1', request: { size: '1440x1440', seed: 5 }, body: { model: 'flux-pro-1.1', prompt: 'p', n: 1, size: '1248x1248', seed: 5 }, shape: 1 },
    { model: 'flux-pro-1.1-ultra', request: { size: '2048x1152', seed: 6 }, body: { model: 'flux-pro-1.1-ultra', prompt: 'p', n: 1, size: '2048x1152', seed: 6 }, shape: 16 / 9 },
    { model: 'flux-kontext-pro', request: { size: '16:9', seed: 42, safetyTolerance: 4, promptUpsampling: true }, body: { model: 'flux-kontext-pro', prompt: 'p', n: 1, aspect_ratio: '16:9', seed: 42, safety_tolerance: 4, prompt_upsampling: true }, shape: 16 / 9 },
  ],
  // 003: aspect_ratio required from the nine, no size outside the squares, n 1..10.
  quickrouter: [
    { model: 'flux-2-pro', request: { size: '1920x1080' }, body: { model: 'flux-2-pro', prompt: 'p', n: 1, aspect_ratio: '16:9' }, shape: 16 / 9 },
    { model: 'flux-1', request: { size: '1024x1024' }, body: { model: 'flux-1', prompt: 'p', n: 1, aspect_ratio: '1:1' }, shape: 1 },
    { model: 'flux-kontext-pro', request: { size: '21:9' }, body: { model: 'flux-kontext-pro', prompt: 'p', n: 1, aspect_ratio: '21:9' }, shape: 21 / 9 },
    { model: 'dall-e-3', request: { quality: 'hd', style: 'natural' }, body: { model: 'dall-e-3', prompt: 'p', n: 1, size: '1024x1024', quality: 'hd', style: 'natural' }, shape: 1 },
  ],
  // 004: the same format as 003.
  anyapi: [
    { model: 'flux-kontext-max', request: { size: '9:16' }, body: { model: 'flux-kontext-max', prompt: 'p', n: 1, aspect_ratio: '9:16' }, shape: 9 / 16 },
    { model: 'flux-2-max', request: { size: '3:4', n: 2 }, body: { model: 'flux-2-max', prompt: 'p', n: 2, aspect_ratio: '3:4' }, shape: 3 / 4 },
  ],
};

afterAll(closeAgents);

for (const [profile, cases] of Object.entries(CASES) as Array<[Exclude<ProfileName, 'new-api'>, Case[]]>) {
  describe(`what the bot sends to ${profile}`, () => {
    let fake: RelayFake;
    beforeAll(async () => {
      fake = await startSeedRelay(profile);
    });
    afterAll(async () => {
      await fake.close();
    });

    for (const c of cases) {
      it(`${c.model} ${JSON.stringify(c.request)} → ${JSON.stringify(c.body)}`, async () => {
        const model = findModel(c.model)!;
        const plan = planRequest({ prompt: 'p', model: c.model, ...c.request }, model, { strictAspectRatios: false, profile });
        expect(plan.body).toEqual(c.body);
        const from = fake.requests.length;
        const result = await generateOnRelay(relayFor(fake, { profile }), plan, { timeoutMs: TIMEOUT_MS });
        // Accepted as sent: one request, nothing dropped, every image readable and of the asked shape.
        expect(result.attempts).toBe(1);
        expect(received(fake, from).body).toEqual(c.body);
        expect(result.images).toHaveLength(typeof c.body.n === 'number' ? c.body.n : 1);
        const info = await imageInfo(result.images[0]!.bytes);
        expect(info.width! / info.height!).toBeCloseTo(c.shape, 1);
      });
    }
  });
}

describe('gpt-image-2-all on apiyi: the conversational endpoint', () => {
  let fake: RelayFake;
  beforeAll(async () => {
    fake = await startSeedRelay('apiyi');
  });
  afterAll(async () => {
    await fake.close();
  });

  it('is asked on /chat/completions with the size in words, and its linked image is downloaded', async () => {
    const plan = planRequest({ prompt: 'a lighthouse', model: 'gpt-image-2-all', size: '1536x1024' }, findModel('gpt-image-2-all')!, { strictAspectRatios: false, profile: 'apiyi' });
    const from = fake.requests.length;
    const result = await generateOnRelay(relayFor(fake, { profile: 'apiyi' }), plan, { timeoutMs: TIMEOUT_MS });
    const request = fake.requests[from]!;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.body).toEqual({
      model: 'gpt-image-2-all',
      messages: [{ role: 'user', content: 'a lighthouse\n\nImage size: 1536x1024 pixels, aspect ratio 3:2.' }],
      stream: false,
    });
    expect(result.images).toHaveLength(1);
    expect(result.images[0]!.mime).toBe('image/png');
  });
});
