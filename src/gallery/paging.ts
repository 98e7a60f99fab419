// Prev / Next under a paged list. The target pages are in the custom_ids, so paging needs no
// memory and works after a restart; at either end the button is shown disabled.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import { galleryText } from '../i18n/galleryMessages.js';
import { pick, type Locale } from '../i18n/locale.js';

export function pagingRow(
  page: number,
  pages: number,
  idFor: (page: number) => string | undefined,
  locale: Locale,
): ActionRowBuilder<ButtonBuilder> | undefined {
  // Prev and Next point at different pages (page - 1, page + 1), so their ids are distinct.
  const previous = idFor(page - 1);
  const next = idFor(page + 1);
  if (!previous || !next) return undefined;
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(previous)
      .setLabel(pick(galleryText.buttonPrevious, locale))
      .setEmoji('◀️')
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(page <= 1),
    new ButtonBuilder()
      .setCustomId(next)
      .setLabel(pick(galleryText.buttonNext, locale))
      .setEmoji('▶️')
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(page >= pages),
  );
}
