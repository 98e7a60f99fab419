// /imagine-admin spoiler on|off: channels whose results are posted as spoilers by default.
import { adminText } from '../../src/i18n/adminMessages.js';
import { channelMention } from '../../src/moderation/messages.js';
import { announce, attempt, say, type AdminCall } from './common.js';
import type { AdminHandlers } from './definition.js';

async function toggle(call: AdminCall, channelId: string, on: boolean): Promise<void> {
  const edit = on ? { add: [channelId] } : { remove: [channelId] };
  const result = await attempt(call, () => call.ctx.policies.editList(call.guildId, 'spoilerChannels', edit, call.actorId));
  if (!result.ok) return;
  const channel = channelMention(channelId);
  const { audit } = result.value;
  if (audit) await say(call, on ? adminText.spoilerOn(channel) : adminText.spoilerOff(channel));
  else await say(call, adminText.unchanged(on ? adminText.spoilerAlreadyOn(channel) : adminText.spoilerAlreadyOff(channel)));
  await announce(call, audit);
}

export const spoilerHandlers: AdminHandlers['spoiler'] = {
  on: (call, { channel }) => toggle(call, channel, true),
  off: (call, { channel }) => toggle(call, channel, false),
};
