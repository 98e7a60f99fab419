// A job's turn in the queue: generate (progress shown, Cancel offered), settle the ledger and the
// usage log with one billing rule (storage/ledger.ts, storage/billing.ts: a 200 is billed, a relay's
// JSON error is not, no answer may be), fit the result to the upload limit and deliver it. The usage
// row always records the cost the ledger charges. Every failure ends in a message; the job-table row
// ends in a final state whatever happens.
import type { ActionRowBuilder, ButtonBuilder, RepliableInteraction } from 'discord.js';
import { fitToUploadLimit, UndecodableImageError, type FittedImage } from '../delivery/fitToUploadLimit.js';
import { explainError, explainUnusable } from '../i18n/errorMessages.js';
import { pick, type Locale } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { previewText } from '../i18n/previewMessages.js';
import { queueText } from '../i18n/queueMessages.js';
import { log, type Log } from '../log.js';
import { metrics } from '../observability/metrics.js';
import { modelOnRelay, type PreparedGeneration } from '../pipeline/imagePipeline.js';
import { moderationFor } from '../providers/dialects/index.js';
import { isImagineError, MalformedResponseError, RelayTimeoutError } from '../providers/errors.js';
import type { GenerationResult } from '../providers/types.js';
import { CANCEL_REASON, DEADLINE_REASON, SHUTDOWN_REASON } from '../queue/index.js';
import { failureCharge, settleCharge, type FinishedOutcome } from '../storage/index.js';
import type { BotContext } from './context.js';
import { deliver, DeliveryFailedError, UploadTooLargeError, type Delivered, type DeliveryPayload } from './delivery.js';
import { describeDiscordError } from './discordErrors.js';
import type { GenerationJob } from './generationRun.js';
import { cancelRow } from './jobControls.js';
import { PreviewReporter, previewAttachment } from './previewReporter.js';
import { ProgressReporter } from './progress.js';
import { failureMessage, resultMessage } from './resultMessage.js';
import { tokenUsable } from './tokenClock.js';

export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 5_000;

/** One accepted request and the rows that record it. */
export interface Attempt {
  ctx: BotContext;
  job: GenerationJob;
  /** The usage-log row. */
  generationId: number;
  /** The job-table row. */
  jobId: number;
  locale: Locale;
  mention: string;
  /** performance.now() when the job was accepted: the start of imagine_job_seconds. */
  acceptedAt: number;
}

/** A logger whose every line names the job: usage row, job row, interaction and model. */
export function jobLog(attempt: Attempt): Log {
  const { generationId, jobId, job } = attempt;
  return log.child({ generationId, jobId, interaction: job.interaction.id, model: job.prepared.model.id });
}

/** A job ended: count it by outcome and model, and time it from acceptance (queue wait and delivery included). */
export function countJobEnd(attempt: Attempt, outcome: FinishedOutcome): void {
  metrics.jobFinished(outcome, attempt.job.prepared.model.id, (performance.now() - attempt.acceptedAt) / 1000);
}

