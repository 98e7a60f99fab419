// A local stand-in for Discord that the real discord.js 14 client runs against: REST under
// /api/v10 and the gateway WebSocket on one loopback port. Tests drive it with interact(),
// clickButton(), chooseOption() and submitModal() and observe what the bot did through the returned handles.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultQueue } from './faults.js';
import { FakeGateway } from './gateway.js';
import { Router } from './http.js';
import { InteractionDriver } from './driver.js';
import { guildCreateJson, userJson, type World } from './payloads.js';
import { registerBotRoutes } from './restBot.js';
import { registerInteractionRoutes } from './restInteractions.js';
import { attachHandlers } from './server.js';
import { FakeStore, snapshot, waitUntil, type StoredChannel } from './store.js';
import type { DiscordFake, DiscordFakeOptions, FakeGatewaySession, FakeUser } from './types.js';

export type * from './types.js';
export { DISCORD_EPOCH, timestampOf } from './snowflake.js';
export { shardIdOf } from './gateway.js';

const MiB = 1024 * 1024;
const DAY = 24 * 60 * 60 * 1000;

/** A token's first segment is the base64 of the bot's id; bots read the application id from it. */
function idFromToken(token: string): string | undefined {
  const first = token.split('.')[0] ?? '';
  const decoded = Buffer.from(first, 'base64').toString('utf8');
  return /^\d{15,21}$/.test(decoded) ? decoded : undefined;
}

/** What waitForReady was waiting for, with the sessions there are. */
function describeWait(sessions: FakeGatewaySession[]): string {
  const shown = sessions.map((s) => `[${s.shard.join(', ')}] ${s.connected ? 'connected' : 'away'}`).join('; ');
  return `a gateway session (READY received) for every guild and for shard 0; sessions: ${shown || 'none'}`;
}

