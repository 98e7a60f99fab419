// /gallery top period:week|month|all and its Prev / Next buttons. Private (ephemeral): browsing is
// one member's own activity, a public list would fill the channel each time someone looks, and
// paging a public message would turn the page under everyone else's eyes. The gallery channel is
// the public showcase. Age-restricted images are listed only when asked in an age-restricted channel.
import { MessageFlags, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import type { TopPeriod } from '../src/discord/customIds.js';
import { channelNsfwFlag } from '../src/gallery/ageRestriction.js';
import { TOP_PAGE_SIZE, topView } from '../src/gallery/topView.js';
import { galleryText } from '../src/i18n/galleryMessages.js';
import { localeFromDiscord, pick } from '../src/i18n/locale.js';

const DAY_MS = 86_400_000;
export const DEFAULT_TOP_PERIOD: TopPeriod = 'week';

/** Rolling windows: on the 1st of a month, "this month" would be empty. */
export function topPeriodStart(period: TopPeriod, now: number): number | undefined {
  if (period === 'week') return now - 7 * DAY_MS;
  if (period === 'month') return now - 30 * DAY_MS;
  return undefined;
}

function renderTop(ctx: BotContext, interaction: ChatInputCommandInteraction | ButtonInteraction, guildId: string, period: TopPeriod, page: number) {
  const locale = localeFromDiscord(interaction.locale);
  const includeAgeRestricted = channelNsfwFlag(interaction.channel) === true;
  const since = topPeriodStart(period, Date.now());
  // One count (with how many were left out as age-restricted) and one page.
  const list = ctx.gallery.top({ guildId, since, page, pageSize: TOP_PAGE_SIZE, includeAgeRestricted });
  return topView({ list, period, guildId, locale, someHidden: list.hidden > 0 });
}

export async function showTop(ctx: BotContext, interaction: ChatInputCommandInteraction, period: TopPeriod = DEFAULT_TOP_PERIOD): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) {
    await interaction.reply({ content: pick(galleryText.topNotInServer, localeFromDiscord(interaction.locale)), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.reply({ ...renderTop(ctx, interaction, guildId, period, 1), flags: MessageFlags.Ephemeral });
}

/** Prev / Next: the list is read again, so it shows the favourites as they are now. */
export async function pageTop(ctx: BotContext, interaction: ButtonInteraction, period: TopPeriod, page: number): Promise<void> {
  const guildId = interaction.guildId;
  if (!guildId) {
    await interaction.reply({ content: pick(galleryText.topNotInServer, localeFromDiscord(interaction.locale)), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.update(renderTop(ctx, interaction, guildId, period, page));
}
