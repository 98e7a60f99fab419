// /imagine-admin block|unblock: members who may not generate images on this server.
import { adminText } from '../../src/i18n/adminMessages.js';
import { userMention } from '../../src/moderation/messages.js';
import { announce, attempt, say } from './common.js';
import type { AdminHandlers } from './definition.js';

export const block: AdminHandlers['block'] = async (call, { user: userId, reason = null }) => {
  const result = await attempt(call, () => call.ctx.policies.block(call.guildId, userId, call.actorId, reason));
  if (!result.ok) return;
  const audit = result.value;
  const user = userMention(userId);
  if (audit?.action === 'user.block') await say(call, adminText.blocked(user, audit.detail.reason));
  else await say(call, adminText.unchanged(adminText.alreadyBlocked(user)));
  await announce(call, audit);
};

export const unblock: AdminHandlers['unblock'] = async (call, { user: userId }) => {
  const result = await attempt(call, () => call.ctx.policies.unblock(call.guildId, userId, call.actorId));
  if (!result.ok) return;
  const user = userMention(userId);
  await say(call, result.value ? adminText.unblocked(user) : adminText.unchanged(adminText.notBlocked(user)));
  await announce(call, result.value);
};
