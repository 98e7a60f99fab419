// Input images for a request from Discord, whichever way it came in: /imagine's attachment options,
// the Remix context menu (an image in a message), Vary (a result's own image) and Re-roll of an edit
// (the same images fetched again). Everything happens before the deferral and before the ledger
// reserves anything; a refusal is answered privately, logged as an attempt, and costs nothing.
import { MessageFlags, Routes, type Attachment, type Client } from 'discord.js';
import { z } from 'zod';
import { explainError } from '../i18n/errorMessages.js';
import { inputText } from '../i18n/inputMessages.js';
import { localeFromDiscord, pick, type Localized } from '../i18n/locale.js';
import { log } from '../log.js';
import { InvalidInputError } from '../providers/errors.js';
import type { ImageRequest, InputSource } from '../providers/types.js';
import type { AdmittableInteraction } from './admission.js';
import { ATTACHMENT_DEADLINE_MS, downloadAttachments, looksLikeImage, type AttachmentInput } from './attachmentInputs.js';
import { logRefusal } from './attempts.js';
import type { BotContext } from './context.js';
import { describeDiscordError } from './discordErrors.js';

type Request = Partial<ImageRequest> & { prompt: string };

/** A refusal whose text is ours rather than an InvalidInputError's. */
class InputRefusal extends Error {
  constructor(readonly text: Localized) {
    super(text.en);
  }
}

export function attachmentInput(attachment: Attachment, source?: InputSource): AttachmentInput {
  return { id: attachment.id, name: attachment.name, url: attachment.url, size: attachment.size, contentType: attachment.contentType, ...(source ? { source } : {}) };
}

/** The first image among a message's attachments (discord.js objects), with its message as the source. */
export function firstImage(message: { id: string; channelId: string; attachments: Iterable<Attachment> }): AttachmentInput | undefined {
  for (const attachment of message.attachments) {
    if (looksLikeImage({ name: attachment.name, contentType: attachment.contentType })) {
      return attachmentInput(attachment, { channelId: message.channelId, messageId: message.id, attachmentId: attachment.id });
    }
  }
  return undefined;
}

const apiAttachment = z.object({
  id: z.string(),
  filename: z.string(),
  url: z.string(),
  size: z.number(),
  content_type: z.string().nullish(),
});
const apiMessage = z.object({ attachments: z.array(apiAttachment) });

/**
 * Fetches the message again for a fresh signed link (the one in an old payload may have expired)
 * and returns the attachment, or the message's first image when the id is not given or gone.
 */
export async function fetchAttachment(client: Client, source: Omit<InputSource, 'attachmentId'> & { attachmentId?: string }): Promise<AttachmentInput> {
  let message: z.infer<typeof apiMessage>;
  try {
    message = apiMessage.parse(await client.rest.get(Routes.channelMessage(source.channelId, source.messageId)));
  } catch (error) {
    log.info('could not fetch the message of an input image', { channelId: source.channelId, messageId: source.messageId, ...describeDiscordError(error) });
    throw new InputRefusal(inputText.sourceGone);
  }
  const images = message.attachments.filter((a) => looksLikeImage({ name: a.filename, contentType: a.content_type }));
  const found = images.find((a) => a.id === source.attachmentId) ?? (source.attachmentId === undefined ? images[0] : undefined);
  if (!found) throw new InputRefusal(inputText.sourceGone);
  return {
    id: found.id,
    name: found.filename,
    url: found.url,
    size: found.size,
    contentType: found.content_type ?? null,
    source: { channelId: source.channelId, messageId: source.messageId, attachmentId: found.id },
  };
}

const storedRefs = z.array(
  z.object({
    name: z.string(),
    parts: z.number().int().min(1),
    sources: z.array(z.object({ channelId: z.string(), messageId: z.string(), attachmentId: z.string() })),
  }),
);

/**
 * The attachments behind a stored edit (the usage log keeps references, never bytes), fetched again.
 * An upload that was never in a message cannot be fetched: that is a refusal.
 */
export async function storedInputAttachments(client: Client, stored: unknown): Promise<AttachmentInput[]> {
  const parsed = storedRefs.safeParse(stored);
  if (!parsed.success || parsed.data.some((ref) => ref.sources.length !== ref.parts)) throw new InputRefusal(inputText.uploadNotKept);
  const sources = parsed.data.flatMap((ref) => ref.sources);
  return Promise.all(sources.map((source) => fetchAttachment(client, source)));
}

/** Answers a refusal privately and logs the attempt; nothing was reserved yet. */
async function refuse(ctx: BotContext, interaction: AdmittableInteraction, request: Request, message: Localized, reason: string, inputCount: number): Promise<void> {
  logRefusal(ctx, interaction, request, { outcome: 'invalid_input', reason, inputCount });
  await interaction.reply({ content: `❌ ${pick(message, localeFromDiscord(interaction.locale))}`, flags: MessageFlags.Ephemeral });
}

/**
 * The request with its input images read and checked for the model it names, or undefined after
 * the user was told why not. `attachments` may be a promise (a message still being fetched): its
 * refusals are answered the same way. A model that is not offered is left to admission to refuse.
 */
export async function withInputImages(
  ctx: BotContext,
  interaction: AdmittableInteraction,
  request: Request,
  attachments: readonly AttachmentInput[] | (() => Promise<AttachmentInput[]>),
  expectedCount?: number,
): Promise<Request | undefined> {
  // The download budget counts from here: fetching a message first (Remix, Re-roll) spends part of it.
  const started = Date.now();
  let model;
  try {
    model = ctx.pipeline.resolveModel(request.model);
  } catch (error) {
    if (error instanceof InvalidInputError) return request;
    throw error;
  }
  const count = typeof attachments === 'function' ? (expectedCount ?? 1) : attachments.length;
  try {
    // A text-only model, or too many images, is said before a byte is fetched.
    ctx.pipeline.checkInputCount(model, count);
    const list = typeof attachments === 'function' ? await attachments() : attachments;
    const raws = await downloadAttachments(list, {
      discordApiBaseUrl: ctx.config.env.discordApiBaseUrl,
      deadlineMs: Math.max(1, ATTACHMENT_DEADLINE_MS - (Date.now() - started)),
    });
    return { ...request, model: model.id, inputImages: await ctx.pipeline.readInputs(model, raws) };
  } catch (error) {
    if (error instanceof InvalidInputError) await refuse(ctx, interaction, request, explainError(error), error.message, count);
    else if (error instanceof InputRefusal) await refuse(ctx, interaction, request, error.text, error.message, count);
    else throw error;
    return undefined;
  }
}

/** The offered model a Vary or Remix runs on: the one asked for when it takes images, else the first offered one that does. */
export function editModelFor(ctx: BotContext, preferred: string | undefined): string | undefined {
  const offered = ctx.pipeline.editModels;
  const wanted = preferred && offered.find((model) => model.id === preferred);
  const fallback = offered.find((model) => model.id === ctx.pipeline.defaultModel.id) ?? offered[0];
  return (wanted || fallback)?.id;
}
