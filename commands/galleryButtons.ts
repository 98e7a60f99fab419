// Buttons whose custom_id starts with `gal:`: Share and ⭐ under results and gallery posts, and
// Prev / Next under /gallery top. Their state is in the custom_id and the database, so they keep
// working after a restart.
import { MessageFlags, type ButtonInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { GALLERY_PREFIX, parseGalleryButtonId, parseTopPageId } from '../src/discord/customIds.js';
import { galleryText } from '../src/i18n/galleryMessages.js';
import { localeFromDiscord, pick } from '../src/i18n/locale.js';
import { favourite } from './galleryFavourite.js';
import { share } from './galleryShare.js';
import { pageTop } from './galleryTop.js';
import type { ButtonHandler } from './types.js';

export const galleryButtons: ButtonHandler = {
  prefix: GALLERY_PREFIX,

  async handle(ctx: BotContext, interaction: ButtonInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const page = parseTopPageId(interaction.customId);
    if (page) return pageTop(ctx, interaction, page.period, page.page);
    const parsed = parseGalleryButtonId(interaction.customId);
    if (!parsed) {
      await interaction.reply({ content: pick(galleryText.imageGone, locale), flags: MessageFlags.Ephemeral });
      return;
    }
    if (parsed.action === 'share') await share(ctx, interaction, parsed.generationId, locale);
    else await favourite(ctx, interaction, parsed.generationId, locale);
  },
};
