// Shared mode (several processes on one PostgreSQL): what a dead process left open without a job row
// is closed by age, every SWEEP_INTERVAL_MS, by whichever process sweeps first. Start-up recovery
// cannot close these (the other processes are alive, and open rows may be theirs), and no lease marks
// them; a job row has a lease, and the shared queue closes those (records.recoverOne). Two kinds:
// - a reservation with no rows (the process died between the reservation and its rows: around
//   Discord's acknowledgement): refunded, and its member told through the reply the reservation
//   keeps (migration 13), since that reply may be showing "thinking…";
// - a chat call (describe, enhance: a usage row, no job row) whose process died: refunded, its usage
//   row interrupted (recover()'s rule).
// One process keeps today's start-up recovery (recover()) and never sweeps.
import { log as defaultLog, type Log } from '../log.js';
import { CHAT_TIMEOUT_MS } from './chatTasks.js';
import type { OrphanCutoffs, OrphanNotice, Orphans } from './records.js';

/**
 * A reservation this old with no rows is a dead process's. A live process writes the rows right
 * after Discord takes its deferral, and Discord takes none later than 3 s after the interaction (one
 * that fails is refunded at once, GenerationService.abandon); follow-up work waits at most 1 s behind
 * other deferrals (discord/acknowledgements.ts). Slow steps (downloads, enhancement) come before the
 * reservation. Two minutes is far past all that; a process stalled longer (taken for dead) finds its
 * reservation closed when it tries to write the rows, and does not run the request (records.open).
 */
export const ORPHAN_RESERVATION_MS = 2 * 60_000;

/**
 * A chat call this old that no queue holds is a dead process's. While it waits or runs in the shared
 * queue, its queue row is there (usage.pendingChatCalls passes over it); once its process is taken for
 * dead another removes that row, but a call stalled there may still be at the relay until its own
 * deadline (CHAT_TIMEOUT_MS, retries included): past it, and a minute for the settlement and for
 * clocks that disagree a little, it is over.
 */
export const ORPHAN_CHAT_CALL_MS = CHAT_TIMEOUT_MS + 60_000;

/** Often enough that a member's quota and a server's budget are not held long; each sweep reads two partial indexes. */
export const SWEEP_INTERVAL_MS = 30_000;

export function orphanCutoffs(now: number): OrphanCutoffs {
  return { reservedBefore: now - ORPHAN_RESERVATION_MS, chatCallsBefore: now - ORPHAN_CHAT_CALL_MS };
}

export interface OrphanSweep {
  stop(): void;
}

/**
 * Sweeps now and every intervalMs (unref'd: it never keeps the process alive) until stop().
 * `tell` is handed the members to tell, once each, after the sweep that closed their request has
 * committed (the caller's platform adapter answers them).
 */
export function scheduleOrphanSweep(
  target: { sweepOrphans(now?: number): Orphans },
  options: { intervalMs?: number; log?: Log; tell?: (notices: OrphanNotice[]) => void } = {},
): OrphanSweep {
  const logger = options.log ?? defaultLog;
  let stopped = false;
  const run = () => {
    if (stopped) return;
    const now = Date.now();
    try {
      const { reservations, chatCalls, toTell } = target.sweepOrphans(now);
      for (const entry of reservations) {
        logger.warn('gave back a reservation whose process died before writing its rows', {
          key: entry.key,
          user: entry.userId,
          guild: entry.guildId,
          ageMs: now - entry.createdAt,
          // Its member is handed to `tell` below when it kept a reply (a CLI run has none).
          replyKept: entry.reply !== undefined,
        });
      }
      if (chatCalls > 0) logger.warn('closed chat calls whose process died', { chatCalls });
      if (toTell.length > 0) options.tell?.(toTell);
    } catch (error) {
      logger.warn('could not sweep what dead processes left open; the next sweep tries again', { error });
    }
  };
  const first = setTimeout(run, 0);
  const every = setInterval(run, options.intervalMs ?? SWEEP_INTERVAL_MS);
  first.unref();
  every.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
    },
  };
}
