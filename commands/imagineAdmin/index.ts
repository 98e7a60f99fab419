// /imagine-admin: the server's image policy, its usage view and export, and the audit log.
// Guild-only and hidden from members without Manage Server (definition.ts); the permission is
// checked again here, because a server can let anyone see a command. Every answer is ephemeral and
// in the admin's language; every change goes through PolicyStore (which writes the audit row in the
// same transaction) and is then posted to the log channel when one is set.
import { MessageFlags, type AutocompleteInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { AppConfig } from '../../src/config/index.js';
import type { BotContext } from '../../src/discord/context.js';
import { adminText } from '../../src/i18n/adminMessages.js';
import { localeFromDiscord, pick } from '../../src/i18n/locale.js';
import { chooseSubcommand, readArguments } from '../arguments.js';
import type { SlashCommand } from '../types.js';
import { audit } from './audit.js';
import { budgetHandlers } from './budget.js';
import { channelHandlers } from './channels.js';
import { adminCall, mayAdminister } from './common.js';
import { cooldownHandlers } from './cooldown.js';
import { adminDefinition, AdminCommand, COMMAND_NAME, MAX_CHOICES, type AdminHandlers } from './definition.js';
import { exportUsage } from './export.js';
import { logChannelHandlers } from './logChannel.js';
import { modelHandlers } from './models.js';
import { quotaHandlers } from './quota.js';
import { safetyHandlers } from './safety.js';
import { show } from './show.js';
import { spoilerHandlers } from './spoiler.js';
import { usage } from './usage.js';
import { block, unblock } from './users.js';
import { wordHandlers } from './words.js';

/** A handler for every subcommand of the definition, groups nested. */
const HANDLERS: AdminHandlers = {
  show,
  models: modelHandlers,
  safety: safetyHandlers,
  words: wordHandlers,
  channels: channelHandlers,
  spoiler: spoilerHandlers,
  quota: quotaHandlers,
  cooldown: cooldownHandlers,
  budget: budgetHandlers,
  block,
  unblock,
  logchannel: logChannelHandlers,
  usage,
  export: exportUsage,
  audit,
};

export const imagineAdmin: SlashCommand = {
  name: COMMAND_NAME,

  definition(config: AppConfig) {
    return adminDefinition(config);
  },

  async execute(ctx: BotContext, interaction: ChatInputCommandInteraction) {
    const locale = localeFromDiscord(interaction.locale);
    const refuse = (text: { en: string; zh: string }) =>
      interaction.reply({ content: pick(text, locale), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    if (!interaction.inGuild() || !interaction.guildId) {
      await refuse(adminText.guildOnly);
      return;
    }
    if (!mayAdminister(interaction)) {
      await refuse(adminText.needManageGuild);
      return;
    }
    const chosen = chooseSubcommand(HANDLERS, readArguments(AdminCommand, interaction));
    if (!chosen) {
      await refuse(adminText.unknownSubcommand);
      return;
    }
    await chosen.run(adminCall(ctx, interaction, interaction.guildId));
  },

  // Only used when the bot offers more models than Discord allows as choices.
  async autocomplete(ctx: BotContext, interaction: AutocompleteInteraction) {
    if (!mayAdminister(interaction)) {
      await interaction.respond([]);
      return;
    }
    const typed = String(interaction.options.getFocused()).trim().toLowerCase();
    const ids = ctx.config.offeredModels.map((model) => model.id);
    const listed = interaction.options.getSubcommand(false) === 'disallow' && interaction.guildId ? ctx.policies.get(interaction.guildId).allowedModels : [];
    const candidates = [...new Set([...listed, ...ids])].filter((id) => id.toLowerCase().includes(typed));
    await interaction.respond(candidates.slice(0, MAX_CHOICES).map((id) => ({ name: id.slice(0, 100), value: id })));
  },
};
