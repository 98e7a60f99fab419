import type {
  AutocompleteInteraction,
  ButtonInteraction,
  ChatInputCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { AppConfig } from '../src/config/index.js';
import type { BotContext } from '../src/discord/context.js';

/** A slash command: its definition (built from the configuration) beside its handler. */
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
