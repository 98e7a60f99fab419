// The public surface of the Discord fake: what tests and `npm run demo` program against.
// Field names of messages and users follow Discord's JSON (snake_case) so assertions read like the API.

export interface DiscordFakeOptions {
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (any free port) */
  port?: number;
  /** the bot token the fake accepts; a random one when omitted */
  token?: string;
  /** per-file upload limit in bytes for channel messages and the default for interactions; default 10 MiB */
  attachmentSizeLimit?: number;
  /** controllable clock (ms) for snowflake timestamps and the 15-minute token lifetime; default Date.now */
  now?: () => number;
  /** how long after dispatch (real time) the first callback is accepted; default 3000 */
  ackDeadlineMs?: number;
  /** interaction token lifetime, counted on `now` from the interaction's creation time; default 15 minutes */
  tokenLifetimeMs?: number;
  /**
   * how many guilds the bot is in; default 1. Their ids are a millisecond apart, so Discord's
   * `(guild_id >> 22) % num_shards` deals them round-robin over the shards of a sharded client.
   */
  guilds?: number;
  /** the recommended shard count `GET /gateway/bot` returns (what `shards: 'auto'` runs); default 1 */
  shards?: number;
  /** `session_start_limit.max_concurrency`: shards that may IDENTIFY per 5 s; default 1, as for most bots */
  maxConcurrency?: number;
  /** an IDENTIFY whose shard would own more guilds than this is closed with 4011; default 2500, as on Discord */
  maxGuildsPerShard?: number;
  /** large bot sharding: a `num_shards` that is not a multiple of this is closed with 4010; default none */
  shardMultiple?: number;
}

/** A guild the bot is in, with its text channel and its age-restricted one. */
export interface FakeGuild {
  id: string;
  name: string;
  channelId: string;
  nsfwChannelId: string;
  memberRoleId: string;
}

/** A gateway session the fake holds: connected, or away and resumable. */
export interface FakeGatewaySession {
  /** `[shard_id, num_shards]` from its IDENTIFY (`[0, 1]` when it sent none) */
  shard: [number, number];
  /** connected and past READY (or RESUMED) on its current socket */
  connected: boolean;
  /** the guilds whose events it receives */
  guildIds: string[];
}

export interface FakeUser {
  id: string;
  username: string;
  global_name?: string;
}

export interface InteractOption {
  name: string;
  type: number;
  value?: unknown;
  focused?: boolean;
  /** sub-command (group) options */
  options?: InteractOption[];
}

export interface InteractOptions {
  /** command name (types 2 and 4) */
  name: string;
  /** interaction type: 2 APPLICATION_COMMAND (default), 3 MESSAGE_COMPONENT, 4 AUTOCOMPLETE, 5 MODAL_SUBMIT */
  type?: 2 | 3 | 4 | 5;
  /** application command type for type 2/4: 1 chat input (default), 2 user, 3 message context menu */
  commandType?: 1 | 2 | 3;
  options?: InteractOption[];
  user?: FakeUser;
  /** e.g. 'zh-CN'; default 'en-US' */
  locale?: string;
  /** default: the fake's first guild (another of `fake.guilds` by id); null = the bot's DM with the user */
  guildId?: string | null;
  /** default: the guild's text channel */
  channelId?: string;
  /** use the age-restricted channel (ignored when channelId is given) */
  nsfwChannel?: boolean;
  /** the member's permission bitfield as a decimal string */
  memberPermissions?: string;
  roles?: string[];
  attachmentSizeLimit?: number;
  /** ms; the interaction id's snowflake timestamp (the token's age counts from it); default now() */
  createdAt?: number;
  resolved?: unknown;
  targetId?: string;
  /** type 3 only: the message carrying the component and the component's custom_id */
  message?: FakeMessage;
  customId?: string;
  /** type 5 only: text input values by custom_id */
  values?: Record<string, string>;
}

/** Options shared by clickButton and submitModal; they default to the default user, en-US. */
export interface ComponentInteractOptions {
  user?: FakeUser;
  locale?: string;
  memberPermissions?: string;
  roles?: string[];
  attachmentSizeLimit?: number;
  createdAt?: number;
}

export interface SubmitModalOptions extends ComponentInteractOptions {
  /** the message the modal was opened from (enables callback types 6/7); taken from the opener when omitted */
  message?: FakeMessage;
  guildId?: string | null;
  channelId?: string;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  content_type?: string;
  description?: string;
  url: string;
  bytes: Buffer;
  /** pixels, for an image Discord could read (what its attachment object states) */
  width?: number;
  height?: number;
}

export interface FakeMessage {
  id: string;
  channel_id: string;
  guild_id?: string;
  /** Discord message type: 0 default, 20 chat-input command response */
  type: number;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: FakeAttachment[];
  author: FakeUser;
  /** 64 ephemeral, 128 loading (a deferral not yet edited), 4 suppress embeds, 4096 silent */
  flags: number;
  /** how many times the message was changed after it was created */
  edits: number;
  deleted: boolean;
  /** set when the message was created through an interaction (callback, @original or follow-up) */
  interaction_token?: string;
  interaction_id?: string;
  webhook_id?: string;
  allowed_mentions?: unknown;
  /** ms on the fake's clock */
  created_at: number;
  edited_at: number | null;
}

export interface InteractionCallbackRecord {
  type: number;
  data?: unknown;
  /** real time (Date.now()) when the fake accepted it */
  at: number;
}

