// /usage: the caller's own generations today and this month, by model, with the estimated cost.
import { EmbedBuilder, MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { localeFromDiscord, pick, type Locale } from '../src/i18n/locale.js';
import { text } from '../src/i18n/messages.js';
import type { ModelTotals } from '../src/storage/index.js';
import { commandJSON } from './arguments.js';
import { describe } from './localize.js';
import type { SlashCommand } from './types.js';

function section(totals: ModelTotals[], locale: Locale): string {
  if (totals.length === 0) return pick(text.usageNone, locale);
  const lines = totals.map((row) =>
    pick(text.usageLine({ model: row.model, images: row.images, attempts: row.attempts, failures: row.failures, cost: row.cost.toFixed(3) }), locale),
  );
  const images = totals.reduce((sum, row) => sum + row.images, 0);
  const cost = totals.reduce((sum, row) => sum + row.cost, 0);
  lines.push(pick(text.usageTotal({ images, cost: cost.toFixed(3) }), locale));
  return lines.join('\n').slice(0, 1024);
}

/** /usage takes no options. */
export const UsageCommand = {
  name: 'usage',
  name_localizations: { 'zh-CN': '用量', 'zh-TW': '用量' },
  ...describe({ en: 'Your own image generation usage, today and this month', zh: '查看你自己今天和本月的生图用量' }),
} as const;

export const usage: SlashCommand = {
  name: UsageCommand.name,

  definition() {
    return commandJSON(UsageCommand);
  },

  async execute(ctx: BotContext, interaction: ChatInputCommandInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const summary = ctx.usageReports.summary({ userId: interaction.user.id, now: Date.now() });
    const embed = new EmbedBuilder()
      .setTitle(pick(text.usageTitle, locale))
      .addFields(
        { name: pick(text.usageToday, locale), value: section(summary.today, locale) },
        { name: pick(text.usageMonth, locale), value: section(summary.month, locale) },
      );
    await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral });
  },
};
