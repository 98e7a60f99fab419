// Discord API JSON shapes (v10) for the objects the fake hands to discord.js. discord.js reads many
// fields without checking for them (e.g. `member.joined_at`, `message.author`, `role.permissions`), so
// these carry the full set a real gateway/REST answer has, not just what the bot looks at.
import type { StoredChannel } from './store.js';
import type { FakeAttachment, FakeMessage, FakeUser } from './types.js';

const bit = (n: number): bigint => 1n << BigInt(n);

/** ADD_REACTIONS, VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS, ATTACH_FILES, READ_MESSAGE_HISTORY,
 * USE_EXTERNAL_EMOJIS, USE_APPLICATION_COMMANDS, SEND_MESSAGES_IN_THREADS, USE_EXTERNAL_APPS:
 * an ordinary member, no moderation or administrator rights. */
export const DEFAULT_MEMBER_PERMISSIONS = [6, 10, 11, 14, 15, 16, 18, 31, 38, 50]
  .reduce((acc, n) => acc | bit(n), 0n)
  .toString();

/** What the bot's managed role grants: enough to post messages with embeds and files. */
export const DEFAULT_APP_PERMISSIONS = [6, 10, 11, 14, 15, 16, 18, 31, 38].reduce((acc, n) => acc | bit(n), 0n).toString();

/** In DMs Discord reports the permissions a DM implies. */
export const DM_PERMISSIONS = [6, 10, 11, 14, 15, 16, 18, 31].reduce((acc, n) => acc | bit(n), 0n).toString();

/** The bot in one guild: the application's ids and the guild's (the fake holds one World per guild). */
export interface World {
  applicationId: string;
  botUser: FakeUser;
  guildId: string;
  guildName: string;
  ownerId: string;
  botRoleId: string;
  /** An ordinary role members can hold (for role-based settings such as quota overrides). */
  memberRoleId: string;
  /** fake-clock ms when the bot "joined" the guild */
  joinedAt: number;
  /** the guild's text channel and its age-restricted one */
  channelId: string;
  nsfwChannelId: string;
}

export function userJson(user: FakeUser, bot = false): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    discriminator: '0',
    global_name: user.global_name ?? null,
    avatar: null,
    avatar_decoration_data: null,
    public_flags: 0,
    flags: 0,
    ...(bot ? { bot: true, verified: true, mfa_enabled: false, system: false } : {}),
  };
}

export function memberJson(
  user: FakeUser,
  options: { roles: string[]; joinedAt: number; permissions?: string; bot?: boolean },
): Record<string, unknown> {
  return {
    user: userJson(user, options.bot ?? false),
    nick: null,
    avatar: null,
    banner: null,
    roles: options.roles,
    joined_at: new Date(options.joinedAt).toISOString(),
    premium_since: null,
    deaf: false,
    mute: false,
    flags: 0,
    pending: false,
    communication_disabled_until: null,
    ...(options.permissions === undefined ? {} : { permissions: options.permissions }),
  };
}

export function channelJson(channel: StoredChannel, extra: Record<string, unknown> = {}): Record<string, unknown> {
  if (channel.type === 1) {
    return {
      id: channel.id,
      type: 1,
      last_message_id: null,
      flags: 0,
      recipients: channel.recipient ? [userJson(channel.recipient)] : [],
      ...extra,
    };
  }
  return {
    id: channel.id,
    type: 0,
    guild_id: channel.guild_id,
    name: channel.name ?? 'channel',
    position: channel.position ?? 0,
    permission_overwrites: [],
    nsfw: channel.nsfw,
    topic: null,
    last_message_id: null,
    parent_id: null,
    rate_limit_per_user: 0,
    flags: 0,
    ...extra,
  };
}

function roleJson(id: string, name: string, position: number, permissions: string, managedBy?: string): Record<string, unknown> {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions,
    managed: managedBy !== undefined,
    mentionable: false,
    flags: 0,
    ...(managedBy === undefined ? {} : { tags: { bot_id: managedBy } }),
  };
}

/** The GUILD_CREATE the gateway sends after READY (the bot is a member with its managed role). */
export function guildCreateJson(world: World, channels: StoredChannel[]): Record<string, unknown> {
  const joined = new Date(world.joinedAt).toISOString();
  return {
    id: world.guildId,
    name: world.guildName,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: world.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: 'en-US',
    features: [],
    application_id: null,
    system_channel_id: channels[0]?.id ?? null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    max_members: 500000,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    roles: [
      // @everyone has the guild's id, as on Discord.
      roleJson(world.guildId, '@everyone', 0, DEFAULT_MEMBER_PERMISSIONS),
      roleJson(world.botRoleId, world.botUser.username, 1, DEFAULT_APP_PERMISSIONS, world.botUser.id),
      roleJson(world.memberRoleId, 'Booster', 2, '0'),
    ],
    emojis: [],
    stickers: [],
    joined_at: joined,
    large: false,
    unavailable: false,
    lazy: true,
    member_count: 2,
    voice_states: [],
    members: [memberJson(world.botUser, { roles: [world.botRoleId], joinedAt: world.joinedAt, bot: true })],
    channels: channels.map((c) => channelJson(c)),
    threads: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    embedded_activities: [],
    incidents_data: null,
  };
}

export function attachmentJson(attachment: FakeAttachment): Record<string, unknown> {
  return {
    id: attachment.id,
    filename: attachment.filename,
    size: attachment.size,
    url: attachment.url,
    proxy_url: attachment.url,
    ...(attachment.width === undefined ? {} : { width: attachment.width, height: attachment.height }),
    ...(attachment.content_type ? { content_type: attachment.content_type } : {}),
    ...(attachment.description ? { description: attachment.description } : {}),
  };
}

export function messageJson(message: FakeMessage, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: message.id,
    channel_id: message.channel_id,
    ...(message.guild_id ? { guild_id: message.guild_id } : {}),
    type: message.type,
    content: message.content,
    author: userJson(message.author, true),
    timestamp: new Date(message.created_at).toISOString(),
    edited_timestamp: message.edited_at === null ? null : new Date(message.edited_at).toISOString(),
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: message.attachments.map(attachmentJson),
    embeds: message.embeds,
    components: message.components,
    pinned: false,
    flags: message.flags,
    ...(message.webhook_id ? { webhook_id: message.webhook_id, application_id: message.webhook_id } : {}),
    ...extra,
  };
}