export interface InteractionState {
  original?: FakeMessage;
  followups: FakeMessage[];
  /** bot messages posted through the bot token to the interaction's channel since the dispatch */
  channelMessages: FakeMessage[];
  /** bot messages in the user's DM channel since the dispatch */
  dms: FakeMessage[];
}

export interface InteractionHandle {
  id: string;
  token: string;
  /** interaction type (2, 3, 4, 5) */
  type: number;
  user: FakeUser;
  channelId: string;
  guildId: string | null;
  /** the payload dispatched as INTERACTION_CREATE */
  payload: Record<string, unknown>;
  /** live list of accepted callbacks */
  callbacks: InteractionCallbackRecord[];
  /** resolves with the first callback (e.g. type 5 deferral); rejects after timeoutMs (default 5000) */
  waitForCallback(timeoutMs?: number): Promise<InteractionCallbackRecord>;
  /** the @original message as it stands now (undefined before a callback that creates it) */
  original(): FakeMessage | undefined;
  followups(): FakeMessage[];
  state(): InteractionState;
  /** resolves when predicate(state) is true; re-evaluated on every change of the fake; default timeout 10000 */
  waitFor(predicate: (state: InteractionState) => boolean, timeoutMs?: number): Promise<void>;
  /** real time (Date.now()) of the dispatch; the ack deadline counts from it */
  dispatchedAt: number;
  /** ms on the fake's clock; the snowflake timestamp of `id` */
  createdAt: number;
  /** `[shard_id, num_shards]` of the gateway session it was dispatched on (the shard owning its guild; DMs: 0) */
  shard: [number, number];
}

export interface RequestRecord {
  method: string;
  /** path without the /api/vN prefix, without the query */
  path: string;
  query: string;
  status: number;
  /** real time (Date.now()) */
  at: number;
  /** parsed JSON body or payload_json, when there was one */
  payload?: unknown;
  /** uploaded files (name and size) of a multipart request */
  files?: Array<{ name: string; size: number }>;
}

export interface FailMatch {
  method?: string;
  /** tested against the path without the /api/vN prefix and against the full path */
  path?: RegExp;
  /** let this many matching requests through before failing (e.g. 1: spare a status edit, fail the delivery) */
  after?: number;
}

export interface FailResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface DropGatewayOptions {
  /** keep the session so the client can RESUME (default false: the resume is refused and it re-identifies) */
  resumable?: boolean;
  /** drop the newest session of this shard id (default: the newest session of any shard) */
  shard?: number;
}

export interface DiscordFake {
  /** http://127.0.0.1:PORT/api (what DISCORD_API_BASE_URL gets) */
  apiBase: string;
  origin: string;
  gatewayUrl: string;
  token: string;
  applicationId: string;
  botUser: FakeUser;
  /** the first guild's id, text channel and age-restricted channel */
  guildId: string;
  channelId: string;
  nsfwChannelId: string;
  /** A role in the guild that members can be given (`interact({ roles: [memberRoleId] })`). */
  memberRoleId: string;
  /** every guild the bot is in (option `guilds`), the first one first */
  guilds: FakeGuild[];
  defaultUser: FakeUser;
  /**
   * resolves when every guild, and shard 0 (DMs), has a connected session that IDENTIFYed (or
   * resumed) and received READY + GUILD_CREATE: for a sharded client, once all its shards are up
   */
  waitForReady(timeoutMs?: number): Promise<void>;
  /** how many times a client has IDENTIFYed */
  identifyCount(): number;
  /** the gateway sessions that are connected or resumable, oldest first */
  gatewaySessions(): FakeGatewaySession[];
  interact(options: InteractOptions): InteractionHandle;
  /** a button click (type 3 MESSAGE_COMPONENT, component_type 2) on a message */
  clickButton(message: FakeMessage, customId: string, opts?: ComponentInteractOptions): InteractionHandle;
  /**
   * a choice in a string select menu on a message (type 3 MESSAGE_COMPONENT, component_type 3, the
   * chosen options' `values`); refused like the Discord client would: an unknown or disabled menu,
   * a value it does not offer, fewer than min_values or more than max_values
   */
  chooseOption(message: FakeMessage, customId: string, values: string[], opts?: ComponentInteractOptions): InteractionHandle;
  /**
   * a modal submit (type 5). Given the handle of the interaction that answered with a modal (callback 9),
   * the modal's custom_id and fields are taken from it and `values` fill its inputs; given a custom_id
   * string, one text input per entry of `values` is sent.
   */
  submitModal(from: InteractionHandle | string, values: Record<string, string>, opts?: SubmitModalOptions): InteractionHandle;
  /** messages of a channel (default: the text channel) in creation order, deleted ones included (flagged) */
  channelMessages(channelId?: string): FakeMessage[];
  /** messages of the bot's DM channel with the user, deleted ones included (flagged) */
  dmMessages(userId: string): FakeMessage[];
  /** commands stored by the last bulk overwrite: the guild's, or the global ones when guildId is omitted */
  registeredCommands(guildId?: string): unknown[];
  requests: RequestRecord[];
  failNext(match: FailMatch, response: FailResponse, count?: number): void;
  /** hold the next matching request(s) for `delayMs` (real time), then serve them as usual: a slow CDN (`path: /^\/attachments\//`) or route */
  delayNext(match: FailMatch, delayMs: number, count?: number): void;
  /** disconnect the newest gateway session, of one shard if asked (e.g. to test a restarted bot connecting again) */
  dropGateway(options?: DropGatewayOptions): void;
  close(): Promise<void>;
}
