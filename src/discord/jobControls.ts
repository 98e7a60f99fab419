// The buttons of a request that is not finished yet: Cancel while it waits or runs, and Run again
// when a restart or shutdown dropped it. Cancel names the job by its interaction id (the queue's and
// the job table's key), so it works from the message alone: `job:cancel:<interaction id>`.
import { ActionRowBuilder, ButtonBuilder, ButtonStyle } from 'discord.js';
import { pick, type Locale } from '../i18n/locale.js';
import { queueText } from '../i18n/queueMessages.js';
import { resultButtonId } from './customIds.js';

const PREFIX = 'job';

export function cancelButtonId(interactionId: string): string {
  return `${PREFIX}:cancel:${interactionId}`;
}

export function parseJobButtonId(customId: string): { action: 'cancel'; interactionId: string } | undefined {
  const [prefix, action, id] = customId.split(':');
  if (prefix !== PREFIX || action !== 'cancel' || !id || !/^\d{15,22}$/.test(id)) return undefined;
  return { action, interactionId: id };
}

export const JOB_BUTTON_PREFIX = PREFIX;

export function cancelRow(interactionId: string, locale: Locale) {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(cancelButtonId(interactionId)).setLabel(pick(queueText.cancelButton, locale)).setEmoji('✖️').setStyle(ButtonStyle.Secondary),
  );
}

/** Re-runs the request recorded in the usage log (the Re-roll button's handler, with a new seed). */
export function runAgainRow(usageId: number, locale: Locale) {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder().setCustomId(resultButtonId('reroll', usageId)).setLabel(pick(queueText.runAgainButton, locale)).setEmoji('🔁').setStyle(ButtonStyle.Primary),
  );
}
