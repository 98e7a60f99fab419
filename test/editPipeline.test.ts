// Edits through the shared pipeline, against the relay fake over real HTTP: input images checked and
// scaled before anything is sent, FLUX.2 and Kontext receiving `input_image…` as base64 on
// /images/generations, GPT image models receiving a multipart form on /images/edits, and the relay
// answering with a picture made from the inputs (each a strip, colours inverted), so the tests can see
// the inputs arrived, in order.
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explainError } from '../src/i18n/errorMessages.js';
import { ImagePipeline } from '../src/pipeline/imagePipeline.js';
import { MAX_INPUT_SIDE, MAX_SEND_BYTES, type RawInput } from '../src/pipeline/inputImages.js';
import { InvalidInputError } from '../src/providers/errors.js';
import { closeAgents } from '../src/providers/http.js';
import type { ImageRequest } from '../src/providers/types.js';
import { startRelayFake, type RelayFake } from './fakes/relay/index.js';
import { pipelineFor as sharedPipelineFor } from './helpers/pipelineRun.js';
import { removeTempDirs } from './helpers/tempFiles.js';

let fake: RelayFake;

beforeAll(async () => {
  fake = await startRelayFake({ latencyMs: 5 });
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await closeAgents();
  await fake.close();
  removeTempDirs();
});

function pipelineFor(env: NodeJS.ProcessEnv = {}): ImagePipeline {
  return sharedPipelineFor(fake, env);
}

type Rgb = [number, number, number];

async function solid(width: number, height: number, rgb: Rgb, format: 'png' | 'jpeg' | 'webp' | 'gif' = 'png'): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
  return image.toFormat(format).toBuffer();
}

async function raw(name: string, rgb: Rgb, width = 64, height = 64): Promise<RawInput> {
  return { name, bytes: await solid(width, height, rgb) };
}

/** The colour at (x, y) as fractions of the width and height. */
async function colourAt(bytes: Buffer, fx: number, fy: number): Promise<Rgb> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const x = Math.min(info.width - 1, Math.floor(info.width * fx));
  const y = Math.min(info.height - 1, Math.floor(info.height * fy));
  const offset = (y * info.width + x) * info.channels;
  return [data[offset]!, data[offset + 1]!, data[offset + 2]!];
}

function near(actual: Rgb, expected: Rgb): void {
  actual.forEach((value, index) => expect(Math.abs(value - expected[index]!)).toBeLessThanOrEqual(24));
}

async function edit(pipeline: ImagePipeline, request: Partial<ImageRequest> & { prompt: string; model: string }, inputs: RawInput[]) {
  const model = pipeline.resolveModel(request.model);
  const inputImages = await pipeline.readInputs(model, inputs);
  return pipeline.generate(pipeline.prepare({ ...request, inputImages }));
}

async function refusal(promise: Promise<unknown>): Promise<InvalidInputError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];
const CYAN: Rgb = [0, 255, 255];
const YELLOW: Rgb = [255, 255, 0];

