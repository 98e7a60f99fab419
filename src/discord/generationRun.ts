// One /imagine (or Re-roll) from a deferred interaction to its end. The usage-log row and the job
// table row are written first (so a crash or restart keeps them), then the job joins the fair queue:
// while it waits, the reply shows its place in line and an ETA with a Cancel button; when its turn
// comes, generationJob.ts generates and delivers. A job that never starts (cancelled while queued,
// refused by a full queue, dropped by shutdown) is refunded and its user told here.
import type { RepliableInteraction } from 'discord.js';
import { formatDuration } from '../i18n/duration.js';
import { localeFromDiscord, pick, type Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { queueText } from '../i18n/queueMessages.js';
import { log } from '../log.js';
import type { PreparedGeneration } from '../pipeline/imagePipeline.js';
import { inputPictureCount } from '../providers/dialects/inputs.js';
import type { EtaEstimate } from '../queue/index.js';
import type { FinalJobState } from '../storage/jobStore.js';
import type { FinishedOutcome } from '../storage/index.js';
import { attemptOrigin, storedParams } from './attempts.js';
import type { BotContext } from './context.js';
import { countJobEnd, executeGeneration, jobLog, type Attempt, deliverQuietly, noticeMessage } from './generationJob.js';
import { cancelRow, runAgainRow } from './jobControls.js';
import { ReplyEditor } from './replyEditor.js';
import { tokenUsable } from './tokenClock.js';

export { DEFAULT_UPLOAD_LIMIT } from './generationJob.js';

export interface GenerationJob {
  /** Already deferred. */
  interaction: RepliableInteraction;
  prepared: PreparedGeneration;
  /** Notes for the result embed (ignored inline parameters, …). */
  notes: Localized[];
  /** Post the images as spoilers (the channel's policy). */
  spoiler?: boolean;
}

/** Why a job ended without ever starting. */
type Unstarted = 'cancelled' | 'shutdown' | 'queue_full' | 'user_queue_full';

export async function runGeneration(ctx: BotContext, job: GenerationJob): Promise<void> {
  let attempt: Attempt | undefined;
  try {
    attempt = record(ctx, job);
  } catch (error) {
    // The database refused the rows (locked by another program, disk full): nothing was sent, so
    // the reservation admission made is given back before the router tells the user.
    try {
      ctx.ledger.refund(job.interaction.id, 'internal');
    } catch {
      // Still locked: the next start settles the reservation.
    }
    throw error;
  }
  if (attempt) await queue(attempt);
}

/** The usage-log row and the job-table row, written before anything else happens. */
function record(ctx: BotContext, job: GenerationJob): Attempt | undefined {
  const { interaction, prepared } = job;
  const acceptedAt = performance.now();
  const locale = localeFromDiscord(interaction.locale);
  const started = ctx.usage.start({
    ...attemptOrigin(interaction),
    model: prepared.model.id,
    sizeRequested: prepared.sizeChosen ? prepared.request.size ?? null : null,
    sizeEffective: prepared.plan.effectiveSize,
    // Re-roll re-applies the defaults of its own time; only what the user chose is kept.
    params: storedParams(prepared.sizeChosen ? prepared.request : { ...prepared.request, size: undefined }),
    prompt: prepared.request.prompt,
    relay: prepared.relays[0]?.name ?? null,
    seed: prepared.request.seed ?? null,
    inputCount: inputPictureCount(prepared.request.inputImages),
  });
  if (started.existing) {
    log.info('interaction delivered twice; ignoring the repeat', { interaction: interaction.id });
    return undefined;
  }
  const { job: row } = ctx.jobStore.create({
    interactionId: interaction.id,
    interactionToken: interaction.token,
    applicationId: interaction.applicationId,
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    userId: interaction.user.id,
    locale: interaction.locale,
    model: prepared.model.id,
    relay: prepared.relays[0]?.name ?? null,
    request: prepared.request,
    usageId: started.id,
  });
  const attempt: Attempt = { ctx, job, generationId: started.id, jobId: row.id, locale, mention: `<@${interaction.user.id}>`, acceptedAt };
  jobLog(attempt).debug('generation accepted', { relay: prepared.relays[0]?.name, size: prepared.plan.effectiveSize });
  return attempt;
}

/** Joins the fair queue, shows the place in line while waiting, and settles a job that never starts. */
async function queue(attempt: Attempt): Promise<void> {
  const { ctx, job, locale } = attempt;
  const { interaction, prepared } = job;

  const components = [cancelRow(interaction.id, locale)];
  const waiting = new ReplyEditor((content) => interaction.editReply({ content, components }), () => tokenUsable(interaction.id));
  const render = (eta: EtaEstimate) =>
    pick(
      queueText.waiting({
        model: prepared.model.id,
        ahead: eta.position,
        startsIn: formatDuration(eta.startsInMs, locale),
        doneIn: formatDuration(eta.doneInMs, locale),
      }),
      locale,
    );
  const submitted = ctx.jobs.submit(
    { id: interaction.id, userId: interaction.user.id, relay: prepared.relays[0]?.name ?? 'default', model: prepared.model.id },
    async (signal) => {
      // The waiting message's last edit must land before the progress takes over the reply.
      await waiting.stop();
      await executeGeneration(attempt, signal);
    },
  );
  if (!submitted.ok) {
    // Admission checked the queue's room, but another request of this user may have taken it since.
    await closeUnstarted(attempt, submitted.reason === 'queue_full' || submitted.reason === 'user_queue_full' ? submitted.reason : 'shutdown', submitted.limit);
    return;
  }
  // Queued: the first notice (place in line, ETA) comes from the queue's next gathered update.
  const unsubscribe =
    submitted.state === 'queued' ? ctx.jobs.onPositionChange(interaction.id, (update) => waiting.set(render(update.eta))) : () => {};
  const settlement = await submitted.done;
  unsubscribe();
  await waiting.stop();
  if (settlement.outcome === 'cancelled') await closeUnstarted(attempt, 'cancelled');
  else if (settlement.outcome === 'not_started') await closeUnstarted(attempt, 'shutdown');
  else if (settlement.outcome === 'failed') throw settlement.error;
  // `abandoned`: the run ignored its abort past the grace; it still settles its rows when it ends.
  else if (settlement.outcome === 'abandoned') jobLog(attempt).warn('a generation did not stop when asked', { reason: settlement.reason });
}

/** A job that never reached the relay: refunded in full, its rows closed, its user told. */
async function closeUnstarted(attempt: Attempt, why: Unstarted, limit?: number): Promise<void> {
  const { ctx, job, generationId, jobId, locale } = attempt;
  const { interaction } = job;
  const outcome: FinishedOutcome = why === 'cancelled' ? 'cancelled' : why === 'shutdown' ? 'interrupted' : 'blocked';
  const state: FinalJobState = why === 'cancelled' ? 'cancelled' : why === 'shutdown' ? 'interrupted' : 'failed';
  ctx.ledger.refund(interaction.id, outcome);
  ctx.usage.finish(generationId, { outcome, errorKind: why, errorMessage: `not started: ${why}`, estimatedCost: 0 });
  ctx.jobStore.finish(jobId, state, { errorKind: why });
  jobLog(attempt).info('generation ended before it started', { outcome, why });
  const message =
    why === 'cancelled'
      ? queueText.cancelled({ started: false })
      : why === 'shutdown'
        ? queueText.notStarted
        : why === 'user_queue_full'
          ? queueText.userQueueFull({ limit: limit ?? 0 })
          : queueText.queueFull;
  const components = why === 'shutdown' ? [runAgainRow(generationId, locale)] : [];
  const prefix = why === 'queue_full' || why === 'user_queue_full' ? pick(text.lateFailure({ mention: attempt.mention }), locale) : attempt.mention;
  await deliverQuietly(interaction, noticeMessage(pick(message, locale), components), prefix);
  countJobEnd(attempt, outcome);
}
