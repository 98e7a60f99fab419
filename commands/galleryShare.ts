// The Share button under a result: posts a copy of the image to the server's gallery channel, once.
// Who may: the requester, or any member when the server allows it (/gallery settings sharing).
// Where: the gallery channel; an image made in an age-restricted channel only to the age-restricted
// gallery, refused when there is none. The claim on the image is written before the post, so a
// double click cannot post twice, and given back when the post fails, so the member can retry.
import { MessageFlags, messageLink, Routes, type Attachment, type ButtonInteraction, type Message, type SendableChannels } from 'discord.js';
import { attachmentBytes, MAX_COPY_BYTES } from '../src/discord/attachmentBytes.js';
import type { BotContext } from '../src/discord/context.js';
import { describeDiscordError } from '../src/discord/discordErrors.js';
import type { CopiedImage } from '../src/discord/reportMessage.js';
import { channelNsfwFlag, isAgeRestrictedChannel } from '../src/gallery/ageRestriction.js';
import { withShareDone, type ComponentJson } from '../src/gallery/components.js';
import { galleryPostMessage, isSpoilerName } from '../src/gallery/galleryPost.js';
import { withdrawFromGallery } from '../src/gallery/withdraw.js';
import { galleryText } from '../src/i18n/galleryMessages.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../src/i18n/locale.js';
import { log } from '../src/log.js';
import { channelMention } from '../src/moderation/messages.js';
import type { GalleryPost, UsageRow } from '../src/storage/index.js';

export async function share(ctx: BotContext, interaction: ButtonInteraction, generationId: number, locale: Locale): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) {
    await interaction.reply({ content: pick(galleryText.shareNotInServer, locale), flags: MessageFlags.Ephemeral });
    return;
  }
  // Reading channels and copying the image can take longer than Discord's 3 seconds.
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const answer = await shareImage(ctx, interaction, guildId, generationId);
  await interaction.editReply({ content: pick(answer, locale), allowedMentions: { parse: [] } });
}

async function shareImage(ctx: BotContext, interaction: ButtonInteraction, guildId: string, generationId: number): Promise<Localized> {
  const row = ctx.usage.get(generationId);
  // A row of another server is treated as unknown, like a deleted one.
  if (!row || row.guildId !== guildId || row.outcome !== 'success' || row.deletedAt !== null) return galleryText.imageGone;
  const settings = ctx.gallery.settings(guildId);
  const sharer = interaction.user.id;
  if (row.userId !== sharer && !settings.shareByAnyone) return galleryText.shareOnlyRequester;
  if (ctx.policies.isBlocked(guildId, sharer)) return galleryText.shareBlocked;
  const existing = ctx.gallery.postOf(row.id);
  if (existing && existing.removedAt === null && existing.messageId) return galleryText.alreadyShared(postLink(existing, guildId));

  const ageRestricted = await isAgeRestrictedChannel(interaction.client, row.channelId ?? interaction.channelId);
  const destinationId = ageRestricted ? settings.nsfwChannelId : settings.channelId;
  if (!destinationId) return ageRestricted ? galleryText.noNsfwGallery : galleryText.noGallery;
  const destination = await sendableChannel(interaction, destinationId);
  if (!destination) return galleryText.shareFailed(channelMention(destinationId));
  // The setting was checked when it was made; the channel may have lost its flag since.
  if (ageRestricted && channelNsfwFlag(destination) !== true) return galleryText.nsfwGalleryNotRestricted(channelMention(destinationId));

  const images = await copyImages(interaction);
  if (images.length === 0) return galleryText.imageNotCopied;
  const claimed = ctx.gallery.claimShare({
    usageId: row.id,
    guildId,
    sharedBy: sharer,
    channelId: destinationId,
    ageRestricted,
    spoiler: images.some((image) => isSpoilerName(image.name)),
  });
  if (!claimed) {
    const post = ctx.gallery.postOf(row.id);
    return post?.messageId ? galleryText.alreadyShared(postLink(post, guildId)) : galleryText.alreadySharing;
  }

  let posted: Message;
  try {
    const { message } = interaction;
    posted = await destination.send(
      galleryPostMessage({
        row,
        sharerId: sharer,
        originalUrl: messageLink(row.messageChannelId ?? message.channelId, row.messageId ?? message.id, guildId),
        images,
        favourites: ctx.gallery.favouriteCount(row.id),
        locale: localeFromDiscord(interaction.guildLocale),
      }),
    );
  } catch (error) {
    log.warn('could not post to the gallery channel', { generationId: row.id, channelId: destinationId, ...describeDiscordError(error) });
    ctx.gallery.withdrawShare(row.id, sharer);
    return galleryText.shareFailed(channelMention(destinationId));
  }
  ctx.gallery.setPosted(row.id, posted.id);
  // Deleted while the copy was on its way: the deletion found no post to remove, so this one goes.
  if (ctx.usage.get(row.id)?.deletedAt != null) {
    await withdrawFromGallery(ctx, interaction.client, row.id);
    return galleryText.imageGone;
  }
  await markShared(interaction, row);
  return galleryText.shared(messageLink(destinationId, posted.id, guildId));
}

function postLink(post: GalleryPost, guildId: string): string {
  return messageLink(post.channelId, post.messageId ?? '', guildId);
}

async function sendableChannel(interaction: ButtonInteraction, channelId: string): Promise<SendableChannels | undefined> {
  try {
    const channel = await interaction.client.channels.fetch(channelId);
    return channel?.isSendable() ? channel : undefined;
  } catch (error) {
    log.warn('could not read the gallery channel', { channelId, ...describeDiscordError(error) });
    return undefined;
  }
}

/** The result's images, copied under their own names (SPOILER_ kept) within this server's upload limit. */
async function copyImages(interaction: ButtonInteraction): Promise<CopiedImage[]> {
  const limit = Math.min(MAX_COPY_BYTES, interaction.attachmentSizeLimit || MAX_COPY_BYTES);
  const attachments = [...interaction.message.attachments.values()].slice(0, 10);
  const copies = await Promise.all(attachments.map((attachment) => copy(attachment, limit)));
  return copies.filter((image): image is CopiedImage => image !== undefined);
}

async function copy(attachment: Attachment, limit: number): Promise<CopiedImage | undefined> {
  if (attachment.size > limit) return undefined;
  const bytes = await attachmentBytes(attachment.url, limit);
  return bytes && { name: attachment.name, bytes };
}

/** Shows Share as done on the result (best effort: the share itself already happened). */
async function markShared(interaction: ButtonInteraction, row: UsageRow): Promise<void> {
  const { message } = interaction;
  try {
    const components = message.components.map((component) => component.toJSON() as ComponentJson);
    // The bot's own message, edited with the bot token; leaving out `attachments` keeps the image.
    await interaction.client.rest.patch(Routes.channelMessage(message.channelId, message.id), {
      body: { components: withShareDone(components, row.id, localeFromDiscord(row.locale)) },
    });
  } catch (error) {
    log.warn('could not mark a result as shared', { generationId: row.id, ...describeDiscordError(error) });
  }
}
