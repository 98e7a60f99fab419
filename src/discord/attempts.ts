// The usage-log fields every attempt from an interaction shares, and the row for a refused one.
import type { RepliableInteraction } from 'discord.js';
import { log } from '../log.js';
import { inputPictureCount } from '../providers/dialects/inputs.js';
import type { ImageRequest } from '../providers/types.js';
import type { UsageAttempt } from '../storage/index.js';
import type { BotContext } from './context.js';

/** Who asked, where, and in which language: the same for every row an interaction writes. */
export function attemptOrigin(interaction: RepliableInteraction) {
  return {
    interactionId: interaction.id,
    source: 'discord',
    userId: interaction.user.id,
    guildId: interaction.guildId,
    channelId: interaction.channelId,
    locale: interaction.locale,
  } satisfies Partial<UsageAttempt>;
}

/** The request fields kept in the usage log, enough to re-run it (Re-roll) after a restart. */
export function storedParams(request: Partial<ImageRequest>): Record<string, unknown> {
  const { prompt: _prompt, model: _model, ...rest } = request;
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
}

/**
 * Refused attempts are attempts too (CONTRACT.md): they get a row, written before the user is
 * answered, with the refusal as outcome and nothing charged.
 */
export function logRefusal(
  ctx: BotContext,
  interaction: RepliableInteraction,
  request: Partial<ImageRequest> & { prompt: string },
  /** `inputCount`: the images of an edit refused before they were read (else counted from the request). */
  refusal: { outcome: 'invalid_input' | 'blocked'; reason: string; inputCount?: number },
): void {
  try {
    const { id, existing } = ctx.usage.start({
      ...attemptOrigin(interaction),
      model: request.model ?? ctx.pipeline.defaultModel.id,
      sizeRequested: request.size ?? null,
      params: storedParams(request),
      prompt: request.prompt,
      inputCount: refusal.inputCount ?? inputPictureCount(request.inputImages),
    });
    if (!existing) ctx.usage.finish(id, { outcome: refusal.outcome, errorKind: refusal.outcome, errorMessage: refusal.reason, estimatedCost: 0 });
  } catch (error) {
    log.error('could not log a refused request', { error });
  }
}
