// The generation core's reporter for a deferred Discord interaction: the place in line while it
// waits, the progress line (with Cancel) and previews while it runs, the result message, and what
// to say when it ends without an image. Edits are throttled and stop before the final message.
import { fitToUploadLimit, UndecodableImageError, type FittedImage } from '../delivery/fitToUploadLimit.js';
import { explainEnding, type GenerationReporter, type Receipt, type Settled, type ToldEnding } from '../generation/index.js';
import { formatDuration } from '../i18n/duration.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { previewText } from '../i18n/previewMessages.js';
import { queueText } from '../i18n/queueMessages.js';
import { log } from '../log.js';
import { modelOnRelay, type PreparedGeneration } from '../pipeline/imagePipeline.js';
import { moderationFor } from '../providers/dialects/index.js';
import { MalformedResponseError } from '../providers/errors.js';
import type { PartialImage } from '../providers/imageEvents.js';
import type { RetryInfo } from '../providers/relayClient.js';
import type { GenerationResult } from '../providers/types.js';
import type { EtaEstimate } from '../queue/index.js';
import { DEFAULT_UPLOAD_LIMIT } from './attachmentBytes.js';
import { deliver, DeliveryFailedError, UploadTooLargeError } from './delivery.js';
import { describeDiscordError } from './discordErrors.js';
import { cancelRow, runAgainRow } from './jobControls.js';
import { PreviewReporter, previewAttachment } from './previewReporter.js';
import { ProgressReporter } from './progress.js';
import { ReplyEditor } from './replyEditor.js';
import type { ReplyTarget } from './replyTarget.js';
import { deliverQuietly, noticeMessage } from './responder.js';
import { failureMessage, resultMessage } from './resultMessage.js';
import { tokenUsable } from './tokenClock.js';

const PROGRESS_INTERVAL_MS = 5_000;

export interface DiscordJob {
  /** Already deferred: the live interaction, or one rebuilt from the job row in another process (storedInteraction.ts). */
  interaction: ReplyTarget;
  prepared: PreparedGeneration;
  /** The usage row: the result's buttons find the request by it. */
  generationId: number;
  /** Notes for the result embed (parameters not recognised, the safety value used, …). */
  notes: Localized[];
  /** Post the images as spoilers (the channel's policy). */
  spoiler: boolean;
}

export class DiscordReporter implements GenerationReporter {
  private readonly locale: Locale;
  private readonly mention: string;
  private readonly waiting: ReplyEditor;
  private progress?: ProgressReporter;
  private previews?: PreviewReporter;
  private startedAt = 0;

  constructor(private readonly job: DiscordJob) {
    const { interaction } = job;
    this.locale = localeFromDiscord(interaction.locale);
    this.mention = `<@${interaction.user.id}>`;
    const components = [cancelRow(interaction.id, this.locale)];
    this.waiting = new ReplyEditor((content) => interaction.editReply({ content, components }), () => tokenUsable(interaction.id));
  }

  queued(eta: EtaEstimate): void {
    const { locale } = this;
    this.waiting.set(
      pick(
        queueText.waiting({
          model: this.job.prepared.model.id,
          ahead: eta.position,
          startsIn: formatDuration(eta.startsInMs, locale),
          doneIn: formatDuration(eta.doneInMs, locale),
        }),
        locale,
      ),
    );
  }

  async started(): Promise<void> {
    // The waiting message's last edit must land before the progress takes over the reply.
    await this.waiting.stop();
    const { interaction, prepared } = this.job;
    const components = [cancelRow(interaction.id, this.locale)];
    this.startedAt = Date.now();
    const status = (seconds: number): string => {
      const line = pick(
        seconds < 1
          ? queueText.starting({ model: prepared.model.id, size: prepared.plan.effectiveSize })
          : text.progress({ model: prepared.model.id, size: prepared.plan.effectiveSize, seconds }),
        this.locale,
      );
      // A preview on screen keeps its caption when the progress line is refreshed.
      const shown = this.previews?.current;
      return shown ? `${line}\n${pick(previewText.preview(shown), this.locale)}` : line;
    };
    // Partial images of a streamed generation, shown in the reply while it runs (throttled, latest wins).
    this.previews = new PreviewReporter(
      (frame) => interaction.editReply({ content: status(Math.round((Date.now() - this.startedAt) / 1000)), components, files: [previewAttachment(frame)] }),
      { stillUseful: () => tokenUsable(interaction.id), spoiler: this.job.spoiler },
    );
    this.progress = new ProgressReporter((content) => interaction.editReply({ content, components }), status, PROGRESS_INTERVAL_MS, () => tokenUsable(interaction.id));
    // At once: the Cancel button must be there from the start, not after the first interval.
    this.progress.start({ immediate: true });
  }

