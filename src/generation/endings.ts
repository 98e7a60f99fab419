// What the member is told when a request ends without a delivered image: one function, for every
// platform that reports (wording in src/i18n).
import { explainError, explainUnusable } from '../i18n/errorMessages.js';
import type { Localized } from '../i18n/locale.js';
import { text } from '../i18n/messages.js';
import { queueText } from '../i18n/queueMessages.js';
import { isImagineError, RelayTimeoutError } from '../providers/errors.js';
import type { Ending, Settled } from './records.js';

export type ToldEnding = Exclude<Ending, { kind: 'delivered' | 'recovered' }>;

/** The member's message, and whether it is a plain notice (a cancel, the queue) rather than a failure. */
export function explainEnding(ending: ToldEnding, settled: Settled, inGuild: boolean): { message: Localized; notice: boolean } {
  switch (ending.kind) {
    case 'not_started':
      switch (ending.why) {
        case 'cancelled':
          return { message: queueText.cancelled({ started: false }), notice: true };
        case 'shutdown':
        case 'unacknowledged':
          return { message: queueText.notStarted, notice: true };
        case 'user_queue_full':
          return { message: queueText.userQueueFull({ limit: ending.limit ?? 0 }), notice: true };
        case 'queue_full':
          return { message: queueText.queueFull, notice: true };
      }
      break;
    case 'failed': {
      if (ending.stopped === 'cancel') return { message: queueText.cancelled({ started: true, inGuild }), notice: true };
      if (ending.stopped === 'shutdown') return { message: text.interrupted, notice: false };
      if (ending.stopped === 'deadline') {
        return { message: explainError(new RelayTimeoutError('The generation ran past the queue deadline', { cause: ending.error })), notice: false };
      }
      const { error } = ending;
      if (settled.charge === 'unusable' && isImagineError(error)) return { message: explainUnusable(error, inGuild), notice: false };
      return { message: explainError(error), notice: false };
    }
    case 'undelivered': {
      const { error } = ending;
      if (settled.charge === 'unusable' && isImagineError(error)) return { message: explainUnusable(error, inGuild), notice: false };
      return { message: explainError(error), notice: false };
    }
  }
}
