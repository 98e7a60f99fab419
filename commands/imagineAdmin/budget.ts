// /imagine-admin budget set|clear: the server's daily and monthly money budget in estimated USD
// (UTC day and calendar month, as the ledger counts them). The answer shows what is spent already.
import { adminText } from '../../src/i18n/adminMessages.js';
import type { Localized } from '../../src/i18n/locale.js';
import { describePolicyValue } from '../../src/moderation/auditText.js';
import { POLICY_FIELD_LABELS, type GuildPolicy, type PolicyPatch } from '../../src/moderation/guildPolicy.js';
import { announce, attempt, say, usd, type AdminCall } from './common.js';
import type { AdminHandlers } from './definition.js';

/** Both budgets with what is spent in each period, one line each. */
function budgetLines(call: AdminCall, policy: GuildPolicy): Localized[] {
  const now = Date.now();
  return (['dailyBudgetUsd', 'monthlyBudgetUsd'] as const).map((field) => {
    const label = POLICY_FIELD_LABELS[field];
    const value = describePolicyValue(field, policy[field]);
    const spent = adminText.budgetSpent(usd(call.ctx.ledger.spent(call.guildId, field === 'dailyBudgetUsd' ? 'day' : 'month', now)));
    return { en: `${label.en}: ${value.en} (${spent.en})`, zh: `${label.zh}:${value.zh}(${spent.zh})` };
  });
}

async function apply(call: AdminCall, patch: PolicyPatch): Promise<void> {
  const result = await attempt(call, () => call.ctx.policies.update(call.guildId, patch, call.actorId));
  if (!result.ok) return;
  const { policy, audit } = result.value;
  const lines = budgetLines(call, policy);
  const text = { en: lines.map((l) => l.en).join('\n'), zh: lines.map((l) => l.zh).join('\n') };
  await say(call, audit ? adminText.done(text) : adminText.unchanged(text));
  await announce(call, audit);
}

export const budgetHandlers: AdminHandlers['budget'] = {
  async set(call, { daily, monthly }) {
    if (daily === undefined && monthly === undefined) return say(call, adminText.budgetNeedsValue);
    await apply(call, { ...(daily === undefined ? {} : { dailyBudgetUsd: daily }), ...(monthly === undefined ? {} : { monthlyBudgetUsd: monthly }) });
  },

  async clear(call, { period }) {
    const patch: PolicyPatch = {};
    if (period === 'daily' || period === 'both') patch.dailyBudgetUsd = null;
    if (period === 'monthly' || period === 'both') patch.monthlyBudgetUsd = null;
    await apply(call, patch);
  },
};