export async function executeGeneration(attempt: Attempt, signal: AbortSignal): Promise<void> {
  const { ctx, job, generationId, jobId, locale, mention } = attempt;
  const { interaction, prepared } = job;
  const logger = jobLog(attempt);
  ctx.jobStore.markRunning(jobId);
  const components = [cancelRow(interaction.id, locale)];
  const startedAt = Date.now();
  const status = (seconds: number): string => {
    const line = pick(
      seconds < 1
        ? queueText.starting({ model: prepared.model.id, size: prepared.plan.effectiveSize })
        : text.progress({ model: prepared.model.id, size: prepared.plan.effectiveSize, seconds }),
      locale,
    );
    // A preview on screen keeps its caption when the progress line is refreshed.
    const shown = previews.current;
    return shown ? `${line}\n${pick(previewText.preview(shown), locale)}` : line;
  };
  // Partial images of a streamed generation, shown in the reply while it runs (throttled, latest wins).
  const previews = new PreviewReporter(
    (frame) =>
      interaction.editReply({ content: status(Math.round((Date.now() - startedAt) / 1000)), components, files: [previewAttachment(frame)] }),
    { stillUseful: () => tokenUsable(interaction.id), spoiler: job.spoiler },
  );
  const progress = new ProgressReporter(
    (content) => interaction.editReply({ content, components }),
    status,
    PROGRESS_INTERVAL_MS,
    () => tokenUsable(interaction.id),
  );
  // At once: the Cancel button must be there from the start, not after the first interval.
  progress.start({ immediate: true });
  let result: GenerationResult;
  try {
    result = await ctx.pipeline.generate(prepared, {
      signal,
      onRetry: (info) => {
        metrics.relayError(info.relay, info.error);
        logger.info('relay request failed; retrying', {
          relay: info.relay,
          kind: info.error.kind,
          status: info.error.status,
          requestId: info.error.requestId,
          attempt: info.attempt,
          reason: info.reason,
          delayMs: info.delayMs,
        });
        progress.note(pick(text.retrying({ attempt: info.attempt, reason: info.error.kind }), locale));
      },
      onFailover: (info) => {
        metrics.relayError(info.from, info.error);
        logger.warn('relay failover', { from: info.from, to: info.to, kind: info.error.kind, status: info.error.status, requestId: info.error.requestId });
      },
      onPartialImage: (partial) => previews.offer(partial),
    });
  } catch (error) {
    // Previews end before any final message: that edit replaces the attachments and must be last.
    await Promise.all([progress.stop(), previews.stop()]);
    await settleFailure(attempt, error, signal.aborted ? String(signal.reason) : undefined);
    return;
  }
  await Promise.all([progress.stop(), previews.stop()]);
  metrics.generationSucceeded(prepared.model.id, result.elapsedMs / 1000);
  ctx.latency.record(prepared.model.id, result.elapsedMs);
  ctx.ledger.commit(interaction.id, { images: result.images.length, cost: result.estimatedCost });
  ctx.usage.finish(generationId, {
    outcome: 'success',
    relay: result.relay,
    requestId: result.requestId ?? null,
    sizeEffective: result.effectiveSize,
    imageCount: result.images.length,
    bytes: result.images.reduce((sum, image) => sum + image.bytes.length, 0),
    latencyMs: result.elapsedMs,
    estimatedCost: ctx.ledger.charged(interaction.id) ?? result.estimatedCost,
    seed: result.seed ?? null,
  });
  try {
    const delivered = await deliverResult(attempt, result);
    ctx.usage.setDelivered(generationId, { messageId: delivered.message.id, channelId: delivered.message.channelId });
    ctx.jobStore.finish(jobId, 'delivered', { relay: result.relay });
    metrics.delivered(delivered.via);
    countJobEnd(attempt, 'success');
    logger.info('generation delivered', {
      relay: result.relay,
      requestId: result.requestId,
      images: result.images.length,
      elapsedMs: result.elapsedMs,
      via: delivered.via,
    });
  } catch (error) {
    // DeliveryFailedError: Discord refused every route, so there is no way left to tell the user.
    // Anything else (an image that cannot be re-encoded to fit, a bug) happened before Discord
    // was asked: the user must still hear about it instead of watching "thinking…" forever.
    const discordRefused = error instanceof DeliveryFailedError;
    const outcome: FinishedOutcome = !discordRefused && isImagineError(error) ? error.kind : 'delivery_failed';
    // An image the relay sent broken (found while fitting it) is the relay's error, and a 200 it
    // billed that gave the member nothing: the committed success becomes an unusable charge.
    const unusable = !discordRefused && isImagineError(error) && error.kind === 'malformed_response' ? error : undefined;
    if (unusable) metrics.relayError(unusable.relay, unusable);
    const cost = unusable ? settleCharge(ctx.ledger, interaction.id, 'unusable', outcome, estimate(attempt)) : undefined;
    ctx.usage.finish(generationId, {
      outcome,
      errorKind: isImagineError(error) ? error.kind : 'delivery',
      errorMessage: error instanceof Error ? error.message : String(error),
      // finish() keeps what it is not given: the success's image count and cost would stay.
      ...(cost !== undefined ? { imageCount: 0, estimatedCost: cost } : {}),
    });
    ctx.jobStore.finish(jobId, 'failed', { errorKind: 'delivery' });
    // Discord's errors carry the request (uploaded bytes, token URLs): log what they say, not all they hold.
    logger.error('generated but could not deliver', {
      relay: result.relay,
      requestId: result.requestId,
      ...(discordRefused ? { causes: error.causes.map(describeDiscordError) } : { error }),
    });
    if (!discordRefused) {
      const message = unusable ? explainUnusable(unusable, interaction.guildId !== null) : explainError(error);
      await deliverQuietly(interaction, failureMessage(message, locale), pick(text.lateFailure({ mention }), locale));
    }
    countJobEnd(attempt, outcome);
  }
}

