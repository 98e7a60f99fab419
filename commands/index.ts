import type { AppConfig } from '../src/config/index.js';
import { imagine } from './imagine.js';
import { imagineAdmin } from './imagineAdmin/index.js';
import { imagineButtons } from './imagineButtons.js';
import { jobButtons } from './jobButtons.js';
import { moderationButtons } from './moderationButtons.js';
import type { ButtonHandler, SlashCommand } from './types.js';
import { usage } from './usage.js';

export const SLASH_COMMANDS: readonly SlashCommand[] = [imagine, usage, imagineAdmin];
export const BUTTON_HANDLERS: readonly ButtonHandler[] = [imagineButtons, jobButtons, moderationButtons];

/** The JSON `npm run register` sends (a bulk overwrite). */
export function commandDefinitions(config: AppConfig) {
  return SLASH_COMMANDS.map((command) => command.definition(config));
}
