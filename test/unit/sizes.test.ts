import { describe, expect, it } from 'vitest';
import { nearestRatio, roundToStep, simplestRatio } from '../../src/catalog/aspectRatio.js';
import { findModel } from '../../src/catalog/models.js';
import { parseSize } from '../../src/catalog/sizeSyntax.js';
import { describeValidSizes, mapSize, ratioDimensions, sizeChoices } from '../../src/catalog/sizes.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import { InvalidInputError } from '../../src/providers/errors.js';

function model(id: string): ModelSpec {
  const spec = findModel(id);
  if (!spec) throw new Error(`no catalog model ${id}`);
  return spec;
}

const loose = { strictAspectRatios: false };
const strict = { strictAspectRatios: true };

describe('parseSize', () => {
  it.each([
    ['1024x1536', { kind: 'pixels', width: 1024, height: 1536 }],
    ['1024X1536', { kind: 'pixels', width: 1024, height: 1536 }],
    ['1024*1536', { kind: 'pixels', width: 1024, height: 1536 }],
    ['1024×1536', { kind: 'pixels', width: 1024, height: 1536 }],
    [' 1024 x 1536 ', { kind: 'pixels', width: 1024, height: 1536 }],
    ['16:9', { kind: 'ratio', w: 16, h: 9, text: '16:9' }],
    ['16 : 9', { kind: 'ratio', w: 16, h: 9, text: '16:9' }],
    ['16/9', { kind: 'ratio', w: 16, h: 9, text: '16:9' }],
    ['16：9', { kind: 'ratio', w: 16, h: 9, text: '16:9' }],
    ['2.39:1', { kind: 'ratio', w: 2.39, h: 1, text: '2.39:1' }],
    ['AUTO', { kind: 'auto' }],
  ])('reads %j', (text, expected) => {
    expect(parseSize(text)).toEqual(expected);
  });

  it.each(['', 'big', '1024', '1024x', 'x1024', '16:9:1', '-1024x1024', '1e3x1e3', '1024x1024px'])('finds no size in %j', (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe('ratio arithmetic', () => {
  it('rounds half down to the step', () => {
    expect(roundToStep(1000, 16)).toBe(992);
    expect(roundToStep(1009, 16)).toBe(1008);
    expect(roundToStep(1023.9999, 16)).toBe(1024);
  });

  it.each([
    [1920, 1080, '16:9'],
    [1000, 1000, '1:1'],
    [1366, 768, '16:9'],
    [1024, 1536, '2:3'],
    [7, 3, '7:3'],
  ])('simplifies %i:%i to %s', (w, h, expected) => {
    const ratio = simplestRatio(w, h);
    expect(`${ratio.w}:${ratio.h}`).toBe(expected);
  });

  it('compares ratios in log space', () => {
    const candidates = [
      { w: 1, h: 1 },
      { w: 4, h: 3 },
      { w: 16, h: 9 },
    ];
    expect(nearestRatio(5 / 4, candidates)).toEqual({ w: 4, h: 3 });
    expect(nearestRatio(2, candidates)).toEqual({ w: 16, h: 9 });
  });
});

describe('mapSize on pixel models', () => {
  it.each([
    ['flux-2-pro', '1024x1024', '1024x1024'],
    ['flux-2-pro', '1000x1000', '992x992'],
    ['flux-2-pro', '1920x1080', '1920x1072'],
    ['flux-2-pro', '4000x4000', '2048x2048'],
    ['flux-2-pro', '100x100', '256x256'],
    ['flux-2-pro', '16:9', '1360x768'],
    ['flux-2-pro', '1:1', '1024x1024'],
    ['flux-2-pro', 'auto', '1024x1024'],
    ['flux-2-pro', '10:1', '2048x256'],
    ['flux-pro-1.1', '1920x1080', '1440x800'],
    ['flux-pro-1.1', '16/9', '1376x768'],
    ['gpt-image-2', '3840x2160', '3840x2160'],
    ['gpt-image-2', '3840x3840', '2880x2880'],
    ['gpt-image-2', '4096x2304', '3840x2160'],
    ['gpt-image-2', '512x512', '816x816'],
    ['gpt-image-2', '5:1', '1776x592'],
    ['gpt-image-2', 'auto', 'auto'],
  ])('%s: %s → %s', (id, asked, expected) => {
    const mapped = mapSize(model(id), asked, loose);
    expect(mapped.value).toBe(expected);
    if (expected === asked) expect(mapped.adjustment).toBeUndefined();
    else expect(mapped.adjustment).toEqual({ field: 'size', from: asked, to: expected });
  });

  it('keeps every result on the step and inside the bounds', () => {
    for (const asked of ['333x777', '2000x1999', '17:5', '1:3', '9999x2345', '640x480']) {
      for (const id of ['flux-2-pro', 'flux-dev', 'gpt-image-2']) {
        const spec = model(id);
        const rule = spec.sizes;
        if (rule.kind !== 'pixels') throw new Error('pixel model expected');
        const mapped = mapSize(spec, asked, loose);
        if (mapped.kind !== 'pixels') throw new Error('pixels expected');
        expect(mapped.width % rule.step).toBe(0);
        expect(mapped.height % rule.step).toBe(0);
        expect(Math.max(mapped.width, mapped.height)).toBeLessThanOrEqual(rule.maxSide);
        expect(Math.min(mapped.width, mapped.height)).toBeGreaterThanOrEqual(rule.minSide);
        expect(mapped.width * mapped.height).toBeLessThanOrEqual(rule.maxPixels);
        expect(mapped.width * mapped.height).toBeGreaterThanOrEqual(rule.minPixels ?? 0);
      }
    }
  });

  it('reports a size that only differs in spelling as unchanged', () => {
    expect(mapSize(model('flux-2-pro'), '1024 X 1536', loose)).toEqual({ kind: 'pixels', value: '1024x1536', width: 1024, height: 1536 });
  });

  it('uses the first preset when no size is given, without an adjustment', () => {
    expect(mapSize(model('gpt-image-2'), undefined, loose)).toEqual({ kind: 'pixels', value: '1024x1024', width: 1024, height: 1024 });
    expect(mapSize(model('flux-2-pro'), '  ', loose).adjustment).toBeUndefined();
  });
});

describe('mapSize on fixed-size models', () => {
  it.each([
    ['gpt-image-1', '1024x1536', '1024x1536'],
    ['gpt-image-1', '16:9', '1536x1024'],
    ['gpt-image-1', '9:16', '1024x1536'],
    ['gpt-image-1', '1000x1000', '1024x1024'],
    ['gpt-image-1', '21:9', '1536x1024'],
    ['gpt-image-1', 'auto', 'auto'],
    ['dall-e-3', '16:9', '1792x1024'],
    ['dall-e-3', '4:3', '1792x1024'],
    ['dall-e-3', '1080x1920', '1024x1792'],
    ['dall-e-3', 'auto', '1024x1024'],
  ])('%s: %s → %s', (id, asked, expected) => {
    const mapped = mapSize(model(id), asked, loose);
    expect(mapped.value).toBe(expected);
    expect(mapped.adjustment).toEqual(expected === asked ? undefined : { field: 'size', from: asked, to: expected });
  });
});

describe('mapSize on ratio models', () => {
  it.each([
    ['1920x1080', loose, '16:9'],
    ['1000x1000', loose, '1:1'],
    ['1366x768', loose, '16:9'],
    ['5:4', loose, '5:4'],
    ['21:9', loose, '21:9'],
    ['3:1', loose, '7:3'],
    ['1:4', loose, '3:7'],
    ['2.39:1', loose, '7:3'],
    ['auto', loose, '1:1'],
    ['5:4', strict, '4:3'],
    ['1920x1080', strict, '16:9'],
    ['1366x768', strict, '16:9'],
    ['3:1', strict, '21:9'],
    ['1:4', strict, '9:21'],
    ['4:5', strict, '3:4'],
  ])('flux-kontext-pro: %s (strict: %o) → %s', (asked, options, expected) => {
    const mapped = mapSize(model('flux-kontext-pro'), asked, options);
    expect(mapped.kind).toBe('ratio');
    expect(mapped.value).toBe(expected);
    expect(mapped.adjustment).toEqual(expected === asked ? undefined : { field: 'size', from: asked, to: expected });
  });

  it('does not report 7:3 sent as 21:9 to a strict relay as a change', () => {
    const mapped = mapSize(model('flux-kontext-pro'), '7:3', strict);
    expect(mapped.value).toBe('21:9');
    expect(mapped.adjustment).toBeUndefined();
  });

  it('gives the pixels a ratio renders at, for display', () => {
    expect(ratioDimensions(model('flux-kontext-pro'), '1:1')).toEqual({ width: 1024, height: 1024 });
    expect(ratioDimensions(model('flux-kontext-pro'), '16:9')).toEqual({ width: 1360, height: 768 });
    expect(ratioDimensions(model('flux-pro-1.1-ultra'), '16:9')).toEqual({ width: 2736, height: 1536 });
    expect(ratioDimensions(model('flux-2-pro'), '16:9')).toBeUndefined();
    expect(ratioDimensions(model('flux-kontext-pro'), '1024x1024')).toBeUndefined();
  });
});

describe('sizes that cannot be honoured at all', () => {
  it.each([
    ['flux-2-pro', 'huge'],
    ['flux-2-pro', '0x0'],
    ['flux-2-pro', '1024x0'],
    ['flux-2-pro', '0:1'],
    ['flux-2-pro', '50:1'],
    ['gpt-image-2', '7:1'],
    ['gpt-image-1', '4:1'],
    ['dall-e-3', '1:4'],
    ['flux-kontext-pro', '5:1'],
    ['flux-kontext-pro', '4000x500'],
  ])('%s refuses %s, naming what is valid', (id, asked) => {
    const spec = model(id);
    let caught: unknown;
    try {
      mapSize(spec, asked, loose);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidInputError);
    const error = caught as InvalidInputError;
    expect(error.param).toBe('size');
    expect(error.valid).toEqual(describeValidSizes(spec));
    expect(error.message).toContain(asked);
  });

  it('lists the fixed sizes and ranges in the valid text', () => {
    const same = (text: string) => ({ en: text, zh: text });
    expect(describeValidSizes(model('gpt-image-1'))).toEqual(same('1024x1024, 1024x1536, 1536x1024, auto'));
    expect(describeValidSizes(model('dall-e-3'))).toEqual(same('1024x1024, 1792x1024, 1024x1792'));
    expect(describeValidSizes(model('flux-2-pro'))).toEqual({
      en: 'WxH with sides 256-2048 (multiples of 16), up to 4.2MP, at most 8:1 (e.g. 1024x1024, 1024x1536), a ratio such as 16:9',
      zh: '宽x高,边长 256-2048(16 的倍数),总像素不超过 4.2MP,长宽比不超过 8:1(如 1024x1024、1024x1536);或 16:9 这样的宽高比',
    });
    expect(describeValidSizes(model('gpt-image-2')).en).toContain('0.7MP-8.3MP, at most 3:1');
    expect(describeValidSizes(model('gpt-image-2')).en).toMatch(/, or auto$/);
    expect(describeValidSizes(model('gpt-image-2')).zh).toContain('总像素 0.7MP-8.3MP,长宽比不超过 3:1');
    expect(describeValidSizes(model('gpt-image-2')).zh).toMatch(/;或 auto$/);
    expect(describeValidSizes(model('flux-kontext-pro')).en).toContain('from 3:7 to 7:3');
    expect(describeValidSizes(model('flux-kontext-pro')).zh).toContain('3:7 到 7:3 之间的宽高比');
  });
});

describe('sizeChoices', () => {
  it('offers fixed sizes with auto, presets, and the nine ratios', () => {
    expect(sizeChoices(model('gpt-image-1'))).toEqual(['1024x1024', '1024x1536', '1536x1024', 'auto']);
    expect(sizeChoices(model('gpt-image-2'))).toEqual(expect.arrayContaining(['1024x1024', '2048x2048', '3840x2160', 'auto']));
    expect(sizeChoices(model('flux-kontext-max'))).toEqual(['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21']);
  });
});
