// Input images for a request from Discord, whichever way it came in: /imagine's attachment options,
// the Remix context menu (an image in a message), Vary (a result's own image) and Re-roll of an edit
// (the same images fetched again). Within Discord's 3 seconds only the cheap checks run (the queue,
// the server's policy, the image count, what Discord says of the files); then the reply is deferred,
// and only then are messages fetched, files downloaded and decoded, and the ledger asked to reserve.
// A refusal is answered privately (also after the deferral), logged as an attempt, and costs nothing.
import { Routes, type Attachment, type Client } from 'discord.js';
import { z } from 'zod';
import { explainError } from '../i18n/errorMessages.js';
import { inputText } from '../i18n/inputMessages.js';
import type { Localized } from '../i18n/locale.js';
import { log } from '../log.js';
import { InvalidInputError } from '../providers/errors.js';
import type { ImageRequest, InputSource } from '../providers/types.js';
import { admitRequest, checkRequest, refusePrivately, reserveRequest, type AdmittableInteraction, type Admitted } from './admission.js';
import { ATTACHMENT_DEADLINE_MS, checkAttachments, discordHostIsPrivate, downloadAttachments, looksLikeImage, type AttachmentInput } from './attachmentInputs.js';
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
export async function fetchAttachment(client: Client, source: MessageImageRef): Promise<AttachmentInput> {
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
 * Where the attachments behind a stored edit are (the usage log keeps references, never bytes).
 * An upload that was never in a message cannot be fetched again: that is a refusal.
 */
function storedInputSources(stored: unknown): InputSource[] {
  const parsed = storedRefs.safeParse(stored);
  if (!parsed.success || parsed.data.some((ref) => ref.sources.length !== ref.parts)) throw new InputRefusal(inputText.uploadNotKept);
  return parsed.data.flatMap((ref) => ref.sources);
}

/** Where a message's image is; without an attachment id, its first image. */
export type MessageImageRef = Omit<InputSource, 'attachmentId'> & { attachmentId?: string };

/**
 * A request's input images: links at hand (/imagine's options, Vary's result), images in messages
 * to fetch again for fresh links (Remix), or the references a stored edit kept (Re-roll; `count`
 * is the row's input count, checked against the model before anything else).
 */
export type InputImages = { attachments: readonly AttachmentInput[] } | { messages: readonly MessageImageRef[] } | { stored: unknown; count: number };

function inputCount(inputs: InputImages): number {
  if ('attachments' in inputs) return inputs.attachments.length;
  return 'messages' in inputs ? inputs.messages.length : inputs.count;
}

/** Answers a refusal privately and logs the attempt; nothing was reserved yet. */
async function refuse(ctx: BotContext, interaction: AdmittableInteraction, request: Request, message: Localized, reason: string, count: number): Promise<void> {
  logRefusal(ctx, interaction, request, { outcome: 'invalid_input', reason, inputCount: count });
  await refusePrivately(interaction, message);
}

/** Runs `step`; an input refusal it throws is answered (logged, said privately) and gives undefined. */
async function refusing<T>(ctx: BotContext, interaction: AdmittableInteraction, request: Request, count: number, step: () => T | Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof InvalidInputError) await refuse(ctx, interaction, request, explainError(error), error.message, count);
    else if (error instanceof InputRefusal) await refuse(ctx, interaction, request, error.text, error.message, count);
    else throw error;
    return undefined;
  }
}

/**
 * Admits a request and defers its reply; returns undefined after the user was told why not. With
 * input images, the order keeps Discord's 3 seconds for what is cheap: the queue and the server's
 * policy, the image count for the model and what Discord says of the files are checked first (a
 * refusal is a private reply, and nothing is downloaded); then the reply is deferred (public: the
 * result will be); then the images are fetched, downloaded and read, and the request prepared and
 * reserved (a refusal then withdraws the deferral and is said in a private follow-up).
 */
export async function admitAndDefer(ctx: BotContext, interaction: AdmittableInteraction, request: Request, inputs?: InputImages): Promise<Admitted | undefined> {
  if (!inputs || inputCount(inputs) === 0) {
    const admitted = await admitRequest(ctx, interaction, request);
    if (admitted) await interaction.deferReply();
    return admitted;
  }
  const checked = await checkRequest(ctx, interaction, request);
  if (!checked) return undefined;
  const { model } = checked;
  const discordApiBaseUrl = ctx.config.env.discordApiBaseUrl;
  const count = inputCount(inputs);
  // Before the deferral: a text-only model or too many images, a declared size or type, a link off
  // Discord, an upload that was never kept: said before a byte is fetched.
  const sources = await refusing(ctx, interaction, request, count, (): readonly MessageImageRef[] => {
    ctx.pipeline.checkInputCount(model, count);
    if ('attachments' in inputs) {
      checkAttachments(inputs.attachments, { discordApiBaseUrl });
      return [];
    }
    return 'messages' in inputs ? inputs.messages : storedInputSources(inputs.stored);
  });
  if (!sources) return undefined;

  // Whether Discord's host is private is looked up once per process (memoised); a first lookup
  // runs beside the deferral instead of after it.
  void discordHostIsPrivate(discordApiBaseUrl);
  await interaction.deferReply();
  // The download budget counts from here: fetching the messages first (Remix, Re-roll) spends part of it.
  const started = Date.now();
  const withImages = await refusing(ctx, interaction, request, count, async (): Promise<Request> => {
    const list = 'attachments' in inputs ? inputs.attachments : await Promise.all(sources.map((source) => fetchAttachment(interaction.client, source)));
    const raws = await downloadAttachments(list, {
      discordApiBaseUrl,
      deadlineMs: Math.max(1, ATTACHMENT_DEADLINE_MS - (Date.now() - started)),
    });
    return { ...request, model: model.id, inputImages: await ctx.pipeline.readInputs(model, raws) };
  });
  if (!withImages) return undefined;
  return reserveRequest(ctx, interaction, withImages, checked);
}

/** The offered model a Vary or Remix runs on: the one asked for when it takes images, else the first offered one that does. */
export function editModelFor(ctx: BotContext, preferred: string | undefined): string | undefined {
  const offered = ctx.pipeline.editModels;
  const wanted = preferred && offered.find((model) => model.id === preferred);
  const fallback = offered.find((model) => model.id === ctx.pipeline.defaultModel.id) ?? offered[0];
  return (wanted || fallback)?.id;
}
