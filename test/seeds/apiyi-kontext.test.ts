// Seed 002 (shared/seeds/002_317b7276c9403078.txt, APIYI Flux Kontext) replayed through the bot's
// own relay client against the relay fake playing APIYI (`profile: 'apiyi'`). Every call the page
// prints becomes the body the OpenAI SDK sends: `extra_body` is merged into the top level by the
// Python SDK (lines 67-83, 135-139), so its fields arrive as top-level fields. The aiohttp example
// (lines 446-465) posts JSON itself and literally nests `"extra_body": {"aspect_ratio": …}`: the relay
// does not unwrap it, the upstream ignores the unknown field, and the image comes back 1:1 (the
// default, line 113), the requested ratio silently lost. Test names cite the seed's lines.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError, RelayAuthError } from '../../src/providers/errors.js';
import { closeAgents } from '../../src/providers/http.js';
import { downloadImage } from '../../src/providers/imageDownload.js';
import type { RelayFake } from '../fakes/relay/index.js';
import { postValue, received, refusal, relayFor, replay, replayFailure, solidPng, startSeedRelay, TIMEOUT_MS, type Body } from './replay.js';

let fake: RelayFake;
let clock = 1_700_000_000_000;

beforeAll(async () => {
  fake = await startSeedRelay('apiyi', { now: () => clock });
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await closeAgents();
  await fake.close();
});

const MEGAPIXEL = 1024 * 1024;

/** `generate_flux_image`'s body (lines 51-83): its defaults fill what a call leaves out; seed only when given. */
function sdkBody(prompt: string, options: { aspect_ratio?: string; model?: string; seed?: number; safety_tolerance?: number; output_format?: string; prompt_upsampling?: boolean } = {}): Body {
  const body: Body = {
    model: options.model ?? 'flux-kontext-pro',
    prompt,
    aspect_ratio: options.aspect_ratio ?? '1:1',
    safety_tolerance: options.safety_tolerance ?? 2,
    output_format: options.output_format ?? 'jpeg',
    prompt_upsampling: options.prompt_upsampling ?? false,
  };
  if (options.seed !== undefined) body.seed = options.seed;
  return body;
}

/** `client.images.generate(model=…, prompt=…, extra_body={"aspect_ratio": ratio})` (lines 135-139, 219-225). */
const ratioBody = (model: string, prompt: string, ratio: string): Body => ({ model, prompt, aspect_ratio: ratio });

function ratioOf(ratio: string): number {
  const [w, h] = ratio.split(':').map(Number);
  return w! / h!;
}

