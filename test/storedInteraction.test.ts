// A member's interaction answered by a process that never saw it (shared mode): the process running
// shard 0 defers /imagine; a second discord.js client, running only shard 1 (so the member's server
// is not in its cache), rebuilds the interaction from what the job row keeps and delivers through
// it — by the stored token while it is valid, then by a message in the member's channel. The real
// discord.js against the Discord fake; deliver() is the bot's own.
import { Client, Events, GatewayIntentBits, type ClientOptions } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver } from '../src/discord/delivery.js';
import { StoredInteraction } from '../src/discord/storedInteraction.js';
import type { Origin } from '../src/generation/types.js';
import { shardIdOf, startDiscordFake, type DiscordFake, type FakeGuild, type InteractionHandle } from './fakes/discord/index.js';

const LOADING = 128;

async function startClient(fake: DiscordFake, shards: Pick<ClientOptions, 'shards' | 'shardCount'>): Promise<Client<true>> {
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: { api: fake.apiBase },
    ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
    ...shards,
  });
  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  await client.login(fake.token);
  return ready;
}

/** What the job row keeps of the interaction, as the restoring process rebuilds it. */
function originOf(fake: DiscordFake, handle: InteractionHandle, guild: FakeGuild): Origin {
  return {
    requestId: handle.id,
    userId: fake.defaultUser.id,
    guildId: guild.id,
    channelId: guild.channelId,
    locale: 'en-US',
    channelIsNsfw: false,
    parentChannelId: null,
    memberRoleIds: [],
    reply: { applicationId: fake.applicationId, token: handle.token },
  };
}

describe('an interaction rebuilt from the job row in a process that runs other shards', () => {
  let fake: DiscordFake;
  let admitting: Client<true>;
  let running: Client<true>;
  let guild: FakeGuild;

  beforeAll(async () => {
    fake = await startDiscordFake({ guilds: 2 });
    [admitting, running] = await Promise.all([startClient(fake, { shards: [0], shardCount: 2 }), startClient(fake, { shards: [1], shardCount: 2 })]);
    await fake.waitForReady();
    guild = fake.guilds.find((g) => shardIdOf(g.id, 2) === 0)!;
    // The admitting process defers every /imagine, as the bot does before anything slow.
    admitting.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand()) void interaction.deferReply();
    });
  });

  afterAll(async () => {
    await Promise.all([admitting?.destroy(), running?.destroy()]);
    await fake?.close();
  });

  it('the running process does not have the member’s server', () => {
    expect(running.guilds.cache.has(guild.id)).toBe(false);
    expect(admitting.guilds.cache.has(guild.id)).toBe(true);
  });

  it('edits the deferred reply through the stored token', async () => {
    const handle = fake.interact({ name: 'imagine', guildId: guild.id, options: [{ name: 'prompt', type: 3, value: 'a lighthouse' }] });
    expect((await handle.waitForCallback(3_000)).type).toBe(5);
    const stored = new StoredInteraction(running, originOf(fake, handle, guild));
    await stored.editReply({ content: 'Generating… (from the other process)' });
    expect(handle.original()).toMatchObject({ content: 'Generating… (from the other process)' });
    const delivered = await deliver(stored, { content: 'here it is' }, '<@member>');
    expect(delivered.via).toBe('reply');
    expect(delivered.message.id).toBe(handle.original()!.id);
    expect(handle.original()!.content).toBe('here it is');
    expect(handle.original()!.flags & LOADING).toBe(0);
    // The token is never on the object (a log line or JSON of it cannot show it).
    expect(JSON.stringify(Object.entries(stored))).not.toContain(handle.token);
  });

  it('once the token is too old, posts in the member’s channel, mentioning them, though its server is on another shard', async () => {
    const handle = fake.interact({ name: 'imagine', guildId: guild.id, createdAt: Date.now() - 14.5 * 60_000, options: [{ name: 'prompt', type: 3, value: 'late' }] });
    expect((await handle.waitForCallback(3_000)).type).toBe(5);
    const stored = new StoredInteraction(running, originOf(fake, handle, guild));
    const delivered = await deliver(stored, { content: 'your image' }, `<@${fake.defaultUser.id}> your request finished late`);
    expect(delivered.via).toBe('channel');
    const posted = fake.channelMessages(guild.channelId).find((message) => message.id === delivered.message.id);
    expect(posted?.content).toBe(`<@${fake.defaultUser.id}> your request finished late\nyour image`);
    expect(handle.original()?.content ?? '').not.toContain('your image');
  });
});
