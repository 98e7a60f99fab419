// A server's policy: which models and channels may be used, how loose the safety setting may be in
// ordinary and age-restricted channels, spoilers, quotas, cooldown, money budgets and the log channel.
// This module is the one place that knows the defaults and validates a change; PolicyService stores
// the result, admission.ts and safetyPolicy.ts apply it.
//
// Safety values use the FLUX 1.x scale 0 (strictest) .. 6 (loosest). Each model clamps them to its
// own range (FLUX.2 stops at 5) and GPT image models map them onto `moderation` (3+ → low).
import { z } from 'zod';
import type { Localized } from '../i18n/locale.js';
import { policyExpected, policyFieldLabels, policyText } from '../i18n/policyMessages.js';

/** The policy's safety scale; each model's own range is narrower or equal. */
export const SAFETY_SCALE = { min: 0, max: 6 } as const;
/**
 * The loosest safety setting allowed in an ordinary (not age-restricted) channel: the models' own
 * default. Anything looser belongs in an age-restricted channel, where Discord expects NSFW content.
 */
export const ORDINARY_CHANNEL_SAFETY_CEILING = 2;

export const MAX_LIST_ITEMS = 100;
export const MAX_DAILY_QUOTA = 100_000;
export const MAX_COOLDOWN_SECONDS = 86_400;
export const MAX_BUDGET_USD = 1_000_000;

/** Every setting an admin can change with `update`. Lists are empty when unrestricted. */
export interface PolicySettings {
  /** Model ids allowed on this server; empty = every model the bot offers. Compared case-insensitively. */
  allowedModels: string[];
  /** Channel ids where /imagine works (a thread counts as its parent channel); empty = every channel. */
  allowedChannels: string[];
  /** Channel ids whose results are posted as spoilers by default. */
  spoilerChannels: string[];
  /** Safety used in ordinary channels when the user asks for none (0..ORDINARY_CHANNEL_SAFETY_CEILING). */
  safetyNormalDefault: number;
  /** The loosest safety a user may ask for in ordinary channels (0..ORDINARY_CHANNEL_SAFETY_CEILING). */
  safetyNormalMax: number;
  /** Safety used in age-restricted channels when the user asks for none (0..6). */
  safetyNsfwDefault: number;
  /** The loosest safety a user may ask for in age-restricted channels (0..6). */
  safetyNsfwMax: number;
  /** Images per user per day, unless a role quota says otherwise; null = unlimited. */
  dailyQuota: number | null;
  /** Seconds a user waits between two generations; 0 = none. */
  cooldownSeconds: number;
  /** USD this server may spend per day; null = no budget. */
  dailyBudgetUsd: number | null;
  /** USD this server may spend per month; null = no budget. */
  monthlyBudgetUsd: number | null;
  /** Where admin changes, budget warnings and blocked prompts are posted; null = nowhere. */
  logChannelId: string | null;
}

export type PolicyField = keyof PolicySettings;
export type PolicyValue = PolicySettings[PolicyField];
/** The list-valued settings, which `editList` can add to or remove from. */
export type PolicyListField = 'allowedModels' | 'allowedChannels' | 'spoilerChannels';

export interface GuildPolicy extends PolicySettings {
  guildId: string;
  /** Epoch ms of the last change; null when the server never changed anything (all defaults). */
  updatedAt: number | null;
  /** Who made the last change. */
  updatedBy: string | null;
}

/** A change to one setting, as recorded in the audit log. */
export interface FieldChange {
  field: PolicyField;
  from: PolicyValue;
  to: PolicyValue;
}

export type PolicyPatch = Partial<PolicySettings>;

export const DEFAULT_POLICY_SETTINGS: Readonly<PolicySettings> = Object.freeze({
  allowedModels: [],
  allowedChannels: [],
  spoilerChannels: [],
  safetyNormalDefault: 2,
  safetyNormalMax: 2,
  safetyNsfwDefault: 2,
  safetyNsfwMax: SAFETY_SCALE.max,
  dailyQuota: null,
  cooldownSeconds: 0,
  dailyBudgetUsd: null,
  monthlyBudgetUsd: null,
  logChannelId: null,
});

