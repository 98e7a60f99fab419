// What a report looks like in the server's log channel: a headline naming reporter and requester,
// an embed with the prompt and parameters, a jump link and the usage id, the image copied in as an
// attachment (so moderators still see it after the original is deleted), and the moderators' quick
// actions, whose state is the usage row id (like the result buttons: they survive restarts).
import { ActionRowBuilder, AttachmentBuilder, ButtonBuilder, ButtonStyle, EmbedBuilder } from 'discord.js';
import { pick, type Locale } from '../i18n/locale.js';
import { reportText } from '../i18n/reportMessages.js';
import { shorten } from '../shorten.js';
import type { UsageRow } from '../storage/index.js';
import { moderationButtonId } from './customIds.js';

const REPORT_COLOUR = 0xfee75c;
/** Discord's limits: message content, embed description, field value. */
const MAX_CONTENT = 2_000;
const MAX_DESCRIPTION = 4_096;
const MAX_FIELD = 1_024;

export interface CopiedImage {
  name: string;
  bytes: Buffer;
}

export interface ReportView {
  row: UsageRow;
  reporterId: string;
  /** Link to the reported message. */
  messageUrl: string;
  /** Images copied from the reported message. */
  images: CopiedImage[];
  /** URLs of the images that could not be copied. */
  notCopied: string[];
  /** The server's language: the report is read by every moderator. */
  locale: Locale;
  /** Whether each quick action has already been done (e.g. the requester was blocked before). */
  state: ReportState;
}

export interface ReportState {
  deleted: boolean;
  blocked: boolean;
}

export const mention = (userId: string): string => `<@${userId}>`;

/** The quick actions; one that is done is shown as done and disabled. */
export function reportActions(usageId: number, locale: Locale, state: ReportState): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(moderationButtonId('delete', usageId))
      .setLabel(pick(state.deleted ? reportText.buttonDeleted : reportText.buttonDeleteImage, locale))
      .setEmoji('🗑️')
      .setStyle(ButtonStyle.Danger)
      .setDisabled(state.deleted),
    new ButtonBuilder()
      .setCustomId(moderationButtonId('block', usageId))
      .setLabel(pick(state.blocked ? reportText.buttonBlocked : reportText.buttonBlockUser, locale))
      .setEmoji('⛔')
      .setStyle(ButtonStyle.Danger)
      .setDisabled(state.blocked),
  );
}

export function reportMessage(view: ReportView) {
  const { row, locale } = view;
  const files = view.images.map((image) => new AttachmentBuilder(image.bytes, { name: image.name }));
  const embed = new EmbedBuilder()
    .setColor(REPORT_COLOUR)
    .setTitle(`🚩 ${pick(reportText.reportTitle, locale)}`)
    .setDescription(shorten(row.prompt || '—', MAX_DESCRIPTION))
    .addFields(
      { name: pick(reportText.fieldModel, locale), value: row.model, inline: true },
      { name: pick(reportText.fieldSize, locale), value: row.sizeEffective ?? row.sizeRequested ?? '—', inline: true },
      { name: pick(reportText.fieldSeed, locale), value: row.seed === null ? '—' : String(row.seed), inline: true },
      { name: pick(reportText.fieldRequester, locale), value: mention(row.userId), inline: true },
      { name: pick(reportText.fieldReporter, locale), value: mention(view.reporterId), inline: true },
      { name: pick(reportText.fieldUsageId, locale), value: String(row.id), inline: true },
      { name: pick(reportText.fieldMessage, locale), value: `[${pick(reportText.jumpToMessage, locale)}](${view.messageUrl})` },
      ...(view.notCopied.length
        ? [{ name: pick(reportText.fieldImage, locale), value: shorten(pick(reportText.imageNotCopied(view.notCopied.join('\n')), locale), MAX_FIELD) }]
        : []),
    );
  // A spoilered image stays behind its spoiler: it is not previewed in the embed either.
  const first = view.images[0]?.name;
  if (first && !first.startsWith('SPOILER_')) embed.setImage(`attachment://${first}`);
  const content = shorten(pick(reportText.reportHeadline({ reporter: mention(view.reporterId), requester: mention(row.userId) }), locale), MAX_CONTENT);
  return { content, embeds: [embed], files, components: [reportActions(row.id, locale, view.state)] };
}

/** The report's text with a moderator's action appended (once: a repeated click adds nothing). */
export function withStatusLine(content: string, line: string | undefined): string {
  if (!line || content.includes(line)) return content;
  return shorten(content ? `${content}\n${line}` : line, MAX_CONTENT);
}
