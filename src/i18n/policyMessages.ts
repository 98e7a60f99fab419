// The words of a server's policy (moderation/guildPolicy.ts): the settings' names, what each
// accepts, and why a change was refused, in English and Simplified Chinese.
import type { Localized } from './locale.js';

const both = (en: string, zh: string): Localized => ({ en, zh });

/** Names of the settings, for admin messages and the log channel (guildPolicy.ts types them by PolicyField). */
export const policyFieldLabels = {
  allowedModels: both('Allowed models', '允许的模型'),
  allowedChannels: both('Allowed channels', '允许的频道'),
  spoilerChannels: both('Spoiler channels', '默认剧透的频道'),
  safetyNormalDefault: both('Default safety (ordinary channels)', '默认安全容忍度(普通频道)'),
  safetyNormalMax: both('Maximum safety (ordinary channels)', '最高安全容忍度(普通频道)'),
  safetyNsfwDefault: both('Default safety (age-restricted channels)', '默认安全容忍度(年龄限制频道)'),
  safetyNsfwMax: both('Maximum safety (age-restricted channels)', '最高安全容忍度(年龄限制频道)'),
  dailyQuota: both('Daily images per user', '每人每日图片数'),
  cooldownSeconds: both('Cooldown', '冷却时间'),
  dailyBudgetUsd: both('Daily budget', '每日预算'),
  monthlyBudgetUsd: both('Monthly budget', '每月预算'),
  logChannelId: both('Log channel', '日志频道'),
} as const satisfies Record<string, Localized>;

export type PolicyFieldName = keyof typeof policyFieldLabels;

/** The bounds a policy value must keep (guildPolicy.ts's constants). */
export interface PolicyLimits {
  maxListItems: number;
  ordinarySafetyCeiling: number;
  safetyMax: number;
  maxDailyQuota: number;
  maxCooldownSeconds: number;
  maxBudgetUsd: number;
}

/** What each setting accepts, for the message when a value is refused. */
export function policyExpected(l: PolicyLimits): Record<PolicyFieldName, Localized> {
  const ordinarySafety = both(
    `a whole number from 0 to ${l.ordinarySafetyCeiling} (looser settings are allowed only in age-restricted channels)`,
    `0 到 ${l.ordinarySafetyCeiling} 的整数(更宽松的设置仅允许用于年龄限制频道)`,
  );
  const nsfwSafety = both(`a whole number from 0 to ${l.safetyMax}`, `0 到 ${l.safetyMax} 的整数`);
  const channels = both(`a list of at most ${l.maxListItems} channels`, `最多 ${l.maxListItems} 个频道的列表`);
  const budget = both(`an amount in USD from 0 to ${l.maxBudgetUsd}, or none for no budget`, `0 到 ${l.maxBudgetUsd} 的美元金额,或不设(无预算)`);
  return {
    allowedModels: both(`a list of at most ${l.maxListItems} model ids`, `最多 ${l.maxListItems} 个模型 ID 的列表`),
    allowedChannels: channels,
    spoilerChannels: channels,
    safetyNormalDefault: ordinarySafety,
    safetyNormalMax: ordinarySafety,
    safetyNsfwDefault: nsfwSafety,
    safetyNsfwMax: nsfwSafety,
    dailyQuota: both(`a whole number from 0 to ${l.maxDailyQuota}, or none for unlimited`, `0 到 ${l.maxDailyQuota} 的整数,或不设(不限)`),
    cooldownSeconds: both(`a whole number of seconds from 0 to ${l.maxCooldownSeconds}`, `0 到 ${l.maxCooldownSeconds} 的整数秒数`),
    dailyBudgetUsd: budget,
    monthlyBudgetUsd: budget,
    logChannelId: both('a channel, or none', '一个频道,或不设'),
  };
}

export const policyText = {
  /** A value outside what the setting accepts. */
  fieldProblem: (p: { label: Localized; expected: Localized }) =>
    both(`${p.label.en} must be ${p.expected.en}.`, `${p.label.zh}必须是${p.expected.zh}。`),
  unknownSetting: (p: { name: string }) => both(`Unknown policy setting: ${p.name}.`, `未知的策略设置:${p.name}。`),
  /** A default safety looser than its maximum. */
  defaultAboveMax: (p: { defaultLabel: Localized; defaultValue: number; maxLabel: Localized; maxValue: number }) =>
    both(
      `${p.defaultLabel.en} (${p.defaultValue}) cannot be looser than ${p.maxLabel.en} (${p.maxValue}); raise the maximum first or choose a lower default.`,
      `${p.defaultLabel.zh}(${p.defaultValue})不能高于${p.maxLabel.zh}(${p.maxValue});请先提高最高值,或选择更低的默认值。`,
    ),
} as const;
