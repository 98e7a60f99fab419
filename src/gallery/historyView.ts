// One page of /history: when, model, prompt, and links to the result and its gallery post, with
// Prev / Next whose ids carry the page, the member and the model filter.
import { EmbedBuilder, messageLink, type APIEmbed } from 'discord.js';
import { galleryText } from '../i18n/galleryMessages.js';
import { pick, type Locale } from '../i18n/locale.js';
import type { HistoryEntry, Page } from '../storage/index.js';
import { historyPageId } from '../discord/customIds.js';
import { shorten } from '../shorten.js';
import { pagingRow } from './paging.js';
import { discordTime } from './topView.js';

export const HISTORY_PAGE_SIZE = 10;
const HISTORY_COLOUR = 0x5865f2;
const PROMPT_CHARS = 80;
/** Discord's limit on an embed description. */
const MAX_DESCRIPTION = 4_096;

function links(entry: HistoryEntry, guildId: string | null, locale: Locale): string {
  const parts: string[] = [];
  if (entry.messageChannelId && entry.messageId) {
    const url = guildId ? messageLink(entry.messageChannelId, entry.messageId, guildId) : messageLink(entry.messageChannelId, entry.messageId);
    parts.push(`[${pick(galleryText.jump, locale)}](${url})`);
  }
  if (guildId && entry.galleryChannelId && entry.galleryMessageId) {
    parts.push(`[${pick(galleryText.inGallery, locale)}](${messageLink(entry.galleryChannelId, entry.galleryMessageId, guildId)})`);
  }
  return parts.length ? ` · ${parts.join(' · ')}` : '';
}

export interface HistoryViewInput {
  list: Page<HistoryEntry>;
  /** Whose history; equal to the viewer's id for their own. */
  userId: string;
  own: boolean;
  model: string | null;
  guildId: string | null;
  locale: Locale;
}

export function historyView(input: HistoryViewInput) {
  const { list, locale, model } = input;
  const lines = list.entries.map((entry) =>
    pick(
      galleryText.historyLine({
        when: discordTime(entry.startedAt),
        model: entry.model,
        prompt: shorten(entry.prompt.replace(/\s+/g, ' '), PROMPT_CHARS),
        links: links(entry, input.guildId, locale),
      }),
      locale,
    ),
  );
  const empty = model ? galleryText.historyEmptyModel(model) : galleryText.historyEmpty;
  const footer = [
    pick(galleryText.pageFooter({ page: list.page, pages: list.pages, total: list.total }), locale),
    ...(model ? [pick(galleryText.historyFilter(model), locale)] : []),
  ].join(' · ');
  const body = lines.length ? lines.join('\n') : pick(empty, locale);
  const embed = new EmbedBuilder()
    .setColor(HISTORY_COLOUR)
    .setTitle(pick(input.own ? galleryText.historyTitleOwn : galleryText.historyTitleMember, locale))
    .setDescription(shorten(input.own ? body : `${pick(galleryText.historyOf(`<@${input.userId}>`), locale)}\n\n${body}`, MAX_DESCRIPTION))
    .setFooter({ text: footer });
  const paging = pagingRow(list.page, list.pages, (page) => historyPageId(page, input.userId, model), locale);
  return { embeds: [embed.toJSON() as APIEmbed], components: paging ? [paging] : [], allowedMentions: { parse: [] as [] } };
}
