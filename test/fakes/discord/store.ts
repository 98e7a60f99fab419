// The fake's state: users, channels, messages, interactions, commands and the request log, plus a
// change signal that the test-driver waits on (no polling timers).
import { SnowflakeGenerator } from './snowflake.js';
import type { FakeAttachment, FakeMessage, FakeUser, InteractionCallbackRecord, RequestRecord } from './types.js';

export interface StoredChannel {
  id: string;
  /** 0 guild text, 1 DM */
  type: 0 | 1;
  name?: string;
  nsfw: boolean;
  position?: number;
  guild_id?: string;
  /** DM channels: the other party */
  recipient?: FakeUser;
}

export interface InteractionRecord {
  id: string;
  token: string;
  type: number;
  /** fake-clock ms; the token lifetime counts from it */
  createdAt: number;
  /** real ms */
  dispatchedAt: number;
  ackDeadlineAt: number;
  attachmentSizeLimit: number;
  user: FakeUser;
  guildId: string | null;
  channelId: string;
  payload: Record<string, unknown>;
  callbacks: InteractionCallbackRecord[];
  /** the message `@original` refers to, once a callback established one */
  originalMessageId?: string;
  followupIds: string[];
  /** store.messages.size at dispatch: later messages are "since the dispatch" */
  messagesBefore: number;
  /** component and modal interactions: the message they came from */
  sourceMessageId?: string;
  /** message type for messages created by the initial response */
  responseMessageType: number;
  /** `[shard_id, num_shards]` of the gateway session it was dispatched on */
  shard?: [number, number];
}

export interface StoredCommand {
  id: string;
  name: string;
  type: number;
  [key: string]: unknown;
}

export class FakeStore {
  readonly ids: SnowflakeGenerator;
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, StoredChannel>();
  /** insertion order = creation order */
  readonly messages = new Map<string, FakeMessage>();
  readonly attachments = new Map<string, FakeAttachment>();
  readonly interactions = new Map<string, InteractionRecord>();
  readonly interactionsByToken = new Map<string, InteractionRecord>();
  /** key: guild id, or '' for global commands */
  readonly commands = new Map<string, StoredCommand[]>();
  readonly requests: RequestRecord[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(readonly now: () => number) {
    this.ids = new SnowflakeGenerator(now);
  }

  /** Wake everything waiting on state (waitFor, waitForCallback, waitForReady). */
  changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  rememberUser(user: FakeUser): void {
    this.users.set(user.id, user);
  }

  /** The bot's DM channel with a user: one per user, shared by DM interactions and POST /users/@me/channels. */
  dmChannelFor(user: FakeUser): StoredChannel {
    for (const channel of this.channels.values()) {
      if (channel.type === 1 && channel.recipient?.id === user.id) return channel;
    }
    const channel: StoredChannel = { id: this.ids.next(), type: 1, nsfw: false, recipient: user };
    this.channels.set(channel.id, channel);
    return channel;
  }

  messagesIn(channelId: string): FakeMessage[] {
    return [...this.messages.values()].filter((m) => m.channel_id === channelId);
  }
}

/** A copy that later changes to the stored message do not reach (attachment bytes are shared). */
export function snapshot(message: FakeMessage): FakeMessage {
  return {
    ...message,
    embeds: structuredClone(message.embeds),
    components: structuredClone(message.components),
    attachments: message.attachments.map((a) => ({ ...a })),
    author: { ...message.author },
  };
}

/**
 * Resolves with the first truthy value of `probe`, re-checked on every change of the store;
 * rejects after `timeoutMs` with `describe()` in the message so a failing test says what was missing.
 */
export function waitUntil<T>(
  store: FakeStore,
  probe: () => T | undefined | null | false,
  timeoutMs: number,
  describe: () => string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let off: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      off?.();
      if (timer) clearTimeout(timer);
    };
    const check = (): boolean => {
      try {
        const value = probe();
        if (value === undefined || value === null || value === false) return false;
        finish();
        resolve(value);
      } catch (error) {
        finish();
        reject(error instanceof Error ? error : new Error(String(error)));
      }
      return true;
    };
    if (check()) return;
    off = store.onChange(() => void check());
    timer = setTimeout(() => {
      finish();
      reject(new Error(`Discord fake: timed out after ${timeoutMs} ms waiting for ${describe()}`));
    }, timeoutMs);
  });
}
