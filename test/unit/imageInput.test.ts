// Image input without I/O: the catalog's input capabilities, how each dialect carries input images
// (BFL's input_image fields, OpenAI's multipart edit), the multipart encoding, the batch file format
// and the CLI's new options.
import { describe, expect, it } from 'vitest';
import { parseCliArgs, UsageError } from '../../src/cli/args.js';
import { parseBatchFile } from '../../src/cli/batchFile.js';
import { describeSummary } from '../../src/cli/batch.js';
import { CATALOG, findModel } from '../../src/catalog/models.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import { inputImage } from '../../src/pipeline/inputImages.js';
import { planRequest } from '../../src/providers/dialects/index.js';
import { InvalidInputError } from '../../src/providers/errors.js';
import { encodeMultipart, multipartFileName } from '../../src/providers/multipart.js';
import type { ImageRequest, InputImage } from '../../src/providers/types.js';
import { downloadAttachments, looksLikeImage } from '../../src/discord/attachmentInputs.js';
import { parseMultipart } from '../fakes/relay/multipart.js';

function model(id: string): ModelSpec {
  const spec = findModel(id);
  if (!spec) throw new Error(`no catalog model ${id}`);
  return spec;
}

function image(name: string, parts = 1): InputImage {
  return inputImage({ bytes: Buffer.from(`bytes of ${name}`), mime: 'image/png', width: 64, height: 64, name, parts, sources: [] });
}

function plan(id: string, request: Partial<ImageRequest>) {
  return planRequest({ prompt: 'edit it', model: id, ...request }, model(id), { strictAspectRatios: false });
}

function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('catalog: which models take input images', () => {
  it('GPT image 16, FLUX.2 8, klein 4, Kontext 2 joined; dall-e-3, FLUX.1 and Ultra none', () => {
    const rules = Object.fromEntries(CATALOG.map((spec) => [spec.id, spec.inputImages]));
    expect(rules['gpt-image-2']).toEqual({ max: 16 });
    expect(rules['flux-2-pro']).toEqual({ max: 8 });
    expect(rules['flux-2-klein-4b']).toEqual({ max: 4 });
    expect(rules['flux-kontext-pro']).toEqual({ max: 2, joined: true });
    for (const id of ['dall-e-3', 'gpt-image-2-all', 'flux-pro-1.1', 'flux-pro', 'flux-dev', 'flux-pro-1.1-ultra']) expect(rules[id], id).toBeUndefined();
  });
});

describe('dialects with input images', () => {
  it('FLUX.2: input_image, input_image_2 … in base64, the rest of the body unchanged', () => {
    const planned = plan('flux-2-pro', { inputImages: [image('a'), image('b'), image('c')], size: '1024x1024', seed: 1 });
    expect(planned.path).toBe('/images/generations');
    expect(planned.files).toBeUndefined();
    expect(planned.body).toMatchObject({
      model: 'flux-2-pro',
      seed: 1,
      input_image: Buffer.from('bytes of a').toString('base64'),
      input_image_2: Buffer.from('bytes of b').toString('base64'),
      input_image_3: Buffer.from('bytes of c').toString('base64'),
    });
  });

  it('Kontext: one (joined) input_image beside its aspect_ratio', () => {
    const planned = plan('flux-kontext-max', { inputImages: [image('a + b', 2)], size: '2:1' });
    expect(Object.keys(planned.body).filter((key) => key.startsWith('input_image'))).toEqual(['input_image']);
    expect(planned.body.aspect_ratio).toBe('2:1');
  });

  it('GPT image: /images/edits with image[] files (and a mask), no moderation', () => {
    const planned = plan('gpt-image-1', { inputImages: [image('a'), image('b')], mask: image('m'), quality: 'high', safetyTolerance: 5 });
    expect(planned.path).toBe('/images/edits');
    expect(planned.body).toEqual({ model: 'gpt-image-1', prompt: 'edit it', n: 1, size: '1024x1024', quality: 'high' });
    expect(planned.files?.map((file) => [file.field, file.image.name])).toEqual([
      ['image[]', 'a'],
      ['image[]', 'b'],
      ['mask', 'm'],
    ]);
    // Without images the same model keeps generating, with moderation.
    expect(plan('gpt-image-1', { safetyTolerance: 5 }).body.moderation).toBe('low');
  });

  it('refuses images on a text-only model, too many, and a mask without a GPT image edit, naming the valid choices', () => {
    const textOnly = refusal(() => plan('dall-e-3', { inputImages: [image('a')] }));
    expect(textOnly.param).toBe('image');
    expect(textOnly.text?.en).toBe('dall-e-3 draws from text only and takes no input image.');
    expect(textOnly.valid?.en).toContain('flux-kontext-pro');
    expect(textOnly.text?.zh).toContain('不接受输入图片');
    const many = refusal(() => plan('flux-2-klein-9b', { inputImages: Array.from({ length: 5 }, (_, i) => image(String(i))) }));
    expect(many.text?.en).toContain('at most 4 input images; 5 were given');
    expect(refusal(() => plan('flux-2-pro', { inputImages: [image('a')], mask: image('m') })).param).toBe('image');
  });
});

