// Issue 14, sharding in one process, end to end: the real bot process with SHARD_COUNT runs every
// gateway shard itself; the Discord fake hands each shard the guilds Discord's formula assigns it and
// dispatches a guild's interactions on that shard's session. /imagine from a guild on each shard is
// deferred and delivered by the one process, and /healthz lists every shard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardIdOf, type DiscordFakeOptions, type FakeGuild, type InteractionHandle } from './fakes/discord/index.js';
import { startWorld, waitSettled, type World } from './helpers/world.js';

const LOADING = 128;

interface ShardReport {
  id: number;
  status: string;
  ping: number | null;
}

/** A bot with the metrics endpoint on a free port, and where that endpoint is. */
async function startShardedWorld(discord: DiscordFakeOptions, env: Record<string, string>): Promise<{ world: World; base: string }> {
  const world = await startWorld({ discord, env: { METRICS_PORT: '0', ...env } });
  const listening = JSON.parse(await world.bot.waitForLog(/metrics endpoint listening/)) as { url: string };
  return { world, base: listening.url };
}

/** /imagine from a member of `guild`; resolves once it was deferred and the image delivered. */
async function imagineIn(world: World, guild: FakeGuild): Promise<InteractionHandle> {
  const handle = world.discord.interact({ name: 'imagine', guildId: guild.id, options: [{ name: 'prompt', type: 3, value: `a lighthouse for ${guild.name}` }] });
  const ack = await handle.waitForCallback(3000);
  expect(ack.type).toBe(5);
  expect(ack.at - handle.dispatchedAt).toBeLessThan(3000);
  await handle.waitFor((state) => Boolean(state.original && !(state.original.flags & LOADING) && state.original.attachments.length > 0), 20_000);
  await waitSettled(world, handle.id);
  return handle;
}

async function health(base: string): Promise<{ status: number; body: { status: string; discord: string; shards: ShardReport[] } }> {
  const response = await fetch(`${base}/healthz`);
  return { status: response.status, body: (await response.json()) as { status: string; discord: string; shards: ShardReport[] } };
}

/** The shard ids 0..count-1. */
const ids = (count: number): number[] => [...Array(count).keys()];

/** The checks every sharded run must pass, for a bot expected to run `count` shards. */
function servesEveryShard(name: string, count: number, discord: DiscordFakeOptions, env: Record<string, string>): void {
  describe(name, () => {
    let world: World;
    let base: string;
    beforeAll(async () => {
      ({ world, base } = await startShardedWorld(discord, env));
    });
    afterAll(async () => {
      await world?.close();
    });

    it(`identifies ${count} shard(s), each with the guilds Discord's formula gives it`, async () => {
      const sessions = world.discord.gatewaySessions();
      expect(sessions.map((session) => session.shard).sort((a, b) => a[0] - b[0])).toEqual(ids(count).map((id) => [id, count]));
      expect(sessions.every((session) => session.connected)).toBe(true);
      for (const session of sessions) {
        expect(session.guildIds).toEqual(world.discord.guilds.map((g) => g.id).filter((id) => shardIdOf(id, count) === session.shard[0]));
      }
      expect(world.discord.identifyCount()).toBe(count);
      const online = JSON.parse(await world.bot.waitForLog(/bot is online/)) as { shards: number; guilds: number };
      expect(online).toMatchObject({ shards: count, guilds: world.discord.guilds.length });
    });

    it('defers and delivers /imagine from a guild on every shard', async () => {
      const handles = await Promise.all(world.discord.guilds.map((guild) => imagineIn(world, guild)));
      expect(new Set(handles.map((handle) => handle.shard[0]))).toEqual(new Set(ids(count)));
      for (const handle of handles) expect(handle.shard).toEqual([shardIdOf(handle.guildId, count), count]);
      const rows = world.usageRows();
      for (const handle of handles) expect(rows.find((row) => row.interaction_id === handle.id)).toMatchObject({ outcome: 'success' });
    });

    it('/healthz lists every shard as connected', async () => {
      const { status, body } = await health(base);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'ok', discord: 'connected' });
      expect(body.shards.map((shard) => [shard.id, shard.status])).toEqual(ids(count).map((id) => [id, 'connected']));
      for (const shard of body.shards) expect(shard.ping === null || shard.ping >= 0).toBe(true);
    });
  });
}

describe('sharding in one process (real bot process)', () => {
  // Most bots may start one shard per 5 seconds (max_concurrency 1): the second shard waits for it.
  servesEveryShard('SHARD_COUNT=2', 2, { guilds: 4 }, { SHARD_COUNT: '2' });
  // `auto` runs what GET /gateway/bot recommends; max_concurrency 3 lets the three IDENTIFY together.
  servesEveryShard('SHARD_COUNT=auto, Discord recommending 3', 3, { guilds: 6, shards: 3, maxConcurrency: 3 }, { SHARD_COUNT: 'auto' });
  // Unset is one shard, whatever Discord recommends: sharding is the operator's choice. Empty (as
  // compose passes a variable the host does not set) is unset, though discord.js would refuse it.
  servesEveryShard('SHARD_COUNT unset or empty', 1, { guilds: 2, shards: 3 }, { SHARD_COUNT: '' });
});
