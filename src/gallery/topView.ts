// One page of /gallery top: rank, stars, prompt, author, model, age and a link (to the gallery post
// when the image was shared, else to the original), with Prev / Next.
import { EmbedBuilder, messageLink, type APIEmbed } from 'discord.js';
import { PERIOD_LABELS, galleryText } from '../i18n/galleryMessages.js';
import { pick, type Locale } from '../i18n/locale.js';
import type { Page, TopEntry } from '../storage/index.js';
import { topPageId, type TopPeriod } from '../discord/customIds.js';
import { shorten } from '../shorten.js';
import { maybeSpoiler } from './galleryPost.js';
import { pagingRow } from './paging.js';

export const TOP_PAGE_SIZE = 5;
const TOP_COLOUR = 0xfee75c;
const PROMPT_CHARS = 120;
/** Discord's limit on an embed description. */
const MAX_DESCRIPTION = 4_096;

export const discordTime = (ms: number): string => `<t:${Math.floor(ms / 1000)}:R>`;

function linkOf(entry: TopEntry, guildId: string, locale: Locale): string {
  if (entry.galleryChannelId && entry.galleryMessageId) {
    return ` · [${pick(galleryText.inGallery, locale)}](${messageLink(entry.galleryChannelId, entry.galleryMessageId, guildId)})`;
  }
  if (entry.messageChannelId && entry.messageId) {
    return ` · [${pick(galleryText.jump, locale)}](${messageLink(entry.messageChannelId, entry.messageId, guildId)})`;
  }
  return '';
}

export interface TopViewInput {
  list: Page<TopEntry>;
  period: TopPeriod;
  guildId: string;
  locale: Locale;
  /** Some images were left out because this channel is not age-restricted. */
  someHidden: boolean;
}

export function topView(input: TopViewInput) {
  const { list, period, guildId, locale } = input;
  const lines = list.entries.map((entry, index) =>
    pick(
      galleryText.topLine({
        rank: (list.page - 1) * TOP_PAGE_SIZE + index + 1,
        stars: entry.favourites,
        prompt: maybeSpoiler(shorten(entry.prompt.replace(/\s+/g, ' '), PROMPT_CHARS), entry.spoiler),
        author: `<@${entry.userId}>`,
        model: entry.model,
        when: discordTime(entry.startedAt),
        link: linkOf(entry, guildId, locale),
      }),
      locale,
    ),
  );
  const footer = [
    pick(galleryText.pageFooter({ page: list.page, pages: list.pages, total: list.total }), locale),
    ...(input.someHidden ? [pick(galleryText.topHiddenNote, locale)] : []),
  ].join('\n');
  const embed = new EmbedBuilder()
    .setColor(TOP_COLOUR)
    .setTitle(pick(galleryText.topTitle(PERIOD_LABELS[period]), locale))
    .setDescription(shorten(lines.length ? lines.join('\n\n') : pick(galleryText.topEmpty, locale), MAX_DESCRIPTION))
    .setFooter({ text: footer });
  const paging = pagingRow(list.page, list.pages, (page) => topPageId(period, page), locale);
  return { embeds: [embed.toJSON() as APIEmbed], components: paging ? [paging] : [], allowedMentions: { parse: [] as [] } };
}
