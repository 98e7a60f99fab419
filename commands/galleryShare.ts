// The Share button under a result: posts a copy of the image to the server's gallery channel, once.
// Who may: the requester, or any member when the server allows it (/gallery settings sharing).
// Where: the gallery channel; an image made in an age-restricted channel only to the age-restricted
// gallery, refused when there is none. The claim on the image is written before anything is
// downloaded or posted, so a double click neither copies nor posts twice, and given back when
// nothing could be copied or the post fails, so the member can retry.
import { MessageFlags, messageLink, Routes, type ButtonInteraction, type Message } from 'discord.js';
import { attachmentNames, copyMessageImages } from '../src/discord/attachmentBytes.js';
import type { BotContext } from '../src/discord/context.js';
import { describeDiscordError } from '../src/discord/discordErrors.js';
import { sendableChannel, sendToChannel } from '../src/discord/logChannel.js';
import { channelNsfwFlag, isAgeRestrictedChannel } from '../src/gallery/ageRestriction.js';
import { withShareDone, type ComponentJson } from '../src/gallery/components.js';
import { galleryPostMessage, isSpoilerName } from '../src/gallery/galleryPost.js';
import { removeGalleryPost } from '../src/gallery/withdraw.js';
import { galleryText } from '../src/i18n/galleryMessages.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../src/i18n/locale.js';
import { log } from '../src/log.js';
import { channelMention } from '../src/moderation/messages.js';
import type { GalleryPost, UsageRow } from '../src/storage/index.js';

const GALLERY_CHANNEL = 'the gallery channel';

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
  const { client, message } = interaction;
  const destination = await sendableChannel(client, destinationId, GALLERY_CHANNEL);
  if (!destination) return galleryText.shareFailed(channelMention(destinationId));
  // The setting was checked when it was made; the channel may have lost its flag since.
  if (ageRestricted && channelNsfwFlag(destination) !== true) return galleryText.nsfwGalleryNotRestricted(channelMention(destinationId));

  // Claimed before the copy: a second click stops here instead of downloading the image again.
  const claimed = ctx.gallery.claimShare({
    usageId: row.id,
    guildId,
    sharedBy: sharer,
    channelId: destinationId,
    ageRestricted,
    spoiler: attachmentNames(message).some(isSpoilerName),
  });
  if (!claimed) {
    const post = ctx.gallery.postOf(row.id);
    return post?.messageId ? galleryText.alreadyShared(postLink(post, guildId)) : galleryText.alreadySharing;
  }

  const { images } = await copyMessageImages(message, interaction.attachmentSizeLimit, ctx.config.env.discordApiBaseUrl);
  if (images.length === 0) {
    ctx.gallery.withdrawShare(row.id, sharer);
    return galleryText.imageNotCopied;
  }
  // Deleted while the image was being copied: nothing to post.
  if (isDeleted(ctx, row.id)) {
    ctx.gallery.withdrawShare(row.id, sharer);
    return galleryText.imageGone;
  }

  let posted: Message | undefined;
  try {
    const body = galleryPostMessage({
      row,
      sharerId: sharer,
      originalUrl: messageLink(row.messageChannelId ?? message.channelId, row.messageId ?? message.id, guildId),
      images,
      favourites: ctx.gallery.favouriteCount(row.id),
      locale: localeFromDiscord(interaction.guildLocale),
    });
    // Never throws; a failure to post is logged there.
    posted = await sendToChannel(client, destinationId, body, GALLERY_CHANNEL);
  } catch (error) {
    log.warn('could not build a gallery post', { generationId: row.id, ...describeDiscordError(error) });
  }
  if (!posted) {
    ctx.gallery.withdrawShare(row.id, sharer);
    return galleryText.shareFailed(channelMention(destinationId));
  }
  ctx.gallery.setPosted(row.id, posted.id);
  // Deleted while the post was on its way: the deletion found no message to remove (it only marked
  // the share removed), so the post this share holds goes now.
  if (isDeleted(ctx, row.id)) {
    await removeGalleryPost(ctx, client, row.id, { channelId: destinationId, messageId: posted.id });
    return galleryText.imageGone;
  }
  await markShared(interaction, row);
  return galleryText.shared(messageLink(destinationId, posted.id, guildId));
}

/** The image was deleted (or taken out of the gallery) since the share began. */
function isDeleted(ctx: BotContext, usageId: number): boolean {
  return ctx.usage.get(usageId)?.deletedAt != null || ctx.gallery.postOf(usageId)?.removedAt != null;
}

function postLink(post: GalleryPost, guildId: string): string {
  return messageLink(post.channelId, post.messageId ?? '', guildId);
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
