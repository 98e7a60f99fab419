// Everything that must hold before money is reserved, in two steps. checkRequest is cheap and
// synchronous (it answers before anything is acknowledged, downloaded or reserved): the bot is
// accepting work and the queue has room for the user, the model is offered, and the server's policy
// admits the request (blocked users, channels, models, words; safety clamped for the channel kind).
// reserveRequest then prepares the request (with its input images, once they are read) and has the
// ledger reserve its quota and budget. An edit's downloads run between the two, after the deferral.
// A refusal is answered privately (refusePrivately also after a deferral), logged as an attempt, and costs nothing.
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type ModalSubmitInteraction } from 'discord.js';
import type { ModelSpec } from '../catalog/types.js';
import { explainError } from '../i18n/errorMessages.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../i18n/locale.js';
import { formatDuration } from '../i18n/duration.js';
import { text } from '../i18n/messages.js';
import { queueText } from '../i18n/queueMessages.js';
import { log } from '../log.js';
import { admit, defaultPolicy, describeBlockedPrompt, type Admission, type GuildPolicy, type SafetyResolution } from '../moderation/index.js';
import { EMPTY_WORD_FILTER } from '../moderation/wordFilter.js';
import type { PreparedGeneration } from '../pipeline/imagePipeline.js';
import type { AdmissionContext } from '../storage/policyStore.js';
import { InvalidInputError } from '../providers/errors.js';
import type { ImageRequest } from '../providers/types.js';
import { logRefusal } from './attempts.js';
import type { BotContext } from './context.js';
import { describeDiscordError, isUnknownMessage } from './discordErrors.js';
import { postToLogChannel } from './logChannel.js';

/** Requests come from /imagine, the result buttons (Re-roll, Vary) and the Remix modal. */
export type AdmittableInteraction = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

type Request = Partial<ImageRequest> & { prompt: string };

export interface Admitted {
  prepared: PreparedGeneration;
  /** Notes for the result embed (the safety value used when the policy lowered it). */
  notes: Localized[];
  spoiler: boolean;
}

/** What the cheap check decided, kept for prepare and reserve (the policy is read once per request). */
export interface Checked {
  model: ModelSpec;
  /** The server's policy (undefined in DMs). */
  policy: GuildPolicy | undefined;
  safety: SafetyResolution;
  spoiler: boolean;
}

/** A refusal found by screenRequest, with what to log and say. */
interface Refusal {
  /** Undefined: not logged as an attempt (the bot is shutting down). */
  outcome?: 'blocked' | 'invalid_input';
  reason: string;
  message: Localized;
  /** The blocked-word entry, for the log channel only. */
  blockedEntry?: string;
}

/**
 * The cheap checks, synchronous and side-effect free: no Discord call, no download, no reservation.
 * Safe to run before the interaction is acknowledged.
 */
export function screenRequest(ctx: BotContext, interaction: AdmittableInteraction, request: Request): { ok: true; checked: Checked } | { ok: false; refusal: Refusal } {
  // The queue has room for this user (checked again at submit; this answers before anything is reserved).
  const queueRefusal = ctx.jobs.refusal(interaction.user.id);
  if (queueRefusal?.reason === 'shutting_down') return { ok: false, refusal: { reason: 'shutting_down', message: text.shuttingDown } };
  if (queueRefusal) {
    const message = queueRefusal.reason === 'user_queue_full' ? queueText.userQueueFull({ limit: queueRefusal.limit ?? 0 }) : queueText.queueFull;
    return { ok: false, refusal: { outcome: 'blocked', reason: queueRefusal.reason, message } };
  }
  const guildId = interaction.guildId;
  let model: ModelSpec;
  try {
    model = ctx.pipeline.resolveModel(request.model);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    return { ok: false, refusal: { outcome: 'invalid_input', reason: error.message, message: explainError(error) } };
  }
  // One read of the server's policy serves every check, here and at reserve.
  const context = guildId
    ? ctx.policies.admissionContext(guildId, interaction.user.id)
    : { policy: defaultPolicy('dm'), filter: EMPTY_WORD_FILTER, userBlocked: false };
  const admission = checkPolicy(interaction, context, model, request);
  if (!admission.ok) {
    const { reason } = admission;
    return { ok: false, refusal: { outcome: 'blocked', reason: reason.kind, message: reason.message, ...(reason.kind === 'blocked_word' ? { blockedEntry: reason.entry } : {}) } };
  }
  return { ok: true, checked: { model, policy: guildId ? context.policy : undefined, safety: admission.safety, spoiler: admission.spoiler } };
}

/**
 * screenRequest, answered: the checks, and on a refusal the attempt logged and the user told
 * privately. Returns what prepare and reserve need, or undefined after a refusal.
 */
export async function checkRequest(ctx: BotContext, interaction: AdmittableInteraction, request: Request): Promise<Checked | undefined> {
  const screened = screenRequest(ctx, interaction, request);
  if (screened.ok) return screened.checked;
  const { refusal } = screened;
  if (refusal.outcome) logRefusal(ctx, interaction, request, { outcome: refusal.outcome, reason: refusal.reason });
  await refusePrivately(interaction, refusal.message);
  if (refusal.blockedEntry !== undefined) {
    const notice = describeBlockedPrompt(interaction.user.id, refusal.blockedEntry, interaction.channelId);
    await postToLogChannel(ctx, interaction.client, interaction.guildId, { content: `${notice.en}\n${notice.zh}` });
  }
  return undefined;
}

/**
 * Prepares the request (input images included, when it has them) and reserves its quota and
 * budget. The interaction may already be deferred: refusals stay private either way.
 */
