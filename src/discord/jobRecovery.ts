// Start-up after a crash or SIGKILL: every job the previous process left queued or running is closed
// and its user told, so nothing stays `running` forever and nobody waits on a reply that will never
// come. A job that was running may have been billed by the relay: its reservation is kept (released
// as charged). A queued one never reached the relay: refunded in full. Either way its usage row
// records what the ledger charges, and the message offers **Run again** (the Re-roll handler, from
// the usage-log row).
//
// The user is told where they asked: by editing the original reply while its token is still valid
// (a webhook edit needs no interaction object), else by a channel message that mentions them, else
// by DM. Closing happens before the bot takes new work; telling happens once it is online.
import { Routes, type Client } from 'discord.js';
import { localeFromDiscord, pick } from '../i18n/locale.js';
import { queueText } from '../i18n/queueMessages.js';
import { log } from '../log.js';
import type { JobRow, JobStore, Ledger, UsageLog } from '../storage/index.js';
import { describeDiscordError } from './discordErrors.js';
import { runAgainRow } from './jobControls.js';
import { tokenUsable } from './tokenClock.js';

export interface RecoveredJob {
  row: JobRow;
  /** Was running (may have been billed) rather than waiting in the queue. */
  wasRunning: boolean;
  /** The usage log says its image was delivered: the process died just after, before closing the job. */
  delivered: boolean;
}

/** Closes every unfinished job of a previous process and settles its reservation. One pass, before new work. */
export function closeLeftoverJobs(jobs: JobStore, ledger: Ledger, usage: UsageLog, now: number = Date.now()): RecoveredJob[] {
  const { interrupted, expired } = jobs.recover(now);
  for (const row of interrupted) ledger.release(row.interactionId, now);
  for (const row of expired) ledger.refund(row.interactionId, 'interrupted', now);
  for (const row of [...interrupted, ...expired]) recordCharge(row, ledger, usage, now);
  const delivered = (row: JobRow) => row.usageId !== null && (usage.get(row.usageId)?.messageId ?? null) !== null;
  return [
    ...interrupted.map((row) => ({ row, wasRunning: true, delivered: delivered(row) })),
    ...expired.map((row) => ({ row, wasRunning: false, delivered: false })),
  ];
}

/**
 * The usage row of a closed job gets the cost its ledger row now charges, so the books agree: the
 * start-up's interruptPending() marked it `interrupted` without a cost. A row the dead process had
 * already finished (a success not yet recorded as delivered, a failure) keeps its own figures.
 */
function recordCharge(row: JobRow, ledger: Ledger, usage: UsageLog, now: number): void {
  if (row.usageId === null) return;
  const outcome = usage.get(row.usageId)?.outcome;
  if (outcome !== 'interrupted' && outcome !== 'pending') return;
  usage.finish(row.usageId, { outcome: 'interrupted', estimatedCost: ledger.charged(row.interactionId) ?? 0, finishedAt: now });
}

/** Tells each user their request was closed. Never throws; one user's failure does not stop the others. */
export async function tellRecoveredUsers(client: Client, recovered: readonly RecoveredJob[]): Promise<void> {
  for (const job of recovered) {
    if (job.delivered) continue;
    try {
      const via = await tell(client, job);
      log.info('told a user about a request closed by the restart', { job: job.row.id, via });
    } catch (error) {
      log.warn('could not tell a user about a request closed by the restart', { job: job.row.id, ...describeDiscordError(error) });
    }
  }
}

async function tell(client: Client, { row, wasRunning }: RecoveredJob): Promise<'reply' | 'channel' | 'dm' | 'already delivered'> {
  const locale = localeFromDiscord(row.locale);
  const mention = `<@${row.userId}>`;
  const content = pick(wasRunning ? queueText.recoveredInterrupted({ mention }) : queueText.recoveredNotStarted({ mention }), locale);
  const components = row.usageId === null ? [] : [runAgainRow(row.usageId, locale).toJSON()];
  const body = { content, components, embeds: [], attachments: [], allowed_mentions: { users: [row.userId] } };
  const token = row.interactionToken;
  if (token && row.applicationId && tokenUsable(row.interactionId)) {
    try {
      // Killed between delivering the image and recording it: never overwrite a delivered image.
      const original = (await client.rest.get(Routes.webhookMessage(row.applicationId, token, '@original'), { auth: false })) as {
        attachments?: unknown[];
      };
      if ((original.attachments?.length ?? 0) > 0) return 'already delivered';
      await client.rest.patch(Routes.webhookMessage(row.applicationId, token, '@original'), { body, auth: false });
      return 'reply';
    } catch (error) {
      log.debug('editing the original reply failed; posting in the channel', describeDiscordError(error));
    }
  }
  if (row.channelId) {
    try {
      await client.rest.post(Routes.channelMessages(row.channelId), { body });
      return 'channel';
    } catch (error) {
      log.debug('posting in the channel failed; sending a DM', describeDiscordError(error));
    }
  }
  const user = await client.users.fetch(row.userId);
  await user.send({ content, components: body.components });
  return 'dm';
}