describe('002: every request the page prints, as the SDK sends it', () => {
  const examples: Array<{ name: string; body: Body; ratio: string; format: 'jpeg' | 'png' }> = [
    {
      name: '002 lines 93-102 generate_flux_image(16:9, flux-kontext-pro, seed 42, safety 2, png, prompt_upsampling True)',
      body: sdkBody('A futuristic city with flying cars and neon lights', {
        aspect_ratio: '16:9',
        seed: 42,
        safety_tolerance: 2,
        output_format: 'png',
        prompt_upsampling: true,
      }),
      ratio: '16:9',
      format: 'png',
    },
    ...[
      ['A beautiful sunset over mountains', '3:2'],
      ['Portrait of a wise old wizard', '2:3'],
      ['Cyberpunk street scene', '16:9'],
      ['Minimalist app icon design', '1:1'],
    ].map(([prompt, ratio]) => ({
      name: `002 lines 188-195 batch_generate_flux on flux-kontext-max: ("${prompt}", "${ratio}")`,
      body: ratioBody('flux-kontext-max', prompt!, ratio!),
      ratio: ratio!,
      format: 'jpeg' as const,
    })),
    {
      name: '002 lines 254-258 Node scenario 1: flux-kontext-pro, 3:2',
      body: ratioBody('flux-kontext-pro', 'A serene Japanese garden with cherry blossoms', '3:2'),
      ratio: '3:2',
      format: 'jpeg',
    },
    {
      name: '002 lines 259-263 Node scenario 2: flux-kontext-max, 1:1',
      body: ratioBody('flux-kontext-max', 'Abstract geometric pattern in vibrant colors', '1:1'),
      ratio: '1:1',
      format: 'jpeg',
    },
    ...(
      [
        ['290-294 website banner', 'Modern website banner with clean design and tech elements', '7:3', 'flux-kontext-max'],
        ['297-301 product shot', 'Elegant product photography of a smartphone on white background', '1:1', 'flux-kontext-pro'],
        ['306-310 Instagram post', 'Inspirational quote design with aesthetic background', '1:1', 'flux-kontext-pro'],
        ['313-317 mobile wallpaper', 'Abstract cosmic art with stars and nebula', '9:16', 'flux-kontext-max'],
        ['322-326 poster', 'Concert poster design with bold typography and music elements', '2:3', 'flux-kontext-max'],
        ['329-333 website background', 'Subtle geometric pattern for website background', '16:9', 'flux-kontext-pro'],
      ] as const
    ).map(([lines, prompt, ratio, model]) => ({
      name: `002 lines ${lines}: generate_flux_image(aspect_ratio "${ratio}", ${model})`,
      body: sdkBody(prompt, { aspect_ratio: ratio, model }),
      ratio,
      format: 'jpeg' as const,
    })),
    {
      name: '002 lines 408-411 generate_flux_image(prompt "cat by window", prompt_upsampling True)',
      body: sdkBody('cat by window', { prompt_upsampling: true }),
      ratio: '1:1',
      format: 'jpeg',
    },
    {
      name: '002 lines 437-438 generate_flux_image("Peaceful forest scene", choose_aspect_ratio("mobile_wallpaper") = "9:16")',
      body: sdkBody('Peaceful forest scene', { aspect_ratio: '9:16' }),
      ratio: '9:16',
      format: 'jpeg',
    },
  ];

  it.each(examples)('$name → about one megapixel at that ratio (line 25), as a URL (line 13)', async ({ body, ratio, format }) => {
    const result = await replay(relayFor(fake), body);
    expect(received(fake).body).toEqual(body);
    expect(result.attempts).toBe(1);
    expect(fake.downloads).toHaveLength(1);
    const image = result.images[0]!;
    expect(image.mime).toBe(`image/${format}`);
    expect(image.width! / image.height!).toBeCloseTo(ratioOf(ratio), 1);
    expect(image.width! * image.height!).toBeGreaterThan(0.9 * MEGAPIXEL);
    expect(image.width! * image.height!).toBeLessThan(1.2 * MEGAPIXEL);
  });

  it('002 lines 446-465 aiohttp payload {"model", "prompt", "extra_body": {"aspect_ratio": ratio}}: not unwrapped, so a 1:1 image', async () => {
    const body = { model: 'flux-kontext-pro', prompt: 'Cyberpunk street scene', extra_body: { aspect_ratio: '16:9' } };
    const result = await replay(relayFor(fake), body);
    expect(received(fake).forwarded).toEqual(body);
    expect(result.images[0]).toMatchObject({ width: 1024, height: 1024 });
  });

  it('002 lines 219-225 as openai-node really sends it (extra_body is a Python SDK option; Node posts the key as is): the same 1:1 trap', async () => {
    const result = await replay(relayFor(fake), { model: 'flux-kontext-pro', prompt: 'A serene Japanese garden with cherry blossoms', extra_body: { aspect_ratio: '3:2' } });
    expect(result.images[0]).toMatchObject({ width: 1024, height: 1024 });
  });
});

describe('002 lines 23-36 and 113: aspect ratios from 3:7 to 7:3, about one megapixel', () => {
  const table = ['1:1', '2:3', '3:2', '4:3', '16:9', '9:16', '21:9', '3:7', '7:3', '5:4', '4:5', '16:10'];

  it.each(table)('%s', async (ratio) => {
    const image = (await replay(relayFor(fake), ratioBody('flux-kontext-pro', 'x', ratio))).images[0]!;
    expect(image.width! % 16).toBe(0);
    expect(image.height! % 16).toBe(0);
    expect(image.width! / image.height!).toBeCloseTo(ratioOf(ratio), 1);
    expect(image.width! * image.height!).toBeGreaterThan(0.9 * MEGAPIXEL);
    expect(image.width! * image.height!).toBeLessThan(1.2 * MEGAPIXEL);
  });

  it('outside 3:7..7:3 (line 9 "连续宽高比范围") is a 400 the bot reports', async () => {
    for (const ratio of ['4:1', '1:4', '8:3', '16x9']) {
      const error = await replayFailure(relayFor(fake), ratioBody('flux-kontext-max', 'x', ratio));
      expect(error, ratio).toMatchObject({ kind: 'bad_request', status: 400, param: 'aspect_ratio' });
    }
  });
});

