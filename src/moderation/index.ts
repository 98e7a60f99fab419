// Moderation: server policy (types, defaults, validation), word filters, safety resolution and the
// admission check, all pure. The policy's rows are src/storage/policyStore.ts; src/policy/ joins the two.
export { admit, admitMember } from './admission.js';
export type { Admission, AdmissionInput, AdmissionRefusal, AdmissionRefusalKind } from './admission.js';
export { describeAuditEntry, describeBlockedPrompt, describePolicyValue } from './auditText.js';
export {
  applyPolicyPatch,
  cloneSettings,
  DEFAULT_POLICY_SETTINGS,
  defaultPolicy,
  isChannelAllowed,
  isModelAllowed,
  isSpoilerChannel,
  MAX_BUDGET_USD,
  MAX_COOLDOWN_SECONDS,
  MAX_DAILY_QUOTA,
  MAX_LIST_ITEMS,
  ORDINARY_CHANNEL_SAFETY_CEILING,
  parsePolicyPatch,
  POLICY_FIELD_LABELS,
  POLICY_FIELDS,
  PolicyValidationError,
  SAFETY_SCALE,
  settingsOf,
} from './guildPolicy.js';
export type {
  FieldChange,
  GuildPolicy,
  PolicyField,
  PolicyListField,
  PolicyPatch,
  PolicySettings,
  PolicyValue,
} from './guildPolicy.js';
export { moderationText } from './messages.js';
export { matchingViews, normalizeForMatching } from './normalize.js';
export type { MatchingViews } from './normalize.js';
export { checkRoleQuota, effectiveDailyQuota } from './roleQuota.js';
export type { RoleQuotaSetting } from './roleQuota.js';
export { resolveSafety, safetyLimitsFor } from './safetyPolicy.js';
export type { SafetyLimits, SafetyResolution } from './safetyPolicy.js';
export {
  blockedEntryKind,
  checkBlockedEntry,
  compileWordFilter,
  EMPTY_WORD_FILTER,
  hasRiskyRepetition,
  MAX_REGEX_ENTRY_CHARS,
  MAX_WORD_ENTRY_CHARS,
  REGEX_WINDOW_CHARS,
  regexShape,
} from './wordFilter.js';
export type { BlockedEntryKind, EntryCheck, RegexShape, WordFilter, WordMatch } from './wordFilter.js';
