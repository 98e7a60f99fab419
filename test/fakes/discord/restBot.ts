// Routes that need `Authorization: Bot <token>`: gateway discovery, the bot's user and application,
// slash-command registration (bulk overwrite keeps ids of same-named commands, as Discord does),
// channel messages, DM channels, and the guild/member lookups discord.js may make.
import { DiscordError, errors, formError, type RequestContext, type RouteResult, type Router } from './http.js';
import {
  asPayload,
  CHANNEL_FLAGS,
  createMessage,
  deleteMessage,
  editMessage,
  EPHEMERAL,
  serializeMessage,
  type MessageWorld,
} from './messages.js';
import { channelJson, DEFAULT_MEMBER_PERMISSIONS, guildCreateJson, memberJson, userJson, type World } from './payloads.js';
import type { StoredChannel, StoredCommand } from './store.js';
import type { FakeMessage } from './types.js';
import { validateCommand } from './validate.js';

export interface BotRoutesDeps extends MessageWorld {
  /** the first guild's: the application and bot user are the same in every guild */
  world: World;
  guilds: ReadonlyMap<string, World>;
  gatewayUrl: string;
  attachmentSizeLimit: number;
  guildChannels(guildId: string): StoredChannel[];
  /** what GET /gateway/bot recommends: `shards`, and `max_concurrency` of the session start limit */
  gatewayBot: { shards: number; maxConcurrency: number };
  /** IDENTIFYs so far: each one uses up a session start */
  identifyCount(): number;
}

