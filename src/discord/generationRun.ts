// One /imagine (or Re-roll) from a deferred interaction to a delivered image: the usage-log row is
// written first (so an interrupted attempt keeps it), progress is shown while the relay works, the
// result is fitted to the upload limit and delivered, and every failure ends in a message.
import type { RepliableInteraction } from 'discord.js';
import { fitToUploadLimit, UndecodableImageError, type FittedImage } from '../delivery/fitToUploadLimit.js';
import { explainError } from '../i18n/errorMessages.js';
import { localeFromDiscord, pick, type Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { log } from '../log.js';
import type { PreparedGeneration } from '../pipeline/imagePipeline.js';
import { isImagineError, MalformedResponseError } from '../providers/errors.js';
import type { GenerationResult } from '../providers/types.js';
import type { FinishedOutcome } from '../storage/index.js';
import { attemptOrigin, storedParams } from './attempts.js';
import type { BotContext } from './context.js';
import { deliver, DeliveryFailedError, UploadTooLargeError } from './delivery.js';
import { describeDiscordError } from './discordErrors.js';
import { SHUTDOWN_REASON } from './jobTracker.js';
import { ProgressReporter } from './progress.js';
import { failureMessage, resultMessage } from './resultMessage.js';
import { tokenUsable } from './tokenClock.js';

export const DEFAULT_UPLOAD_LIMIT = 10 * 1024 * 1024;
const PROGRESS_INTERVAL_MS = 5_000;

export interface GenerationJob {
  /** Already deferred. */
  interaction: RepliableInteraction;
  prepared: PreparedGeneration;
  /** Notes for the result embed (ignored inline parameters, …). */
  notes: Localized[];
  /** Post the images as spoilers (the channel's policy). */
  spoiler?: boolean;
}

export async function runGeneration(ctx: BotContext, job: GenerationJob): Promise<void> {
  const { interaction, prepared } = job;
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
  });
  if (started.existing) {
    log.info('interaction delivered twice; ignoring the repeat', { interaction: interaction.id });
    return;
  }
  const generationId = started.id;
  const mention = `<@${interaction.user.id}>`;

  await ctx.jobs.track(interaction.id, async (signal) => {
    const progress = new ProgressReporter(
      (content) => interaction.editReply({ content }),
      (seconds) => pick(text.progress({ model: prepared.model.id, size: prepared.plan.effectiveSize, seconds }), locale),
      PROGRESS_INTERVAL_MS,
      () => tokenUsable(interaction.id),
    );
    progress.start();
    let result: GenerationResult;
    try {
      result = await ctx.pipeline.generate(prepared, {
        signal,
        onRetry: (info) => progress.note(pick(text.retrying({ attempt: info.attempt, reason: info.error.kind }), locale)),
        onFailover: (info) => log.warn('relay failover', { generationId, from: info.from, to: info.to, kind: info.error.kind }),
      });
    } catch (error) {
      await progress.stop();
      const interrupted = signal.aborted && signal.reason === SHUTDOWN_REASON;
      const failure = isImagineError(error) ? error : undefined;
      // A timeout, a cut connection or an interrupted request may still be billed by the relay:
      // the ledger keeps the charge and the usage log counts its cost; anything else is refunded.
      const possiblyBilled = interrupted || failure?.possiblyBilled === true;
      const outcome: FinishedOutcome = interrupted ? 'interrupted' : failure?.kind ?? 'upstream';
      if (possiblyBilled) ctx.ledger.release(interaction.id);
      else ctx.ledger.refund(interaction.id, outcome);
      ctx.usage.finish(generationId, {
        outcome,
        errorKind: failure?.kind ?? 'internal',
        errorMessage: error instanceof Error ? error.message : String(error),
        requestId: failure?.requestId ?? null,
        relay: failure?.relay ?? null,
        estimatedCost: possiblyBilled ? ctx.pipeline.pricePerImage(prepared.model, prepared.relays[0]) * prepared.plan.n : 0,
      });
      logFailure(generationId, error);
      const message = interrupted ? text.interrupted : explainError(error);
      await deliverQuietly(interaction, failureMessage(message, locale), pick(text.lateFailure({ mention }), locale));
      return;
    }
    await progress.stop();

    ctx.ledger.commit(interaction.id, { images: result.images.length, cost: result.estimatedCost });
    ctx.usage.finish(generationId, {
      outcome: 'success',
      relay: result.relay,
      requestId: result.requestId ?? null,
      sizeEffective: result.effectiveSize,
      imageCount: result.images.length,
      bytes: result.images.reduce((sum, image) => sum + image.bytes.length, 0),
      latencyMs: result.elapsedMs,
      estimatedCost: result.estimatedCost,
      seed: result.seed ?? null,
    });
    try {
      const delivered = await deliverResult(interaction, generationId, result, job, mention);
      ctx.usage.setDelivered(generationId, { messageId: delivered.id, channelId: delivered.channelId });
    } catch (error) {
      // DeliveryFailedError: Discord refused every route, so there is no way left to tell the user.
      // Anything else (an image that cannot be re-encoded to fit, a bug) happened before Discord
      // was asked: the user must still hear about it instead of watching "thinking…" forever.
      const discordRefused = error instanceof DeliveryFailedError;
      ctx.usage.finish(generationId, {
        outcome: !discordRefused && isImagineError(error) ? error.kind : 'delivery_failed',
        errorKind: isImagineError(error) ? error.kind : 'delivery',
        errorMessage: error instanceof Error ? error.message : String(error),
      });
      // Discord's errors carry the request (uploaded bytes, token URLs): log what they say, not all they hold.
      log.error('generated but could not deliver', {
        generationId,
        ...(discordRefused ? { causes: error.causes.map(describeDiscordError) } : { error }),
      });
      if (!discordRefused) {
        await deliverQuietly(interaction, failureMessage(explainError(error), locale), pick(text.lateFailure({ mention }), locale));
      }
    }
  });
}

async function deliverResult(
  interaction: RepliableInteraction,
  generationId: number,
  result: GenerationResult,
  job: GenerationJob,
  mention: string,
) {
  const locale = localeFromDiscord(interaction.locale);
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
      const delivered = await deliver(interaction, payload, pick(text.lateDelivery({ mention }), locale));
      return delivered.message;
    } catch (error) {
      if (!(error instanceof UploadTooLargeError) || attempt >= 2) throw error;
      log.warn('upload refused as too large; fitting tighter', { generationId, limit });
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

/** Failure messages must not throw: there is nothing left to tell the user with. */
async function deliverQuietly(
  interaction: RepliableInteraction,
  payload: ReturnType<typeof failureMessage>,
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
  const moderation = prepared.plan.body.moderation;
  if (typeof moderation === 'string') return `moderation: ${moderation}`;
  const tolerance = prepared.plan.body.safety_tolerance;
  return typeof tolerance === 'number' ? String(tolerance) : undefined;
}

function logFailure(generationId: number, error: unknown): void {
  if (!isImagineError(error)) {
    log.error('generation failed unexpectedly', { generationId, error });
    return;
  }
  const fields = { generationId, kind: error.kind, relay: error.relay, status: error.status, requestId: error.requestId, code: error.code, relayMessage: error.relayMessage };
  // Auth and billing failures are the operator's to fix: log them loudly with the detail.
  if (error.kind === 'auth' || error.kind === 'billing') log.error('relay refused the bot: check the key and balance', fields);
  else log.info('generation failed', fields);
}
