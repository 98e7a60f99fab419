// Posting to a channel of the server's choosing: the log channel (set by admins: policy changes,
// blocked prompts, budget warnings, reports) and the gallery channels. Best effort: a missing or
// forbidden channel never fails user work; the result says whether the post arrived, for callers
// (reports, shares, /imagine-admin logchannel set) that must tell the member it did not.
import type { Client, Message, SendableChannels } from 'discord.js';
import { log } from '../log.js';
import type { BotContext } from './context.js';
import { describeDiscordError } from './discordErrors.js';

/** What the bot posts to a channel; mentions are always off (`allowedMentions` is set here). */
export interface ChannelMessage {
  content?: string;
  embeds?: unknown[];
  files?: unknown[];
  components?: unknown[];
}

/** The channel, when the bot can see it and post there; undefined (logged) otherwise. */
export async function sendableChannel(client: Client, channelId: string, what = 'the log channel'): Promise<SendableChannels | undefined> {
  try {
    const channel = await client.channels.fetch(channelId);
    return channel?.isSendable() ? channel : undefined;
  } catch (error) {
    log.warn(`could not read ${what}`, { channelId, ...describeDiscordError(error) });
    return undefined;
  }
}

/** Sends to one channel; undefined when Discord refused (missing access, unknown channel). Never throws. */
export async function sendToChannel(client: Client, channelId: string, message: ChannelMessage, what = 'the log channel'): Promise<Message | undefined> {
  try {
    const channel = await client.channels.fetch(channelId);
    if (!channel?.isSendable()) return undefined;
    return await channel.send({ ...message, allowedMentions: { parse: [] } } as Parameters<typeof channel.send>[0]);
  } catch (error) {
    log.warn(`could not post to ${what}`, { channelId, ...describeDiscordError(error) });
    return undefined;
  }
}

/** Posts to the server's log channel, when one is set. Never throws. */
export async function postToLogChannel(ctx: BotContext, client: Client, guildId: string | null, message: ChannelMessage): Promise<boolean> {
  if (!guildId) return false;
  try {
    const channelId = ctx.policies.get(guildId).logChannelId;
    if (!channelId) return false;
    return (await sendToChannel(client, channelId, message)) !== undefined;
  } catch (error) {
    log.warn('could not post to the log channel', { guildId, ...describeDiscordError(error) });
    return false;
  }
}
