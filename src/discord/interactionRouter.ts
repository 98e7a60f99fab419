// The one place every interaction enters: it finds the handler, and turns any error a handler
// lets through into a message for the user. Nothing thrown here reaches discord.js's event loop.
import { MessageFlags, type Interaction, type RepliableInteraction } from 'discord.js';
import { BUTTON_HANDLERS, MESSAGE_COMMANDS, MODAL_HANDLERS, SLASH_COMMANDS } from '../../commands/index.js';
import { localeFromDiscord, pick, type Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { log } from '../log.js';
import { isDatabaseBusy } from '../storage/index.js';
import type { BotContext } from './context.js';
import { deliver } from './delivery.js';
import { describeDiscordError } from './discordErrors.js';
import { failureMessage } from './resultMessage.js';

export function createInteractionHandler(ctx: BotContext): (interaction: Interaction) => Promise<void> {
  // Shutdown waits for handlers still at work (see HandlerTracker), not only for generations.
  const handle = routeInteraction(ctx);
  return (interaction) => ctx.handlers.follow(handle(interaction));
}

function routeInteraction(ctx: BotContext): (interaction: Interaction) => Promise<void> {
  return async (interaction) => {
    try {
      if (interaction.isChatInputCommand()) {
        const command = SLASH_COMMANDS.find((candidate) => candidate.name === interaction.commandName);
        if (command) await command.execute(ctx, interaction);
      } else if (interaction.isAutocomplete()) {
        const command = SLASH_COMMANDS.find((candidate) => candidate.name === interaction.commandName);
        await command?.autocomplete?.(ctx, interaction);
      } else if (interaction.isButton()) {
        const prefix = interaction.customId.split(':')[0];
        const handler = BUTTON_HANDLERS.find((candidate) => candidate.prefix === prefix);
        if (handler) await handler.handle(ctx, interaction);
      } else if (interaction.isMessageContextMenuCommand()) {
        const command = MESSAGE_COMMANDS.find((candidate) => candidate.name === interaction.commandName);
        if (command) await command.execute(ctx, interaction);
      } else if (interaction.isModalSubmit()) {
        const prefix = interaction.customId.split(':')[0];
        const handler = MODAL_HANDLERS.find((candidate) => candidate.prefix === prefix);
        if (handler) await handler.handle(ctx, interaction);
      }
    } catch (error) {
      log.error('interaction handler failed', { interaction: interaction.id, type: interaction.type, ...describeDiscordError(error) });
      if (interaction.isRepliable()) await tellUser(interaction, isDatabaseBusy(error) ? text.databaseBusy : text.internalError);
    }
  };
}

async function tellUser(interaction: RepliableInteraction, message: Localized): Promise<void> {
  const locale = localeFromDiscord(interaction.locale);
  try {
    if (!interaction.deferred && !interaction.replied) {
      await interaction.reply({ content: pick(message, locale), flags: MessageFlags.Ephemeral });
      return;
    }
    if (interaction.deferred && interaction.ephemeral === false) {
      // A public deferReply: the reply is the bot's own message for this request (a command's, or a
      // Re-roll's new message), so the failure replaces it; the token may have expired meanwhile, so
      // through the delivery fallbacks.
      const mention = `<@${interaction.user.id}>`;
      await deliver(interaction, failureMessage(message, locale), pick(text.lateFailure({ mention }), locale));
      return;
    }
    // Anything else must not be edited: after update() / deferUpdate() `@original` is the message the
    // button is on (a result, a gallery post), and an ephemeral reply must not fall back to a public
    // channel post. A private follow-up says it and leaves the message alone.
    await interaction.followUp({ content: pick(message, locale), flags: MessageFlags.Ephemeral });
  } catch (error) {
    log.warn('could not tell the user about a failure', { interaction: interaction.id, ...describeDiscordError(error) });
  }
}
