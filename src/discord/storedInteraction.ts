// A member's interaction rebuilt from what the job table kept (shared mode): another process admitted
// the request and deferred it; this one runs it and answers through the stored interaction token with
// discord.js's InteractionWebhook (edits of `@original`: the place in line, progress, the result), and
// through the bot's REST client for the fallbacks (a channel message, a DM) once the token is too old.
// The token is good for 15 minutes from the interaction's creation, read from its id (tokenClock.ts):
// this process never saw the deferral, and needs no other clock.
import { InteractionWebhook, type Channel, type Client, type InteractionEditReplyOptions, type Message, type MessageCreateOptions } from 'discord.js';
import type { Origin } from '../generation/index.js';
import type { ReplyTarget } from './replyTarget.js';

export class StoredInteraction implements ReplyTarget {
  /**
   * Channels fetched even when their server is not on this process's shards (discord.js leaves the
   * channel of an uncached server out otherwise): the request may come from any shard.
   */
  readonly client: ReplyTarget['client'];
  readonly id: string;
  readonly locale: string;
  readonly guildId: string | null;
  readonly channelId: string | null;
  readonly attachmentSizeLimit: number;
  readonly user: ReplyTarget['user'];
  /** Never cached here: delivery fetches the channel by id when it needs it. */
  readonly channel: Channel | null = null;
  private readonly webhook: InteractionWebhook | undefined;

  constructor(client: Client<true>, origin: Origin) {
    this.client = { channels: { fetch: (id) => client.channels.fetch(id, { allowUnknownGuild: true, cache: false }) } };
    this.id = origin.requestId;
    this.locale = origin.locale;
    this.guildId = origin.guildId;
    this.channelId = origin.channelId;
    this.attachmentSizeLimit = origin.reply?.uploadLimit ?? 0;
    // The token is a credential: held inside discord.js's webhook (a non-enumerable property), never on this object.
    this.webhook = origin.reply ? new InteractionWebhook(client, origin.reply.applicationId, origin.reply.token) : undefined;
    const userId = origin.userId;
    this.user = {
      id: userId,
      send: async (options: MessageCreateOptions): Promise<Message> => (await client.users.fetch(userId)).send(options),
    };
  }

  async editReply(options: InteractionEditReplyOptions): Promise<Message> {
    if (!this.webhook) throw new Error('no stored interaction token to edit the reply with');
    return this.webhook.editMessage('@original', options);
  }
}
