// A reserved request from Discord, once deferred: its rows are written, and it is handed to the core
// with the reporter that shows it in the member's reply: place in line, progress and previews, the
// result or what went wrong.
import type { RepliableInteraction } from 'discord.js';
import type { Reserved } from '../generation/index.js';
import type { BotContext } from './context.js';
import { DiscordReporter } from './discordReporter.js';

export type GenerationJob = Reserved & {
  /** Already deferred. */
  interaction: RepliableInteraction;
};

export async function runGeneration(ctx: BotContext, job: GenerationJob): Promise<void> {
  // The rows are written now that Discord has the deferral (the reservation came before it).
  const admitted = ctx.generation.open(job);
  if (!admitted) return; // the same interaction delivered twice: the first is at work
  const { interaction, prepared, record, notes, spoiler } = { ...job, record: admitted.record };
  await ctx.generation.run(admitted, new DiscordReporter({ interaction, prepared, generationId: record.usageId, notes, spoiler }));
}
