// A request from Discord up to its admission, whichever way it came in: /imagine (with or without
// attachment options), the result buttons (Re-roll, Vary) and the Remix form. Within Discord's 3
// seconds only the cheap checks run (the core's screen: the queue, the server's policy; then the
// image count and what Discord says of the files); then the reply is deferred, and only then are
// messages fetched, files downloaded and decoded, and the request reserved. Every refusal goes
// through refuse(): logged as an attempt, answered privately, and nothing is charged.
import { MessageFlags, Routes, type Attachment, type Client } from 'discord.js';
import { z } from 'zod';
import type { ButtonInteraction, ChatInputCommandInteraction, MessageContextMenuCommandInteraction, ModalSubmitInteraction, StringSelectMenuInteraction } from 'discord.js';
import { explainRefusal, type DraftRequest, type Origin, type Refusal, type Reserved, type Screened } from '../generation/index.js';
import { assistText } from '../i18n/assistMessages.js';
import { inputText } from '../i18n/inputMessages.js';
import { localeFromDiscord, type Localized } from '../i18n/locale.js';
import { describeBlockedPrompt } from '../moderation/index.js';
import { log } from '../log.js';
import { InvalidInputError } from '../providers/errors.js';
import type { InputSource } from '../providers/types.js';
import type { PromptSettings } from '../storage/index.js';
import { acknowledge, afterAcknowledgements } from './acknowledgements.js';
import { discordIsPrivate } from './attachmentBytes.js';
import { ATTACHMENT_DEADLINE_MS, checkAttachments, downloadAttachments, looksLikeImage, type AttachmentInput } from './attachmentInputs.js';
import type { BotContext } from './context.js';
import { describeDiscordError } from './discordErrors.js';
import { postToLogChannel } from './logChannel.js';
import { refusePrivately } from './responder.js';

/** Requests come from /imagine, the result buttons (Re-roll, Vary, Upscale), the menu of a result with several images, and the Remix and Edit modals. */
export type AdmittableInteraction = ChatInputCommandInteraction | ButtonInteraction | StringSelectMenuInteraction | ModalSubmitInteraction;

/** A refusal whose text is ours rather than an InvalidInputError's. */
class InputRefusal extends Error {
  constructor(readonly text: Localized) {
    super(text.en);
  }
}

/** Who asks and from where, as the core needs it. */
export function originOf(interaction: AdmittableInteraction | MessageContextMenuCommandInteraction): Origin {
  const channel = interaction.channel;
  const roles = interaction.member?.roles;
  return {
    requestId: interaction.id,
    userId: interaction.user.id,
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    locale: interaction.locale,
    // Age-restricted channels may loosen safety; DMs and unknown channels never do.
    channelIsNsfw: channel !== null && 'nsfw' in channel ? channel.nsfw === true : false,
    parentChannelId: channel?.isThread() ? channel.parentId : null,
    memberRoleIds: !roles ? [] : Array.isArray(roles) ? roles : [...roles.cache.keys()],
    reply: { applicationId: interaction.applicationId, token: interaction.token, uploadLimit: interaction.attachmentSizeLimit },
  };
}