export const POLICY_FIELDS: readonly PolicyField[] = Object.keys(DEFAULT_POLICY_SETTINGS) as PolicyField[];

/** The policy of a server that never configured anything. */
export function defaultPolicy(guildId: string): GuildPolicy {
  return { ...cloneSettings(DEFAULT_POLICY_SETTINGS), guildId, updatedAt: null, updatedBy: null };
}

export function cloneSettings(settings: Readonly<PolicySettings>): PolicySettings {
  return {
    ...settings,
    allowedModels: [...settings.allowedModels],
    allowedChannels: [...settings.allowedChannels],
    spoilerChannels: [...settings.spoilerChannels],
  };
}

/** Just the settings of a policy (without guild id and timestamps). */
export function settingsOf(policy: Readonly<PolicySettings>): PolicySettings {
  const settings = {} as Record<PolicyField, PolicyValue>;
  for (const field of POLICY_FIELDS) settings[field] = policy[field];
  return cloneSettings(settings as PolicySettings);
}

/** Thrown for a policy change that cannot be applied; `problem` is meant for the admin. */
export class PolicyValidationError extends Error {
  override readonly name = 'PolicyValidationError';
  constructor(
    readonly problem: Localized,
    readonly field?: string,
  ) {
    super(problem.en);
  }
}

/** Names of the settings, for admin messages and the log channel (worded in i18n/policyMessages.ts). */
export const POLICY_FIELD_LABELS: Readonly<Record<PolicyField, Localized>> = policyFieldLabels;

/** What each setting accepts, for the message when a value is refused. */
const EXPECTED: Readonly<Record<PolicyField, Localized>> = policyExpected({
  maxListItems: MAX_LIST_ITEMS,
  ordinarySafetyCeiling: ORDINARY_CHANNEL_SAFETY_CEILING,
  safetyMax: SAFETY_SCALE.max,
  maxDailyQuota: MAX_DAILY_QUOTA,
  maxCooldownSeconds: MAX_COOLDOWN_SECONDS,
  maxBudgetUsd: MAX_BUDGET_USD,
});

/** Discord snowflakes as text (they exceed 2^53, so never numbers). */
export const SnowflakeSchema = z.string().regex(/^\d{1,20}$/);

function dedupe(items: readonly string[], key: (item: string) => string = (item) => item): string[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const ChannelListSchema = z.array(SnowflakeSchema).max(MAX_LIST_ITEMS).transform((ids) => dedupe(ids));
const ModelListSchema = z
  .array(z.string().trim().min(1).max(100))
  .max(MAX_LIST_ITEMS)
  .transform((ids) => dedupe(ids, (id) => id.toLowerCase()));
const normalSafety = z.number().int().min(SAFETY_SCALE.min).max(ORDINARY_CHANNEL_SAFETY_CEILING);
const nsfwSafety = z.number().int().min(SAFETY_SCALE.min).max(SAFETY_SCALE.max);
/** Money is kept to a millionth of a dollar, like the usage log's costs. */
const budget = z
  .number()
  .min(0)
  .max(MAX_BUDGET_USD)
  .transform((usd) => Math.round(usd * 1e6) / 1e6)
  .nullable();

const PatchSchema = z
  .object({
    allowedModels: ModelListSchema,
    allowedChannels: ChannelListSchema,
    spoilerChannels: ChannelListSchema,
    safetyNormalDefault: normalSafety,
    safetyNormalMax: normalSafety,
    safetyNsfwDefault: nsfwSafety,
    safetyNsfwMax: nsfwSafety,
    dailyQuota: z.number().int().min(0).max(MAX_DAILY_QUOTA).nullable(),
    cooldownSeconds: z.number().int().min(0).max(MAX_COOLDOWN_SECONDS),
    dailyBudgetUsd: budget,
    monthlyBudgetUsd: budget,
    logChannelId: SnowflakeSchema.nullable(),
  } satisfies Record<PolicyField, z.ZodType>)
  .partial()
  .strict();

function fieldProblem(field: PolicyField): Localized {
  return policyText.fieldProblem({ label: POLICY_FIELD_LABELS[field], expected: EXPECTED[field] });
}

/** Checks `patch` (untrusted input) and returns it with lists deduplicated and amounts rounded. */
export function parsePolicyPatch(patch: unknown): PolicyPatch {
  const parsed = PatchSchema.safeParse(patch);
  if (parsed.success) return parsed.data as PolicyPatch;
  const issue = parsed.error.issues[0];
  const field = issue?.path[0];
  if (typeof field === 'string' && field in POLICY_FIELD_LABELS) {
    throw new PolicyValidationError(fieldProblem(field as PolicyField), field);
  }
  const unknown = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(field ?? '');
  throw new PolicyValidationError(policyText.unknownSetting({ name: unknown }), unknown);
}

function sameValue(a: PolicyValue, b: PolicyValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => item === b[index]);
  return a === b;
}

