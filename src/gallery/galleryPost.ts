// What a shared image looks like in the gallery channel: who made it (and who shared it), the
// image copied in as an attachment (so the post does not depend on the original message), the
// prompt, model, size and seed, a link back to the original, and Re-roll / Details / ⭐. Re-roll and
// Details are the result's own `img:` buttons: same usage row, same handlers, after restarts too.
import { ActionRowBuilder, AttachmentBuilder, EmbedBuilder, type ButtonBuilder } from 'discord.js';
import { galleryText } from '../i18n/galleryMessages.js';
import { pick, type Locale } from '../i18n/locale.js';
import type { UsageRow } from '../storage/index.js';
import type { CopiedImage } from '../discord/reportMessage.js';
import { detailsButton, favouriteButton, rerollButton } from '../discord/resultMessage.js';
import { shorten } from '../shorten.js';

const GALLERY_COLOUR = 0x57f287;
/** Discord's limits: message content, embed description. */
const MAX_CONTENT = 2_000;
const MAX_DESCRIPTION = 4_096;
const SPOILER_PREFIX = 'SPOILER_';

export interface GalleryPostView {
  row: UsageRow;
  sharerId: string;
  /** Link to the original result message. */
  originalUrl: string;
  images: CopiedImage[];
  favourites: number;
  /** The server's language: every member reads the gallery. */
  locale: Locale;
}

export const isSpoilerName = (name: string): boolean => name.startsWith(SPOILER_PREFIX);

/**
 * A prompt shown beside a spoilered image is hidden too: the image was spoilered because of what it
 * shows, and the prompt says what it shows. `||` inside would end the spoiler early.
 */
export function maybeSpoiler(value: string, spoiler: boolean): string {
  return spoiler ? `||${value.replace(/\|\|/g, '| |')}||` : value;
}

export function galleryButtons(row: UsageRow, favourites: number, locale: Locale): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    rerollButton(row.id, locale),
    detailsButton(row.id, locale),
    favouriteButton(row.id, favourites),
  );
}

export function galleryPostMessage(view: GalleryPostView) {
  const { row, locale } = view;
  // Copied under their own names: SPOILER_ files stay spoilered, as they were in the original.
  const files = view.images.map((image) => new AttachmentBuilder(image.bytes, { name: image.name }));
  const spoiler = view.images.some((image) => isSpoilerName(image.name));
  const author = `<@${row.userId}>`;
  const embed = new EmbedBuilder()
    .setColor(GALLERY_COLOUR)
    .setDescription(maybeSpoiler(shorten(row.prompt || '—', MAX_DESCRIPTION - 8), spoiler))
    .addFields(
      { name: pick(galleryText.fieldModel, locale), value: row.model, inline: true },
      { name: pick(galleryText.fieldSize, locale), value: row.sizeEffective ?? row.sizeRequested ?? '—', inline: true },
      { name: pick(galleryText.fieldSeed, locale), value: row.seed === null ? '—' : String(row.seed), inline: true },
      { name: pick(galleryText.fieldAuthor, locale), value: author, inline: true },
      { name: pick(galleryText.fieldOriginal, locale), value: `[${pick(galleryText.jumpToOriginal, locale)}](${view.originalUrl})`, inline: true },
    );
  // A spoilered image is not previewed in the embed either (the preview would show it in clear).
  const first = view.images[0]?.name;
  if (first && !spoiler) embed.setImage(`attachment://${first}`);
  const content = shorten(pick(galleryText.postHeadline({ author, sharer: `<@${view.sharerId}>` }), locale), MAX_CONTENT);
  return { content, embeds: [embed], files, components: [galleryButtons(row, view.favourites, locale)], allowedMentions: { parse: [] } };
}
