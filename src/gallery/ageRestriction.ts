// Whether an image counts as age-restricted: it was made in an age-restricted (NSFW) channel, or in
// a thread of one. Such images may only go to the server's age-restricted gallery and are listed
// only where age-restricted content may be shown. When the channel cannot be read, the answer is
// "restricted": a wrong "no" would put an NSFW image in an ordinary channel, a wrong "yes" only
// asks for the age-restricted gallery.
import type { Channel, Client } from 'discord.js';
import { describeDiscordError } from '../discord/discordErrors.js';
import { log } from '../log.js';

/** Discord's own flag on a channel; a thread takes its parent's. Undefined when it cannot tell. */
export function channelNsfwFlag(channel: Channel | null): boolean | undefined {
  if (!channel) return undefined;
  if (channel.isThread()) return channel.parent ? channel.parent.nsfw === true : undefined;
  return 'nsfw' in channel ? channel.nsfw === true : false;
}

export async function isAgeRestrictedChannel(client: Client, channelId: string | null): Promise<boolean> {
  if (!channelId) return true;
  try {
    // From the cache when the gateway already told the bot about the channel (the usual case).
    const channel = await client.channels.fetch(channelId);
    if (channel?.isThread() && !channel.parent && channel.parentId) await client.channels.fetch(channel.parentId);
    return channelNsfwFlag(channel) ?? true;
  } catch (error) {
    log.warn('could not read a channel to tell whether it is age-restricted', { channelId, ...describeDiscordError(error) });
    return true;
  }
}
