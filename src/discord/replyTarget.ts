// What answering a member needs of their interaction, and nothing more: the live interaction that
// discord.js hands a handler satisfies it as it is; a StoredInteraction (storedInteraction.ts) does
// too, rebuilt from a job row in a process that never saw the interaction (shared mode). The
// reporter (discordReporter.ts) and the delivery routes (delivery.ts) take this, so one code path
// shows a result whichever process runs the job.
import type { Channel, InteractionEditReplyOptions, Message, MessageCreateOptions } from 'discord.js';

export interface ReplyTarget {
  /** The interaction id: the request's key, and its token's clock (tokenClock.ts). */
  readonly id: string;
  /** The member's Discord locale (`en-US`, `zh-CN` …). */
  readonly locale: string;
  /** Null in DMs. */
  readonly guildId: string | null;
  readonly channelId: string | null;
  /** The largest upload the reply takes; 0 when unknown (the default limit then). */
  readonly attachmentSizeLimit: number;
  /** The member: their id for mentions, and a DM, the last route. */
  readonly user: { readonly id: string; send(options: MessageCreateOptions): Promise<Message> };
  /** The channel when at hand; null makes delivery fetch it by channelId. */
  readonly channel: Channel | null;
  readonly client: { readonly channels: { fetch(id: string): Promise<Channel | null> } };
  /** Edits the deferred reply (`@original`) through the interaction token. */
  editReply(options: InteractionEditReplyOptions): Promise<Message>;
}