export async function reserveRequest(ctx: BotContext, interaction: AdmittableInteraction, request: Request, checked: Checked): Promise<Admitted | undefined> {
  const locale = localeFromDiscord(interaction.locale);
  let prepared: PreparedGeneration;
  try {
    prepared = ctx.pipeline.prepare({ ...request, model: checked.model.id, safetyTolerance: checked.safety.value });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    logRefusal(ctx, interaction, request, { outcome: 'invalid_input', reason: error.message });
    await refusePrivately(interaction, explainError(error));
    return undefined;
  }
  const reserved = await reserve(ctx, interaction, prepared, checked.policy, locale);
  if (!reserved) return undefined;
  const notes = checked.safety.adjustments.map((adjustment) => text.adjusted(adjustment));
  return { prepared, notes, spoiler: checked.spoiler };
}

/** Both steps at once, for a request without input images (nothing to download between them). */
export async function admitRequest(ctx: BotContext, interaction: AdmittableInteraction, request: Request): Promise<Admitted | undefined> {
  const checked = await checkRequest(ctx, interaction, request);
  return checked && reserveRequest(ctx, interaction, request, checked);
}

function checkPolicy(
  interaction: AdmittableInteraction,
  context: AdmissionContext,
  model: PreparedGeneration['model'],
  request: Partial<ImageRequest> & { prompt: string },
): Admission {
  const channel = interaction.channel;
  return admit({
    ...context,
    channelId: interaction.channelId,
    parentChannelId: channel?.isThread() ? channel.parentId : null,
    // Age-restricted channels may loosen safety; DMs and unknown channels never do.
    channelIsNsfw: channel !== null && 'nsfw' in channel ? channel.nsfw === true : false,
    model,
    prompt: request.prompt,
    requestedSafety: request.safetyTolerance,
  });
}

/** Reserves quota and budget for this interaction; answers the user when the ledger refuses. */
async function reserve(
  ctx: BotContext,
  interaction: AdmittableInteraction,
  prepared: PreparedGeneration,
  policy: GuildPolicy | undefined,
  locale: Locale,
): Promise<boolean> {
  const guildId = interaction.guildId;
  const images = prepared.plan.n;
  const result = ctx.ledger.reserve({
    key: interaction.id,
    guildId,
    userId: interaction.user.id,
    images,
    cost: ctx.pipeline.pricePerImage(prepared.model, prepared.relays[0]) * images,
    limits: {
      userDailyImages: guildId ? ctx.policies.dailyQuotaFor(guildId, memberRoleIds(interaction), policy) ?? undefined : undefined,
      cooldownMs: policy?.cooldownSeconds ? policy.cooldownSeconds * 1000 : undefined,
      guildDailyBudget: policy?.dailyBudgetUsd ?? undefined,
      guildMonthlyBudget: policy?.monthlyBudgetUsd ?? undefined,
    },
  });
  if (!result.ok) {
    const message =
      result.reason === 'user_quota'
        ? text.quotaReached({ used: result.used, limit: result.limit, resetsIn: formatDuration(result.retryAfterMs ?? 0, locale) })
        : result.reason === 'cooldown'
          ? text.cooldown({ wait: formatDuration(result.retryAfterMs ?? 1000, locale) })
          : text.budgetExhausted({ period: result.reason === 'guild_daily_budget' ? 'day' : 'month' });
    logRefusal(ctx, interaction, { ...prepared.request }, { outcome: 'blocked', reason: result.reason });
    await refusePrivately(interaction, message);
    return false;
  }
  // The same interaction again (Discord redelivered it): the first delivery is already at work.
  if (result.existing) return false;
  for (const warning of result.budgetWarnings) {
    const notice = text.budgetWarning({ period: warning.period, spent: warning.spent.toFixed(2), limit: warning.limit.toFixed(2) });
    // Not awaited: a slow log channel must not hold the user's deferral past Discord's 3 s (it never throws).
    void postToLogChannel(ctx, interaction.client, guildId, { content: `${notice.en}\n${notice.zh}` });
  }
  return true;
}

function memberRoleIds(interaction: AdmittableInteraction): string[] {
  const roles = interaction.member?.roles;
  if (!roles) return [];
  return Array.isArray(roles) ? roles : [...roles.cache.keys()];
}

/**
 * Answers a refusal so that only the user sees it, whatever state the interaction is in: a private
 * reply when nothing was sent yet; the deferral's own message when it is ephemeral; after a public
 * deferral, its "thinking…" message is deleted first and the refusal sent as an ephemeral follow-up
 * (the first follow-up after a deferral would otherwise replace that message, public as it is). The
 * result of a request that goes on is public, so the deferral is; only a refusal turns private.
 */
export async function refusePrivately(interaction: AdmittableInteraction, message: Localized): Promise<void> {
  const content = `❌ ${pick(message, localeFromDiscord(interaction.locale))}`;
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    return;
  }
  if (interaction.deferred && interaction.ephemeral === true) {
    await interaction.editReply({ content });
    return;
  }
  if (interaction.deferred && interaction.ephemeral === false) {
    try {
      await interaction.deleteReply();
    } catch (error) {
      // Still there: a follow-up would replace it in public. Better unsaid than said to everyone.
      if (!isUnknownMessage(error)) {
        log.warn('could not withdraw a deferral to refuse privately', { interaction: interaction.id, ...describeDiscordError(error) });
        return;
      }
    }
  }
  // deferUpdate / update / a reply already sent: a new private message, the clicked one untouched.
  await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
}
