// /imagine-admin quota set|role: images per user per day, for the server and per role (the most
// generous of a member's roles wins over the server's quota; roleQuota.ts).
import { adminText } from '../../src/i18n/adminMessages.js';
import type { Localized } from '../../src/i18n/locale.js';
import { describePolicyValue } from '../../src/moderation/auditText.js';
import { POLICY_FIELD_LABELS } from '../../src/moderation/guildPolicy.js';
import { roleMention } from '../../src/moderation/messages.js';
import { announce, attempt, say } from './common.js';
import type { AdminHandlers } from './definition.js';

function quotaText(quota: number | null): Localized {
  return quota === null ? adminText.quotaUnlimited : adminText.quotaImages(quota);
}

export const quotaHandlers: AdminHandlers['quota'] = {
  async set(call, { images = null }) {
    const result = await attempt(call, () => call.ctx.policies.update(call.guildId, { dailyQuota: images }, call.actorId));
    if (!result.ok) return;
    const { policy, audit } = result.value;
    const label = POLICY_FIELD_LABELS.dailyQuota;
    const value = describePolicyValue('dailyQuota', policy.dailyQuota);
    await say(call, audit ? adminText.settingNow(label, value) : adminText.settingAlready(label, value));
    await announce(call, audit);
  },

  async role(call, { role: roleId, images = null, clear = false }) {
    const role = roleMention(roleId);
    if (clear && images !== null) return say(call, adminText.roleQuotaConflict);
    if (clear) {
      const result = await attempt(call, () => call.ctx.policies.clearRoleQuota(call.guildId, roleId, call.actorId));
      if (!result.ok) return;
      await say(call, result.value ? adminText.roleQuotaCleared(role) : adminText.unchanged(adminText.roleQuotaNone(role)));
      await announce(call, result.value);
      return;
    }
    const result = await attempt(call, () => call.ctx.policies.setRoleQuota(call.guildId, roleId, images, call.actorId));
    if (!result.ok) return;
    const quota = quotaText(images);
    await say(call, result.value ? adminText.roleQuotaSet(role, quota) : adminText.unchanged(adminText.roleQuotaSame(role, quota)));
    await announce(call, result.value);
  },
};
