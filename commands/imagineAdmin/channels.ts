// /imagine-admin channels allow|disallow|reset: where /imagine works (empty list = everywhere; a
// thread counts as its parent channel).
import { adminText } from '../../src/i18n/adminMessages.js';
import { describePolicyValue } from '../../src/moderation/auditText.js';
import { POLICY_FIELD_LABELS } from '../../src/moderation/guildPolicy.js';
import { channelMention } from '../../src/moderation/messages.js';
import type { PolicyUpdate } from '../../src/policy/index.js';
import { announce, attempt, say, type AdminCall } from './common.js';
import type { AdminHandlers } from './definition.js';

async function done(call: AdminCall, update: PolicyUpdate): Promise<void> {
  const label = POLICY_FIELD_LABELS.allowedChannels;
  const value = describePolicyValue('allowedChannels', update.policy.allowedChannels);
  await say(call, update.audit ? adminText.settingNow(label, value) : adminText.settingAlready(label, value));
  await announce(call, update.audit);
}

export const channelHandlers: AdminHandlers['channels'] = {
  async allow(call, { channel: channelId }) {
    const result = await attempt(call, () => call.ctx.policies.editList(call.guildId, 'allowedChannels', { add: [channelId] }, call.actorId));
    if (result.ok) await done(call, result.value);
  },

  async disallow(call, { channel: channelId }) {
    const current = call.ctx.policies.get(call.guildId).allowedChannels;
    // An empty list means every channel: removing one from it cannot be expressed, and removing the
    // last one would silently open every channel.
    if (current.length === 0) return say(call, adminText.channelsUnrestricted);
    if (!current.includes(channelId)) return say(call, adminText.unchanged(adminText.channelNotListed(channelMention(channelId))));
    if (current.length === 1) return say(call, adminText.lastChannel);
    const result = await attempt(call, () => call.ctx.policies.editList(call.guildId, 'allowedChannels', { remove: [channelId] }, call.actorId));
    if (result.ok) await done(call, result.value);
  },

  async reset(call) {
    const result = await attempt(call, () => call.ctx.policies.update(call.guildId, { allowedChannels: [] }, call.actorId));
    if (result.ok) await done(call, result.value);
  },
};
