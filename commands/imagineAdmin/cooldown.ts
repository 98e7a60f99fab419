// /imagine-admin cooldown set: seconds a user waits between two generations (0 = none).
import { adminText } from '../../src/i18n/adminMessages.js';
import { describePolicyValue } from '../../src/moderation/auditText.js';
import { POLICY_FIELD_LABELS } from '../../src/moderation/guildPolicy.js';
import { announce, attempt, say } from './common.js';
import type { AdminHandlers } from './definition.js';

export const cooldownHandlers: AdminHandlers['cooldown'] = {
  async set(call, { seconds }) {
    const result = await attempt(call, () => call.ctx.policies.update(call.guildId, { cooldownSeconds: seconds }, call.actorId));
    if (!result.ok) return;
    const { policy, audit } = result.value;
    const label = POLICY_FIELD_LABELS.cooldownSeconds;
    const value = describePolicyValue('cooldownSeconds', policy.cooldownSeconds);
    await say(call, audit ? adminText.settingNow(label, value) : adminText.settingAlready(label, value));
    await announce(call, audit);
  },
};
