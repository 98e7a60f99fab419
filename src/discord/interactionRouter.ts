// The one place every interaction enters: it finds the handler, and turns any error a handler
// lets through into a message for the user. Nothing thrown here reaches discord.js's event loop.
// The handlers are handed in (main.ts → startBot → here): the Discord layer never imports commands/.
import {
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageContextMenuCommandInteraction,
  type ModalSubmitInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import { text } from '../i18n/messages.js';
import { log } from '../log.js';
import { isDatabaseBusy } from '../storage/index.js';
import type { BotContext } from './context.js';
import { describeDiscordError } from './discordErrors.js';
import { tellFailure } from './responder.js';

/** Found by command name (slash and message commands) or by custom_id prefix (buttons, select menus and modals). */
interface Named<I> {
  name: string;
  execute(ctx: BotContext, interaction: I): Promise<void>;
}
interface Prefixed<I> {
  prefix: string;
  handle(ctx: BotContext, interaction: I): Promise<void>;
}

/** What the router dispatches to: commands/ provides it, main.ts hands it to startBot. */
export interface CommandSet {
  slash: readonly (Named<ChatInputCommandInteraction> & {
    autocomplete?(ctx: BotContext, interaction: AutocompleteInteraction): Promise<void>;
  })[];
  buttons: readonly Prefixed<ButtonInteraction>[];
  messages: readonly Named<MessageContextMenuCommandInteraction>[];
  modals: readonly Prefixed<ModalSubmitInteraction>[];
  /** String select menus in messages (the menu under a result with several images). */
  selects: readonly Prefixed<StringSelectMenuInteraction>[];
}

/** The handler whose prefix is the custom_id's first `:`-separated part. */
function byPrefix<H extends { prefix: string }>(handlers: readonly H[] | undefined, customId: string): H | undefined {
  const prefix = customId.split(':')[0];
  return handlers?.find((candidate) => candidate.prefix === prefix);
}

export function createInteractionHandler(ctx: BotContext, commands: CommandSet): (interaction: Interaction) => Promise<void> {
  // Shutdown waits for handlers still at work (see HandlerTracker), not only for generations.
  const handle = routeInteraction(ctx, commands);
  return (interaction) => ctx.handlers.follow(handle(interaction));
}

function routeInteraction(ctx: BotContext, commands: CommandSet): (interaction: Interaction) => Promise<void> {
  return async (interaction) => {
    try {
      if (interaction.isChatInputCommand()) {
        const command = commands.slash.find((candidate) => candidate.name === interaction.commandName);
        if (command) await command.execute(ctx, interaction);
      } else if (interaction.isAutocomplete()) {
        const command = commands.slash.find((candidate) => candidate.name === interaction.commandName);
        await command?.autocomplete?.(ctx, interaction);
      } else if (interaction.isButton()) {
        await byPrefix(commands.buttons, interaction.customId)?.handle(ctx, interaction);
      } else if (interaction.isStringSelectMenu()) {
        await byPrefix(commands.selects, interaction.customId)?.handle(ctx, interaction);
      } else if (interaction.isMessageContextMenuCommand()) {
        const command = commands.messages.find((candidate) => candidate.name === interaction.commandName);
        if (command) await command.execute(ctx, interaction);
      } else if (interaction.isModalSubmit()) {
        await byPrefix(commands.modals, interaction.customId)?.handle(ctx, interaction);
      }
    } catch (error) {
      log.error('interaction handler failed', { interaction: interaction.id, type: interaction.type, ...describeDiscordError(error) });
      if (interaction.isRepliable()) await tellFailure(interaction, isDatabaseBusy(error) ? text.databaseBusy : text.internalError);
    }
  };
}