/** The one way a refusal ends: logged as an attempt, the member told privately, a blocked word reported to the log channel. */
async function refuse(ctx: BotContext, interaction: AdmittableInteraction, draft: DraftRequest, refusal: Refusal, inputCount?: number): Promise<undefined> {
  ctx.generation.logRefusal(originOf(interaction), draft, refusal, inputCount);
  await refusePrivately(interaction, explainRefusal(refusal, localeFromDiscord(interaction.locale)));
  if (refusal.code === 'policy' && refusal.blockedEntry !== undefined) {
    const notice = describeBlockedPrompt(interaction.user.id, refusal.blockedEntry, interaction.channelId);
    await postToLogChannel(ctx, interaction.client, interaction.guildId, { content: `${notice.en}\n${notice.zh}` });
  }
  return undefined;
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

/** Runs `step`; an input refusal it throws becomes a Refusal (undefined value). */
async function inputStep<T>(step: () => T | Promise<T>): Promise<{ ok: true; value: T } | { ok: false; refusal: Refusal }> {
  try {
    return { ok: true, value: await step() };
  } catch (error) {
    if (error instanceof InvalidInputError) return { ok: false, refusal: { code: 'invalid_input', error } };
    if (error instanceof InputRefusal) return { ok: false, refusal: { code: 'input_unavailable', reason: error.message, message: error.text } };
    throw error;
  }
}

/** What a request asks of its admission besides the request itself. */
export interface AdmitOptions {
  /** Rewrite the prompt with the chat model after the deferral (the server's settings say how). */
  enhance?: { server?: PromptSettings };
  /** Answer only the member (their /settings): the deferral, and so the result, is ephemeral. */
  private?: boolean;
}

/**
 * Admits a request and defers its reply; returns undefined after the member was told why not. The
 * order keeps Discord's 3 seconds for what is cheap: the core's screen and, with input images, the
 * image count for the model and what Discord says of the files (a refusal is a private reply, and
 * nothing is downloaded); then the reply is deferred (public: the result will be, unless the member
 * keeps results private); then the images are fetched, downloaded and read, the prompt enhanced
 * (and its rewrite screened again: a blocked word may appear only there), and the request reserved
 * (a refusal then withdraws the deferral and is said in a private follow-up). A plain request is
 * reserved before the deferral.
 */
export async function admitAndDefer(
  ctx: BotContext,
  interaction: AdmittableInteraction,
  request: DraftRequest,
  inputs?: InputImages,
  options: AdmitOptions = {},
): Promise<Reserved | undefined> {
  const origin = originOf(interaction);
  const screened = ctx.generation.screen(origin, request);
  if (!screened.ok) return refuse(ctx, interaction, request, screened.refusal);
  const count = inputs ? inputCount(inputs) : 0;
  // Deferrals go out before any other interaction's follow-up work (acknowledgements.ts); what
  // follows one waits until the burst it came in is acknowledged.
  const defer = () => acknowledge(() => interaction.deferReply(options.private ? { flags: MessageFlags.Ephemeral } : {}));
  if ((!inputs || count === 0) && !options.enhance) {
    const reserved = await reserve(ctx, interaction, origin, request, screened.value);
    if (!reserved) return undefined;
    try {
      await defer();
    } catch (error) {
      // Discord refused the acknowledgement (an interaction it no longer knows): nothing was sent
      // anywhere and no row written yet, so the reservation is given back at once.
      ctx.generation.abandon(reserved);
      throw error;
    }
    await afterAcknowledgements();
    return reserved;
  }
  const { model } = screened.value;
  const discordApiBaseUrl = ctx.config.env.discordApiBaseUrl;
  // Before the deferral: a text-only model or too many images, a declared size or type, a link off
  // Discord, an upload that was never kept: said before a byte is fetched.
  const sources = await inputStep((): readonly MessageImageRef[] => {
    if (!inputs || count === 0) return [];
    ctx.pipeline.checkInputCount(model, count);
    if ('attachments' in inputs) {
      checkAttachments(inputs.attachments, { discordApiBaseUrl });
      return [];
    }
    return 'messages' in inputs ? inputs.messages : storedInputSources(inputs.stored);
  });
  if (!sources.ok) return refuse(ctx, interaction, request, sources.refusal, count);

  // Whether Discord's host is private is looked up once per process (memoised); a first lookup
  // runs beside the deferral instead of after it.
  if (count > 0) void discordIsPrivate(discordApiBaseUrl);
  await defer();
  await afterAcknowledgements();
  let draft = request;
  if (inputs && count > 0) {
    // The download budget counts from here: fetching the messages first (Remix, Re-roll) spends part of it.
    const started = Date.now();
    const withImages = await inputStep(async (): Promise<DraftRequest> => {
      const list = 'attachments' in inputs ? inputs.attachments : await Promise.all(sources.value.map((source) => fetchAttachment(interaction.client, source)));
      const raws = await downloadAttachments(list, { discordApiBaseUrl, deadlineMs: Math.max(1, ATTACHMENT_DEADLINE_MS - (Date.now() - started)) });
      return { ...request, model: model.id, inputImages: await ctx.pipeline.readInputs(model, raws) };
    });
    if (!withImages.ok) return refuse(ctx, interaction, request, withImages.refusal, count);
    draft = withImages.value;
  }
  const notes: Localized[] = [];
  if (options.enhance) {
    // The model as its relay serves it: a rewrite must fit that relay's prompt cap (QuickRouter's 1000).
    const enhanced = await ctx.generation.assistant.enhance(origin, draft, ctx.pipeline.modelOnFirstRelay(model), screened.value.policy, options.enhance.server);
    notes.push(...enhanced.notes);
    if (enhanced.draft.prompt !== draft.prompt) {
      // The rewrite is a new prompt: the server's word list reads it as it read the member's.
      const again = ctx.generation.screen(origin, enhanced.draft);
      if (!again.ok) {
        // Not "your prompt": the member typed nothing blocked, and the rewrite itself was paid for.
        const { refusal } = again;
        const rewritten = refusal.code === 'policy' && refusal.blockedEntry !== undefined ? { ...refusal, message: assistText.rewriteBlocked } : refusal;
        return refuse(ctx, interaction, enhanced.draft, rewritten, count);
      }
    }
    draft = enhanced.draft;
  }
  const reserved = await reserve(ctx, interaction, origin, draft, screened.value);
  return reserved && { ...reserved, notes: [...notes, ...reserved.notes] };
}

/**
 * The core's reservation, answered: a refusal said privately, a redelivery dropped (the first
 * delivery is already at work), and a budget crossing its 80 % mark said in the server's log
 * channel without being awaited (the deferral must not wait on it).
 */
async function reserve(ctx: BotContext, interaction: AdmittableInteraction, origin: Origin, draft: DraftRequest, screened: Screened): Promise<Reserved | undefined> {
  const reserved = ctx.generation.reserve(origin, draft, screened);
  if (!reserved.ok) return refuse(ctx, interaction, draft, reserved.refusal);
  for (const notice of reserved.value?.budgetWarnings ?? []) {
    void postToLogChannel(ctx, interaction.client, interaction.guildId, { content: `${notice.en}\n${notice.zh}` });
  }
  return reserved.value;
}

/** The offered model a Vary or Remix runs on: the one asked for when it takes images, else the first offered one that does. */
export function editModelFor(ctx: BotContext, preferred: string | undefined): string | undefined {
  const offered = ctx.pipeline.editModels;
  const wanted = preferred && offered.find((model) => model.id === preferred);
  const fallback = offered.find((model) => model.id === ctx.pipeline.defaultModel.id) ?? offered[0];
  return (wanted || fallback)?.id;
}
