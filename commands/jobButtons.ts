// The Cancel button under a waiting or running request. Only the requester may press it; the job's
// own handler (src/discord/generationRun.ts / generationJob.ts) then refunds it and rewrites the
// reply, so the message has one writer and the click only needs acknowledging.
import { MessageFlags, type ButtonInteraction } from 'discord.js';
import type { BotContext } from '../src/discord/context.js';
import { JOB_BUTTON_PREFIX, parseJobButtonId } from '../src/discord/jobControls.js';
import { localeFromDiscord, pick, type Localized } from '../src/i18n/locale.js';
import { queueText } from '../src/i18n/queueMessages.js';
import { text } from '../src/i18n/messages.js';
import { log } from '../src/log.js';
import type { ButtonHandler } from './types.js';

export const jobButtons: ButtonHandler = {
  prefix: JOB_BUTTON_PREFIX,

  async handle(ctx: BotContext, interaction: ButtonInteraction) {
    const parsed = parseJobButtonId(interaction.customId);
    const row = parsed && ctx.jobStore.getByInteraction(parsed.interactionId);
    if (!parsed || !row) return ephemeral(interaction, text.resultGone);
    if (row.userId !== interaction.user.id) return ephemeral(interaction, queueText.cancelNotYours);
    if (row.state !== 'queued' && row.state !== 'running') return ephemeral(interaction, queueText.alreadyOver);
    const was = ctx.jobs.cancel(parsed.interactionId);
    // Unfinished in the table but unknown to this process's queue: it is finishing right now.
    if (!was) return ephemeral(interaction, queueText.alreadyOver);
    log.info('the requester cancelled a request', { job: row.id, was });
    await interaction.deferUpdate();
  },
};

async function ephemeral(interaction: ButtonInteraction, message: Localized): Promise<void> {
  await interaction.reply({ content: pick(message, localeFromDiscord(interaction.locale)), flags: MessageFlags.Ephemeral });
}
