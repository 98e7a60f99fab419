// After a crash or SIGKILL, the core settles every request the previous process left open before
// the bot takes new work (GenerationService.recover); once online, each member is told here, once,
// where they asked: an edit of their reply while its token is valid, else a channel message that
// mentions them, else a DM, with **Run again** (the Re-roll handler, from the usage row).
import type { Client } from 'discord.js';
import { interactionOfKey, type OrphanNotice, type RecoveredJob } from '../generation/index.js';
import { localeFromDiscord, pick } from '../i18n/locale.js';
import { queueText } from '../i18n/queueMessages.js';
import { log } from '../log.js';
import { describeDiscordError } from './discordErrors.js';
import { runAgainRow } from './jobControls.js';
import { tellStored } from './responder.js';

/** Tells each member their request was closed. Never throws; one member's failure does not stop the others. */
export async function tellRecoveredUsers(client: Client, recovered: readonly RecoveredJob[]): Promise<void> {
  // A member whose image was delivered before the process died is not told again: tellStored() finds
  // it on the original reply and leaves it alone.
  for (const { row, wasRunning } of recovered) {
    try {
      const locale = localeFromDiscord(row.locale);
      const mention = `<@${row.userId}>`;
      const content = pick(wasRunning ? queueText.recoveredInterrupted({ mention }) : queueText.recoveredNotStarted({ mention }), locale);
      const components = row.usageId === null ? [] : [runAgainRow(row.usageId, locale).toJSON()];
      const via = await tellStored(client, { interactionId: row.interactionId, applicationId: row.applicationId, token: row.interactionToken, channelId: row.channelId, userId: row.userId }, { content, components });
      log.info('told a user about a request closed by the restart', { job: row.id, via });
    } catch (error) {
      log.warn('could not tell a user about a request closed by the restart', { job: row.id, ...describeDiscordError(error) });
    }
  }
}

/**
 * Tells the members of requests closed with no job row (their process died around Discord's
 * acknowledgement; records.closeOrphans), through their reply only: if the deferral never reached
 * Discord, the member already saw that the application did not respond, and a later channel post
 * about a request they may have sent again would only confuse. Never throws.
 */
export async function tellUnrecordedUsers(client: Client, notices: readonly OrphanNotice[]): Promise<void> {
  for (const { key, userId, reply } of notices) {
    try {
      const content = pick(queueText.recoveredUnrecorded({ mention: `<@${userId}>` }), localeFromDiscord(reply.locale));
      // An enhancement's key is its interaction id with a suffix; the token's clock reads the id.
      const target = { interactionId: interactionOfKey(key), applicationId: reply.applicationId, token: reply.token, channelId: null, userId };
      const via = await tellStored(client, target, { content, components: [] }, { replyOnly: true });
      if (via === 'not told') log.info('could not edit the reply of a request closed before it was recorded (Discord may never have seen it acknowledged)', { interaction: key });
      else log.info('told a user about a request closed before it was recorded', { interaction: key, via });
    } catch (error) {
      log.warn('could not tell a user about a request closed before it was recorded', { interaction: key, ...describeDiscordError(error) });
    }
  }
}
