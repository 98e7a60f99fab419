import { describe, expect, it } from 'vitest';
import { findModel, modelForDialect } from '../../src/catalog/models.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import { moderationFor, OMITTED, planRequest } from '../../src/providers/dialects/index.js';
import { InvalidInputError } from '../../src/providers/errors.js';
import type { DialectOptions, ImageRequest } from '../../src/providers/types.js';

function model(id: string): ModelSpec {
  const spec = findModel(id);
  if (!spec) throw new Error(`no catalog model ${id}`);
  return spec;
}

const loose: DialectOptions = { strictAspectRatios: false };
const strict: DialectOptions = { strictAspectRatios: true };

function plan(id: string, request: Partial<ImageRequest>, options: DialectOptions = loose) {
  return planRequest({ prompt: 'a lighthouse at dusk', model: id, ...request }, model(id), options);
}

function refusal(id: string, request: Partial<ImageRequest>, options: DialectOptions = loose): InvalidInputError {
  try {
    plan(id, request, options);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('GPT image dialect', () => {
  it('builds the OpenAI body', () => {
    const planned = plan('gpt-image-2', { size: '1024x1536', quality: 'high', n: 2, outputFormat: 'webp', safetyTolerance: 4 });
    expect(planned.path).toBe('/images/generations');
    expect(planned.body).toEqual({
      model: 'gpt-image-2',
      prompt: 'a lighthouse at dusk',
      n: 2,
      size: '1024x1536',
      quality: 'high',
      moderation: 'low',
      output_format: 'webp',
    });
    expect(planned.effectiveSize).toBe('1024x1536');
    expect(planned.n).toBe(2);
    expect(planned.adjustments).toEqual([]);
  });

  it('sends the minimal body the relay docs recommend when nothing is chosen', () => {
    expect(plan('gpt-image-1', {}).body).toEqual({ model: 'gpt-image-1', prompt: 'a lighthouse at dusk', n: 1, size: '1024x1024' });
  });

  it('maps safety tolerance onto moderation by one rule', () => {
    expect(moderationFor(undefined)).toBeUndefined();
    expect(moderationFor(0)).toBe('auto');
    expect(moderationFor(2)).toBe('auto');
    expect(moderationFor(3)).toBe('low');
    expect(moderationFor(6)).toBe('low');
    // Stable parameters first: OpenAI's default `auto` is never sent, `low` is.
    expect(plan('gpt-image-1', { safetyTolerance: 2 }).body).not.toHaveProperty('moderation');
    expect(plan('gpt-image-1', { safetyTolerance: 5 }).body.moderation).toBe('low');
  });

  it('drops seed and moderation where the model has none, and says so', () => {
    const planned = plan('dall-e-3', { size: '16:9', quality: 'hd', seed: 7, safetyTolerance: 5 });
    expect(planned.body).toEqual({ model: 'dall-e-3', prompt: 'a lighthouse at dusk', n: 1, size: '1792x1024', quality: 'hd' });
    expect(planned.adjustments).toEqual([
      { field: 'size', from: '16:9', to: '1792x1024' },
      { field: 'seed', from: '7', to: OMITTED },
      { field: 'safetyTolerance', from: '5', to: OMITTED },
    ]);
  });

  it('refuses a quality the model does not offer, naming the valid ones', () => {
    const error = refusal('gpt-image-1', { quality: 'ultra' });
    expect(error.param).toBe('quality');
    expect(error.valid).toEqual({ en: 'low, medium, high, auto', zh: 'low, medium, high, auto' });
    expect(refusal('dall-e-3', { quality: 'high' }).valid).toEqual({ en: 'standard, hd', zh: 'standard, hd' });
  });

  it('accepts quality in any case', () => {
    expect(plan('gpt-image-1', { quality: 'HIGH' }).body.quality).toBe('high');
  });
});

describe('FLUX dialect', () => {
  it('builds the body with size and width/height that agree', () => {
    const planned = plan('flux-2-pro', { size: '1536x1024', seed: 42, safetyTolerance: 2, outputFormat: 'png', promptUpsampling: true });
    expect(planned.body).toEqual({
      model: 'flux-2-pro',
      prompt: 'a lighthouse at dusk',
      n: 1,
      size: '1536x1024',
      width: 1536,
      height: 1024,
      seed: 42,
      // safety_tolerance 2 is FLUX's default: not sent (stable parameters first).
      output_format: 'png',
      prompt_upsampling: true,
    });
    expect(planned.adjustments).toEqual([]);
  });

  it('turns a ratio into pixels and reports it', () => {
    const planned = plan('flux-2-max', { size: '16:9' });
    expect(planned.body).toMatchObject({ size: '1360x768', width: 1360, height: 768 });
    expect(planned.effectiveSize).toBe('1360x768');
    expect(planned.adjustments).toEqual([{ field: 'size', from: '16:9', to: '1360x768' }]);
  });

  it('sends steps and guidance to flux-2-flex only', () => {
    expect(plan('flux-2-flex', { steps: 28, guidance: 3.5 }).body).toMatchObject({ steps: 28, guidance: 3.5 });
    const planned = plan('flux-2-pro', { steps: 28, guidance: 3.5 });
    expect(planned.body).not.toHaveProperty('steps');
    expect(planned.body).not.toHaveProperty('guidance');
    expect(planned.adjustments).toEqual([
      { field: 'steps', from: '28', to: OMITTED },
      { field: 'guidance', from: '3.5', to: OMITTED },
    ]);
  });

  it.each([
    [{ steps: 0 }, 'steps', '1-50'],
    [{ steps: 51 }, 'steps', '1-50'],
    [{ steps: 10.5 }, 'steps', '1-50'],
    [{ guidance: 1 }, 'guidance', '1.5-10'],
    [{ guidance: 11 }, 'guidance', '1.5-10'],
  ])('refuses %j on flux-2-flex', (request, param, valid) => {
    const error = refusal('flux-2-flex', request);
    expect(error.param).toBe(param);
    expect(error.valid).toEqual({ en: valid, zh: valid });
  });

  it('drops quality, which FLUX has no setting for, and says so', () => {
    const planned = plan('flux-2-pro', { quality: 'high' });
    expect(planned.body).not.toHaveProperty('quality');
    expect(planned.adjustments).toEqual([{ field: 'quality', from: 'high', to: OMITTED }]);
  });

  it('clamps safety tolerance into the model range', () => {
    const flux2 = plan('flux-2-pro', { safetyTolerance: 6 });
    expect(flux2.body.safety_tolerance).toBe(5);
    expect(flux2.adjustments).toEqual([{ field: 'safetyTolerance', from: '6', to: '5' }]);
    expect(plan('flux-pro-1.1', { safetyTolerance: 6 }).body.safety_tolerance).toBe(6);
    expect(plan('flux-pro-1.1', { safetyTolerance: -1 }).body.safety_tolerance).toBe(0);
  });

  it('replaces an output format the model lacks with its default', () => {
    const planned = plan('flux-2-pro', { outputFormat: 'webp' });
    // jpeg is the default, so nothing needs sending.
    expect(planned.body).not.toHaveProperty('output_format');
    expect(planned.adjustments).toEqual([{ field: 'outputFormat', from: 'webp', to: 'jpeg' }]);
  });

  it('drops prompt upsampling on klein, which ignores it', () => {
    const planned = plan('flux-2-klein-4b', { promptUpsampling: true });
    expect(planned.body).not.toHaveProperty('prompt_upsampling');
    expect(planned.adjustments).toEqual([{ field: 'promptUpsampling', from: 'true', to: OMITTED }]);
    expect(plan('flux-2-klein-4b', { promptUpsampling: false }).adjustments).toEqual([]);
  });

  it('refuses more than one image, naming the maximum', () => {
    const error = refusal('flux-2-pro', { n: 2 });
    expect(error.param).toBe('n');
    expect(error.valid).toEqual({ en: '1', zh: '1' });
  });
});

describe('Kontext and Ultra dialect', () => {
  it('builds the body with aspect_ratio and no size', () => {
    const planned = plan('flux-kontext-pro', { size: '16:9', seed: 1, safetyTolerance: 3, outputFormat: 'png', promptUpsampling: false });
    expect(planned.body).toEqual({
      model: 'flux-kontext-pro',
      prompt: 'a lighthouse at dusk',
      n: 1,
      aspect_ratio: '16:9',
      seed: 1,
      safety_tolerance: 3,
      output_format: 'png',
      // prompt_upsampling false is the default: not sent.
    });
    expect(planned.effectiveSize).toBe('16:9');
  });

  it('turns pixels into a ratio, snapped to the nine values on strict relays', () => {
    expect(plan('flux-kontext-max', { size: '1000x800' }).body.aspect_ratio).toBe('5:4');
    const planned = plan('flux-kontext-max', { size: '1000x800' }, strict);
    expect(planned.body.aspect_ratio).toBe('4:3');
    expect(planned.adjustments).toEqual([{ field: 'size', from: '1000x800', to: '4:3' }]);
  });

  it('defaults to 1:1', () => {
    expect(plan('flux-pro-1.1-ultra', {}).body).toEqual({ model: 'flux-pro-1.1-ultra', prompt: 'a lighthouse at dusk', n: 1, aspect_ratio: '1:1' });
  });

  it('refuses a shape far outside 3:7..7:3', () => {
    const error = refusal('flux-kontext-pro', { size: '50:1' });
    expect(error.param).toBe('size');
    expect(error.valid?.en).toContain('3:7 to 7:3');
    expect(error.valid?.zh).toContain('3:7 到 7:3');
  });
});

describe('refusals shared by every dialect', () => {
  it.each(['gpt-image-2', 'flux-2-pro', 'flux-kontext-pro'])('%s refuses an empty prompt', (id) => {
    expect(refusal(id, { prompt: '   ' }).param).toBe('prompt');
  });

  it('trims the prompt it sends', () => {
    expect(plan('flux-2-pro', { prompt: '  a cat  ' }).body.prompt).toBe('a cat');
  });

  it('refuses a prompt over the model limit or the relay limit, whichever is lower', () => {
    expect(refusal('dall-e-3', { prompt: 'x'.repeat(4_001) }).valid).toEqual({ en: 'up to 4000 characters', zh: '最多 4000 个字符' });
    expect(() => plan('dall-e-3', { prompt: 'x'.repeat(4_000) })).not.toThrow();
    const capped: DialectOptions = { strictAspectRatios: true, maxPromptChars: 1_000 };
    const error = refusal('flux-kontext-pro', { prompt: 'y'.repeat(1_001) }, capped);
    expect(error.param).toBe('prompt');
    expect(error.valid).toEqual({ en: 'up to 1000 characters', zh: '最多 1000 个字符' });
  });

  it('counts characters, not UTF-16 units', () => {
    const capped: DialectOptions = { strictAspectRatios: false, maxPromptChars: 3 };
    expect(() => plan('flux-2-pro', { prompt: '🐱🐱🐱' }, capped)).not.toThrow();
  });

  it('refuses n above the model maximum and n below 1', () => {
    expect(refusal('gpt-image-1', { n: 11 }).valid).toEqual({ en: '1-10', zh: '1-10' });
    expect(refusal('gpt-image-1', { n: 0 }).param).toBe('n');
    expect(plan('gpt-image-1', { n: 10 }).n).toBe(10);
  });

  it('refuses a seed that is not a 32-bit unsigned whole number', () => {
    expect(refusal('flux-2-pro', { seed: -1 }).param).toBe('seed');
    expect(refusal('flux-2-pro', { seed: 1.5 }).param).toBe('seed');
    expect(plan('flux-2-pro', { seed: 4_294_967_295 }).body.seed).toBe(4_294_967_295);
  });

  it('refuses garbage sizes with the valid list', () => {
    const error = refusal('gpt-image-1', { size: 'big' });
    expect(error.param).toBe('size');
    expect(error.valid).toEqual({ en: '1024x1024, 1024x1536, 1536x1024, auto', zh: '1024x1024, 1024x1536, 1536x1024, auto' });
  });

  it('plans a declared model by its dialect', () => {
    const custom = modelForDialect('flux-2-turbo', 'flux');
    const planned = planRequest({ prompt: 'p', model: 'flux-2-turbo', size: '1024x1024' }, custom, loose);
    expect(planned.body).toMatchObject({ model: 'flux-2-turbo', size: '1024x1024', width: 1024, height: 1024 });
  });
});