export async function startDiscordFake(options: DiscordFakeOptions = {}): Promise<DiscordFake> {
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  const attachmentSizeLimit = options.attachmentSizeLimit ?? 10 * MiB;
  const store = new FakeStore(now);

  // Everything that "existed before the bot started" is stamped a while in the past.
  const past = now() - 400 * DAY;
  const botId = (options.token && idFromToken(options.token)) || store.ids.next(past);
  const token =
    options.token ??
    `${Buffer.from(botId).toString('base64').replace(/=+$/, '')}.${randomBytes(4).toString('base64url')}.${randomBytes(28).toString('base64url')}`;
  const botUser: FakeUser = { id: botId, username: 'imagine-bot' };
  const defaultUser: FakeUser = { id: store.ids.next(past), username: 'tester', global_name: 'Tester' };
  store.rememberUser(defaultUser);
  // Guild ids a millisecond apart: `(guild_id >> 22) % num_shards` then deals them round-robin over
  // the shards, so every shard of a sharded bot owns some when there are at least as many guilds.
  const guilds = new Map<string, World>();
  for (let index = 0; index < Math.max(1, options.guilds ?? 1); index++) {
    const guildId = store.ids.next(past + index);
    const channel = (name: string, nsfw: boolean, position: number): string => {
      const stored: StoredChannel = { id: store.ids.next(past), type: 0, name, nsfw, position, guild_id: guildId };
      store.channels.set(stored.id, stored);
      return stored.id;
    };
    guilds.set(guildId, {
      applicationId: botId,
      botUser,
      guildId,
      guildName: index === 0 ? 'Fake Guild' : `Fake Guild ${index + 1}`,
      ownerId: store.ids.next(past),
      botRoleId: store.ids.next(past),
      memberRoleId: store.ids.next(past),
      joinedAt: past,
      channelId: channel('general', false, 0),
      nsfwChannelId: channel('age-restricted', true, 1),
    });
  }
  const world = [...guilds.values()][0]!;
  const guildChannels = (guildId: string): StoredChannel[] => [...store.channels.values()].filter((c) => c.guild_id === guildId);

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${hostInUrl}:${port}`;
  const gatewayUrl = `ws://${hostInUrl}:${port}`;

  const gateway = new FakeGateway({
    token,
    resumeUrl: gatewayUrl,
    guildIds: () => [...guilds.keys()],
    readyPayload: (sessionId, shard, guildIds) => ({
      v: 10,
      user: userJson(botUser, true),
      user_settings: {},
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: sessionId,
      session_type: 'normal',
      resume_gateway_url: gatewayUrl,
      ...(shard ? { shard } : {}),
      application: { id: world.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
      _trace: ['["discord-fake",{"micros":0}]'],
    }),
    guildPayload: (guildId) => guildCreateJson(guilds.get(guildId)!, guildChannels(guildId)),
    maxGuildsPerShard: options.maxGuildsPerShard ?? 2500,
    ...(options.shardMultiple ? { shardMultiple: options.shardMultiple } : {}),
    onChange: () => store.changed(),
  });

  const router = new Router();
  registerInteractionRoutes(router, { store, origin, applicationId: world.applicationId, botUser, tokenLifetimeMs: options.tokenLifetimeMs ?? 15 * 60 * 1000 });
  registerBotRoutes(router, {
    store,
    origin,
    world,
    guilds,
    gatewayUrl,
    attachmentSizeLimit,
    guildChannels,
    gatewayBot: { shards: Math.max(1, options.shards ?? 1), maxConcurrency: Math.max(1, options.maxConcurrency ?? 1) },
    identifyCount: () => gateway.identifies,
  });
  const faults = new FaultQueue();
  attachHandlers(server, {
    store,
    router,
    faults,
    gateway,
    token,
    // Ten files at the largest limit in play plus the JSON; anything bigger is drained and refused.
    maxBodyBytes: () => {
      let largest = attachmentSizeLimit;
      for (const record of store.interactions.values()) largest = Math.max(largest, record.attachmentSizeLimit);
      return 10 * largest + MiB;
    },
  });

  const driver = new InteractionDriver({
    store,
    gateway,
    world,
    guilds,
    defaultUser,
    attachmentSizeLimit,
    ackDeadlineMs: options.ackDeadlineMs ?? 3000,
  });

  return {
    apiBase: `${origin}/api`,
    origin,
    gatewayUrl,
    token,
    applicationId: world.applicationId,
    botUser,
    guildId: world.guildId,
    channelId: world.channelId,
    nsfwChannelId: world.nsfwChannelId,
    memberRoleId: world.memberRoleId,
    guilds: [...guilds.values()].map((g) => ({
      id: g.guildId,
      name: g.guildName,
      channelId: g.channelId,
      nsfwChannelId: g.nsfwChannelId,
      memberRoleId: g.memberRoleId,
    })),
    defaultUser,
    waitForReady: async (timeoutMs = 15_000) => {
      await waitUntil(store, () => gateway.isReady(), timeoutMs, () => describeWait(gateway.sessionInfo()));
    },
    identifyCount: () => gateway.identifies,
    gatewaySessions: () => gateway.sessionInfo(),
    interact: (o) => driver.interact(o),
    clickButton: (message, customId, opts) => driver.clickButton(message, customId, opts),
    chooseOption: (message, customId, values, opts) => driver.chooseOption(message, customId, values, opts),
    submitModal: (from, values, opts) => driver.submitModal(from, values, opts),
    channelMessages: (channelId = world.channelId) => store.messagesIn(channelId).map(snapshot),
    dmMessages: (userId) => {
      const dm = [...store.channels.values()].find((c) => c.type === 1 && c.recipient?.id === userId);
      return dm ? store.messagesIn(dm.id).map(snapshot) : [];
    },
    registeredCommands: (guildId) => structuredClone(store.commands.get(guildId ?? '') ?? []),
    requests: store.requests,
    failNext: (match, response, count = 1) => faults.add(match, response, count),
    delayNext: (match, delayMs, count = 1) => faults.addDelay(match, delayMs, count),
    dropGateway: (opts) => gateway.drop(opts),
    close: async () => {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
