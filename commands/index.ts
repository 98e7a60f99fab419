import type { AppConfig } from '../src/config/index.js';
import { describeButtons, describeMessage, describeModal, describeSlash } from './describe.js';
import { editModal, imagePicker, imageToolButtons } from './editUpscale.js';
import { gallery } from './gallery.js';
import { galleryButtons } from './galleryButtons.js';
import { history, historyButtons } from './history.js';
import { imagine } from './imagine.js';
import { imagineAdmin } from './imagineAdmin/index.js';
import { imagineButtons } from './imagineButtons.js';
import { jobButtons } from './jobButtons.js';
import { moderationButtons } from './moderationButtons.js';
import { remix, remixModal } from './remix.js';
import { settings } from './settings.js';
import type { ButtonHandler, MessageCommand, ModalHandler, SelectHandler, SlashCommand } from './types.js';
import { usage } from './usage.js';

export const SLASH_COMMANDS: readonly SlashCommand[] = [imagine, usage, imagineAdmin, gallery, history, describeSlash, settings];
export const BUTTON_HANDLERS: readonly ButtonHandler[] = [imagineButtons, jobButtons, moderationButtons, galleryButtons, historyButtons, describeButtons, imageToolButtons];

export const MESSAGE_COMMANDS: readonly MessageCommand[] = [remix, describeMessage];
export const MODAL_HANDLERS: readonly ModalHandler[] = [remixModal, describeModal, editModal];
export const SELECT_HANDLERS: readonly SelectHandler[] = [imagePicker];

/** The JSON `npm run register` sends (a bulk overwrite): slash commands, then message context menus. */
export function commandDefinitions(config: AppConfig) {
  return [...SLASH_COMMANDS.map((command) => command.definition(config)), ...MESSAGE_COMMANDS.map((command) => command.definition(config))];
}
