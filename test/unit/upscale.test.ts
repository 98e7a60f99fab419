// upscaleTarget: the largest size a model renders in an image's shape, within the model's own size
// rule (checked against mapSize: the catalog's size mapping takes the target as it is, unadjusted);
// and the confirm button's custom_id, which carries what was quoted.
import { describe, expect, it } from 'vitest';
import { CATALOG, findModel } from '../../src/catalog/models.js';
import { parseSize } from '../../src/catalog/sizeSyntax.js';
import { mapSize } from '../../src/catalog/sizes.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import { MIN_UPSCALE_GAIN, upscalePrompt, upscaleTarget } from '../../src/catalog/upscale.js';
import { MAX_CUSTOM_ID, parseImageToolButtonId, parseUpscaleConfirmId, upscaleConfirmId } from '../../src/discord/customIds.js';

function model(id: string): ModelSpec {
  const spec = findModel(id);
  if (!spec) throw new Error(`no catalog model ${id}`);
  return spec;
}

function sides(size: string): { width: number; height: number } {
  const parsed = parseSize(size);
  if (parsed?.kind !== 'pixels') throw new Error(`not a pixel size: ${size}`);
  return parsed;
}

/** The target as the model's rule sees it: valid as it is, larger, the same shape within a step. */
function expectValidUpscale(spec: ModelSpec, width: number, height: number): { width: number; height: number } {
  const target = upscaleTarget(spec, width, height);
  expect(target, `${spec.id} ${width}x${height}`).toBeDefined();
  const size = sides(target!.size);
  const rule = spec.sizes;
  if (rule.kind !== 'pixels') throw new Error('a pixel rule was expected');
  expect(size.width % rule.step).toBe(0);
  expect(size.height % rule.step).toBe(0);
  expect(Math.max(size.width, size.height)).toBeLessThanOrEqual(rule.maxSide);
  expect(size.width * size.height).toBeLessThanOrEqual(rule.maxPixels);
  expect(size.width * size.height).toBeGreaterThanOrEqual(width * height * MIN_UPSCALE_GAIN);
  // The shape is kept: the short side is off by less than one step from the exact shape.
  expect(Math.abs(size.height - (size.width * height) / width)).toBeLessThanOrEqual(rule.step);
  // The catalog's own mapping accepts it unchanged.
  const mapped = mapSize(spec, target!.size);
  expect(mapped.adjustment).toBeUndefined();
  expect(mapped.value).toBe(target!.size);
  return size;
}

const FLUX2 = CATALOG.filter((spec) => spec.id.startsWith('flux-2-'));

describe('upscaleTarget on FLUX.2 (up to 4 MP, sides 2048 at most, multiples of 16)', () => {
  it.each(FLUX2.map((spec) => [spec.id]))('%s: a 1024x1024 image becomes the 4 MP square', (id) => {
    const spec = model(id);
    const rule = spec.sizes;
    if (rule.kind !== 'pixels') throw new Error('a pixel rule was expected');
    const size = expectValidUpscale(spec, 1024, 1024);
    expect(size.width).toBe(size.height);
    expect(size.width * size.height).toBe(rule.maxPixels);
  });

  it.each([
    [1024, 1536],
    [1536, 1024],
    [1280, 720],
    [832, 1216],
    [1000, 700],
    [64 * 5, 64 * 3],
  ])('keeps the shape of %ix%i and reaches a limit of the rule', (width, height) => {
    const spec = model('flux-2-pro');
    const rule = spec.sizes;
    if (rule.kind !== 'pixels') throw new Error('a pixel rule was expected');
    const size = expectValidUpscale(spec, width, height);
    // As large as the rule allows: one more step on the long side would break a limit.
    const longer = Math.max(size.width, size.height) + rule.step;
    const shorter = Math.round((longer * Math.min(width, height)) / Math.max(width, height) / rule.step) * rule.step;
    expect(longer > rule.maxSide || longer * shorter > rule.maxPixels).toBe(true);
  });

  it('an image already at 4 MP, or nearly, cannot be upscaled', () => {
    const spec = model('flux-2-max');
    expect(upscaleTarget(spec, 2048, 2048)).toBeUndefined();
    expect(upscaleTarget(spec, 2048, 1440)).toBeUndefined();
    expect(upscaleTarget(spec, 2000, 2000)).toBeUndefined();
    // A wide image is held by the 2048 side: 1920x1088 could only grow by about an eighth.
    expect(upscaleTarget(spec, 1920, 1088)).toBeUndefined();
  });
});

