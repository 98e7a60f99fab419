// The relay fake's image input, through real HTTP: BFL's input_image … fields on generations and
// OpenAI's multipart /images/edits, validated the way the upstreams do, and answered with a picture
// made from the inputs (each a strip, colours inverted) so other tests can tell the inputs arrived.
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelayFake, type RelayFake } from './fakes/relay/index.js';

let fake: RelayFake;

beforeAll(async () => {
  fake = await startRelayFake({ latencyMs: 5 });
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await fake.close();
});

type Rgb = [number, number, number];

function solid(rgb: Rgb, width = 32, height = 32, channels: 3 | 4 = 3): Promise<Buffer> {
  return sharp({ create: { width, height, channels, background: { r: rgb[0], g: rgb[1], b: rgb[2], alpha: channels === 4 ? 0 : 1 } } }).png().toBuffer();
}

async function post(path: string, body: string | FormData, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${fake.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${fake.apiKey}`, ...headers }, body });
  return { status: response.status, json: await response.json() };
}

function generate(body: Record<string, unknown>) {
  return post('/images/generations', JSON.stringify(body), { 'content-type': 'application/json' });
}

async function edit(fields: Record<string, string>, files: Array<{ field: string; name: string; bytes: Buffer }>, key = fake.apiKey) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  for (const file of files) form.append(file.field, new Blob([file.bytes], { type: 'image/png' }), file.name);
  return post('/images/edits', form, { authorization: `Bearer ${key}` });
}

async function centre(bytes: Buffer, fx = 0.5): Promise<Rgb> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const offset = (Math.floor(info.height / 2) * info.width + Math.floor(info.width * fx)) * info.channels;
  return [data[offset]!, data[offset + 1]!, data[offset + 2]!];
}

async function downloaded(url: string): Promise<Buffer> {
  return Buffer.from(await (await fetch(url)).arrayBuffer());
}

const b64 = (bytes: Buffer) => bytes.toString('base64');

describe('input_image on /images/generations', () => {
  it('FLUX.2 takes input_image … and answers with the inputs as strips, inverted, at the requested size', async () => {
    const answer = await generate({ model: 'flux-2-pro', prompt: 'x', size: '512x256', input_image: b64(await solid([255, 0, 0])), input_image_2: `data:image/png;base64,${b64(await solid([0, 0, 255]))}` });
    expect(answer.status).toBe(200);
    const image = await downloaded(answer.json.data[0].url);
    expect(await sharp(image).metadata()).toMatchObject({ width: 512, height: 256 });
    expect(await centre(image, 0.25)).toEqual([0, 255, 255]);
    expect(await centre(image, 0.75)).toEqual([255, 255, 0]);
  });

  it('Kontext reads one image; klein four; FLUX.1 and GPT none', async () => {
    const red = b64(await solid([255, 0, 0]));
    expect((await generate({ model: 'flux-kontext-pro', prompt: 'x', input_image: red })).status).toBe(200);
    const two = await generate({ model: 'flux-kontext-pro', prompt: 'x', input_image: red, input_image_2: red });
    expect(two.status).toBe(400);
    expect(two.json.error.message).toContain('at most 1 input image');
    const five = Object.fromEntries(['input_image', 'input_image_2', 'input_image_3', 'input_image_4', 'input_image_5'].map((name) => [name, red]));
    expect((await generate({ model: 'flux-2-klein-4b', prompt: 'x', ...five })).json.error.param).toBe('input_image_5');
    const old = await generate({ model: 'flux-pro-1.1', prompt: 'x', input_image: red });
    expect(old.json.error).toMatchObject({ code: 'unsupported_parameter', param: 'input_image' });
    const gpt = await generate({ model: 'gpt-image-1', prompt: 'x', input_image: red });
    expect(gpt.json.error).toMatchObject({ code: 'unknown_parameter', param: 'input_image' });
  });

  it('refuses data that is not an image, a link (never fetched), and numbered inputs with a gap', async () => {
    const html = await generate({ model: 'flux-2-pro', prompt: 'x', input_image: b64(Buffer.from('<html>expired</html>')) });
    expect(html.status).toBe(400);
    expect(html.json.error.code).toBe('invalid_image');
    const link = await generate({ model: 'flux-2-pro', prompt: 'x', input_image: 'https://cdn.discordapp.com/attachments/1/2/a.png?ex=1' });
    expect(link.json.error.code).toBe('image_download_failed');
    const gap = await generate({ model: 'flux-2-pro', prompt: 'x', input_image_2: b64(await solid([0, 0, 0])) });
    expect(gap.json.error.param).toBe('input_image_2');
  });
});

describe('POST /images/edits (multipart)', () => {
  it('takes image[] files for GPT image models and answers b64_json made from them; records fields and files', async () => {
    const answer = await edit({ model: 'gpt-image-1', prompt: 'make it cyan', size: '1024x1536', n: '2', quality: 'low' }, [{ field: 'image[]', name: 'red.png', bytes: await solid([255, 0, 0]) }]);
    expect(answer.status).toBe(200);
    expect(answer.json.data).toHaveLength(2);
    const image = Buffer.from(answer.json.data[0].b64_json, 'base64');
    expect(await sharp(image).metadata()).toMatchObject({ width: 1024, height: 1536 });
    expect(await centre(image)).toEqual([0, 255, 255]);
    const recorded = fake.requests[0]!;
    expect(recorded.body).toEqual({ model: 'gpt-image-1', prompt: 'make it cyan', size: '1024x1536', n: '2', quality: 'low' });
    expect(recorded.files).toEqual([{ field: 'image[]', filename: 'red.png', contentType: 'image/png', size: expect.any(Number) }]);
  });

  it('a mask must be a PNG of the first image’s size', async () => {
    const image = await solid([255, 0, 0], 32, 32);
    const ok = await edit({ model: 'gpt-image-2', prompt: 'x' }, [
      { field: 'image[]', name: 'a.png', bytes: image },
      { field: 'mask', name: 'm.png', bytes: await solid([0, 0, 0], 32, 32, 4) },
    ]);
    expect(ok.status).toBe(200);
    const wrong = await edit({ model: 'gpt-image-2', prompt: 'x' }, [
      { field: 'image[]', name: 'a.png', bytes: image },
      { field: 'mask', name: 'm.png', bytes: await solid([0, 0, 0], 16, 16, 4) },
    ]);
    expect(wrong.json.error.param).toBe('mask');
  });

  it('refuses what OpenAI refuses: no image, not an image, FLUX models, moderation, a JSON body, a wrong key', async () => {
    const red = await solid([255, 0, 0]);
    expect((await edit({ model: 'gpt-image-1', prompt: 'x' }, [])).json.error.code).toBe('missing_required_parameter');
    expect((await edit({ model: 'gpt-image-1', prompt: 'x' }, [{ field: 'image[]', name: 'a.png', bytes: Buffer.from('nope') }])).json.error.code).toBe('invalid_image_file');
    expect((await edit({ model: 'flux-2-pro', prompt: 'x' }, [{ field: 'image[]', name: 'a.png', bytes: red }])).json.error.param).toBe('model');
    expect((await edit({ model: 'gpt-image-1', prompt: 'x', moderation: 'low' }, [{ field: 'image[]', name: 'a.png', bytes: red }])).json.error.param).toBe('moderation');
    const json = await post('/images/edits', JSON.stringify({ model: 'gpt-image-1', prompt: 'x' }), { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(json.json.error.code).toBe('invalid_content_type');
    expect((await edit({ model: 'gpt-image-1', prompt: 'x' }, [{ field: 'image[]', name: 'a.png', bytes: red }], 'sk-wrong')).status).toBe(401);
  });

  it('queued faults apply to edits too', async () => {
    fake.failNext({ kind: 'json', status: 429, body: { error: { message: 'slow down', type: 'rate_limit', code: 'rate_limit_exceeded' } } });
    const answer = await edit({ model: 'gpt-image-1', prompt: 'x' }, [{ field: 'image[]', name: 'a.png', bytes: await solid([1, 2, 3]) }]);
    expect(answer.status).toBe(429);
  });
});
