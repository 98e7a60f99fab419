// Deleting a result, as the requester's Delete button and a moderator's Delete on a report both do:
// the message goes (through the REST route: the channel need not be in the client's cache, and in
// a DM it never is), the usage row is stamped deleted (it stays for the accounting), and the image
// leaves the gallery. A message someone already deleted by hand counts as deleted: the row must
// still say so. It lives in gallery/, not discord/, because it withdraws the gallery post: gallery/
// sits above the Discord adapter, which never imports it.
import { Routes, type Client } from 'discord.js';
import type { BotContext } from '../discord/context.js';
import { describeDiscordError, isUnknownMessage } from '../discord/discordErrors.js';
import { log } from '../log.js';
import type { UsageRow } from '../storage/index.js';
import { withdrawFromGallery } from './withdraw.js';

/** Where the result message is. */
export interface ResultMessageAddress {
  channelId: string;
  messageId: string;
}

/** `deleted`: the bot deleted it now; `gone`: it was already gone; `failed`: Discord refused, nothing changed. */
export type DeleteOutcome = 'deleted' | 'gone' | 'failed';

export async function deleteResult(ctx: BotContext, client: Client, row: UsageRow, target: ResultMessageAddress): Promise<DeleteOutcome> {
  let outcome: DeleteOutcome = 'deleted';
  try {
    await client.rest.delete(Routes.channelMessage(target.channelId, target.messageId));
  } catch (error) {
    if (!isUnknownMessage(error)) {
      log.warn('deleting a result failed', { generationId: row.id, ...describeDiscordError(error) });
      return 'failed';
    }
    outcome = 'gone';
  }
  ctx.usage.markDeleted(row.id);
  // Out of the gallery too (its post is deleted; /history and /gallery top already skip the row).
  await withdrawFromGallery(ctx, client, row.id);
  return outcome;
}
