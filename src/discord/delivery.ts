// Gets a message to the user whatever state the interaction is in: an edit of the deferred reply
// while the token is good; otherwise (expired, unknown interaction, Discord failing) a channel
// message that mentions them; a DM where the bot cannot post in the channel. The interaction is the
// live one or one rebuilt from the job row in another process (a ReplyTarget either way).
import type { Message, MessageCreateOptions } from 'discord.js';
import { log } from '../log.js';
import { describeDiscordError, isTooLarge } from './discordErrors.js';
import type { ReplyTarget } from './replyTarget.js';
import { tokenUsable } from './tokenClock.js';

export type DeliveryPayload = Pick<MessageCreateOptions, 'embeds' | 'files' | 'components'> & { content?: string };

export interface Delivered {
  message: Message;
  via: 'reply' | 'channel' | 'dm';
}

export class DeliveryFailedError extends Error {
  constructor(readonly causes: unknown[]) {
    super('Discord refused every way to deliver the message');
    this.name = 'DeliveryFailedError';
  }
}

export class UploadTooLargeError extends Error {
  constructor(override readonly cause: unknown) {
    super('Discord refused the upload as too large');
    this.name = 'UploadTooLargeError';
  }
}

/**
 * Delivers `payload`. `fallbackPrefix` opens a channel message or DM (it mentions the user, who
 * would otherwise not notice a message that is not a reply). Throws UploadTooLargeError when
 * Discord says the files are too big (the caller re-fits and calls again).
 */
export async function deliver(
  interaction: ReplyTarget,
  payload: DeliveryPayload,
  fallbackPrefix: string,
): Promise<Delivered> {
  const causes: unknown[] = [];
  if (tokenUsable(interaction.id)) {
    try {
      const message = await interaction.editReply({ ...payload, content: payload.content ?? '', attachments: [] });
      return { message, via: 'reply' };
    } catch (error) {
      if (isTooLarge(error)) throw new UploadTooLargeError(error);
      causes.push(error);
      log.warn('editing the reply failed; posting in the channel instead', { interaction: interaction.id, ...describeDiscordError(error) });
    }
  }
  const content = [fallbackPrefix, payload.content].filter(Boolean).join('\n');
  const allowedMentions = { users: [interaction.user.id] };
  try {
    const channel = interaction.channel ?? (interaction.channelId ? await interaction.client.channels.fetch(interaction.channelId) : null);
    if (channel?.isSendable()) {
      const message = await channel.send({ ...payload, content, allowedMentions });
      return { message, via: 'channel' };
    }
  } catch (error) {
    if (isTooLarge(error)) throw new UploadTooLargeError(error);
    causes.push(error);
    log.warn('posting in the channel failed; sending a DM instead', { interaction: interaction.id, ...describeDiscordError(error) });
  }
  try {
    const message = await interaction.user.send({ ...payload, content, allowedMentions });
    return { message, via: 'dm' };
  } catch (error) {
    if (isTooLarge(error)) throw new UploadTooLargeError(error);
    causes.push(error);
    log.error('could not deliver to the user by any route', { interaction: interaction.id, ...describeDiscordError(error) });
  }
  throw new DeliveryFailedError(causes);
}
