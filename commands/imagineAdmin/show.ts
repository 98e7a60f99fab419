// /imagine-admin show: the whole policy in one embed, in the admin's language.
import { EmbedBuilder } from 'discord.js';
import { adminText } from '../../src/i18n/adminMessages.js';
import { pick, type Localized } from '../../src/i18n/locale.js';
import { describePolicyValue } from '../../src/moderation/auditText.js';
import { POLICY_FIELD_LABELS, type GuildPolicy, type PolicyField } from '../../src/moderation/guildPolicy.js';
import { channelMention, code, roleMention, userMention } from '../../src/moderation/messages.js';
import { resolveSafety } from '../../src/moderation/safetyPolicy.js';
import { cut, discordTime, joinLines, reply, usd, type AdminCall } from './common.js';

/** Field values that hold lists stay short enough for the embed's 6,000 characters in all. */
const LIST_FIELD = 700;

function listValue(call: AdminCall, field: PolicyField, items: readonly string[], show: (id: string) => string): string {
  if (items.length === 0) return pick(describePolicyValue(field, []), call.locale);
  return joinLines(items.map(show), LIST_FIELD, call.locale, call.locale === 'zh' ? '、' : ', ');
}

function safetyPerModel(call: AdminCall, policy: GuildPolicy): string | undefined {
  const range = (nsfw: boolean, model: Parameters<typeof resolveSafety>[1]): string | undefined => {
    const r = resolveSafety(policy, model, nsfw);
    return r.value === undefined ? undefined : `${r.value}/${r.max ?? r.value}`;
  };
  const policyNormal = `${Math.min(policy.safetyNormalDefault, policy.safetyNormalMax)}/${policy.safetyNormalMax}`;
  const policyNsfw = `${Math.min(policy.safetyNsfwDefault, policy.safetyNsfwMax)}/${policy.safetyNsfwMax}`;
  const lines: string[] = [];
  for (const model of call.ctx.config.offeredModels) {
    if (!model.safetyTolerance) continue;
    const normal = range(false, model);
    const nsfw = range(true, model);
    if (normal === undefined || nsfw === undefined || (normal === policyNormal && nsfw === policyNsfw)) continue;
    lines.push(pick(adminText.safetyModelLine(model.id, normal, nsfw), call.locale));
  }
  return lines.length ? joinLines(lines, LIST_FIELD, call.locale) : undefined;
}

function quotaValue(quota: number | null): Localized {
  return quota === null ? adminText.quotaUnlimited : adminText.quotaImages(quota);
}

export function policyEmbed(call: AdminCall): EmbedBuilder {
  const { ctx, guildId, locale } = call;
  const policy = ctx.policies.get(guildId);
  const label = (field: PolicyField) => pick(POLICY_FIELD_LABELS[field], locale);
  const value = (field: PolicyField) => cut(pick(describePolicyValue(field, policy[field]), locale), 1_024);
  const fields: Array<{ name: string; value: string; inline?: boolean }> = [
    { name: label('allowedModels'), value: listValue(call, 'allowedModels', policy.allowedModels, code) },
    { name: label('allowedChannels'), value: listValue(call, 'allowedChannels', policy.allowedChannels, channelMention) },
    { name: label('spoilerChannels'), value: listValue(call, 'spoilerChannels', policy.spoilerChannels, channelMention) },
    {
      name: pick(adminText.showSafetyNormal, locale),
      value: pick(adminText.safetyLine(Math.min(policy.safetyNormalDefault, policy.safetyNormalMax), policy.safetyNormalMax), locale),
      inline: true,
    },
    {
      name: pick(adminText.showSafetyNsfw, locale),
      value: pick(adminText.safetyLine(Math.min(policy.safetyNsfwDefault, policy.safetyNsfwMax), policy.safetyNsfwMax), locale),
      inline: true,
    },
  ];
  const perModel = safetyPerModel(call, policy);
  if (perModel) fields.push({ name: pick(adminText.showSafetyModels, locale), value: perModel });

  const roleLines = ctx.policies
    .listRoleQuotas(guildId)
    .map((role) => pick(adminText.showRoleQuota(roleMention(role.roleId), quotaValue(role.dailyQuota)), locale));
  fields.push(
    { name: label('dailyQuota'), value: joinLines([pick(quotaValue(policy.dailyQuota), locale), ...roleLines], LIST_FIELD, locale), inline: true },
    { name: label('cooldownSeconds'), value: value('cooldownSeconds'), inline: true },
  );

  const now = Date.now();
  const budget = (field: 'dailyBudgetUsd' | 'monthlyBudgetUsd', period: Localized, spent: number) =>
    pick(adminText.showBudgetLine(period, describePolicyValue(field, policy[field]), usd(spent)), locale);
  fields.push(
    {
      name: pick(adminText.showBudgets, locale),
      value: [
        budget('dailyBudgetUsd', adminText.showToday, ctx.ledger.spent(guildId, 'day', now)),
        budget('monthlyBudgetUsd', adminText.showMonth, ctx.ledger.spent(guildId, 'month', now)),
      ].join('\n'),
    },
    { name: label('logChannelId'), value: value('logChannelId'), inline: true },
  );

  const blocked = ctx.policies.listBlocked(guildId);
  const blockedLines = blocked.map((user) => `${userMention(user.userId)}${user.reason ? ` (${cut(user.reason, 80)})` : ''}`);
  fields.push(
    {
      name: pick(adminText.showBlockedUsers(blocked.length), locale),
      value: blocked.length ? joinLines(blockedLines, LIST_FIELD, locale) : pick(adminText.showNone, locale),
      inline: true,
    },
    { name: pick(adminText.showBlockedWords, locale), value: pick(adminText.showWordCount(ctx.policies.listBlockedWords(guildId).length), locale), inline: true },
  );

  const description =
    policy.updatedAt !== null && policy.updatedBy
      ? pick(adminText.showUpdated(userMention(policy.updatedBy), discordTime(policy.updatedAt)), locale)
      : pick(adminText.showDefaults, locale);
  return new EmbedBuilder().setTitle(pick(adminText.showTitle, locale)).setDescription(description).addFields(fields);
}

export const show = async (call: AdminCall): Promise<void> => {
  await reply(call, { embeds: [policyEmbed(call)] });
};