describe('002 lines 112-117: the extra_body parameters', () => {
  it('line 114 "seed integer 任意整数": negative and large seeds too; not a decimal', async () => {
    const relay = relayFor(fake);
    for (const seed of [-5, 0, 42, 2 ** 40]) expect((await replay(relay, sdkBody('x', { seed }))).images).toHaveLength(1);
    expect(await refusal(relay, sdkBody('x', { seed: 1.5 }))).toMatchObject({ status: 400, param: 'seed' });
  });

  it('line 115 "safety_tolerance 0-6": 0 and 6 pass, 7 and -1 do not', async () => {
    const relay = relayFor(fake);
    for (const level of [0, 6]) expect((await replay(relay, sdkBody('x', { safety_tolerance: level }))).images).toHaveLength(1);
    for (const level of [7, -1]) expect(await refusal(relay, sdkBody('x', { safety_tolerance: level }))).toMatchObject({ status: 400, param: 'safety_tolerance' });
  });

  it('line 116 output_format "jpeg", "png" only; line 117 prompt_upsampling a boolean', async () => {
    const relay = relayFor(fake);
    expect(await refusal(relay, sdkBody('x', { output_format: 'webp' }))).toMatchObject({ status: 400, param: 'output_format' });
    expect(await refusal(relay, { ...sdkBody('x'), prompt_upsampling: 'true' })).toMatchObject({ status: 400, param: 'prompt_upsampling' });
  });
});

describe('002 line 570 "Flux API 原生只支持单张图片输入": one input image', () => {
  it('input_image as a data URL or a public URL is taken; a second image is a 400', async () => {
    const relay = relayFor(fake);
    const dataUrl = `data:image/png;base64,${(await solidPng([200, 40, 40])).toString('base64')}`;
    expect((await replay(relay, { ...ratioBody('flux-kontext-pro', 'make it blue', '1:1'), input_image: dataUrl })).images).toHaveLength(1);
    expect((await replay(relay, { ...ratioBody('flux-kontext-pro', 'make it blue', '1:1'), input_image: 'https://example.com/in.jpg' })).images).toHaveLength(1);
    const two = await replayFailure(relay, { ...ratioBody('flux-kontext-max', 'x', '1:1'), input_image: dataUrl, input_image_2: dataUrl });
    expect(two).toMatchObject({ kind: 'bad_request', param: 'input_image_2' });
  });
});

describe('002 line 13 "URL 有效期 10 分钟"', () => {
  it('the URL downloads for ten minutes, then answers 404 (001 line 38), which the bot reads as expired', async () => {
    const relay = relayFor(fake);
    const answer = await postValue(relay, ratioBody('flux-kontext-pro', 'x', '16:9'));
    const url = (JSON.parse(answer.text) as { data: Array<{ url: string }> }).data[0]!.url;
    const fetchIt = (): Promise<Buffer> => downloadImage(url, { relay: relay.name, timeoutMs: TIMEOUT_MS, allowPrivateAddresses: true });
    clock += 10 * 60 * 1000 - 1;
    expect((await fetchIt()).length).toBeGreaterThan(0);
    clock += 1;
    expect(await fetchIt().catch((error: unknown) => error)).toBeInstanceOf(MalformedResponseError);
  });
});

describe('002 lines 45-48 api_key="YOUR_API_KEY"', () => {
  it('a wrong key is a 401: an auth error, not retried', async () => {
    const error = await replayFailure(relayFor(fake, { apiKey: 'YOUR_API_KEY' }), sdkBody('x'));
    expect(error).toBeInstanceOf(RelayAuthError);
    expect(error).toMatchObject({ kind: 'auth', status: 401 });
    expect(fake.requests).toHaveLength(1);
  });
});
