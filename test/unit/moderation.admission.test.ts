import { describe, expect, it } from 'vitest';
import { findModel } from '../../src/catalog/models.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import { admit, type AdmissionInput } from '../../src/moderation/admission.js';
import { DEFAULT_POLICY_SETTINGS } from '../../src/moderation/guildPolicy.js';
import { compileWordFilter, EMPTY_WORD_FILTER } from '../../src/moderation/wordFilter.js';

function model(id: string): ModelSpec {
  const spec = findModel(id);
  if (!spec) throw new Error(`no catalog model ${id}`);
  return spec;
}

const ART = '111111111111111111';
const LOUNGE = '222222222222222222';
const THREAD = '333333333333333333';

function input(overrides: Partial<AdmissionInput> = {}): AdmissionInput {
  return {
    policy: { ...DEFAULT_POLICY_SETTINGS, allowedChannels: [ART], allowedModels: ['flux-2-pro', 'GPT-Image-1'], spoilerChannels: [ART] },
    filter: compileWordFilter(['gore', '血腥']),
    userBlocked: false,
    channelId: ART,
    channelIsNsfw: false,
    model: model('flux-2-pro'),
    prompt: 'a quiet harbour at dawn',
    ...overrides,
  };
}

describe('admit', () => {
  it('checks in order: blocked user, channel, model, blocked word', () => {
    const everythingWrong = input({ userBlocked: true, channelId: LOUNGE, model: model('flux-dev'), prompt: 'gore' });
    const kinds: string[] = [];
    let current: AdmissionInput = everythingWrong;
    const fixes: Array<(i: AdmissionInput) => AdmissionInput> = [
      (i) => ({ ...i, userBlocked: false }),
      (i) => ({ ...i, channelId: ART }),
      (i) => ({ ...i, model: model('flux-2-pro') }),
      (i) => ({ ...i, prompt: 'a harbour' }),
    ];
    for (const fix of fixes) {
      const result = admit(current);
      kinds.push(result.ok ? 'ok' : result.reason.kind);
      current = fix(current);
    }
    kinds.push(admit(current).ok ? 'ok' : 'refused');
    expect(kinds).toEqual(['user_blocked', 'channel_not_allowed', 'model_not_allowed', 'blocked_word', 'ok']);
  });

  it('tells a blocked user to ask a moderator, in both languages', () => {
    const result = admit(input({ userBlocked: true }));
    expect(result).toMatchObject({ ok: false, reason: { kind: 'user_blocked' } });
    if (result.ok) return;
    expect(result.reason.message.en).toMatch(/blocked.*moderator/);
    expect(result.reason.message.zh).toMatch(/禁止.*管理员/);
  });

  it('names the channels where the command works', () => {
    const result = admit(input({ channelId: LOUNGE }));
    expect(result).toMatchObject({ ok: false, reason: { kind: 'channel_not_allowed', allowedChannelIds: [ART] } });
    if (result.ok) return;
    expect(result.reason.message.en).toContain(`<#${ART}>`);
    expect(result.reason.message.zh).toContain(`<#${ART}>`);
  });

  it('accepts a thread whose parent channel is allowed', () => {
    expect(admit(input({ channelId: THREAD, parentChannelId: ART })).ok).toBe(true);
    expect(admit(input({ channelId: THREAD, parentChannelId: LOUNGE })).ok).toBe(false);
  });

  it('allows every channel and model when the lists are empty', () => {
    const policy = { ...DEFAULT_POLICY_SETTINGS };
    expect(admit(input({ policy, channelId: LOUNGE, model: model('flux-dev') })).ok).toBe(true);
    expect(admit(input({ policy, channelId: null, model: model('flux-dev') })).ok).toBe(true);
  });

  it('names the allowed models, compared case-insensitively', () => {
    expect(admit(input({ model: model('gpt-image-1') })).ok).toBe(true);
    const result = admit(input({ model: model('flux-dev') }));
    expect(result).toMatchObject({
      ok: false,
      reason: { kind: 'model_not_allowed', model: 'flux-dev', allowedModels: ['flux-2-pro', 'GPT-Image-1'] },
    });
    if (result.ok) return;
    expect(result.reason.message.en).toContain('`flux-2-pro`');
    expect(result.reason.message.zh).toContain('`flux-dev`');
  });

  it('reports the blocked entry for the logs but never tells the user which', () => {
    for (const prompt of ['so much G0RE', 'g.o.r.e', '一些血腥画面']) {
      const result = admit(input({ prompt }));
      expect(result.ok).toBe(false);
      if (result.ok || result.reason.kind !== 'blocked_word') throw new Error(`expected a blocked word for ${prompt}`);
      expect(['gore', '血腥']).toContain(result.reason.entry);
      expect(result.reason.message.en).not.toMatch(/gore/i);
      expect(result.reason.message.zh).not.toContain('血腥');
      expect(result.reason.message.en).toMatch(/nothing was charged/);
      expect(result.reason.message.zh).toMatch(/未扣除/);
    }
  });

  it('returns the safety resolution and the spoiler default when admitted', () => {
    const result = admit(input({ requestedSafety: 5 }));
    expect(result).toEqual({
      ok: true,
      safety: { value: 2, max: 2, cappedBy: 'policy', adjustments: [{ field: 'safetyTolerance', from: '5', to: '2' }] },
      spoiler: true,
    });
    const nsfw = admit(input({ channelId: LOUNGE, channelIsNsfw: true, requestedSafety: 5, filter: EMPTY_WORD_FILTER, policy: { ...DEFAULT_POLICY_SETTINGS } }));
    expect(nsfw).toEqual({ ok: true, safety: { value: 5, max: 5, adjustments: [] }, spoiler: false });
  });

  it('maps GPT models to moderation through the same policy', () => {
    const policy = { ...DEFAULT_POLICY_SETTINGS };
    const ordinary = admit(input({ policy, model: model('gpt-image-1'), requestedSafety: 6 }));
    const nsfw = admit(input({ policy, model: model('gpt-image-1'), channelIsNsfw: true, requestedSafety: 6 }));
    expect(ordinary.ok && ordinary.safety.moderation).toBe('auto');
    expect(nsfw.ok && nsfw.safety.moderation).toBe('low');
  });
});
