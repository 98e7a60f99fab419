// The chat (text and vision) model the bot asks on a relay, for /describe and prompt help: which
// relay, which model, and what a call costs a member. The same key that buys images buys chat on the
// relays (`/v1/chat/completions`), so the chat relay is one of the image relays.
import type { RelayConfig } from './relay.js';

/** IMAGE_CHAT_MODEL's default: a cheap vision model every OpenAI-compatible relay sells. */
export const DEFAULT_CHAT_MODEL = 'gpt-4o-mini';
/** IMAGE_CHAT_PRICE's default, in USD per call (a describe or an enhance is a few thousand tokens). */
export const DEFAULT_CHAT_PRICE = 0.002;

export interface ChatConfig {
  relay: RelayConfig;
  model: string;
  /** USD charged per chat call. */
  pricePerCall: number;
}

/** A relay with what PROVIDERS_FILE says of its chat. */
export interface ChatCandidate {
  relay: RelayConfig;
  /** Absent: IMAGE_CHAT_MODEL; `null`: this relay serves no chat. */
  chatModel?: string | null;
  /** Absent: IMAGE_CHAT_PRICE. */
  chatPrice?: number;
}

/**
 * The first relay by priority that serves chat (its chatModel is not null) and has a model to ask
 * (its own, else IMAGE_CHAT_MODEL); undefined when none does. `fallback` is IMAGE_CHAT_MODEL (absent
 * when it is `none`) and IMAGE_CHAT_PRICE.
 */
export function pickChatConfig(
  candidates: readonly ChatCandidate[],
  fallback: { model?: string; pricePerCall: number },
): ChatConfig | undefined {
  // A stable sort: relays of equal priority keep the file's order, as the image routing does.
  const byPriority = [...candidates].sort((a, b) => a.relay.priority - b.relay.priority);
  for (const candidate of byPriority) {
    if (candidate.chatModel === null) continue;
    const model = candidate.chatModel ?? fallback.model;
    if (model === undefined) continue;
    return { relay: candidate.relay, model, pricePerCall: candidate.chatPrice ?? fallback.pricePerCall };
  }
  return undefined;
}