describe('multipart encoding', () => {
  it('round-trips fields and files through a multipart parser, with safe file names', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 13, 10, 45, 45]);
    const encoded = encodeMultipart({ model: 'gpt-image-1', prompt: 'a "quoted"\r\nprompt 雪', n: 2, skip: undefined }, [
      { field: 'image[]', image: { ...image('x'), bytes: png, name: '../../evil "name".png' } },
    ]);
    const boundary = /boundary=(.+)$/.exec(encoded.contentType)?.[1];
    expect(encoded.contentType.startsWith('multipart/form-data; boundary=')).toBe(true);
    const form = parseMultipart(encoded.payload, boundary!);
    expect(form.fields).toEqual({ model: 'gpt-image-1', prompt: 'a "quoted"\r\nprompt 雪', n: '2' });
    expect(form.files).toHaveLength(1);
    expect(form.files[0]).toMatchObject({ field: 'image[]', filename: 'evil-name.png', contentType: 'image/png' });
    expect(form.files[0]!.bytes.equals(png)).toBe(true);
  });

  it('file names keep readable ASCII and match the bytes’ format', () => {
    expect(multipartFileName('photo.PNG', 'image/jpeg', 0)).toBe('photo.jpg');
    expect(multipartFileName('猫.png', 'image/png', 1)).toBe('image-2.png');
    expect(multipartFileName('a + b', 'image/webp', 0)).toBe('a-b.webp');
  });
});

describe('the batch file', () => {
  const defaults = { request: { model: 'flux-2-pro', quality: undefined }, imagePaths: ['/img/default.png'] };

  it('plain lines and JSON lines, comments and blank lines skipped, CLI options as defaults, paths relative to the file', () => {
    const items = parseBatchFile(
      ['# comment', 'a red fox', '', '{"prompt": "a cat", "model": "gpt-image-1", "size": "16:9", "seed": 3, "image": ["a.png", "/abs/b.png"], "format": "jpg"}', '  {"prompt":"x","safety_tolerance":2,"n":1}'].join('\r\n'),
      '/batches',
      defaults,
    );
    expect(items.map((item) => item.line)).toEqual([2, 4, 5]);
    expect(items[0]).toEqual({ line: 2, request: { model: 'flux-2-pro', quality: undefined, prompt: 'a red fox' }, imagePaths: ['/img/default.png'] });
    expect(items[1]!.request).toMatchObject({ prompt: 'a cat', model: 'gpt-image-1', size: '16:9', seed: 3, outputFormat: 'jpeg' });
    expect(items[1]!.imagePaths).toEqual(['/batches/a.png', '/abs/b.png']);
    expect(items[2]!.request).toMatchObject({ prompt: 'x', safetyTolerance: 2, n: 1, model: 'flux-2-pro' });
    expect(items[2]!.imagePaths).toEqual(['/img/default.png']);
  });

  it('a bad line is an item with an error, not a crash', () => {
    const items = parseBatchFile('{"prompt": 1}\n{nope\n{"prompt":"x","seed":-1}\n{"prompt":"x","extra":true}\n{"prompt":"x","format":"bmp"}', '/', defaults);
    expect(items.map((item) => item.error)).toEqual([
      expect.stringContaining('"prompt"'),
      'not valid JSON',
      expect.stringContaining('"seed"'),
      expect.stringContaining('extra'),
      expect.stringContaining('png, jpeg or webp'),
    ]);
  });

  it('the summary names the failure classes, the time and the cost, in English or Chinese', () => {
    const summary = { succeeded: 3, failed: 2, failures: { timeout: 1, bad_request: 1 }, elapsedMs: 12_345, cost: 0.105, possiblyBilled: 1 };
    expect(describeSummary(summary, 'en')).toBe(
      'batch done: 3 succeeded, 2 failed (bad_request 1, timeout 1) in 12.3 s, estimated cost $0.105; 1 timed out and may also have been billed',
    );
    expect(describeSummary(summary, 'zh')).toContain('成功 3 个,失败 2 个');
  });
});

