// A member's /imagine, from the slash command or a form that carries a prompt (Describe's buttons):
// the request composed from their options, prompt parameters, shortcuts, the server's style and
// their own defaults (the core's compose), then admitted, deferred and run like every request.
import type { ChatInputCommandInteraction, ModalSubmitInteraction } from 'discord.js';
import type { DraftRequest } from '../generation/index.js';
import { assistText } from '../i18n/assistMessages.js';
import type { BotContext } from './context.js';
import { runGeneration } from './generationRun.js';
import { admitAndDefer, originOf, type InputImages } from './inputRequest.js';
import { refusePrivately } from './responder.js';

export interface ImagineAsk {
  /** As typed: parameters and shortcuts are read out of it. */
  prompt: string;
  /** The command's options; they win over everything else. */
  options: Omit<Partial<DraftRequest>, 'prompt'>;
  enhance?: boolean;
  /** A style preset's name on this server. */
  style?: string;
  /** Input images: the request becomes an edit of them. */
  inputs?: InputImages;
}

export async function imagineFor(ctx: BotContext, interaction: ChatInputCommandInteraction | ModalSubmitInteraction, ask: ImagineAsk): Promise<void> {
  const userId = interaction.user.id;
  const guildId = interaction.guildId;
  const style = ask.style && guildId ? ctx.styles.get(guildId, ask.style) : undefined;
  if (ask.style && !style) {
    const list = guildId ? ctx.styles.list(guildId).map((preset) => preset.name).join(', ') : '';
    await refusePrivately(interaction, assistText.styleUnknown({ name: ask.style, list }));
    return;
  }
  const server = guildId ? ctx.promptSettings.get(guildId) : undefined;
  const composed = ctx.generation.compose(originOf(interaction), {
    prompt: ask.prompt,
    options: ask.options,
    ...(ask.enhance === undefined ? {} : { enhance: ask.enhance }),
    ...(style ? { style } : {}),
    defaults: ctx.memberSettings.get(userId),
    shortcuts: ctx.memberSettings.shortcutMap(userId),
    ...(server ? { server } : {}),
  });
  const admitted = await admitAndDefer(ctx, interaction, composed.draft, ask.inputs, { ...(composed.enhance ? { enhance: { server } } : {}), private: composed.private });
  if (!admitted) return;
  await runGeneration(ctx, { interaction, ...admitted, notes: [...composed.notes, ...admitted.notes] });
}
