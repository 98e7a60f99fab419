// Deleting an image (its Delete button, or a moderator's Delete on a report) takes it out of the
// gallery too: the gallery post is deleted and the share marked removed, which also hides it from
// /gallery top. Best effort and never throws: the deletion the member asked for already happened.
import { Routes, type Client } from 'discord.js';
import type { BotContext } from '../discord/context.js';
import { describeDiscordError, isUnknownMessage } from '../discord/discordErrors.js';
import { log } from '../log.js';

/** Where a gallery post is. */
export interface PostAddress {
  channelId: string;
  messageId: string;
}

/**
 * Deletes this gallery post and marks the share removed; true when the post is gone (now or before).
 * A share that lands after its image was deleted removes its own post with it: the deletion found
 * the share still on its way, marked it, and had no message to delete.
 */
export async function removeGalleryPost(ctx: BotContext, client: Client, usageId: number, post: PostAddress): Promise<boolean> {
  try {
    try {
      await client.rest.delete(Routes.channelMessage(post.channelId, post.messageId));
    } catch (error) {
      if (!isUnknownMessage(error)) {
        // Left unmarked, so the post is still known to be there; a moderator can delete it by hand.
        log.warn('could not remove a gallery post', { generationId: usageId, channelId: post.channelId, ...describeDiscordError(error) });
        return false;
      }
    }
    ctx.gallery.markRemoved(usageId);
    return true;
  } catch (error) {
    log.warn('could not withdraw an image from the gallery', { generationId: usageId, ...describeDiscordError(error) });
    return false;
  }
}

/** True when the image has no gallery post left (or never had one). */
export async function withdrawFromGallery(ctx: BotContext, client: Client, usageId: number): Promise<boolean> {
  try {
    const post = ctx.gallery.postOf(usageId);
    if (!post || post.removedAt !== null) return true;
    if (post.messageId) return await removeGalleryPost(ctx, client, usageId, { channelId: post.channelId, messageId: post.messageId });
    // A share still on its way (no message yet) is marked too: it removes its own post when it lands.
    ctx.gallery.markRemoved(usageId);
    return true;
  } catch (error) {
    log.warn('could not withdraw an image from the gallery', { generationId: usageId, ...describeDiscordError(error) });
    return false;
  }
}
