// Creating and editing messages with Discord's semantics, shared by the channel routes, interaction
// callbacks and webhook-token routes: per-file size limit (413/40005), at most 10 attachments,
// `attachments` on edit keeps only the listed existing files, an empty result is refused (50006).
import { DiscordError, errors, formError } from './http.js';
import { imageSize } from './imageSize.js';
import type { UploadedFile } from './multipart.js';
import { messageJson, userJson } from './payloads.js';
import type { FakeStore, InteractionRecord, StoredChannel } from './store.js';
import type { FakeAttachment, FakeMessage, FakeUser } from './types.js';
import { validateMessagePayload } from './validate.js';

export const EPHEMERAL = 1 << 6;
export const LOADING = 1 << 7;
const SUPPRESS_EMBEDS = 1 << 2;
const SUPPRESS_NOTIFICATIONS = 1 << 12;
const IS_COMPONENTS_V2 = 1 << 15;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface MessageWorld {
  store: FakeStore;
  origin: string;
}

export function asPayload(payload: unknown): Obj {
  if (payload === undefined) return {};
  if (!isObj(payload)) throw new DiscordError(400, 50035, 'Invalid Form Body');
  return payload;
}

function newAttachment(world: MessageWorld, channelId: string, file: UploadedFile, entry: Obj | undefined): FakeAttachment {
  const id = world.store.ids.next();
  const filename = typeof entry?.filename === 'string' && entry.filename ? entry.filename : file.filename;
  const attachment: FakeAttachment = {
    id,
    filename,
    size: file.bytes.length,
    url: `${world.origin}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`,
    bytes: file.bytes,
    ...imageSize(file.bytes),
    ...(file.contentType ? { content_type: file.contentType } : {}),
    ...(typeof entry?.description === 'string' ? { description: entry.description } : {}),
  };
  world.store.attachments.set(id, attachment);
  return attachment;
}

/**
 * The message's attachments after this request. New files are matched to `attachments[].id` by their
 * `files[n]` index; existing ones survive only when listed (v10), or all of them when `attachments`
 * is absent.
 */