  retrying(info: RetryInfo): void {
    this.progress?.note(pick(text.retrying({ attempt: info.attempt, reason: info.error.kind }), this.locale));
  }

  preview(partial: PartialImage): void {
    this.previews?.offer(partial);
  }

  async finished(): Promise<void> {
    // Previews end before any final message: that edit replaces the attachments and must be last.
    await Promise.all([this.waiting.stop(), this.progress?.stop(), this.previews?.stop()]);
  }

  async deliver(result: GenerationResult): Promise<Receipt> {
    const { job, locale } = this;
    const { interaction } = job;
    let limit = interaction.attachmentSizeLimit || DEFAULT_UPLOAD_LIMIT;
    // Discord may still say 413 (a smaller limit than announced, multipart overhead): fit tighter, twice.
    for (let attempt = 0; ; attempt++) {
      const images = await fitAll(result, limit);
      const payload = resultMessage({
        generationId: job.generationId,
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
        const delivered = await deliver(interaction, payload, pick(text.lateDelivery({ mention: this.mention }), locale));
        return { messageId: delivered.message.id, channelId: delivered.message.channelId, via: delivered.via };
      } catch (error) {
        // What Discord said for each route, never its request (uploaded bytes, token URLs).
        if (error instanceof DeliveryFailedError) log.warn('Discord refused every route for a result', { interaction: interaction.id, causes: error.causes.map(describeDiscordError) });
        if (!(error instanceof UploadTooLargeError) || attempt >= 2) throw error;
        log.warn('upload refused as too large; fitting tighter', { generationId: job.generationId, interaction: interaction.id, limit });
        limit = Math.floor(limit / 2);
      }
    }
  }

  async ended(ending: ToldEnding, settled: Settled): Promise<void> {
    const { interaction } = this.job;
    const { locale, mention } = this;
    // Discord refused every route for the result: there is no way left to tell the member.
    if (ending.kind === 'undelivered' && ending.error instanceof DeliveryFailedError) return;
    const { message, notice } = explainEnding(ending, settled, interaction.guildId !== null);
    if (!notice) {
      await deliverQuietly(interaction, failureMessage(message, locale), pick(text.lateFailure({ mention }), locale));
      return;
    }
    const shutdown = ending.kind === 'not_started' && ending.why === 'shutdown';
    const components = shutdown ? [runAgainRow(this.job.generationId, locale)] : [];
    const queueRefusal = ending.kind === 'not_started' && (ending.why === 'queue_full' || ending.why === 'user_queue_full');
    await deliverQuietly(interaction, noticeMessage(pick(message, locale), components), queueRefusal ? pick(text.lateFailure({ mention }), locale) : mention);
  }
}

/** Fits every image to the limit; an image the relay sent broken is the relay's fault, said as such. */
async function fitAll(result: GenerationResult, limit: number): Promise<FittedImage[]> {
  try {
    return await Promise.all(result.images.map((image) => fitToUploadLimit(image, limit)));
  } catch (error) {
    if (!(error instanceof UndecodableImageError)) throw error;
    throw new MalformedResponseError('The relay sent an image that cannot be decoded', { relay: result.relay, requestId: result.requestId, cause: error });
  }
}

/** The safety value in force, sent or not: a default (2, `auto`) is left out of the request but still applies. */
function safetyLabel(prepared: PreparedGeneration): string | undefined {
  const value = prepared.request.safetyTolerance;
  const served = modelOnRelay(prepared.model, prepared.primaryRelay);
  if (value === undefined) return undefined;
  if (served.safetyTolerance) return String(value);
  return served.moderation ? `moderation: ${moderationFor(value)}` : undefined;
}