function checkDefaultWithinMax(
  settings: PolicySettings,
  patch: PolicyPatch,
  defaultField: 'safetyNormalDefault' | 'safetyNsfwDefault',
  maxField: 'safetyNormalMax' | 'safetyNsfwMax',
): void {
  if (settings[defaultField] <= settings[maxField]) return;
  if (patch[defaultField] === undefined) {
    // Only the maximum was lowered: the default follows it down.
    settings[defaultField] = settings[maxField];
    return;
  }
  throw new PolicyValidationError(
    policyText.defaultAboveMax({
      defaultLabel: POLICY_FIELD_LABELS[defaultField],
      defaultValue: settings[defaultField],
      maxLabel: POLICY_FIELD_LABELS[maxField],
      maxValue: settings[maxField],
    }),
    defaultField,
  );
}

/**
 * Applies `patch` to `current`: validates it, keeps each default within its maximum (lowering a
 * maximum below the default lowers the default too; asking for a default above the maximum is
 * refused), and lists what actually changed. Throws PolicyValidationError.
 */
export function applyPolicyPatch(current: Readonly<PolicySettings>, patch: unknown): { settings: PolicySettings; changes: FieldChange[] } {
  const checked = parsePolicyPatch(patch);
  const settings = cloneSettings(current);
  for (const field of POLICY_FIELDS) {
    const value = checked[field];
    if (value !== undefined) (settings as Record<PolicyField, PolicyValue>)[field] = value;
  }
  checkDefaultWithinMax(settings, checked, 'safetyNormalDefault', 'safetyNormalMax');
  checkDefaultWithinMax(settings, checked, 'safetyNsfwDefault', 'safetyNsfwMax');
  const changes = POLICY_FIELDS.filter((field) => !sameValue(current[field], settings[field])).map(
    (field): FieldChange => ({ field, from: current[field], to: settings[field] }),
  );
  return { settings, changes };
}

/** Case-insensitive model check; an empty allow-list allows every model. */
export function isModelAllowed(policy: Pick<PolicySettings, 'allowedModels'>, modelId: string): boolean {
  if (policy.allowedModels.length === 0) return true;
  const wanted = modelId.trim().toLowerCase();
  return policy.allowedModels.some((id) => id.toLowerCase() === wanted);
}

/** A thread counts as its parent channel; an empty allow-list allows every channel. */
export function isChannelAllowed(
  policy: Pick<PolicySettings, 'allowedChannels'>,
  channelId: string | null | undefined,
  parentChannelId?: string | null,
): boolean {
  if (policy.allowedChannels.length === 0) return true;
  return [channelId, parentChannelId].some((id) => typeof id === 'string' && policy.allowedChannels.includes(id));
}

/** Whether results in this channel (or this thread's parent) are posted as spoilers by default. */
export function isSpoilerChannel(
  policy: Pick<PolicySettings, 'spoilerChannels'>,
  channelId: string | null | undefined,
  parentChannelId?: string | null,
): boolean {
  return [channelId, parentChannelId].some((id) => typeof id === 'string' && policy.spoilerChannels.includes(id));
}