/** Discord's daily session start allowance for a bot below large bot sharding (gateway.mdx:188). */
const SESSION_STARTS_PER_DAY = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export function registerBotRoutes(router: Router, deps: BotRoutesDeps): void {
  const { store, world } = deps;
  const guildOf = (ctx: RequestContext): World => {
    const guildWorld = deps.guilds.get(ctx.params.guild ?? '');
    if (!guildWorld) throw errors.unknownGuild();
    return guildWorld;
  };
  const bot = (method: string, path: string, handler: (ctx: RequestContext) => RouteResult): void =>
    router.add(method, path, handler, { auth: true });
  const ok = (body: unknown): RouteResult => ({ status: 200, body });

  // --- gateway discovery (developers/events/gateway.mdx:735-779 in discord/discord-api-docs@c98d64bc):
  // `shards` is the recommended count (what discord.js's `shards: 'auto'` runs); @discordjs/ws also reads
  // session_start_limit.remaining (it refuses to start more shards than that) and max_concurrency
  // (how many shards may IDENTIFY per 5 seconds).
  router.add('GET', '/gateway', () => ok({ url: deps.gatewayUrl }), { auth: false });
  bot('GET', '/gateway/bot', () =>
    ok({
      url: deps.gatewayUrl,
      shards: deps.gatewayBot.shards,
      session_start_limit: {
        total: SESSION_STARTS_PER_DAY,
        remaining: Math.max(0, SESSION_STARTS_PER_DAY - deps.identifyCount()),
        reset_after: DAY_MS,
        max_concurrency: deps.gatewayBot.maxConcurrency,
      },
    }),
  );

  // --- users
  bot('GET', '/users/@me', () => ok(userJson(world.botUser, true)));
  bot('POST', '/users/@me/channels', (ctx) => {
    const recipientId = asPayload(ctx.payload).recipient_id;
    const user = typeof recipientId === 'string' ? store.users.get(recipientId) : undefined;
    if (!user) throw new DiscordError(400, 50033, 'Invalid Recipient(s)');
    return ok(channelJson(store.dmChannelFor(user)));
  });
  bot('GET', '/users/:id', (ctx) => {
    const id = ctx.params.id ?? '';
    if (id === world.botUser.id) return ok(userJson(world.botUser, true));
    const user = store.users.get(id);
    if (!user) throw errors.unknownUser();
    return ok(userJson(user));
  });

  // --- application
  const application = (): Record<string, unknown> => ({
    id: world.applicationId,
    name: world.botUser.username,
    icon: null,
    description: '',
    summary: '',
    type: null,
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    flags: 0,
    owner: userJson({ id: world.ownerId, username: 'owner' }),
    team: null,
    bot: userJson(world.botUser, true),
    approximate_guild_count: deps.guilds.size,
    integration_types_config: { '0': {} },
  });
  bot('GET', '/applications/@me', () => ok(application()));
  bot('PATCH', '/applications/@me', () => ok(application()));

  // --- application commands (global: key '', guild: key guild id)
  const commandScope = (ctx: RequestContext): { key: string; guildId?: string } => {
    if (ctx.params.app !== world.applicationId) throw errors.unknownApplication();
    const guildId = ctx.params.guild;
    if (guildId === undefined) return { key: '' };
    guildOf(ctx);
    return { key: guildId, guildId };
  };
  const normalize = (input: Record<string, unknown>, id: string, guildId: string | undefined): StoredCommand => ({
    default_member_permissions: null,
    type: 1,
    description: '',
    nsfw: false,
    contexts: null,
    integration_types: [0],
    ...input,
    id,
    application_id: world.applicationId,
    version: store.ids.next(),
    name: String(input.name),
    ...(guildId ? { guild_id: guildId } : {}),
  } as StoredCommand);
  const sameCommand = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
    a.name === b.name && (a.type ?? 1) === (b.type ?? 1);

  for (const base of ['/applications/:app/commands', '/applications/:app/guilds/:guild/commands']) {
    bot('GET', base, (ctx) => ok(store.commands.get(commandScope(ctx).key) ?? []));
    bot('PUT', base, (ctx) => {
      const { key, guildId } = commandScope(ctx);
      const body = ctx.payload;
      if (!Array.isArray(body)) throw formError('_', 'LIST_TYPE_CONVERT', 'Must be an array.');
      body.forEach((c, i) => validateCommand(c, i));
      const inputs = body as Array<Record<string, unknown>>;
      inputs.forEach((c, i) => {
        if (inputs.findIndex((o) => sameCommand(o, c)) !== i) {
          throw formError(`${i}.name`, 'APPLICATION_COMMANDS_DUPLICATE_NAME', `Application command names must be unique`);
        }
      });
      const previous = store.commands.get(key) ?? [];
      const next = inputs.map((c) => normalize(c, previous.find((p) => sameCommand(p, c))?.id ?? store.ids.next(), guildId));
      store.commands.set(key, next);
      store.changed();
      return ok(next);
    });
    bot('POST', base, (ctx) => {
      const { key, guildId } = commandScope(ctx);
      validateCommand(ctx.payload, 0);
      const input = ctx.payload as Record<string, unknown>;
      const list = store.commands.get(key) ?? [];
      const existing = list.find((p) => sameCommand(p, input));
      const command = normalize(input, existing?.id ?? store.ids.next(), guildId);
      store.commands.set(key, [...list.filter((p) => p !== existing), command]);
      store.changed();
      return { status: existing ? 200 : 201, body: command };
    });
    const one = (ctx: RequestContext): { key: string; list: StoredCommand[]; command: StoredCommand; guildId?: string } => {
      const scope = commandScope(ctx);
      const list = store.commands.get(scope.key) ?? [];
      const command = list.find((c) => c.id === ctx.params.command);
      if (!command) throw errors.unknownCommand();
      return { ...scope, list, command };
    };
    bot('GET', `${base}/:command`, (ctx) => ok(one(ctx).command));
    bot('PATCH', `${base}/:command`, (ctx) => {
      const { key, list, command, guildId } = one(ctx);
      const updated = normalize({ ...command, ...asPayload(ctx.payload) }, command.id, guildId);
      store.commands.set(key, list.map((c) => (c === command ? updated : c)));
      store.changed();
      return ok(updated);
    });
    bot('DELETE', `${base}/:command`, (ctx) => {
      const { key, list, command } = one(ctx);
      store.commands.set(key, list.filter((c) => c !== command));
      store.changed();
      return { status: 204 };
    });
  }

  // --- channels and messages
  const channelOf = (ctx: RequestContext): StoredChannel => {
    const channel = store.channels.get(ctx.params.channel ?? '');
    if (!channel) throw errors.unknownChannel();
    return channel;
  };
  /** Ephemeral messages exist only for their interaction token, never for channel routes. */
  const messageOf = (ctx: RequestContext, channel: StoredChannel): FakeMessage => {
    const message = store.messages.get(ctx.params.message ?? '');
    if (!message || message.deleted || message.channel_id !== channel.id || message.flags & EPHEMERAL) {
      throw errors.unknownMessage();
    }
    return message;
  };

  bot('GET', '/channels/:channel', (ctx) => ok(channelJson(channelOf(ctx))));
  bot('POST', '/channels/:channel/typing', (ctx) => {
    channelOf(ctx);
    return { status: 204 };
  });
  bot('POST', '/channels/:channel/messages', (ctx) => {
    const channel = channelOf(ctx);
    const message = createMessage(deps, {
      channel,
      payload: asPayload(ctx.payload),
      files: ctx.files,
      limit: deps.attachmentSizeLimit,
      author: world.botUser,
      allowedFlags: CHANNEL_FLAGS,
      type: 0,
    });
    return ok(serializeMessage(store, message));
  });
  bot('GET', '/channels/:channel/messages', (ctx) => {
    const channel = channelOf(ctx);
    const limit = Math.min(100, Number(ctx.query.get('limit') ?? 50) || 50);
    const visible = store.messagesIn(channel.id).filter((m) => !m.deleted && !(m.flags & EPHEMERAL));
    return ok(visible.reverse().slice(0, limit).map((m) => serializeMessage(store, m)));
  });
  bot('GET', '/channels/:channel/messages/:message', (ctx) => ok(serializeMessage(store, messageOf(ctx, channelOf(ctx)))));
  bot('PATCH', '/channels/:channel/messages/:message', (ctx) => {
    const message = messageOf(ctx, channelOf(ctx));
    if (message.author.id !== world.botUser.id) throw errors.cannotEditOthers();
    editMessage(deps, message, asPayload(ctx.payload), ctx.files, deps.attachmentSizeLimit);
    return ok(serializeMessage(store, message));
  });
  bot('DELETE', '/channels/:channel/messages/:message', (ctx) => {
    deleteMessage(deps, messageOf(ctx, channelOf(ctx)));
    return { status: 204 };
  });

  // --- guild lookups (discord.js fetches these for e.g. guild.members.fetchMe())
  bot('GET', '/guilds/:guild', (ctx) => {
    const guildWorld = guildOf(ctx);
    const { members: _m, channels: _c, threads: _t, presences: _p, voice_states: _v, ...guild } = guildCreateJson(
      guildWorld,
      deps.guildChannels(guildWorld.guildId),
    );
    return ok(guild);
  });
  bot('GET', '/guilds/:guild/channels', (ctx) => ok(deps.guildChannels(guildOf(ctx).guildId).map((c) => channelJson(c))));
  bot('GET', '/guilds/:guild/members/:user', (ctx) => {
    const guildWorld = guildOf(ctx);
    const id = ctx.params.user ?? '';
    if (id === world.botUser.id) return ok(memberJson(world.botUser, { roles: [guildWorld.botRoleId], joinedAt: guildWorld.joinedAt, bot: true }));
    const user = store.users.get(id);
    if (!user) throw errors.unknownMember();
    return ok(memberJson(user, { roles: [], joinedAt: guildWorld.joinedAt, permissions: DEFAULT_MEMBER_PERMISSIONS }));
  });
}
