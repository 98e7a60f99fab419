// An admitted request from Discord handed to the core, with the reporter that shows it in the
// member's deferred reply: place in line, progress and previews, the result or what went wrong.
import type { RepliableInteraction } from 'discord.js';
import type { Admitted } from '../generation/index.js';
import type { BotContext } from './context.js';
import { DiscordReporter } from './discordReporter.js';

export type GenerationJob = Admitted & {
  /** Already deferred. */
  interaction: RepliableInteraction;
};

export async function runGeneration(ctx: BotContext, job: GenerationJob): Promise<void> {
  const { interaction, prepared, record, notes, spoiler } = job;
  await ctx.generation.run(job, new DiscordReporter({ interaction, prepared, generationId: record.usageId, notes, spoiler }));
}
