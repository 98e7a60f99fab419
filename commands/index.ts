import type { AppConfig } from '../src/config/index.js';
import { gallery } from './gallery.js';
import { galleryButtons } from './galleryButtons.js';
import { history, historyButtons } from './history.js';
import { imagine } from './imagine.js';
import { imagineAdmin } from './imagineAdmin/index.js';
import { imagineButtons } from './imagineButtons.js';
import { jobButtons } from './jobButtons.js';
import { moderationButtons } from './moderationButtons.js';
import { remix, remixModal } from './remix.js';
import type { ButtonHandler, MessageCommand, ModalHandler, SlashCommand } from './types.js';
import { usage } from './usage.js';

export const SLASH_COMMANDS: readonly SlashCommand[] = [imagine, usage, imagineAdmin, gallery, history];
export const BUTTON_HANDLERS: readonly ButtonHandler[] = [imagineButtons, jobButtons, moderationButtons, galleryButtons, historyButtons];

export const MESSAGE_COMMANDS: readonly MessageCommand[] = [remix];
export const MODAL_HANDLERS: readonly ModalHandler[] = [remixModal];

/** The JSON `npm run register` sends (a bulk overwrite): slash commands, then message context menus. */
export function commandDefinitions(config: AppConfig) {
  return [...SLASH_COMMANDS.map((command) => command.definition(config)), ...MESSAGE_COMMANDS.map((command) => command.definition(config))];
}
