// /imagine-admin safety set: default and maximum safety_tolerance for ordinary or age-restricted
// channels (ordinary ones stop at ORDINARY_CHANNEL_SAFETY_CEILING; PolicyStore validates). Each
// model then clamps them to its own range; the answer names the models that do.
import type { ModelSpec } from '../../src/catalog/types.js';
import { adminText } from '../../src/i18n/adminMessages.js';
import type { Localized } from '../../src/i18n/locale.js';
import type { PolicySettings } from '../../src/moderation/guildPolicy.js';
import { code } from '../../src/moderation/messages.js';
import { resolveSafety } from '../../src/moderation/safetyPolicy.js';
import { announce, attempt, say } from './common.js';
import type { AdminHandlers } from './definition.js';

/** "default 2, maximum 5" as this model will actually use it in this kind of channel. */
function effective(policy: PolicySettings, model: ModelSpec, nsfw: boolean): { value: number; max: number } | undefined {
  const resolution = resolveSafety(policy, model, nsfw);
  return resolution.value === undefined || resolution.max === undefined ? undefined : { value: resolution.value, max: resolution.max };
}

/** Models whose own range changes what the policy says, as "`flux-2-pro` 0–5". */
export function clampingModels(models: readonly ModelSpec[], policy: PolicySettings, nsfw: boolean): string[] {
  const wanted = nsfw
    ? { value: Math.min(policy.safetyNsfwDefault, policy.safetyNsfwMax), max: policy.safetyNsfwMax }
    : { value: Math.min(policy.safetyNormalDefault, policy.safetyNormalMax), max: policy.safetyNormalMax };
  const out: string[] = [];
  for (const model of models) {
    const range = model.safetyTolerance;
    if (!range) continue;
    const got = effective(policy, model, nsfw);
    if (got && (got.value !== wanted.value || got.max !== wanted.max)) out.push(`${code(model.id)} ${range.min}–${range.max}`);
  }
  return out;
}

export const safetyHandlers: AdminHandlers['safety'] = {
  async set(call, { channel_kind: channelKind, default: def = null, max = null }) {
    const nsfw = channelKind === 'nsfw';
    if (def === null && max === null) return say(call, adminText.safetyNeedsValue);
    const patch = nsfw
      ? { ...(def === null ? {} : { safetyNsfwDefault: def }), ...(max === null ? {} : { safetyNsfwMax: max }) }
      : { ...(def === null ? {} : { safetyNormalDefault: def }), ...(max === null ? {} : { safetyNormalMax: max }) };
    const result = await attempt(call, () => call.ctx.policies.update(call.guildId, patch, call.actorId));
    if (!result.ok) return;
    const { policy, audit } = result.value;
    const kind = nsfw ? adminText.safetyKindNsfw : adminText.safetyKindNormal;
    const now = nsfw ? adminText.safetyNow(kind, policy.safetyNsfwDefault, policy.safetyNsfwMax) : adminText.safetyNow(kind, policy.safetyNormalDefault, policy.safetyNormalMax);
    const lines: Localized[] = [audit ? adminText.done(now) : adminText.unchanged(now)];
    const clamping = clampingModels(call.ctx.config.offeredModels, policy, nsfw);
    if (clamping.length) lines.push(adminText.safetyModelCaps(clamping.join(', ')));
    if (call.ctx.config.offeredModels.some((model) => !model.safetyTolerance && model.moderation)) lines.push(adminText.safetyGptNote);
    await say(call, { en: lines.map((l) => l.en).join('\n'), zh: lines.map((l) => l.zh).join('\n') });
    await announce(call, audit);
  },
};