describe('FLUX.2 and Kontext: input_image fields on /images/generations', () => {
  it('flux-2-pro sends input_image and input_image_2 as base64, and the answer is made from both', async () => {
    const result = await edit(pipelineFor(), { prompt: 'put the red thing on the blue thing', model: 'flux-2-pro' }, [await raw('red.png', RED), await raw('blue.png', BLUE)]);
    const request = fake.requests[0]!;
    expect(request.path).toBe('/v1/images/generations');
    const body = request.body as Record<string, unknown>;
    expect(Object.keys(body).filter((key) => key.startsWith('input_image'))).toEqual(['input_image', 'input_image_2']);
    // Bytes, never a link (Discord's links are signed and expire).
    expect(String(body.input_image)).not.toMatch(/^https?:/);
    expect((await sharp(Buffer.from(String(body.input_image), 'base64')).metadata()).width).toBe(64);
    // Square inputs: the output keeps their shape (1:1 at about 1 MP), not IMAGE_SIZE.
    expect(body.size).toBe('1024x1024');
    near(await colourAt(result.images[0]!.bytes, 0.25, 0.5), CYAN);
    near(await colourAt(result.images[0]!.bytes, 0.75, 0.5), YELLOW);
    expect(result.inputs).toEqual([
      { name: 'red.png', parts: 1, sources: [] },
      { name: 'blue.png', parts: 1, sources: [] },
    ]);
    expect(result.adjustments).toEqual([]);
  });

  it('an edit without a size keeps the input shape; a chosen size wins', async () => {
    const pipeline = pipelineFor();
    const portrait = await raw('portrait.png', RED, 60, 90);
    await edit(pipeline, { prompt: 'a portrait', model: 'flux-2-pro' }, [portrait]);
    expect((fake.requests[0]!.body as Record<string, unknown>).size).toBe('832x1248');
    await edit(pipeline, { prompt: 'a portrait', model: 'flux-2-pro', size: '1536x1024' }, [portrait]);
    expect((fake.requests[1]!.body as Record<string, unknown>).size).toBe('1536x1024');
  });

  it('Kontext joins two images side by side into one input_image (the APIYI two-image recipe)', async () => {
    const result = await edit(pipelineFor(), { prompt: 'move the pattern from the left image onto the right', model: 'flux-kontext-pro' }, [
      await raw('pattern.png', RED),
      await raw('shirt.png', BLUE),
    ]);
    const body = fake.requests[0]!.body as Record<string, unknown>;
    expect(Object.keys(body).filter((key) => key.startsWith('input_image'))).toEqual(['input_image']);
    const joined = Buffer.from(String(body.input_image), 'base64');
    expect(await sharp(joined).metadata()).toMatchObject({ width: 128, height: 64 });
    near(await colourAt(joined, 0.25, 0.5), RED);
    near(await colourAt(joined, 0.75, 0.5), BLUE);
    // Two square pictures side by side: a 2:1 output.
    expect(body.aspect_ratio).toBe('2:1');
    near(await colourAt(result.images[0]!.bytes, 0.25, 0.5), CYAN);
    expect(result.inputs).toEqual([{ name: 'pattern.png + shirt.png', parts: 2, sources: [] }]);
  });
});

describe('GPT image models: multipart on /images/edits', () => {
  it('sends image[] files, prompt, size and quality, no moderation, and reads the b64 answer', async () => {
    const result = await edit(pipelineFor(), { prompt: 'make it blue', model: 'gpt-image-1', quality: 'low', safetyTolerance: 4 }, [await raw('red.png', RED, 80, 80)]);
    const request = fake.requests[0]!;
    expect(request.path).toBe('/v1/images/edits');
    expect(String(request.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(request.body).toEqual({ model: 'gpt-image-1', prompt: 'make it blue', n: '1', size: '1024x1024', quality: 'low' });
    expect(request.files).toEqual([{ field: 'image[]', filename: 'red.png', contentType: 'image/png', size: expect.any(Number) }]);
    near(await colourAt(result.images[0]!.bytes, 0.5, 0.5), CYAN);
    expect(result.images[0]!.width).toBe(1024);
  });

  it('a mask goes along as a PNG file the size of the first image', async () => {
    const pipeline = pipelineFor();
    const model = pipeline.resolveModel('gpt-image-2');
    const [image] = await pipeline.readInputs(model, [await raw('photo.png', RED, 64, 64)]);
    const [mask] = await pipeline.readInputs(model, [{ name: 'mask.png', bytes: await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toBuffer() }]);
    await pipeline.generate(pipeline.prepare({ prompt: 'fill the hole', model: 'gpt-image-2', inputImages: [image!], mask: mask! }));
    expect(fake.requests[0]!.files?.map((file) => file.field)).toEqual(['image[]', 'mask']);
  });

  it('the quality retry works for edits too: the form is sent again without quality', async () => {
    fake.failNext({ kind: 'json', status: 400, body: { error: { message: "Invalid value: 'quality'.", type: 'invalid_request_error', param: 'quality', code: 'invalid_value' } } });
    const result = await edit(pipelineFor(), { prompt: 'make it blue', model: 'gpt-image-1', quality: 'high' }, [await raw('red.png', RED)]);
    expect(result.qualityDropped).toBe(true);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1]!.body).not.toHaveProperty('quality');
    expect(fake.requests[1]!.files).toHaveLength(1);
  });
});

