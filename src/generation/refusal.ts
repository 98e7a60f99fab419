// A request refused before anything is spent, as data: what happened (a code and its figures). One
// function turns it into the member's message (wording in src/i18n), another into the usage log's
// outcome. Every way in (the slash command, buttons, the Remix form) refuses through these.
import { formatDuration } from '../i18n/duration.js';
import { assistText } from '../i18n/assistMessages.js';
import { explainError } from '../i18n/errorMessages.js';
import type { Locale, Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { queueText } from '../i18n/queueMessages.js';
import type { InvalidInputError } from '../providers/errors.js';

export type Refusal =
  /** The bot is stopping: nothing is logged (the attempt never began). */
  | { code: 'shutting_down' }
  | { code: 'queue_full' }
  | { code: 'user_queue_full'; limit: number }
  /** The request itself cannot be served (model, size, prompt, images …). */
  | { code: 'invalid_input'; error: InvalidInputError }
  /** A refusal about the input images that is ours rather than the provider layer's (a link that is gone). */
  | { code: 'input_unavailable'; reason: string; message: Localized }
  /** The server's policy: a blocked member, channel, model or word (the moderation module's reason). */
  | { code: 'policy'; reason: string; message: Localized; blockedEntry?: string }
  | { code: 'user_quota'; used: number; limit: number; retryAfterMs: number }
  | { code: 'cooldown'; retryAfterMs: number }
  | { code: 'guild_daily_budget' }
  | { code: 'guild_monthly_budget' }
  /** /describe or enhance asked for, and the operator configured no chat model. */
  | { code: 'chat_unavailable' };

/** The member's message for a refusal. */
export function explainRefusal(refusal: Refusal, locale: Locale): Localized {
  switch (refusal.code) {
    case 'shutting_down':
      return text.shuttingDown;
    case 'queue_full':
      return queueText.queueFull;
    case 'user_queue_full':
      return queueText.userQueueFull({ limit: refusal.limit });
    case 'invalid_input':
      return explainError(refusal.error);
    case 'input_unavailable':
    case 'policy':
      return refusal.message;
    case 'user_quota':
      return text.quotaReached({ used: refusal.used, limit: refusal.limit, resetsIn: formatDuration(refusal.retryAfterMs, locale) });
    case 'cooldown':
      return text.cooldown({ wait: formatDuration(refusal.retryAfterMs, locale) });
    case 'guild_daily_budget':
      return text.budgetExhausted({ period: 'day' });
    case 'guild_monthly_budget':
      return text.budgetExhausted({ period: 'month' });
    case 'chat_unavailable':
      return assistText.chatUnavailable;
  }
}

/** How the refusal is logged as an attempt: its outcome and a reason for operators; none while stopping. */
export function refusalLogEntry(refusal: Refusal): { outcome: 'blocked' | 'invalid_input'; reason: string } | undefined {
  switch (refusal.code) {
    case 'shutting_down':
      return undefined;
    case 'invalid_input':
      return { outcome: 'invalid_input', reason: refusal.error.message };
    case 'input_unavailable':
      return { outcome: 'invalid_input', reason: refusal.reason };
    case 'policy':
      return { outcome: 'blocked', reason: refusal.reason };
    default:
      return { outcome: 'blocked', reason: refusal.code };
  }
}
