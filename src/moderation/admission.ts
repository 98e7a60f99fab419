// Whether a generation may start under the server's policy, decided before anything is spent.
// Checks, in order: the user is blocked, the channel is not allowed, the model is not allowed, the
// prompt contains a blocked word; then resolves the safety setting and the spoiler default.
// Pure: the caller loads the policy, the word filter and the block (PolicyService.admissionContext)
// and acts on the answer. Quotas, cooldowns and budgets are the ledger's, checked after this.
import type { ModelSpec } from '../catalog/types.js';
import type { Localized } from '../i18n/locale.js';
import { isChannelAllowed, isModelAllowed, isSpoilerChannel, type PolicySettings } from './guildPolicy.js';
import { moderationText } from './messages.js';
import { resolveSafety, type SafetyResolution } from './safetyPolicy.js';
import type { WordFilter } from './wordFilter.js';

export interface AdmissionInput {
  policy: PolicySettings;
  filter: WordFilter;
  /** From PolicyService.isBlocked. */
  userBlocked: boolean;
  /** Where the command was used; null in DMs. */
  channelId: string | null;
  /** For a thread: its parent channel, which the allow-list and spoiler list also accept. */
  parentChannelId?: string | null;
  /** The channel (for a thread, its parent) is age-restricted. */
  channelIsNsfw: boolean;
  model: ModelSpec;
  /** The prompt as it will be sent (after inline parameters were taken out). */
  prompt: string;
  /** The user's `safety_tolerance`, if given. */
  requestedSafety?: number;
}

/** Why a generation was refused; `message` is what to tell the user. */
export type AdmissionRefusal =
  | { kind: 'user_blocked'; message: Localized }
  | { kind: 'channel_not_allowed'; allowedChannelIds: string[]; message: Localized }
  | { kind: 'model_not_allowed'; model: string; allowedModels: string[]; message: Localized }
  /** `entry` is for admins and the log channel only; the user's message never names it. */
  | { kind: 'blocked_word'; entry: string; message: Localized };

export type AdmissionRefusalKind = AdmissionRefusal['kind'];

export type Admission =
  | {
      ok: true;
      /** The safety value (and GPT moderation) to use, and any lowering of the user's request. */
      safety: SafetyResolution;
      /** Post the result as a spoiler unless the user chose otherwise. */
      spoiler: boolean;
    }
  | { ok: false; reason: AdmissionRefusal };

/**
 * Whether this member may use the bot here at all: not blocked, in a channel the server allows. The
 * first checks of admit(), and all of them for a call that uses no image model and no prompt of the
 * member's (/describe).
 */
export function admitMember(input: Pick<AdmissionInput, 'policy' | 'userBlocked' | 'channelId' | 'parentChannelId'>): AdmissionRefusal | undefined {
  const { policy } = input;
  if (input.userBlocked) return { kind: 'user_blocked', message: moderationText.userBlocked };
  if (!isChannelAllowed(policy, input.channelId, input.parentChannelId)) {
    const allowedChannelIds = [...policy.allowedChannels];
    return { kind: 'channel_not_allowed', allowedChannelIds, message: moderationText.channelNotAllowed(allowedChannelIds) };
  }
  return undefined;
}

export function admit(input: AdmissionInput): Admission {
  const { policy } = input;
  const member = admitMember(input);
  if (member) return { ok: false, reason: member };
  if (!isModelAllowed(policy, input.model.id)) {
    const allowedModels = [...policy.allowedModels];
    return {
      ok: false,
      reason: {
        kind: 'model_not_allowed',
        model: input.model.id,
        allowedModels,
        message: moderationText.modelNotAllowed(input.model.id, allowedModels),
      },
    };
  }
  const hit = input.filter.match(input.prompt);
  if (hit) {
    return { ok: false, reason: { kind: 'blocked_word', entry: hit.entry, message: moderationText.blockedWord } };
  }
  return {
    ok: true,
    safety: resolveSafety(policy, input.model, input.channelIsNsfw, input.requestedSafety),
    spoiler: isSpoilerChannel(policy, input.channelId, input.parentChannelId),
  };
}
