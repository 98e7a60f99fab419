import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  ModalSubmitInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
  StringSelectMenuInteraction,
} from 'discord.js';
import type { AppConfig } from '../src/config/index.js';
import type { BotContext } from '../src/discord/context.js';

/**
 * A slash command: its definition beside its handler. The definition is `as const` data the handler's
 * arguments are typed from (arguments.ts: readArguments); `definition(config)` turns it into the REST
 * JSON, with the parts that depend on the configuration (model choices) spread in.
 */
export interface SlashCommand {
  name: string;
  definition(config: AppConfig): RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(ctx: BotContext, interaction: ChatInputCommandInteraction): Promise<void>;
  autocomplete?(ctx: BotContext, interaction: AutocompleteInteraction): Promise<void>;
}

/** Buttons whose custom_id starts with `prefix:`. */
export interface ButtonHandler {
  prefix: string;
  handle(ctx: BotContext, interaction: ButtonInteraction): Promise<void>;
}

/** A message context-menu command (right-click a message → Apps): its definition beside its handler. */
export interface MessageCommand {
  name: string;
  definition(config: AppConfig): RESTPostAPIContextMenuApplicationCommandsJSONBody;
  execute(ctx: BotContext, interaction: MessageContextMenuCommandInteraction): Promise<void>;
}

/** Modal submits whose custom_id starts with `prefix:`. */
export interface ModalHandler {
  prefix: string;
  handle(ctx: BotContext, interaction: ModalSubmitInteraction): Promise<void>;
}

/** String select menus in messages whose custom_id starts with `prefix:`. */
export interface SelectHandler {
  prefix: string;
  handle(ctx: BotContext, interaction: StringSelectMenuInteraction): Promise<void>;
}
