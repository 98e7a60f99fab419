import { describe, expect, it } from 'vitest';
import { CATALOG, findModel, modelForDialect } from '../../src/catalog/models.js';
import { mapSize, sizeChoices } from '../../src/catalog/sizes.js';
import type { ModelSpec } from '../../src/catalog/types.js';

const CONTRACT_MODELS = [
  'gpt-image-2',
  'gpt-image-1',
  'flux-2-max',
  'flux-2-pro',
  'flux-2-flex',
  'flux-2-klein-9b',
  'flux-2-klein-4b',
  'flux-pro-1.1-ultra',
  'flux-pro-1.1',
  'flux-pro',
  'flux-dev',
  'flux-kontext-pro',
  'flux-kontext-max',
];

describe('CATALOG', () => {
  it('has every model CONTRACT.md names, plus the other relay models, once each', () => {
    const ids = CATALOG.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining([...CONTRACT_MODELS, 'gpt-image-1.5', 'dall-e-3', 'gpt-image-2-all']));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(CATALOG.map((model) => [model.id, model] as const))('%s is self-consistent', (_id, model) => {
    expect(model.description.en.length).toBeGreaterThan(0);
    expect(model.description.en.length).toBeLessThanOrEqual(100);
    expect(model.description.zh.length).toBeGreaterThan(0);
    expect(model.description.zh.length).toBeLessThanOrEqual(100);
    expect(model.pricePerImage).toBeGreaterThan(0);
    expect(model.typicalSeconds).toBeGreaterThan(0);
    expect(model.maxN).toBeGreaterThanOrEqual(1);
    expect(model.outputFormats.length).toBeGreaterThan(0);
    // Every size offered in a menu is accepted as it is.
    for (const choice of sizeChoices(model)) {
      const mapped = mapSize(model, choice, { strictAspectRatios: true });
      expect(mapped.value).toBe(choice);
      expect(mapped.adjustment).toBeUndefined();
    }
  });

  it('matches each dialect with its size rule and options', () => {
    for (const model of CATALOG) {
      const expected = { 'gpt-image': ['fixed', 'pixels'], flux: ['pixels'], kontext: ['ratio'] }[model.dialect];
      expect(expected).toContain(model.sizes.kind);
      if (model.dialect === 'gpt-image') {
        expect(model.seed).toBe(false);
        expect(model.safetyTolerance).toBeUndefined();
      } else {
        expect(model.seed).toBe(true);
        expect(model.qualities).toBeUndefined();
        expect(model.maxN).toBe(1);
        expect(model.result).toBe('url');
        expect(model.safetyTolerance?.default).toBe(2);
      }
    }
  });

  it('records the facts of RELAYS.md for the distinctive models', () => {
    const get = (id: string): ModelSpec => findModel(id) ?? expect.fail(`missing ${id}`);
    expect(get('flux-2-pro').safetyTolerance).toEqual({ min: 0, max: 5, default: 2 });
    expect(get('flux-pro-1.1').safetyTolerance).toEqual({ min: 0, max: 6, default: 2 });
    expect(get('flux-kontext-pro').safetyTolerance).toEqual({ min: 0, max: 6, default: 2 });
    expect(get('flux-2-flex').steps).toEqual({ min: 1, max: 50, default: 50 });
    expect(get('flux-2-flex').guidance).toMatchObject({ min: 1.5, max: 10 });
    expect(CATALOG.filter((model) => model.steps || model.guidance).map((model) => model.id)).toEqual(['flux-2-flex']);
    expect(get('gpt-image-2').maxPromptChars).toBe(32_000);
    expect(get('dall-e-3').maxPromptChars).toBe(4_000);
    expect(get('dall-e-3').qualities).toEqual(['standard', 'hd']);
    expect(get('gpt-image-1').qualities).toEqual(['low', 'medium', 'high', 'auto']);
    expect(get('gpt-image-2').result).toBe('b64');
    expect(get('flux-kontext-pro').pricePerImage).toBe(0.035);
    expect(get('flux-kontext-max').pricePerImage).toBe(0.07);
    expect(get('gpt-image-2-all').pricePerImage).toBe(0.03);
    expect(get('flux-2-klein-4b').promptUpsampling).toBe(false);
  });
});

describe('findModel', () => {
  it('finds catalog models regardless of case and spaces', () => {
    expect(findModel('flux-2-pro')?.id).toBe('flux-2-pro');
    expect(findModel(' FLUX-2-PRO ')?.id).toBe('flux-2-pro');
    expect(findModel('no-such-model')).toBeUndefined();
  });

  it('prefers models declared in config', () => {
    const custom = { ...modelForDialect('flux-2-pro', 'flux'), pricePerImage: 0.01 };
    expect(findModel('flux-2-pro', [custom])?.pricePerImage).toBe(0.01);
    expect(findModel('my-model', [modelForDialect('my-model', 'kontext')])?.dialect).toBe('kontext');
  });
});

describe('modelForDialect', () => {
  it.each([
    ['gpt-image', 'gpt-image-1'],
    ['flux', 'flux-2-pro'],
    ['kontext', 'flux-kontext-pro'],
  ] as const)('builds a %s model from %s', (dialect, template) => {
    const model = modelForDialect('relay-special', dialect);
    const base = findModel(template);
    expect(model.id).toBe('relay-special');
    expect(model.dialect).toBe(dialect);
    expect(model.sizes).toEqual(base?.sizes);
    expect(model.description.en).toContain('relay-special');
  });
});
