// Everything that must hold before a request is deferred and money is reserved, in order: the bot
// is accepting work and the queue has room for the user, the input is valid, the server's policy
// admits it (blocked users, channels, models, words; safety clamped for the channel kind), and the
// ledger can reserve its quota and budget. A refusal is answered privately, logged as an attempt, and costs nothing.
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction, type ModalSubmitInteraction } from 'discord.js';
import { explainError } from '../i18n/errorMessages.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../i18n/locale.js';
import { formatDuration } from '../i18n/duration.js';
import { text } from '../i18n/messages.js';
import { queueText } from '../i18n/queueMessages.js';
import { admit, defaultPolicy, describeBlockedPrompt, type Admission, type GuildPolicy } from '../moderation/index.js';
import { EMPTY_WORD_FILTER } from '../moderation/wordFilter.js';
import type { PreparedGeneration } from '../pipeline/imagePipeline.js';
import type { AdmissionContext } from '../storage/policyStore.js';
import { InvalidInputError } from '../providers/errors.js';
import type { ImageRequest } from '../providers/types.js';
import { logRefusal } from './attempts.js';
import type { BotContext } from './context.js';
import { postToLogChannel } from './logChannel.js';

/** Requests come from /imagine, the result buttons (Re-roll, Vary) and the Remix modal. */
export type AdmittableInteraction = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

export interface Admitted {
  prepared: PreparedGeneration;
  /** Notes for the result embed (the safety value used when the policy lowered it). */
  notes: Localized[];
  spoiler: boolean;
}

export async function admitRequest(
  ctx: BotContext,
  interaction: AdmittableInteraction,
  request: Partial<ImageRequest> & { prompt: string },
): Promise<Admitted | undefined> {
  const locale = localeFromDiscord(interaction.locale);
  // The queue has room for this user (checked again at submit; this answers before anything is reserved).
  const queueRefusal = ctx.jobs.refusal(interaction.user.id);
  if (queueRefusal?.reason === 'shutting_down') {
    await refuse(interaction, text.shuttingDown);
    return undefined;
  }
  if (queueRefusal) {
    logRefusal(ctx, interaction, request, { outcome: 'blocked', reason: queueRefusal.reason });
    await refuse(interaction, queueRefusal.reason === 'user_queue_full' ? queueText.userQueueFull({ limit: queueRefusal.limit ?? 0 }) : queueText.queueFull);
    return undefined;
  }
  const guildId = interaction.guildId;
  try {
    const model = ctx.pipeline.resolveModel(request.model);
    // One read of the server's policy serves every check below (this all runs before the deferral).
    const context = guildId
      ? ctx.policies.admissionContext(guildId, interaction.user.id)
      : { policy: defaultPolicy('dm'), filter: EMPTY_WORD_FILTER, userBlocked: false };
    const admission = checkPolicy(interaction, context, model, request);
    if (!admission.ok) {
      logRefusal(ctx, interaction, request, { outcome: 'blocked', reason: admission.reason.kind });
      await refuse(interaction, admission.reason.message);
      if (admission.reason.kind === 'blocked_word') {
        const notice = describeBlockedPrompt(interaction.user.id, admission.reason.entry, interaction.channelId);
        await postToLogChannel(ctx, interaction.client, guildId, { content: `${notice.en}\n${notice.zh}` });
      }
      return undefined;
    }
    const prepared = ctx.pipeline.prepare({ ...request, model: model.id, safetyTolerance: admission.safety.value });
    const reserved = await reserve(ctx, interaction, prepared, guildId ? context.policy : undefined, locale);
    if (!reserved) return undefined;
    const notes = admission.safety.adjustments.map((adjustment) => text.adjusted(adjustment));
    return { prepared, notes, spoiler: admission.spoiler };
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    logRefusal(ctx, interaction, request, { outcome: 'invalid_input', reason: error.message });
    await refuse(interaction, explainError(error));
    return undefined;
  }
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
    await refuse(interaction, message);
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

async function refuse(interaction: AdmittableInteraction, message: Localized): Promise<void> {
  await interaction.reply({ content: `❌ ${pick(message, localeFromDiscord(interaction.locale))}`, flags: MessageFlags.Ephemeral });
}
