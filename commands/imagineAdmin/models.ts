// /imagine-admin models allow|disallow|reset: the server's model allow-list (empty = every offered
// model). Model ids are checked against the models this bot offers and stored in their own spelling.
import { adminText } from '../../src/i18n/adminMessages.js';
import { describePolicyValue } from '../../src/moderation/auditText.js';
import { POLICY_FIELD_LABELS } from '../../src/moderation/guildPolicy.js';
import { code } from '../../src/moderation/messages.js';
import type { PolicyUpdate } from '../../src/policy/index.js';
import { announce, attempt, joinLines, say, type AdminCall } from './common.js';
import type { AdminHandlers } from './definition.js';

const same = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

function offeredIds(call: AdminCall): string[] {
  return call.ctx.config.offeredModels.map((model) => model.id);
}

async function unknownModel(call: AdminCall, typed: string): Promise<void> {
  const list = joinLines(offeredIds(call).map(code), 1_500, call.locale, ', ');
  await say(call, adminText.unknownModel(typed.replace(/`/g, ''), list));
}

/** Answers with the list as it is now, and posts the change. */
async function done(call: AdminCall, update: PolicyUpdate): Promise<void> {
  const label = POLICY_FIELD_LABELS.allowedModels;
  const value = describePolicyValue('allowedModels', update.policy.allowedModels);
  await say(call, update.audit ? adminText.settingNow(label, value) : adminText.settingAlready(label, value));
  await announce(call, update.audit);
}

const allow: AdminHandlers['models']['allow'] = async (call, { model: typed }) => {
  const model = offeredIds(call).find((id) => same(id, typed));
  if (!model) return unknownModel(call, typed);
  const result = await attempt(call, () => call.ctx.policies.editList(call.guildId, 'allowedModels', { add: [model] }, call.actorId));
  if (result.ok) await done(call, result.value);
};

const disallow: AdminHandlers['models']['disallow'] = async (call, { model: typed }) => {
  const current = call.ctx.policies.get(call.guildId).allowedModels;
  // A model still on the list may be removed even when the bot no longer offers it.
  const listed = current.find((id) => same(id, typed));
  const offered = offeredIds(call).find((id) => same(id, typed));
  if (!listed && !offered) return unknownModel(call, typed);
  if (current.length > 0 && !listed) return say(call, adminText.unchanged(adminText.modelAlreadyOff(offered ?? typed)));
  // An empty list allows everything: "all but this one" is every other offered model.
  const next = current.length === 0 ? offeredIds(call).filter((id) => !same(id, typed)) : current.filter((id) => !same(id, typed));
  if (next.length === 0) return say(call, adminText.lastModel);
  const result = await attempt(call, () => call.ctx.policies.update(call.guildId, { allowedModels: next }, call.actorId));
  if (result.ok) await done(call, result.value);
};

const reset: AdminHandlers['models']['reset'] = async (call) => {
  const result = await attempt(call, () => call.ctx.policies.update(call.guildId, { allowedModels: [] }, call.actorId));
  if (result.ok) await done(call, result.value);
};

export const modelHandlers: AdminHandlers['models'] = { allow, disallow, reset };
