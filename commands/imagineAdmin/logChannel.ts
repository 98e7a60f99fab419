// /imagine-admin logchannel set|clear. Setting one posts the change there at once, which also shows
// the admin whether the bot may post in it; clearing posts the change to the channel being left.
import { MessageFlags } from 'discord.js';
import { adminText } from '../../src/i18n/adminMessages.js';
import { channelMention } from '../../src/moderation/messages.js';
import { sendToChannel } from '../../src/discord/logChannel.js';
import { attempt, logText, say } from './common.js';
import type { AdminHandlers } from './definition.js';
import { describePolicyValue } from '../../src/moderation/auditText.js';
import { POLICY_FIELD_LABELS } from '../../src/moderation/guildPolicy.js';

export const logChannelHandlers: AdminHandlers['logchannel'] = {
  async set(call, { channel: channelId }) {
    const result = await attempt(call, () => call.ctx.policies.update(call.guildId, { logChannelId: channelId }, call.actorId));
    if (!result.ok) return;
    const { audit } = result.value;
    const channel = channelMention(channelId);
    if (!audit) {
      const label = POLICY_FIELD_LABELS.logChannelId;
      return say(call, adminText.settingAlready(label, describePolicyValue('logChannelId', channelId)));
    }
    // Posting may take longer than the 3 seconds an answer may wait.
    await call.interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const posted = (await sendToChannel(call.interaction.client, channelId, { content: logText(call, audit) })) !== undefined;
    await say(call, posted ? adminText.logChannelSet(channel) : {
      en: `${adminText.logChannelSet(channel).en}\n${adminText.logChannelUnreachable(channel).en}`,
      zh: `${adminText.logChannelSet(channel).zh}\n${adminText.logChannelUnreachable(channel).zh}`,
    });
  },

  async clear(call) {
    const previous = call.ctx.policies.get(call.guildId).logChannelId;
    const result = await attempt(call, () => call.ctx.policies.update(call.guildId, { logChannelId: null }, call.actorId));
    if (!result.ok) return;
    const { audit } = result.value;
    if (!audit) {
      const label = POLICY_FIELD_LABELS.logChannelId;
      return say(call, adminText.settingAlready(label, describePolicyValue('logChannelId', null)));
    }
    await say(call, adminText.logChannelCleared);
    if (previous) await sendToChannel(call.interaction.client, previous, { content: logText(call, audit) });
  },
};
