import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/models.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import { DEFAULT_POLICY_SETTINGS, type PolicySettings } from '../../src/moderation/guildPolicy.js';
import { resolveSafety, safetyLimitsFor } from '../../src/moderation/safetyPolicy.js';
import { moderationFor, planRequest } from '../../src/providers/dialects/index.js';

function model(id: string): ModelSpec {
  const spec = findModel(id);
  if (!spec) throw new Error(`no catalog model ${id}`);
  return spec;
}

const defaults: PolicySettings = { ...DEFAULT_POLICY_SETTINGS };
const strict: PolicySettings = { ...defaults, safetyNormalDefault: 0, safetyNormalMax: 1, safetyNsfwDefault: 1, safetyNsfwMax: 3 };
const loose: PolicySettings = { ...defaults, safetyNsfwDefault: 6, safetyNsfwMax: 6 };

describe('resolveSafety', () => {
  it.each([
    // [policy, model, nsfw channel, requested, value used, adjusted to, capped by]
    ['defaults', defaults, 'flux-2-pro', false, undefined, 2, undefined, undefined],
    ['defaults', defaults, 'flux-2-pro', false, 5, 2, '2', 'policy'],
    ['defaults', defaults, 'flux-2-pro', false, 1, 1, undefined, undefined],
    ['defaults', defaults, 'flux-2-pro', true, undefined, 2, undefined, undefined],
    ['defaults', defaults, 'flux-2-pro', true, 4, 4, undefined, undefined],
    ['defaults', defaults, 'flux-2-pro', true, 6, 5, '5', 'model'],
    ['defaults', defaults, 'flux-2-max', true, 5, 5, undefined, undefined],
    ['defaults', defaults, 'flux-kontext-pro', true, 6, 6, undefined, undefined],
    ['defaults', defaults, 'flux-pro-1.1', true, 6, 6, undefined, undefined],
    ['defaults', defaults, 'flux-kontext-max', false, 6, 2, '2', 'policy'],
    ['defaults', defaults, 'flux-kontext-pro', true, 9, 6, '6', 'model'],
    ['defaults', defaults, 'flux-kontext-pro', false, -1, 0, '0', 'model'],
    ['defaults', defaults, 'flux-kontext-pro', false, 1.6, 2, '2', undefined],
    ['strict', strict, 'flux-2-pro', false, undefined, 0, undefined, undefined],
    ['strict', strict, 'flux-2-pro', false, 2, 1, '1', 'policy'],
    ['strict', strict, 'flux-2-pro', true, undefined, 1, undefined, undefined],
    ['strict', strict, 'flux-kontext-pro', true, 6, 3, '3', 'policy'],
    ['loose', loose, 'flux-2-pro', true, undefined, 5, undefined, undefined],
    ['loose', loose, 'flux-kontext-pro', true, undefined, 6, undefined, undefined],
  ] as const)('%s: %s nsfw=%s asked %s → %s', (_name, policy, id, nsfw, requested, value, to, cappedBy) => {
    const result = resolveSafety(policy, model(id), nsfw, requested);
    expect(result.value).toBe(value);
    expect(result.moderation).toBeUndefined();
    expect(result.cappedBy).toBe(cappedBy);
    if (to === undefined) expect(result.adjustments).toEqual([]);
    else expect(result.adjustments).toEqual([{ field: 'safetyTolerance', from: String(requested), to }]);
  });

  it('reports the loosest value allowed for the model in this channel', () => {
    expect(resolveSafety(defaults, model('flux-2-pro'), true).max).toBe(5);
    expect(resolveSafety(defaults, model('flux-kontext-pro'), true).max).toBe(6);
    expect(resolveSafety(defaults, model('flux-kontext-pro'), false).max).toBe(2);
  });

  it.each([
    // GPT models: the 0..6 value capped by the policy, mapped exactly as the request builder maps it.
    [defaults, false, undefined, 2, 'auto'],
    [defaults, false, 6, 2, 'auto'],
    [defaults, true, undefined, 2, 'auto'],
    [defaults, true, 3, 3, 'low'],
    [defaults, true, 6, 6, 'low'],
    [strict, true, 6, 3, 'low'],
    [strict, true, undefined, 1, 'auto'],
    [loose, true, undefined, 6, 'low'],
  ] as const)('gpt-image-1 with nsfw=%s… asked %s → %s (%s)', (policy, nsfw, requested, value, moderation) => {
    const result = resolveSafety(policy, model('gpt-image-1'), nsfw, requested);
    expect(result.value).toBe(value);
    expect(result.moderation).toBe(moderation);
    expect(result.moderation).toBe(moderationFor(result.value));
    // The request builder, given the value, sends the same moderation (OpenAI's default `auto` goes unsent).
    const planned = planRequest(
      { prompt: 'a lighthouse', model: 'gpt-image-1', safetyTolerance: result.value },
      model('gpt-image-1'),
      { strictAspectRatios: false },
    );
    expect(planned.body.moderation).toBe(moderation === 'auto' ? undefined : moderation);
    expect(planned.adjustments).toEqual([]);
  });

  it('drops a request on a model with no safety setting, and says so', () => {
    expect(resolveSafety(defaults, model('dall-e-3'), true, 3)).toEqual({
      adjustments: [{ field: 'safetyTolerance', from: '3', to: 'none' }],
    });
    expect(resolveSafety(defaults, model('gpt-image-2-all'), false)).toEqual({ adjustments: [] });
  });

  it('a FLUX value planned with the resolution needs no further adjustment', () => {
    const result = resolveSafety(defaults, model('flux-2-pro'), true, 6);
    const planned = planRequest(
      { prompt: 'a lighthouse', model: 'flux-2-pro', safetyTolerance: result.value },
      model('flux-2-pro'),
      { strictAspectRatios: false },
    );
    expect(planned.body.safety_tolerance).toBe(5);
    expect(planned.adjustments).toEqual([]);
  });

  it('keeps a default above its maximum (a hand-edited row) within the maximum', () => {
    expect(safetyLimitsFor({ ...defaults, safetyNsfwDefault: 5, safetyNsfwMax: 3 }, true)).toEqual({ default: 3, max: 3 });
  });
});
