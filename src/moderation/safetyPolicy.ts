// The safety setting a generation actually uses, from the server's policy, the kind of channel, the
// model and what the user asked for:
//   1. no request → the policy's default for this kind of channel;
//   2. a request looser than the policy's maximum for this kind of channel is lowered to it;
//   3. the result is clamped to the model's own range (FLUX.2 0..5, FLUX 1.x and Kontext 0..6);
//   4. GPT image models with `moderation` keep the 0..6 value and map it exactly as the request
//      builder does (moderationFor: 3+ → low, else auto);
//   5. a model with neither knob gets no value; a request for one is reported as dropped.
// Every lowering of the user's own request is returned as an Adjustment, so the embed can show it.
import type { ModelSpec } from '../catalog/types.js';
import { adjusted, OMITTED } from '../providers/dialects/checks.js';
import { moderationFor } from '../providers/dialects/gptImage.js';
import type { Adjustment } from '../providers/types.js';
import { SAFETY_SCALE, type PolicySettings } from './guildPolicy.js';

export interface SafetyLimits {
  default: number;
  max: number;
}

export interface SafetyResolution {
  /**
   * The `safetyTolerance` to put in the ImageRequest: on the model's own scale for FLUX models; for
   * GPT image models the 0..6 value that `moderation` is mapped from. Absent when the model has no
   * safety setting at all.
   */
  value?: number;
  /** For GPT image models that take `moderation`: what the request will send. */
  moderation?: 'low' | 'auto';
  /** The user's request, lowered or dropped (empty when it was used as asked, or there was none). */
  adjustments: Adjustment[];
  /** The loosest value allowed here for this model; absent when the model has no safety setting. */
  max?: number;
  /** What lowered the user's request: the server's policy or the model's range. */
  cappedBy?: 'policy' | 'model';
}

type SafetyPolicy = Pick<PolicySettings, 'safetyNormalDefault' | 'safetyNormalMax' | 'safetyNsfwDefault' | 'safetyNsfwMax'>;

/** The policy's default and maximum for this kind of channel (default never above maximum). */
export function safetyLimitsFor(policy: SafetyPolicy, channelIsNsfw: boolean): SafetyLimits {
  const max = channelIsNsfw ? policy.safetyNsfwMax : policy.safetyNormalMax;
  const def = channelIsNsfw ? policy.safetyNsfwDefault : policy.safetyNormalDefault;
  return { default: Math.min(def, max), max };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export function resolveSafety(policy: SafetyPolicy, model: ModelSpec, channelIsNsfw: boolean, requested?: number): SafetyResolution {
  // A value that is not a number is treated as no request (Discord sends integers; be safe).
  const asked = requested !== undefined && Number.isFinite(requested) ? Math.round(requested) : undefined;
  const range = model.safetyTolerance ?? (model.moderation ? SAFETY_SCALE : undefined);
  if (!range) {
    return { adjustments: asked === undefined ? [] : [adjusted('safetyTolerance', requested, OMITTED)] };
  }
  const limits = safetyLimitsFor(policy, channelIsNsfw);
  const max = clamp(limits.max, range.min, range.max);
  const value = clamp(asked === undefined ? limits.default : Math.min(asked, limits.max), range.min, range.max);
  const resolution: SafetyResolution = { value, max, adjustments: [] };
  if (model.moderation && !model.safetyTolerance) resolution.moderation = moderationFor(value);
  if (asked !== undefined && value !== requested) {
    resolution.adjustments.push(adjusted('safetyTolerance', requested, String(value)));
    if (asked > value) resolution.cappedBy = limits.max < range.max ? 'policy' : 'model';
    else if (asked < value) resolution.cappedBy = 'model';
  }
  return resolution;
}
