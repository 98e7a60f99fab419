import { describe, expect, it } from 'vitest';
import {
  applyPolicyPatch,
  DEFAULT_POLICY_SETTINGS,
  isChannelAllowed,
  isModelAllowed,
  isSpoilerChannel,
  PolicyValidationError,
  type PolicySettings,
} from '../../src/moderation/guildPolicy.js';
import { effectiveDailyQuota } from '../../src/moderation/roleQuota.js';

const base: PolicySettings = { ...DEFAULT_POLICY_SETTINGS };

function refusal(patch: unknown, current: PolicySettings = base): PolicyValidationError {
  try {
    applyPolicyPatch(current, patch);
  } catch (error) {
    if (error instanceof PolicyValidationError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('applyPolicyPatch', () => {
  it('lists only what changed', () => {
    const { settings, changes } = applyPolicyPatch(base, { dailyQuota: 20, cooldownSeconds: 0, allowedModels: ['flux-2-pro'] });
    expect(settings.dailyQuota).toBe(20);
    expect(changes).toEqual([
      { field: 'allowedModels', from: [], to: ['flux-2-pro'] },
      { field: 'dailyQuota', from: null, to: 20 },
    ]);
  });

  it('deduplicates lists (models case-insensitively) and rounds money', () => {
    const { settings } = applyPolicyPatch(base, {
      allowedModels: [' flux-2-pro ', 'FLUX-2-PRO', 'gpt-image-1'],
      allowedChannels: ['1', '2', '1'],
      dailyBudgetUsd: 1.23456789,
    });
    expect(settings.allowedModels).toEqual(['flux-2-pro', 'gpt-image-1']);
    expect(settings.allowedChannels).toEqual(['1', '2']);
    expect(settings.dailyBudgetUsd).toBe(1.234568);
  });

  it('does not touch the settings it was given', () => {
    const current: PolicySettings = { ...base, allowedChannels: ['1'] };
    applyPolicyPatch(current, { allowedChannels: ['2'] });
    expect(current.allowedChannels).toEqual(['1']);
  });

  it('keeps ordinary channels at or below the models’ default safety', () => {
    const error = refusal({ safetyNormalMax: 3 });
    expect(error.field).toBe('safetyNormalMax');
    expect(error.problem.en).toMatch(/age-restricted/);
    expect(error.problem.zh).toMatch(/年龄限制/);
    expect(applyPolicyPatch(base, { safetyNsfwMax: 6, safetyNsfwDefault: 4 }).settings.safetyNsfwDefault).toBe(4);
  });

  it('lowers a default together with its maximum, but refuses a default above the maximum', () => {
    const nsfw: PolicySettings = { ...base, safetyNsfwDefault: 4, safetyNsfwMax: 6 };
    expect(applyPolicyPatch(nsfw, { safetyNsfwMax: 3 }).changes).toEqual([
      { field: 'safetyNsfwDefault', from: 4, to: 3 },
      { field: 'safetyNsfwMax', from: 6, to: 3 },
    ]);
    const error = refusal({ safetyNsfwDefault: 5, safetyNsfwMax: 3 });
    expect(error.field).toBe('safetyNsfwDefault');
    expect(error.problem.en).toMatch(/cannot be looser/);
    expect(refusal({ safetyNormalDefault: 2, safetyNormalMax: 1 }).field).toBe('safetyNormalDefault');
  });

  it.each([
    [{ safetyNsfwMax: 7 }, 'safetyNsfwMax'],
    [{ safetyNsfwMax: 2.5 }, 'safetyNsfwMax'],
    [{ dailyQuota: -1 }, 'dailyQuota'],
    [{ cooldownSeconds: 86_401 }, 'cooldownSeconds'],
    [{ monthlyBudgetUsd: -5 }, 'monthlyBudgetUsd'],
    [{ dailyBudgetUsd: Number.NaN }, 'dailyBudgetUsd'],
    [{ logChannelId: 12345 }, 'logChannelId'],
    [{ allowedChannels: ['#general'] }, 'allowedChannels'],
    [{ allowedModels: [''] }, 'allowedModels'],
    [{ allowedChannels: Array.from({ length: 101 }, (_, i) => String(i)) }, 'allowedChannels'],
    [{ spoilerEverything: true }, 'spoilerEverything'],
  ])('refuses %j with a message naming %s', (patch, field) => {
    const error = refusal(patch);
    expect(error.field).toBe(field);
    expect(error.problem.en.length).toBeGreaterThan(10);
    expect(error.problem.zh.length).toBeGreaterThan(5);
  });

  it('accepts null for "unlimited" and "none"', () => {
    const current: PolicySettings = { ...base, dailyQuota: 5, dailyBudgetUsd: 2, logChannelId: '42' };
    const { settings } = applyPolicyPatch(current, { dailyQuota: null, dailyBudgetUsd: null, logChannelId: null });
    expect(settings).toMatchObject({ dailyQuota: null, dailyBudgetUsd: null, logChannelId: null });
  });
});

describe('list checks', () => {
  it('empty lists mean unrestricted; threads count as their parent', () => {
    expect(isModelAllowed(base, 'anything')).toBe(true);
    expect(isChannelAllowed(base, '1')).toBe(true);
    expect(isSpoilerChannel(base, '1')).toBe(false);
    const policy = { ...base, allowedModels: ['Flux-2-Pro'], allowedChannels: ['1'], spoilerChannels: ['1'] };
    expect(isModelAllowed(policy, 'flux-2-pro')).toBe(true);
    expect(isModelAllowed(policy, 'flux-dev')).toBe(false);
    expect(isChannelAllowed(policy, '9', '1')).toBe(true);
    expect(isChannelAllowed(policy, '9', null)).toBe(false);
    expect(isSpoilerChannel(policy, '9', '1')).toBe(true);
  });
});

describe('effectiveDailyQuota', () => {
  const roles = [
    { roleId: 'vip', dailyQuota: 50 },
    { roleId: 'booster', dailyQuota: 20 },
    { roleId: 'staff', dailyQuota: null },
    { roleId: 'muted', dailyQuota: 0 },
  ];

  it.each([
    [[], 10, 10],
    [['other'], 10, 10],
    [['booster'], 10, 20],
    [['booster', 'vip'], 10, 50],
    [['vip', 'staff'], 10, null],
    [['muted'], 10, 0],
    [['muted', 'booster'], 10, 20],
    [[], null, null],
  ] as const)('roles %j with server quota %s → %s', (memberRoles, serverQuota, expected) => {
    expect(effectiveDailyQuota(serverQuota, roles, memberRoles)).toBe(expected);
  });
});