describe('CLI options', () => {
  it('--image repeats, --batch needs no prompt, --concurrency defaults to 2', () => {
    const edit = parseCliArgs(['--prompt', 'x', '--image', 'a.png', '-i', 'b.png', '--mask', 'm.png']);
    expect(edit.imagePaths).toEqual(['a.png', 'b.png']);
    expect(edit.maskPath).toBe('m.png');
    expect(edit.concurrency).toBe(2);
    const batch = parseCliArgs(['--batch', 'list.txt', '--concurrency', '4', '--model', 'flux-2-pro']);
    expect(batch).toMatchObject({ batchFile: 'list.txt', concurrency: 4, request: { prompt: '', model: 'flux-2-pro' } });
  });

  it('refuses --prompt with --batch, a mask without an image, and a concurrency out of range', () => {
    expect(() => parseCliArgs(['--prompt', 'x', '--batch', 'f'])).toThrow(UsageError);
    expect(() => parseCliArgs(['--prompt', 'x', '--mask', 'm.png'])).toThrow(/--mask needs --image/);
    expect(() => parseCliArgs(['--batch', 'f', '--mask', 'm.png'])).toThrow(/--mask does not go with --batch/);
    expect(() => parseCliArgs(['--batch', 'f', '--image', 'a.png', '--mask', 'm.png'])).toThrow(/--mask does not go with --batch/);
    expect(() => parseCliArgs(['--batch', 'f', '--concurrency', '0'])).toThrow(/between 1 and 16/);
  });
});

describe('Discord attachments as inputs (checks before any download)', () => {
  const options = { discordApiBaseUrl: 'http://127.0.0.1:9/api' };
  const attachment = { id: '1', name: 'a.png', url: 'https://cdn.discordapp.com/attachments/1/2/a.png', size: 1000, contentType: 'image/png' };

  async function refused(input: typeof attachment): Promise<InvalidInputError> {
    try {
      await downloadAttachments([input], options);
    } catch (error) {
      if (error instanceof InvalidInputError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('takes Discord’s word for the type only to refuse early; the bytes decide later', () => {
    expect(looksLikeImage({ name: 'a.bin', contentType: 'image/webp' })).toBe(true);
    expect(looksLikeImage({ name: 'a.png', contentType: 'text/html' })).toBe(false);
    expect(looksLikeImage({ name: 'photo.JPG', contentType: null })).toBe(true);
  });

  it('refuses a declared size over the cap, a non-image type, and a link off Discord’s CDN, without fetching', async () => {
    expect((await refused({ ...attachment, size: 25 * 1024 * 1024 })).text?.en).toContain('too large');
    expect((await refused({ ...attachment, contentType: 'application/pdf', name: 'a.pdf' })).text?.en).toContain('not an image');
    expect((await refused({ ...attachment, url: 'https://evil.example/a.png' })).text?.en).toContain('not a Discord attachment');
    expect((await refused({ ...attachment, url: 'file:///etc/passwd' })).text?.en).toContain('not a Discord attachment');
  });
});
