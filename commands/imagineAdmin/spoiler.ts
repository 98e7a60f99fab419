// /imagine-admin spoiler on|off: channels whose results are posted as spoilers by default.
import { adminText } from '../../src/i18n/adminMessages.js';
import { channelMention } from '../../src/moderation/messages.js';
import { announce, attempt, requiredIdOption, say, type AdminCall } from './common.js';

async function toggle(call: AdminCall, on: boolean): Promise<void> {
  const channelId = requiredIdOption(call, 'channel');
  const edit = on ? { add: [channelId] } : { remove: [channelId] };
  const result = await attempt(call, () => call.ctx.policies.editList(call.guildId, 'spoilerChannels', edit, call.actorId));
  if (!result.ok) return;
  const channel = channelMention(channelId);
  const { audit } = result.value;
  if (audit) await say(call, on ? adminText.spoilerOn(channel) : adminText.spoilerOff(channel));
  else await say(call, adminText.unchanged(on ? adminText.spoilerAlreadyOn(channel) : adminText.spoilerAlreadyOff(channel)));
  await announce(call, audit);
}

export const spoilerHandlers = {
  on: (call: AdminCall) => toggle(call, true),
  off: (call: AdminCall) => toggle(call, false),
};