function resolveAttachments(
  world: MessageWorld,
  channelId: string,
  payload: Obj,
  files: UploadedFile[],
  limit: number,
  existing: FakeAttachment[],
): FakeAttachment[] {
  for (const file of files) if (file.bytes.length > limit) throw errors.tooLarge();
  const listed = payload.attachments;
  const used = new Set<number>();
  const result: FakeAttachment[] = [];
  if (Array.isArray(listed)) {
    for (const entry of listed) {
      if (!isObj(entry)) continue;
      const id = String(entry.id);
      const file = files.find((f) => String(f.index) === id && !used.has(f.index));
      if (file) {
        used.add(file.index);
        result.push(newAttachment(world, channelId, file, entry));
        continue;
      }
      const kept = existing.find((a) => a.id === id);
      if (kept) result.push(kept);
    }
  } else if (listed === undefined) {
    result.push(...existing);
  }
  for (const file of files) if (!used.has(file.index)) result.push(newAttachment(world, channelId, file, undefined));
  if (result.length > 10) throw formError('attachments', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  return result;
}

function isEmpty(message: FakeMessage): boolean {
  return !message.content && message.embeds.length === 0 && message.attachments.length === 0 && message.components.length === 0;
}

export interface CreateOptions {
  channel: StoredChannel;
  payload: Obj;
  files: UploadedFile[];
  limit: number;
  author: FakeUser;
  /** which of the requested flags this route lets the caller set */
  allowedFlags: number;
  type: number;
  interaction?: InteractionRecord;
  /** flags forced on regardless of the payload (e.g. a deferral's ephemeral state) */
  forcedFlags?: number;
}

export function createMessage(world: MessageWorld, options: CreateOptions): FakeMessage {
  const { payload, channel } = options;
  const requested = typeof payload.flags === 'number' ? payload.flags : 0;
  const flags = (requested & options.allowedFlags) | (options.forcedFlags ?? 0);
  validateMessagePayload(payload, flags);
  const now = world.store.now();
  const message: FakeMessage = {
    id: world.store.ids.next(),
    channel_id: channel.id,
    ...(channel.guild_id ? { guild_id: channel.guild_id } : {}),
    type: options.type,
    content: typeof payload.content === 'string' ? payload.content : '',
    embeds: Array.isArray(payload.embeds) ? payload.embeds : [],
    components: Array.isArray(payload.components) ? payload.components : [],
    attachments: [],
    author: options.author,
    flags,
    edits: 0,
    deleted: false,
    created_at: now,
    edited_at: null,
    ...(payload.allowed_mentions === undefined ? {} : { allowed_mentions: payload.allowed_mentions }),
    ...(options.interaction
      ? { interaction_token: options.interaction.token, interaction_id: options.interaction.id, webhook_id: options.interaction.payload.application_id as string }
      : {}),
  };
  message.attachments = resolveAttachments(world, channel.id, payload, options.files, options.limit, []);
  if (isEmpty(message)) throw errors.emptyMessage();
  world.store.messages.set(message.id, message);
  world.store.changed();
  return message;
}

/** A deferral's placeholder: empty, flagged LOADING until the first edit (or first follow-up). */
export function createLoadingMessage(world: MessageWorld, channel: StoredChannel, author: FakeUser, interaction: InteractionRecord, ephemeral: boolean): FakeMessage {
  const message: FakeMessage = {
    id: world.store.ids.next(),
    channel_id: channel.id,
    ...(channel.guild_id ? { guild_id: channel.guild_id } : {}),
    type: interaction.responseMessageType,
    content: '',
    embeds: [],
    components: [],
    attachments: [],
    author,
    flags: LOADING | (ephemeral ? EPHEMERAL : 0),
    edits: 0,
    deleted: false,
    created_at: world.store.now(),
    edited_at: null,
    interaction_token: interaction.token,
    interaction_id: interaction.id,
    webhook_id: interaction.payload.application_id as string,
  };
  world.store.messages.set(message.id, message);
  world.store.changed();
  return message;
}

export function editMessage(world: MessageWorld, message: FakeMessage, payload: Obj, files: UploadedFile[], limit: number): FakeMessage {
  // Ephemeral and loading are fixed by the original response; only these can change on edit.
  let flags = message.flags & ~LOADING;
  if (typeof payload.flags === 'number') {
    flags = (flags & ~SUPPRESS_EMBEDS) | (payload.flags & SUPPRESS_EMBEDS) | (payload.flags & IS_COMPONENTS_V2);
  }
  validateMessagePayload(payload, flags);
  const attachments = resolveAttachments(world, message.channel_id, payload, files, limit, message.attachments);
  const next: FakeMessage = {
    ...message,
    flags,
    attachments,
    ...('content' in payload ? { content: typeof payload.content === 'string' ? payload.content : '' } : {}),
    ...('embeds' in payload ? { embeds: Array.isArray(payload.embeds) ? payload.embeds : [] } : {}),
    ...('components' in payload ? { components: Array.isArray(payload.components) ? payload.components : [] } : {}),
    ...('allowed_mentions' in payload ? { allowed_mentions: payload.allowed_mentions } : {}),
  };
  if (isEmpty(next)) throw errors.emptyMessage();
  Object.assign(message, next, { edits: message.edits + 1, edited_at: world.store.now() });
  world.store.changed();
  return message;
}

export function deleteMessage(world: MessageWorld, message: FakeMessage): void {
  message.deleted = true;
  world.store.changed();
}

/** Channel-route flags a bot may set; interaction responses may also ask for EPHEMERAL. */
export const CHANNEL_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2;
export const INTERACTION_FLAGS = CHANNEL_FLAGS | EPHEMERAL;

/** Message JSON plus `interaction_metadata` for messages created through an interaction. */
export function serializeMessage(store: FakeStore, message: FakeMessage): Obj {
  const record = message.interaction_id ? store.interactions.get(message.interaction_id) : undefined;
  if (!record) return messageJson(message);
  const data = isObj(record.payload.data) ? record.payload.data : {};
  return messageJson(message, {
    interaction_metadata: {
      id: record.id,
      type: record.type,
      user: userJson(record.user),
      authorizing_integration_owners: record.payload.authorizing_integration_owners ?? {},
      ...(record.type === 2 && typeof data.name === 'string' ? { name: data.name, command_type: data.type ?? 1 } : {}),
      ...(record.originalMessageId && record.originalMessageId !== message.id ? { original_response_message_id: record.originalMessageId } : {}),
      ...(record.sourceMessageId ? { interacted_message_id: record.sourceMessageId } : {}),
    },
  });
}
