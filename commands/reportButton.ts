// The Report button under a result: anyone in the server may send the image and its details to the
// server's log channel, where moderators get quick actions (commands/moderationButtons.ts).
import { MessageFlags, messageLink, type ButtonInteraction } from 'discord.js';
import { copyMessageImages } from '../src/discord/attachmentBytes.js';
import type { BotContext } from '../src/discord/context.js';
import { describeDiscordError } from '../src/discord/discordErrors.js';
import { postToLogChannel } from '../src/discord/logChannel.js';
import { reportMessage } from '../src/discord/reportMessage.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../src/i18n/locale.js';
import { reportText } from '../src/i18n/reportMessages.js';
import { log } from '../src/log.js';
import type { UsageRow } from '../src/storage/index.js';

export async function report(ctx: BotContext, interaction: ButtonInteraction, row: UsageRow, locale: Locale): Promise<void> {
  const say = (message: Localized) => interaction.reply({ content: pick(message, locale), flags: MessageFlags.Ephemeral });
  const guildId = interaction.guildId;
  if (!guildId) return void (await say(reportText.notInServer));
  if (!ctx.policies.get(guildId).logChannelId) return void (await say(reportText.noLogChannel));

  // Recorded before posting, so a double click cannot post twice; withdrawn if the post fails, so
  // the member can try again.
  const { message, user } = interaction;
  const added = ctx.reports.add({
    usageId: row.id,
    reporterId: user.id,
    guildId,
    messageId: message.id,
    messageChannelId: message.channelId,
  });
  if (!added) return void (await say(reportText.alreadyReported));

  let posted = false;
  try {
    // Copying the image can take longer than Discord's 3 seconds.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    posted = await postReport(ctx, interaction, row, guildId);
  } finally {
    if (!posted) ctx.reports.withdraw(row.id, user.id);
  }
  await interaction.editReply({ content: pick(posted ? reportText.reported : reportText.notDelivered, locale) });
}

/** Never throws: a report that cannot be posted is a `false` for the member, not an error. */
async function postReport(ctx: BotContext, interaction: ButtonInteraction, row: UsageRow, guildId: string): Promise<boolean> {
  try {
    const { message } = interaction;
    // The upload limit of this server applies to its log channel too.
    const { images, notCopied } = await copyMessageImages(message, interaction.attachmentSizeLimit, ctx.config.env.discordApiBaseUrl);
    const body = reportMessage({
      row,
      reporterId: interaction.user.id,
      messageUrl: messageLink(message.channelId, message.id, guildId),
      images,
      notCopied,
      locale: localeFromDiscord(interaction.guildLocale),
      state: { deleted: row.deletedAt !== null, blocked: ctx.policies.isBlocked(guildId, row.userId) },
    });
    return await postToLogChannel(ctx, interaction.client, guildId, body);
  } catch (error) {
    log.warn('could not build a report', { generationId: row.id, ...describeDiscordError(error) });
    return false;
  }
}