/**
 * The relay call failed or was stopped, after the request was sent. The charge follows the rule of
 * storage/billing.ts: stopped by us (the requester's cancel, shutdown, the run deadline) or cut
 * without an answer → possibly billed, at the estimate; a 200 with an unusable image → billed to the
 * server, not to the member's quota; the relay's own refusals → refunded. The usage row copies the
 * ledger's figure.
 */
async function settleFailure(attempt: Attempt, error: unknown, abortReason: string | undefined): Promise<void> {
  const { ctx, job, generationId, jobId, locale, mention } = attempt;
  const { interaction, prepared } = job;
  const inGuild = interaction.guildId !== null;
  if (abortReason === CANCEL_REASON) {
    const cost = settleCharge(ctx.ledger, interaction.id, 'possibly_billed', 'cancelled', estimate(attempt));
    ctx.usage.finish(generationId, { outcome: 'cancelled', errorKind: 'cancelled', errorMessage: 'cancelled by the requester after it was sent', estimatedCost: cost });
    ctx.jobStore.finish(jobId, 'cancelled', { errorKind: 'cancelled' });
    jobLog(attempt).info('generation cancelled by the requester');
    await deliverQuietly(interaction, noticeMessage(pick(queueText.cancelled({ started: true, inGuild }), locale)), mention);
    countJobEnd(attempt, 'cancelled');
    return;
  }
  const interrupted = abortReason === SHUTDOWN_REASON;
  // The queue's deadline is a last resort against a run that never ends: say it as a timeout.
  const failure =
    abortReason === DEADLINE_REASON
      ? new RelayTimeoutError('The generation ran past the queue deadline', { relay: prepared.relays[0]?.name, cause: error })
      : isImagineError(error)
        ? error
        : undefined;
  const outcome: FinishedOutcome = interrupted ? 'interrupted' : failure?.kind ?? 'upstream';
  const charge = failureCharge(failure, interrupted);
  if (failure) metrics.relayError(failure.relay, failure);
  const cost = settleCharge(ctx.ledger, interaction.id, charge, outcome, estimate(attempt));
  ctx.usage.finish(generationId, {
    outcome,
    errorKind: failure?.kind ?? 'internal',
    errorMessage: error instanceof Error ? error.message : String(error),
    requestId: failure?.requestId ?? null,
    relay: failure?.relay ?? null,
    // Billed, but no image reached the member (as the delivery path records it).
    ...(charge === 'unusable' ? { imageCount: 0 } : {}),
    estimatedCost: cost,
  });
  ctx.jobStore.finish(jobId, interrupted ? 'interrupted' : 'failed', { errorKind: interrupted ? 'shutdown' : failure?.kind ?? 'internal' });
  logFailure(jobLog(attempt), failure ?? error, outcome);
  const message = interrupted
    ? text.interrupted
    : charge === 'unusable' && failure
      ? explainUnusable(failure, inGuild)
      : explainError(failure ?? error);
  await deliverQuietly(interaction, failureMessage(message, locale), pick(text.lateFailure({ mention }), locale));
  countJobEnd(attempt, outcome);
}

