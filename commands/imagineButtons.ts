// The buttons under a result. Their state is the usage-log row id in the custom_id, so they work
// for any result the log holds, across restarts. Vary edits the result itself (its image is the
// input); Re-roll of an edit fetches the same input images again from their messages.
import { EmbedBuilder, MessageFlags, PermissionFlagsBits, type ButtonInteraction, type StringSelectMenuInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { parseResultButtonId } from '../src/discord/customIds.js';
import { admitAndDefer, editModelFor } from '../src/discord/inputRequest.js';
import { resultImage } from '../src/discord/resultImage.js';
import { runGeneration } from '../src/discord/generationRun.js';
import { deleteResult } from '../src/gallery/resultDeletion.js';
import { shorten } from '../src/shorten.js';
import { assistText } from '../src/i18n/assistMessages.js';
import { inputText } from '../src/i18n/inputMessages.js';
import { localeFromDiscord, pick, type Locale, type Localized } from '../src/i18n/locale.js';
import { text } from '../src/i18n/messages.js';
import type { UsageRow } from '../src/storage/index.js';
import { report } from './reportButton.js';
import type { ButtonHandler } from './types.js';

export const imagineButtons: ButtonHandler = {
  prefix: 'img',

  async handle(ctx: BotContext, interaction: ButtonInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const parsed = parseResultButtonId(interaction.customId);
    const row = parsed && ctx.usage.get(parsed.generationId);
    if (!parsed || !row) {
      await interaction.reply({ content: pick(text.resultGone, locale), flags: MessageFlags.Ephemeral });
      return;
    }
    if (parsed.action === 'reroll') await reroll(ctx, interaction, row);
    else if (parsed.action === 'vary') await vary(ctx, interaction, row, locale);
    else if (parsed.action === 'details') await details(interaction, row, locale);
    else if (parsed.action === 'report') await report(ctx, interaction, row, locale);
    else await remove(ctx, interaction, row, locale);
  },
};

/** The stored parameters without the input references (they are not images; see InputImages' `stored`). */
export function rowParams(row: UsageRow): Record<string, unknown> {
  const { inputImages: _inputs, mask: _mask, ...params } = row.params;
  return params;
}

/** Same parameters (and the same input images, fetched again), new seed; a new generation by whoever clicked. */
async function reroll(ctx: BotContext, interaction: ButtonInteraction, row: UsageRow): Promise<void> {
  // The clicker's own request: the server's policy, quota and budget apply to them as to /imagine.
  const request = { ...rowParams(row), prompt: row.prompt, model: row.model, seed: undefined };
  // An edit's images are fetched again from their messages, after the deferral.
  const inputs = row.isEdit ? { stored: row.params.inputImages, count: row.inputCount } : undefined;
  const admitted = await admitAndDefer(ctx, interaction, request, inputs);
  if (!admitted) return;
  await runGeneration(ctx, { interaction, ...admitted });
}

/**
 * The result itself (its image `index`, the first for the button) as the input image, the same
 * prompt, a new seed: on the result's model when it takes images, else on the server's image-editing model.
 */
export async function vary(ctx: BotContext, interaction: ButtonInteraction | StringSelectMenuInteraction, row: UsageRow, locale: Locale, index = 1): Promise<void> {
  const message = interaction.message;
  const image = resultImage({ id: message.id, channelId: message.channelId, attachments: message.attachments.values() }, index)?.input;
  const model = editModelFor(ctx, row.model);
  if (!image || !model) {
    await interaction.reply({ content: `❌ ${pick(image ? inputText.noEditModel : inputText.sourceGone, locale)}`, flags: MessageFlags.Ephemeral });
    return;
  }
  const admitted = await admitAndDefer(ctx, interaction, { ...rowParams(row), prompt: row.prompt, model, seed: undefined }, { attachments: [image] });
  if (!admitted) return;
  await runGeneration(ctx, { interaction, ...admitted });
}

/** Every other field name is localised; this one was English for everyone. */
const PARAMETERS_FIELD: Localized = { en: 'Parameters', zh: '参数' };

async function details(interaction: ButtonInteraction, row: UsageRow, locale: Locale): Promise<void> {
  const { originalPrompt, ...shown } = rowParams(row);
  const params = Object.entries(shown)
    .filter(([key]) => key !== 'seed')
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join('\n');
  const embed = new EmbedBuilder()
    .setTitle(pick(text.fieldPrompt, locale))
    .setDescription(shorten(row.prompt, 4000))
    .addFields(
      // An enhanced prompt: the description is what was sent, this is what the member typed.
      ...(typeof originalPrompt === 'string' ? [{ name: pick(assistText.fieldOriginalPrompt, locale), value: shorten(originalPrompt, 1024) }] : []),
      { name: pick(text.fieldModel, locale), value: row.model, inline: true },
      { name: pick(text.fieldSize, locale), value: row.sizeEffective ?? row.sizeRequested ?? '—', inline: true },
      { name: pick(text.fieldSeed, locale), value: row.seed === null ? '—' : String(row.seed), inline: true },
      ...(params ? [{ name: pick(PARAMETERS_FIELD, locale), value: shorten(params, 1024) }] : []),
      ...(row.isEdit ? [{ name: pick(inputText.fieldInputs, locale), value: shorten(inputNames(row), 1024) }] : []),
      { name: pick(text.fieldRelay, locale), value: row.relay ?? '—', inline: true },
      { name: pick(text.fieldRequestId, locale), value: row.requestId ?? '—', inline: true },
      { name: pick(text.fieldCost, locale), value: `$${(row.estimatedCost ?? 0).toFixed(3)}`, inline: true },
      { name: pick(text.fieldTime, locale), value: row.latencyMs === null ? '—' : `${(row.latencyMs / 1000).toFixed(1)} s`, inline: true },
      { name: pick(text.fieldRequester, locale), value: `<@${row.userId}>`, inline: true },
    );
  await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral });
}

/** The stored input names (`a.png + b.png` for a join), or their count when the row predates names. */
function inputNames(row: UsageRow): string {
  const refs = Array.isArray(row.params.inputImages) ? (row.params.inputImages as Array<{ name?: unknown }>) : [];
  const names = refs.map((ref) => (typeof ref.name === 'string' ? ref.name : '?'));
  return names.length ? names.join('\n') : String(row.inputCount);
}

/** Only the requester, or a member who may manage messages, may delete a result. */
async function remove(ctx: BotContext, interaction: ButtonInteraction, row: UsageRow, locale: Locale): Promise<void> {
  const allowed = row.userId === interaction.user.id || interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) === true;
  if (!allowed) {
    await interaction.reply({ content: pick(text.deleteNotAllowed, locale), flags: MessageFlags.Ephemeral });
    return;
  }
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  // A message already gone (deleted by hand) counts as deleted: the row is stamped all the same.
  const { message } = interaction;
  const outcome = await deleteResult(ctx, interaction.client, row, { channelId: message.channelId, messageId: message.id });
  await interaction.editReply({ content: pick(outcome === 'failed' ? text.internalError : text.deleted, locale) });
}
