// The moderators' quick actions under a report in the log channel: delete the reported image, block
// its requester. Anyone who can read the log channel can click, so permissions are checked here, at
// run time (Delete: Manage Messages; Block: Manage Server). Both are idempotent: a second click, or
// a click after the requester already deleted the image, says so and changes nothing.
import { MessageFlags, PermissionFlagsBits, Routes, type ButtonInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { MODERATION_PREFIX, parseModerationButtonId } from '../src/discord/customIds.js';
import { describeDiscordError } from '../src/discord/discordErrors.js';
import { mention, reportActions, withStatusLine } from '../src/discord/reportMessage.js';
import { deleteResult } from '../src/gallery/resultDeletion.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../src/i18n/locale.js';
import { reportText } from '../src/i18n/reportMessages.js';
import { log } from '../src/log.js';
import type { UsageRow } from '../src/storage/index.js';
import { announce } from './imagineAdmin/common.js';
import type { ButtonHandler } from './types.js';

interface Outcome {
  /** The ephemeral answer to the moderator. */
  answer: Localized;
  /** The line added to the report for the other moderators, when something changed. */
  status?: Localized;
}

export const moderationButtons: ButtonHandler = {
  prefix: MODERATION_PREFIX,

  async handle(ctx: BotContext, interaction: ButtonInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const say = (message: Localized) => interaction.reply({ content: pick(message, locale), flags: MessageFlags.Ephemeral });
    const parsed = parseModerationButtonId(interaction.customId);
    const guildId = interaction.guildId;
    const row = parsed && guildId ? ctx.usage.get(parsed.generationId) : undefined;
    // A row of another server is treated as unknown: a moderator here has no say over it.
    if (!parsed || !guildId || !row || row.guildId !== guildId) return void (await say(reportText.reportGone));

    const isDelete = parsed.action === 'delete';
    const permission = isDelete ? PermissionFlagsBits.ManageMessages : PermissionFlagsBits.ManageGuild;
    if (interaction.memberPermissions?.has(permission) !== true) {
      return void (await say(isDelete ? reportText.deleteNeedsPermission : reportText.blockNeedsPermission));
    }

    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    const outcome = isDelete ? await deleteImage(ctx, interaction, row) : await blockRequester(ctx, interaction, row, guildId, locale);
    await updateReport(ctx, interaction, row, guildId, outcome.status);
    await interaction.editReply({ content: pick(outcome.answer, locale), allowedMentions: { parse: [] } });
  },
};

async function deleteImage(ctx: BotContext, interaction: ButtonInteraction, row: UsageRow): Promise<Outcome> {
  if (row.deletedAt !== null) return { answer: reportText.alreadyDeleted };
  // The usage row knows where the result was delivered; the report kept it too, in case it does not.
  const target =
    row.messageId && row.messageChannelId ? { messageId: row.messageId, channelId: row.messageChannelId } : ctx.reports.messageOf(row.id);
  if (!target) return { answer: reportText.noMessageToDelete };
  // Unknown Message / Unknown Channel: someone deleted it by hand; the row still has to say so.
  const outcome = await deleteResult(ctx, interaction.client, row, { channelId: target.channelId, messageId: target.messageId });
  if (outcome === 'failed') return { answer: reportText.deleteFailed };
  const mod = mention(interaction.user.id);
  return outcome === 'gone'
    ? { answer: reportText.alreadyDeleted, status: reportText.goneMarkedBy(mod) }
    : { answer: reportText.deleted, status: reportText.deletedBy(mod) };
}

/** Through PolicyStore.block, as /imagine-admin block does: audited, and posted to the log channel. */
async function blockRequester(ctx: BotContext, interaction: ButtonInteraction, row: UsageRow, guildId: string, locale: Locale): Promise<Outcome> {
  const user = mention(row.userId);
  if (ctx.policies.isBlocked(guildId, row.userId)) return { answer: reportText.alreadyBlocked(user) };
  const serverLocale = localeFromDiscord(interaction.guildLocale);
  const audit = ctx.policies.block(guildId, row.userId, interaction.user.id, pick(reportText.blockReason(row.id), serverLocale));
  await announce({ ctx, interaction, locale, guildId }, audit);
  return { answer: reportText.blocked(user), status: reportText.blockedBy({ user, mod: mention(interaction.user.id) }) };
}

/** Shows on the report what was done and disables the buttons whose action is done (best effort). */
async function updateReport(ctx: BotContext, interaction: ButtonInteraction, row: UsageRow, guildId: string, status: Localized | undefined): Promise<void> {
  const locale = localeFromDiscord(interaction.guildLocale);
  const { message } = interaction;
  const state = { deleted: ctx.usage.get(row.id)?.deletedAt != null, blocked: ctx.policies.isBlocked(guildId, row.userId) };
  try {
    // Edited with the bot token: the report is the bot's own message, and the click's token is not
    // needed for it. Omitting `attachments` keeps the copied image.
    await interaction.client.rest.patch(Routes.channelMessage(message.channelId, message.id), {
      body: {
        content: withStatusLine(message.content, status && pick(status, locale)),
        components: [reportActions(row.id, locale, state).toJSON()],
        allowed_mentions: { parse: [] },
      },
    });
  } catch (error) {
    log.warn('could not update a report', { generationId: row.id, ...describeDiscordError(error) });
  }
}