describe('upscaleTarget on gpt-image-2 (up to 3840 on the long side, 3840x2160 in area)', () => {
  const spec = model('gpt-image-2');
  const rule = spec.sizes;
  if (rule.kind !== 'pixels') throw new Error('a pixel rule was expected');

  it('a 16:9 image reaches 3840 on its long side', () => {
    for (const [width, height] of [
      [2048, 1152],
      [1152, 2048],
      [1536, 864],
    ] as const) {
      const size = expectValidUpscale(spec, width, height);
      expect(Math.max(size.width, size.height)).toBe(rule.maxSide);
      expect(size.width > size.height).toBe(width > height);
    }
  });

  it('a square fills the area limit', () => {
    const size = expectValidUpscale(spec, 1024, 1024);
    expect(size.width).toBe(size.height);
    expect(size.width * size.height).toBeLessThanOrEqual(rule.maxPixels);
    expect((size.width + rule.step) * (size.height + rule.step)).toBeGreaterThan(rule.maxPixels);
  });

  it('3:2 and 2:3 images stay within the area limit', () => {
    expectValidUpscale(spec, 1536, 1024);
    expectValidUpscale(spec, 1024, 1536);
  });

  it('an image at the largest size cannot be upscaled; a shape past 3:1 cannot be kept', () => {
    expect(upscaleTarget(spec, 3840, 2160)).toBeUndefined();
    expect(upscaleTarget(spec, 2160, 3840)).toBeUndefined();
    expect(upscaleTarget(spec, 2048, 512)).toBeUndefined();
  });
});

describe('models that cannot upscale', () => {
  it.each([
    ['gpt-image-1', 'three fixed sizes'],
    ['gpt-image-1.5', 'three fixed sizes'],
    ['flux-kontext-pro', 'about 1 MP by aspect ratio'],
    ['flux-kontext-max', 'about 1 MP by aspect ratio'],
    ['flux-pro-1.1', 'no input image'],
    ['flux-pro-1.1-ultra', 'no input image'],
    ['dall-e-3', 'no input image'],
  ])('%s (%s)', (id) => {
    expect(upscaleTarget(model(id), 1024, 1024)).toBeUndefined();
  });

  it('nonsense dimensions give no target', () => {
    const spec = model('flux-2-pro');
    expect(upscaleTarget(spec, 0, 1024)).toBeUndefined();
    expect(upscaleTarget(spec, Number.NaN, 1024)).toBeUndefined();
    expect(upscaleTarget(spec, -5, 10)).toBeUndefined();
  });
});

describe('upscalePrompt', () => {
  it('puts the instruction before the original prompt, once', () => {
    const once = upscalePrompt('a lighthouse at dusk');
    expect(once.endsWith(' a lighthouse at dusk')).toBe(true);
    expect(once.length).toBeGreaterThan('a lighthouse at dusk'.length);
    expect(once).toMatch(/keep/i);
    expect(upscalePrompt(once)).toBe(once);
  });
});

describe('the confirm button keeps the quote in its custom_id (≤ 100 characters)', () => {
  const quote = { generationId: 123456789012345, attachmentId: '1234567890123456789', size: '2048x2048', model: 'flux-2-pro' };

  it('round-trips the row, the attachment, the size and the model', () => {
    const id = upscaleConfirmId(quote);
    expect(id.length).toBeLessThanOrEqual(MAX_CUSTOM_ID);
    expect(parseUpscaleConfirmId(id)).toEqual(quote);
    // Not mistaken for the other ids under a result.
    expect(parseImageToolButtonId(id)).toBeUndefined();
  });

  it('leaves out a model id too long to fit; the quote still parses without it', () => {
    const long = { ...quote, model: `relay-x/${'m'.repeat(60)}` };
    const id = upscaleConfirmId(long);
    expect(id.length).toBeLessThanOrEqual(MAX_CUSTOM_ID);
    const { model: _model, ...rest } = long;
    expect(parseUpscaleConfirmId(id)).toEqual(rest);
  });

  it('refuses ids that are not a quote', () => {
    for (const id of ['edit:go:1:2:big:flux-2-pro', 'edit:go:x:2:1024x1024:m', 'edit:go:1:2:1024x1024', 'edit:upscale:1:1', 'img:go:1:2:1024x1024:m']) {
      expect(parseUpscaleConfirmId(id), id).toBeUndefined();
    }
  });
});