describe('refused before anything is sent', () => {
  it('a model that takes no input image says so, names the ones that do, and costs nothing', async () => {
    const pipeline = pipelineFor();
    const error = await refusal(edit(pipeline, { prompt: 'edit this', model: 'flux-pro-1.1' }, [await raw('a.png', RED)]));
    expect(error.param).toBe('image');
    const message = explainError(error);
    expect(message.en).toContain('flux-pro-1.1 draws from text only');
    expect(message.en).toContain('flux-kontext-pro');
    expect(message.en).toContain('Nothing was charged');
    expect(message.zh).toContain('不接受输入图片');
    expect(fake.requests).toHaveLength(0);
  });

  it('more images than the model reads', async () => {
    const inputs = await Promise.all(Array.from({ length: 5 }, (_, index) => raw(`${index}.png`, RED)));
    const error = await refusal(edit(pipelineFor(), { prompt: 'x', model: 'flux-2-klein-4b' }, inputs));
    expect(error.text?.en).toContain('at most 4 input images; 5 were given');
    expect(fake.requests).toHaveLength(0);
  });

  it('not an image (by its bytes, whatever its name), an unreadable image, or too large', async () => {
    const pipeline = pipelineFor();
    const model = pipeline.resolveModel('flux-2-pro');
    const html = await refusal(pipeline.readInputs(model, [{ name: 'cat.png', bytes: Buffer.from('<!DOCTYPE html><html>expired</html>') }]));
    expect(html.text?.en).toContain('"cat.png" is not an image');
    expect(html.text?.zh).toContain('不是可用的图片');
    const png = await solid(32, 32, RED);
    const broken = await refusal(pipeline.readInputs(model, [{ name: 'half.png', bytes: png.subarray(0, 40) }]));
    expect(broken.text?.en).toContain('could not be read');
    const huge = await refusal(pipeline.readInputs(model, [{ name: 'huge.png', bytes: Buffer.concat([png, Buffer.alloc(21 * 1024 * 1024)]) }]));
    expect(huge.text?.en).toContain('too large');
    expect(fake.requests).toHaveLength(0);
  });
});

describe('inputs are scaled to what relays accept', () => {
  it('a very large input is downscaled within 2048 px and the send budget; a GIF becomes a still', async () => {
    const pipeline = pipelineFor();
    const model = pipeline.resolveModel('flux-2-pro');
    const noise = await sharp(Buffer.alloc(3000 * 1500 * 3, 7), { raw: { width: 3000, height: 1500, channels: 3 } }).png().toBuffer();
    const [big] = await pipeline.readInputs(model, [{ name: 'big.png', bytes: noise }]);
    expect(big!.width).toBeLessThanOrEqual(MAX_INPUT_SIDE);
    expect(big!.width / big!.height).toBeCloseTo(2, 1);
    expect(big!.bytes.length).toBeLessThanOrEqual(MAX_SEND_BYTES);
    const [gif] = await pipeline.readInputs(model, [{ name: 'anim.gif', bytes: await solid(20, 20, BLUE, 'gif') }]);
    expect(gif!.mime).not.toBe('image/gif' as never);
    // The request's JSON form never carries the bytes (job table, usage log).
    expect(JSON.stringify({ inputImages: [big] })).toBe('{"inputImages":[{"name":"big.png","parts":1,"sources":[]}]}');
  });
});
