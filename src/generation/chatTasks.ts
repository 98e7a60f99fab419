// A call to the relay's chat model on a member's behalf (/describe, prompt enhancement), through the
// same books and line as an image: the ledger reserves its price (money only: it makes no image, so
// it counts toward no image quota and starts no cooldown), the usage log records it (its own `kind`),
// the fair queue runs it under the member's and the relay's caps, and it settles by the one billing
// rule (billing.ts) in records.ts.
import type { ChatConfig } from '../config/index.js';
import { log } from '../log.js';
import { metrics } from '../observability/metrics.js';
import { completeChat, type ChatAnswer } from '../providers/chatText.js';
import { isImagineError } from '../providers/errors.js';
import type { ChatMessage } from '../providers/types.js';
import { CANCEL_REASON, type WorkQueue } from '../queue/index.js';
import type { ReserveLimits } from '../storage/index.js';
import type { GenerationRecords, StopReason } from './records.js';
import type { Refusal } from './refusal.js';
import type { ChatTaskKind, Origin } from './types.js';

/**
 * Longest a chat call may take, retries included: a rewrite or a description takes seconds, not the
 * minutes of an image. The shared mode's sweep takes an older call that no queue holds for a dead
 * process's (orphanSweep.ts).
 */
export const CHAT_TIMEOUT_MS = 90_000;

/**
 * The interaction a ledger or usage key belongs to: the key itself, or for an enhancement (one step
 * of an /imagine, ChatTask.key) the interaction id before its suffix. A token's clock reads this id.
 */
export function interactionOfKey(key: string): string {
  const suffix = key.indexOf(':');
  return suffix === -1 ? key : key.slice(0, suffix);
}

export interface ChatTask {
  kind: ChatTaskKind;
  origin: Origin;
  /**
   * The ledger and usage key. A describe is its own interaction (its id); an enhancement is one step
   * of an /imagine, so it gets the interaction id with a suffix and the image keeps the id itself.
   */
  key: string;
  /** What the usage row records as the prompt: the member's prompt, or what was described. */
  prompt: string;
  messages: ChatMessage[];
  maxTokens: number;
  /** The server's money limits; image quota and cooldown do not apply to a call that makes no image. */
  limits: Pick<ReserveLimits, 'guildDailyBudget' | 'guildMonthlyBudget'>;
}

export type ChatTaskResult =
  | { ok: true; text: string; cost: number; model: string }
  /** Refused before anything was spent (no chat model, the budget, the queue). */
  | { ok: false; refusal: Refusal }
  /** Sent, and failed: settled by the billing rule (`cost` is what the ledger now charges). */
  | { ok: false; failure: unknown; cost: number }
  /** The same interaction again (Discord redelivered it): the first delivery is at work. */
  | { ok: false; duplicate: true };

export interface ChatTaskDeps {
  chat: ChatConfig | undefined;
  records: GenerationRecords;
  queue: WorkQueue;
}

export class ChatTasks {
  constructor(private readonly deps: ChatTaskDeps) {}

  /** The chat model calls go to, or undefined when the operator configured none. */
  get model(): string | undefined {
    return this.deps.chat?.model;
  }

  async run(task: ChatTask): Promise<ChatTaskResult> {
    const { chat, records, queue } = this.deps;
    if (!chat) return { ok: false, refusal: { code: 'chat_unavailable' } };
    const full = queue.refusal(task.origin.userId);
    if (full?.reason === 'shutting_down') return { ok: false, refusal: { code: 'shutting_down' } };
    if (full?.reason === 'user_queue_full') return { ok: false, refusal: { code: 'user_queue_full', limit: full.limit ?? 0 } };
    if (full) return { ok: false, refusal: { code: 'queue_full' } };

    const reserved = records.reserve(task.origin, 0, { cost: chat.pricePerCall, limits: task.limits }, task.key);
    if (!reserved.ok) {
      // Only the money limits were asked for, so only they can refuse.
      return { ok: false, refusal: { code: reserved.reason === 'guild_monthly_budget' ? 'guild_monthly_budget' : 'guild_daily_budget' } };
    }
    if (reserved.existing) return { ok: false, duplicate: true };
    const record = records.openChat(task.origin, { key: task.key, kind: task.kind, prompt: task.prompt, model: chat.model, relay: chat.relay.name });
    const logger = log.child({ interaction: task.key, kind: task.kind, model: chat.model });

    let answer: ChatAnswer | undefined;
    let failure: unknown;
    let stopped: StopReason | undefined;
    const submitted = queue.submit({ id: task.key, userId: task.origin.userId, relay: chat.relay.name, model: chat.model }, async (signal) => {
      try {
        answer = await completeChat(chat.relay, { model: chat.model, messages: task.messages, maxTokens: task.maxTokens }, { timeoutMs: CHAT_TIMEOUT_MS, signal });
      } catch (error) {
        failure = error;
        if (signal.aborted) stopped = String(signal.reason) === CANCEL_REASON ? 'cancel' : 'shutdown';
      }
    });
    if (!submitted.ok) {
      records.settleChat(record, { kind: 'not_started' });
      return { ok: false, refusal: submitted.reason === 'user_queue_full' ? { code: 'user_queue_full', limit: submitted.limit ?? 0 } : { code: submitted.reason === 'queue_full' ? 'queue_full' : 'shutting_down' } };
    }
    const settlement = await submitted.done;
    if (settlement.outcome === 'cancelled' || settlement.outcome === 'not_started') {
      records.settleChat(record, { kind: 'not_started' });
      return { ok: false, refusal: { code: 'shutting_down' } };
    }
    if (answer) {
      const cost = records.settleChat(record, { kind: 'answered', answer });
      logger.info('chat call answered', { relay: chat.relay.name, requestId: answer.requestId, elapsedMs: answer.elapsedMs });
      return { ok: true, text: answer.text, cost, model: chat.model };
    }
    const error = failure ?? settlement.error ?? new Error(`chat call ended: ${settlement.outcome}`);
    if (isImagineError(error) && !stopped) metrics.relayError(chat.relay.name, error);
    const cost = records.settleChat(record, { kind: 'failed', error, ...(stopped ? { stopped } : {}) });
    logger.info('chat call failed', { relay: chat.relay.name, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error), cost });
    return { ok: false, failure: error, cost };
  }
}
