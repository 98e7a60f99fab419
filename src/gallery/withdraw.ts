// Deleting an image (its Delete button, or a moderator's Delete on a report) takes it out of the
// gallery too: the gallery post is deleted and the share marked removed, which also hides it from
// /gallery top. Best effort and never throws: the deletion the member asked for already happened.
import { DiscordAPIError, Routes, type Client } from 'discord.js';
import type { BotContext } from '../discord/context.js';
import { describeDiscordError } from '../discord/discordErrors.js';
import { log } from '../log.js';

/** Unknown Message / Unknown Channel: already gone, which is what was wanted. */
function isGone(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.status === 404 || Number(error.code) === 10008 || Number(error.code) === 10003);
}

/** True when the image has no gallery post left (or never had one). */
export async function withdrawFromGallery(ctx: BotContext, client: Client, usageId: number): Promise<boolean> {
  try {
    const post = ctx.gallery.postOf(usageId);
    if (!post || post.removedAt !== null) return true;
    if (post.messageId) {
      try {
        await client.rest.delete(Routes.channelMessage(post.channelId, post.messageId));
      } catch (error) {
        if (!isGone(error)) {
          // Left unmarked, so the post is still known to be there; a moderator can delete it by hand.
          log.warn('could not remove a gallery post', { generationId: usageId, channelId: post.channelId, ...describeDiscordError(error) });
          return false;
        }
      }
    }
    // A share still on its way (no message yet) is marked too: it removes its own post when it lands.
    ctx.gallery.markRemoved(usageId);
    return true;
  } catch (error) {
    log.warn('could not withdraw an image from the gallery', { generationId: usageId, ...describeDiscordError(error) });
    return false;
  }
}
