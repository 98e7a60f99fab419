// The ⭐ button, under a result and under its gallery post: one favourite per member and image,
// pressed again to take it back. The click is acknowledged at once (callback 6, before any call to
// Discord, such as reading the channel to tell whether it is age-restricted); then the clicked
// message is edited with the new count, the member is told privately which way it went, and the
// image's other message (gallery post or result) gets the new count too, best effort.
import { MessageFlags, Routes, type APIActionRowComponent, type APIComponentInMessageActionRow, type APIMessage, type ButtonInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { describeDiscordError } from '../src/discord/discordErrors.js';
import { isAgeRestrictedChannel } from '../src/gallery/ageRestriction.js';
import { withFavouriteCount, type ComponentJson } from '../src/gallery/components.js';
import { isSpoilerName } from '../src/gallery/galleryPost.js';
import { galleryText } from '../src/i18n/galleryMessages.js';
import { pick, type Locale } from '../src/i18n/locale.js';
import { log } from '../src/log.js';
import type { GalleryPost, UsageRow } from '../src/storage/index.js';

export async function favourite(ctx: BotContext, interaction: ButtonInteraction, generationId: number, locale: Locale): Promise<void> {
  const say = (content: string) => interaction.reply({ content, flags: MessageFlags.Ephemeral });
  const guildId = interaction.guildId;
  if (!guildId) return void (await say(pick(galleryText.favouriteNotInServer, locale)));
  const row = ctx.usage.get(generationId);
  if (!row || row.guildId !== guildId || row.outcome !== 'success' || row.deletedAt !== null) return void (await say(pick(galleryText.imageGone, locale)));

  // Acknowledged before anything below may wait on Discord (Discord's 3 s).
  await interaction.deferUpdate();

  // Facts about the image stored with the star, so /gallery top can filter without asking Discord.
  const post = ctx.gallery.postOf(row.id);
  const { message } = interaction;
  const ageRestricted = post ? post.ageRestricted : await isAgeRestrictedChannel(interaction.client, row.channelId ?? message.channelId);
  const spoiler = post ? post.spoiler : [...message.attachments.values()].some((attachment) => isSpoilerName(attachment.name));
  const { added, count } = ctx.gallery.toggleFavourite({ usageId: row.id, userId: interaction.user.id, guildId, ageRestricted, spoiler });

  const components = message.components.map((component) => component.toJSON() as ComponentJson);
  // Only `components` is sent: the message keeps its text, embeds and attachments.
  const updated = withFavouriteCount(components, row.id, count) as unknown as APIActionRowComponent<APIComponentInMessageActionRow>[];
  // After deferUpdate, `@original` is the clicked message.
  await interaction.editReply({ components: updated });
  await interaction.followUp({ content: pick(added ? galleryText.favouriteAdded(count) : galleryText.favouriteRemoved(count), locale), flags: MessageFlags.Ephemeral });

  // The post read above (a toggle does not change it) and the count the toggle returned.
  const other = otherMessage(row, message.id, post);
  if (other) await refreshCount(interaction, other, row.id, count);
}

interface MessageRef {
  channelId: string;
  messageId: string;
}

/** The image's other message: the gallery post when the result was clicked, and the reverse. */
function otherMessage(row: UsageRow, clickedId: string, post: GalleryPost | undefined): MessageRef | undefined {
  const galleryPost = post && post.removedAt === null && post.messageId ? { channelId: post.channelId, messageId: post.messageId } : undefined;
  const result = row.messageId && row.messageChannelId ? { channelId: row.messageChannelId, messageId: row.messageId } : undefined;
  if (galleryPost && galleryPost.messageId !== clickedId) return galleryPost;
  if (result && result.messageId !== clickedId) return result;
  return undefined;
}

async function refreshCount(interaction: ButtonInteraction, target: MessageRef, generationId: number, count: number): Promise<void> {
  const route = Routes.channelMessage(target.channelId, target.messageId);
  try {
    const current = (await interaction.client.rest.get(route)) as APIMessage;
    const components = withFavouriteCount((current.components ?? []) as unknown as ComponentJson[], generationId, count);
    await interaction.client.rest.patch(route, { body: { components } });
  } catch (error) {
    log.debug('could not update the favourite count on the other message', { generationId, ...describeDiscordError(error) });
  }
}