/** The reservation's figure (admission.ts reserves the same): price per image × images asked. */
function estimate(attempt: Attempt): number {
  const { ctx, job } = attempt;
  return ctx.pipeline.pricePerImage(job.prepared.model, job.prepared.relays[0]) * job.prepared.plan.n;
}

async function deliverResult(attempt: Attempt, result: GenerationResult): Promise<Delivered> {
  const { job, generationId, locale, mention } = attempt;
  const { interaction } = job;
  let limit = interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT;
  // Discord may still say 413 (a smaller limit than announced, multipart overhead): fit tighter, twice.
  for (let attempt = 0; ; attempt++) {
    const images: FittedImage[] = await fitAll(result, limit);
    const payload = resultMessage({
      generationId,
      prompt: job.prepared.request.prompt,
      userId: interaction.user.id,
      locale,
      result,
      images,
      limitBytes: limit,
      notes: job.spoiler ? [...job.notes, text.fieldSpoiler] : job.notes,
      spoiler: job.spoiler,
      safety: safetyLabel(job.prepared),
    });
    try {
      return await deliver(interaction, payload, pick(text.lateDelivery({ mention }), locale));
    } catch (error) {
      if (!(error instanceof UploadTooLargeError) || attempt >= 2) throw error;
      log.warn('upload refused as too large; fitting tighter', { generationId, interaction: interaction.id, limit });
      limit = Math.floor(limit / 2);
    }
  }
}

/** Fits every image to the limit; an image the relay sent broken is the relay's fault, said as such. */
async function fitAll(result: GenerationResult, limit: number): Promise<FittedImage[]> {
  try {
    return await Promise.all(result.images.map((image) => fitToUploadLimit(image, limit)));
  } catch (error) {
    if (!(error instanceof UndecodableImageError)) throw error;
    throw new MalformedResponseError('The relay sent an image that cannot be decoded', {
      relay: result.relay,
      requestId: result.requestId,
      cause: error,
    });
  }
}

/** A plain status line in place of the reply (no embed, no files), with optional buttons. */
export function noticeMessage(content: string, components: ActionRowBuilder<ButtonBuilder>[] = []) {
  return { content, embeds: [], files: [], components, attachments: [] };
}

/** Failure and status messages must not throw: there is nothing left to tell the user with. */
export async function deliverQuietly(
  interaction: RepliableInteraction,
  payload: DeliveryPayload,
  prefix: string,
): Promise<void> {
  try {
    await deliver(interaction, payload, prefix);
  } catch (error) {
    if (!(error instanceof DeliveryFailedError)) log.error('could not deliver a failure message', { error });
  }
}

/** The safety setting actually sent, as the embed shows it (GPT models take it as `moderation`). */
function safetyLabel(prepared: PreparedGeneration): string | undefined {
  // The value in force, sent or not: a default (2, `auto`) is left out of the request but still applies.
  const value = prepared.request.safetyTolerance;
  const served = modelOnRelay(prepared.model, prepared.relays[0]);
  if (value === undefined) return undefined;
  if (served.safetyTolerance) return String(value);
  return served.moderation ? `moderation: ${moderationFor(value)}` : undefined;
}

function logFailure(logger: Log, error: unknown, outcome: FinishedOutcome): void {
  if (!isImagineError(error)) {
    logger.error('generation failed unexpectedly', { outcome, error });
    return;
  }
  const fields = { outcome, kind: error.kind, relay: error.relay, status: error.status, requestId: error.requestId, code: error.code, relayMessage: error.relayMessage };
  // Auth and billing failures are the operator's to fix: log them loudly with the detail.
  if (error.kind === 'auth' || error.kind === 'billing') logger.error('relay refused the bot: check the key and balance', fields);
  else logger.info('generation failed', fields);
}
