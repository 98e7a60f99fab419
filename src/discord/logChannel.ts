// The server's log channel (set by admins): policy changes, blocked prompts, budget warnings,
// reports. Posting there is best effort: a missing or forbidden channel never fails user work; the
// boolean says whether it arrived, for callers (reports) that must tell the user it did not.
import type { Client } from 'discord.js';
import { log } from '../log.js';
import type { BotContext } from './context.js';
import { describeDiscordError } from './discordErrors.js';

export async function postToLogChannel(
  ctx: BotContext,
  client: Client,
  guildId: string | null,
  message: { content?: string; embeds?: unknown[]; files?: unknown[]; components?: unknown[] },
): Promise<boolean> {
  if (!guildId) return false;
  const channelId = ctx.policies.get(guildId).logChannelId;
  if (!channelId) return false;
  try {
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isSendable()) return false;
    await channel.send({ ...message, allowedMentions: { parse: [] } } as Parameters<typeof channel.send>[0]);
    return true;
  } catch (error) {
    log.warn('could not post to the log channel', { guildId, channelId, ...describeDiscordError(error) });
    return false;
  }
}
