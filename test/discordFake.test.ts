// The Discord fake must be something the real discord.js 14 client accepts end to end; these tests
// run an actual Client against it and check both sides: what discord.js saw and what the fake recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  Client,
  DiscordAPIError,
  Events,
  GatewayDispatchEvents,
  GatewayIntentBits,
  MessageFlags,
  ModalBuilder,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type ClientOptions,
  type Interaction,
} from 'discord.js';
import { WebSocket } from 'ws';
import { shardIdOf, startDiscordFake, timestampOf, type DiscordFake } from './fakes/discord/index.js';

type Outcome = { ok: true; value?: unknown } | { ok: false; error: unknown };
type Behaviour = (interaction: Interaction) => Promise<unknown>;

/** A discord.js client whose interaction handling each test scripts by command name / custom id. */
class Bot {
  readonly client: Client;
  readonly behaviours = new Map<string, Behaviour>();
  private readonly outcomes = new Map<string, Outcome>();
  private readonly waiters = new Map<string, (o: Outcome) => void>();

  constructor(
    private readonly fake: DiscordFake,
    options: Pick<ClientOptions, 'shards' | 'shardCount'> = {},
  ) {
    this.client = new Client({
      intents: [GatewayIntentBits.Guilds],
      rest: { api: fake.apiBase },
      // @discordjs/ws spaces IDENTIFYs 5 s apart within one process; a re-identify test need not wait.
      ws: { buildIdentifyThrottler: () => ({ waitForIdentify: async () => {} }) },
      ...options,
    });
    this.client.on(Events.InteractionCreate, (interaction) => {
      const key =
        interaction.isChatInputCommand() || interaction.isAutocomplete()
          ? interaction.commandName
          : interaction.isMessageComponent() || interaction.isModalSubmit()
            ? interaction.customId
            : '';
      const behaviour = this.behaviours.get(key);
      if (!behaviour) return;
      behaviour(interaction).then(
        (value) => this.settle(interaction.id, { ok: true, value }),
        (error: unknown) => this.settle(interaction.id, { ok: false, error }),
      );
    });
  }

  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    await this.client.login(this.fake.token);
    await ready;
    await this.fake.waitForReady();
  }

  on(key: string, behaviour: Behaviour): void {
    this.behaviours.set(key, behaviour);
  }

  outcome(interactionId: string): Promise<Outcome> {
    const known = this.outcomes.get(interactionId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => this.waiters.set(interactionId, resolve));
  }

  async error(interactionId: string): Promise<DiscordAPIError> {
    const outcome = await this.outcome(interactionId);
    if (outcome.ok) throw new Error('expected the handler to fail');
    expect(outcome.error).toBeInstanceOf(DiscordAPIError);
    return outcome.error as DiscordAPIError;
  }

  async value<T>(interactionId: string): Promise<T> {
    const outcome = await this.outcome(interactionId);
    if (!outcome.ok) throw outcome.error;
    return outcome.value as T;
  }

  private settle(id: string, outcome: Outcome): void {
    this.outcomes.set(id, outcome);
    this.waiters.get(id)?.(outcome);
  }
}

const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)]);

function deferred(): { promise: Promise<void>; release: () => void } {
  let release = (): void => {};
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

describe('discord.js 14 against the Discord fake', () => {
  let clockOffset = 0;
  let fake: DiscordFake;
  let bot: Bot;

  beforeAll(async () => {
    fake = await startDiscordFake({ now: () => Date.now() + clockOffset });
    bot = new Bot(fake);
    await bot.start();
  });

  afterAll(async () => {
    await bot?.client.destroy();
    await fake?.close();
  });

  it('logs in: READY and GUILD_CREATE give discord.js the bot user, the application and the guild', () => {
    const { client } = bot;
    expect(client.user?.id).toBe(fake.botUser.id);
    expect(client.application?.id).toBe(fake.applicationId);
    const guild = client.guilds.cache.get(fake.guildId);
    expect(guild?.available).toBe(true);
    expect(guild?.members.me?.id).toBe(fake.botUser.id);
    expect(guild?.roles.everyone.id).toBe(fake.guildId);
    const nsfw = client.channels.cache.get(fake.nsfwChannelId);
    expect(nsfw?.isTextBased() && 'nsfw' in nsfw && nsfw.nsfw).toBe(true);
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === '/gateway/bot' && r.status === 200)).toBe(true);
  });

  it('defers, then edits @original with an uploaded file', async () => {
    let seen: Record<string, unknown> = {};
    bot.on('imagine', async (i) => {
      if (!i.isChatInputCommand()) return;
      seen = {
        prompt: i.options.getString('prompt'),
        locale: i.locale,
        limit: i.attachmentSizeLimit,
        createdTimestamp: i.createdTimestamp,
        nsfw: i.channel && 'nsfw' in i.channel ? i.channel.nsfw : undefined,
      };
      await i.deferReply();
      await i.editReply({ content: 'here it is', files: [{ attachment: png, name: 'a.png' }] });
    });
    const createdAt = Date.now() - 5000;
    const h = fake.interact({
      name: 'imagine',
      options: [{ name: 'prompt', type: 3, value: 'a cat' }],
      locale: 'zh-CN',
      nsfwChannel: true,
      createdAt,
    });
    expect((await h.waitForCallback()).type).toBe(5);
    await h.waitFor((s) => s.original?.content === 'here it is');
    await bot.value(h.id);

    expect(seen).toEqual({ prompt: 'a cat', locale: 'zh-CN', limit: 10 * 1024 * 1024, createdTimestamp: createdAt, nsfw: true });
    expect(timestampOf(h.id)).toBe(createdAt);
    const original = h.original();
    expect(original?.flags).toBe(0); // the LOADING flag is gone after the edit
    expect(original?.channel_id).toBe(fake.nsfwChannelId);
    expect(original?.attachments).toHaveLength(1);
    const [attachment] = original?.attachments ?? [];
    expect(attachment?.filename).toBe('a.png');
    expect(attachment?.content_type).toBe('image/png');
    expect(attachment?.bytes.equals(png)).toBe(true);
    const served = Buffer.from(await (await fetch(attachment?.url ?? '')).arrayBuffer());
    expect(served.equals(png)).toBe(true);
    // the edit went through the interaction webhook, not the bot token
    expect(fake.requests.some((r) => r.method === 'PATCH' && r.path.endsWith('/messages/@original') && r.files?.[0]?.size === png.length)).toBe(true);
  });

  it('keeps only the attachments an edit lists, and refuses what Discord refuses', async () => {
    const other = Buffer.from('second file');
    bot.on('attach', async (i) => {
      if (!i.isChatInputCommand()) return undefined;
      await i.deferReply();
      const first = await i.editReply({ files: [{ attachment: png, name: 'one.png' }] });
      const kept = [...first.attachments.values()];
      const both = await i.editReply({ attachments: kept, files: [{ attachment: other, name: 'two.txt' }] });
      const replaced = await i.editReply({ files: [{ attachment: other, name: 'three.txt' }] });
      const tooLong = await i.editReply('x'.repeat(2001)).catch((error: unknown) => error);
      return {
        both: [...both.attachments.values()].map((a) => a.name),
        replaced: [...replaced.attachments.values()].map((a) => a.name),
        tooLong: tooLong instanceof DiscordAPIError ? tooLong.code : 'no error',
      };
    });
    const h = fake.interact({ name: 'attach' });
    expect(await bot.value(h.id)).toEqual({ both: ['one.png', 'two.txt'], replaced: ['three.txt'], tooLong: 50035 });
    expect(h.original()?.attachments.map((a) => [a.filename, a.bytes.toString()])).toEqual([['three.txt', 'second file']]);
    expect(h.original()?.edits).toBe(3);
  });

  it('returns the callback response object when discord.js asks with_response=true', async () => {
    bot.on('imagine-wr', async (i) => {
      if (!i.isChatInputCommand()) return undefined;
      const response = await i.deferReply({ withResponse: true, flags: MessageFlags.Ephemeral });
      await i.editReply('private');
      return {
        id: response.interaction.id,
        loading: response.interaction.responseMessageLoading,
        ephemeral: response.interaction.responseMessageEphemeral,
        messageId: response.resource?.message?.id,
      };
    });
    const h = fake.interact({ name: 'imagine-wr' });
    const value = await bot.value<Record<string, unknown>>(h.id);
    expect(value).toEqual({ id: h.id, loading: true, ephemeral: true, messageId: h.original()?.id });
    expect(h.original()?.flags).toBe(MessageFlags.Ephemeral);
  });

  it('handles button clicks with deferUpdate()+editReply() and update()', async () => {
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('again').setLabel('Again').setStyle(ButtonStyle.Primary),
      new ButtonBuilder().setCustomId('clear').setLabel('Clear').setStyle(ButtonStyle.Secondary),
    );
    bot.on('menu', async (i) => {
      if (i.isChatInputCommand()) await i.reply({ content: 'pick one', components: [row] });
    });
    bot.on('again', async (i) => {
      if (!i.isButton()) return;
      await i.deferUpdate();
      await i.editReply({ content: `again by ${i.user.id}` });
    });
    bot.on('clear', async (i) => {
      if (i.isButton()) await i.update({ content: 'cleared', components: [] });
    });

    const h = fake.interact({ name: 'menu' });
    expect((await h.waitForCallback()).type).toBe(4);
    const message = h.original();
    expect(message?.components).toHaveLength(1);

    const click = fake.clickButton(message!, 'again');
    expect((await click.waitForCallback()).type).toBe(6);
    await bot.value(click.id);
    expect(click.original()?.id).toBe(message?.id);
    expect(h.original()?.content).toBe(`again by ${fake.defaultUser.id}`);

    const clear = fake.clickButton(h.original()!, 'clear');
    expect((await clear.waitForCallback()).type).toBe(7);
    await bot.value(clear.id);
    expect(h.original()).toMatchObject({ content: 'cleared', components: [], edits: 2 });
    expect(() => fake.clickButton(h.original()!, 'again')).toThrow(/no component/);
  });

  it('sends follow-ups; the first follow-up after a deferral replaces the "thinking" message', async () => {
    bot.on('follow', async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await i.followUp('takes the place of the deferral');
      await i.followUp({ content: 'a real follow-up', files: [{ attachment: png, name: 'b.png' }] });
    });
    const h = fake.interact({ name: 'follow' });
    await bot.value(h.id);
    expect(h.original()).toMatchObject({ content: 'takes the place of the deferral', flags: 0 });
    expect(h.followups()).toHaveLength(1);
    expect(h.followups()[0]).toMatchObject({ content: 'a real follow-up', interaction_token: h.token });
    expect(h.followups()[0]?.attachments[0]?.bytes.equals(png)).toBe(true);
  });

  it('refuses a second callback with 40060', async () => {
    bot.on('twice', async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await i.client.rest.post(Routes.interactionCallback(i.id, i.token), { body: { type: 5 }, auth: false });
    });
    const h = fake.interact({ name: 'twice' });
    const error = await bot.error(h.id);
    expect(error.code).toBe(40060);
    expect(h.callbacks).toHaveLength(1);
  });

  it('expires the interaction token 15 minutes after the interaction was created (50027)', async () => {
    const gate = deferred();
    bot.on('slow', async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await gate.promise;
      await i.editReply('too late');
    });
    const h = fake.interact({ name: 'slow' });
    await h.waitForCallback();
    clockOffset += 15 * 60 * 1000 + 1000;
    try {
      gate.release();
      const error = await bot.error(h.id);
      expect(error.code).toBe(50027);
      expect(error.status).toBe(401);
      expect(h.original()?.flags).toBe(128); // still "thinking"
    } finally {
      clockOffset = 0;
    }
  });

  it('refuses an attachment over the interaction attachment_size_limit with 413/40005', async () => {
    bot.on('big', async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await i.editReply({ files: [{ attachment: Buffer.alloc(i.attachmentSizeLimit + 1), name: 'big.png' }] });
    });
    const h = fake.interact({ name: 'big', attachmentSizeLimit: 1024 });
    const error = await bot.error(h.id);
    expect(error.code).toBe(40005);
    expect(error.status).toBe(413);
  });

  it('lets discord.js retry an injected 429 on an edit transparently', async () => {
    fake.failNext(
      { method: 'PATCH', path: /\/messages\/@original$/ },
      {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: 0.2, global: false },
        headers: { 'retry-after': '0.2', 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': '0.2' },
      },
    );
    bot.on('limited', async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.deferReply();
      await i.editReply('made it');
    });
    const h = fake.interact({ name: 'limited' });
    await bot.value(h.id);
    expect(h.original()?.content).toBe('made it');
    const edits = fake.requests.filter((r) => r.method === 'PATCH' && r.path.includes(h.token)).map((r) => r.status);
    expect(edits).toEqual([429, 200]);
  });

  it('lets discord.js retry an injected 500 on a channel message', async () => {
    fake.failNext({ method: 'POST', path: /^\/channels\/\d+\/messages$/ }, { status: 500 });
    const channel = await bot.client.channels.fetch(fake.channelId);
    if (!channel?.isSendable()) throw new Error('channel not sendable');
    const sent = await channel.send({ content: 'hello channel', files: [{ attachment: png, name: 'c.png' }] });
    const stored = fake.channelMessages().find((m) => m.id === sent.id);
    expect(stored?.attachments[0]?.bytes.equals(png)).toBe(true);
    expect(sent.attachments.first()?.url).toBe(stored?.attachments[0]?.url);
  });

  it('serves DMs: a DM interaction and user.send() land in the same DM channel', async () => {
    bot.on('dm', async (i) => {
      if (!i.isChatInputCommand()) return;
      await i.reply('in the DM');
      await i.user.send('a direct message');
    });
    const h = fake.interact({ name: 'dm', guildId: null });
    await bot.value(h.id);
    expect(h.payload.guild_id).toBeUndefined();
    const dms = fake.dmMessages(fake.defaultUser.id).map((m) => m.content);
    expect(dms).toEqual(['in the DM', 'a direct message']);
  });

  it('shows a modal and receives its submission', async () => {
    bot.on('ask', async (i) => {
      if (!i.isChatInputCommand()) return;
      const modal = new ModalBuilder()
        .setCustomId('ask-modal')
        .setTitle('Ask')
        .addComponents(
          new ActionRowBuilder<TextInputBuilder>().addComponents(
            new TextInputBuilder().setCustomId('question').setLabel('Question').setStyle(TextInputStyle.Short),
          ),
        );
      await i.showModal(modal);
    });
    bot.on('ask-modal', async (i) => {
      if (i.isModalSubmit()) await i.reply(`asked: ${i.fields.getTextInputValue('question')}`);
    });
    const h = fake.interact({ name: 'ask' });
    expect((await h.waitForCallback()).type).toBe(9);
    const submit = fake.submitModal(h, { question: 'why?' });
    await bot.value(submit.id);
    expect(submit.original()?.content).toBe('asked: why?');
    expect(() => fake.submitModal(h, { nope: 'x', question: 'y' })).toThrow(/no inputs named nope/);
  });

  it('answers autocomplete with callback type 8', async () => {
    bot.on('pick', async (i) => {
      if (!i.isAutocomplete()) return;
      const typed = i.options.getFocused();
      await i.respond([{ name: `${typed}-1`, value: `${typed}-1` }]);
    });
    const h = fake.interact({ name: 'pick', type: 4, options: [{ name: 'model', type: 3, value: 'gpt', focused: true }] });
    const callback = await h.waitForCallback();
    expect(callback).toMatchObject({ type: 8, data: { choices: [{ name: 'gpt-1', value: 'gpt-1' }] } });
  });

  it('stores bulk-overwritten commands and keeps their ids across overwrites', async () => {
    const commands = [{ name: 'imagine', description: 'Make an image', options: [{ type: 3, name: 'prompt', description: 'What', required: true }] }];
    const first = await bot.client.application!.commands.set(commands, fake.guildId);
    const again = await bot.client.application!.commands.set(commands, fake.guildId);
    expect([...again.keys()]).toEqual([...first.keys()]);
    expect(fake.registeredCommands(fake.guildId)).toHaveLength(1);
    expect(fake.registeredCommands()).toHaveLength(0);
    const h = fake.interact({ name: 'imagine' });
    expect((h.payload.data as { id: string; guild_id: string }).id).toBe([...first.keys()][0]);
    await expect(
      bot.client.application!.commands.set([{ name: 'Bad Name', description: 'x' }]),
    ).rejects.toMatchObject({ code: 50035 });
  });

  it('checks the bot token on bot routes', async () => {
    const res = await fetch(`${fake.apiBase}/v10/users/@me`, { headers: { authorization: 'Bot wrong' } });
    expect(res.status).toBe(401);
  });

  it('resumes a dropped session and replays the dispatches it missed', async () => {
    bot.on('missed', async (i) => {
      if (i.isChatInputCommand()) await i.reply('got it after the resume');
    });
    const identifies = fake.identifyCount();
    fake.dropGateway({ resumable: true });
    const h = fake.interact({ name: 'missed' }); // sent while the client is away: buffered for RESUME
    await fake.waitForReady();
    await bot.value(h.id);
    expect(h.original()?.content).toBe('got it after the resume');
    expect(fake.identifyCount()).toBe(identifies);
  });

  it('dispatches to the newest connected client, and to the older one when the newest leaves', async () => {
    const second = new Bot(fake);
    const answer = (name: string) => async (i: Interaction) => {
      if (i.isChatInputCommand()) await i.reply(`from ${name}`);
    };
    bot.on('who', answer('first'));
    second.on('who', answer('second'));
    await second.start();
    try {
      const h = fake.interact({ name: 'who' });
      await second.value(h.id);
      expect(h.original()?.content).toBe('from second');
    } finally {
      await second.client.destroy();
    }
    await fake.waitForReady();
    const h = fake.interact({ name: 'who' });
    await bot.value(h.id);
    expect(h.original()?.content).toBe('from first');
  });

  it('makes a client IDENTIFY again when its session is dropped for good', async () => {
    const identifies = fake.identifyCount();
    fake.dropGateway();
    await fake.waitForReady();
    expect(fake.identifyCount()).toBe(identifies + 1);
    bot.on('after', async (i) => {
      if (i.isChatInputCommand()) await i.reply('still here');
    });
    const h = fake.interact({ name: 'after' });
    await bot.value(h.id);
    expect(h.original()?.content).toBe('still here');
  });
});

describe('the 3-second acknowledgement deadline', () => {
  let fake: DiscordFake;
  let bot: Bot;

  beforeAll(async () => {
    fake = await startDiscordFake({ ackDeadlineMs: 50 });
    bot = new Bot(fake);
    await bot.start();
  });

  afterAll(async () => {
    await bot?.client.destroy();
    await fake?.close();
  });

  it('answers a late deferral with 10062 Unknown interaction', async () => {
    bot.on('late', async (i) => {
      if (!i.isChatInputCommand()) return;
      await new Promise((resolve) => setTimeout(resolve, 150));
      await i.deferReply();
    });
    const h = fake.interact({ name: 'late' });
    const error = await bot.error(h.id);
    expect(error.code).toBe(10062);
    expect(error.status).toBe(404);
    expect(h.callbacks).toHaveLength(0);
  });
});

describe('guild sharding', () => {
  const SHARDS = 3;
  let fake: DiscordFake;
  let bot: Bot;
  /** interaction id → the shard whose socket delivered it, as discord.js saw it */
  const deliveredOn = new Map<string, number>();

  beforeAll(async () => {
    fake = await startDiscordFake({ shards: SHARDS, guilds: 2 * SHARDS });
    bot = new Bot(fake, { shards: 'auto' });
    bot.client.ws.on(GatewayDispatchEvents.InteractionCreate, (data: { id: string }, shardId: number) => deliveredOn.set(data.id, shardId));
    await bot.start();
  });

  afterAll(async () => {
    await bot?.client.destroy();
    await fake?.close();
  });

  it('recommends its shard count on GET /gateway/bot with the session start limit', async () => {
    const response = await fetch(`${fake.apiBase}/v10/gateway/bot`, { headers: { authorization: `Bot ${fake.token}` } });
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      url: fake.gatewayUrl,
      shards: SHARDS,
      session_start_limit: { total: 1000, remaining: 1000 - fake.identifyCount(), reset_after: expect.any(Number), max_concurrency: 1 },
    });
  });

  it("gives each shard its own session with the guilds Discord's formula assigns it", () => {
    expect(bot.client.ws.shards.size).toBe(SHARDS);
    const sessions = fake.gatewaySessions();
    expect(sessions.map((s) => s.shard).sort()).toEqual([...Array(SHARDS).keys()].map((id) => [id, SHARDS]));
    for (const session of sessions) {
      expect(session.connected).toBe(true);
      expect(session.guildIds.length).toBeGreaterThan(0);
      for (const guildId of session.guildIds) {
        expect(shardIdOf(guildId, SHARDS)).toBe(session.shard[0]);
        // READY and GUILD_CREATE for the guild came on that shard's socket.
        expect(bot.client.guilds.cache.get(guildId)?.shardId).toBe(session.shard[0]);
      }
    }
    expect(sessions.flatMap((s) => s.guildIds).sort()).toEqual(fake.guilds.map((g) => g.id).sort());
  });

  it("dispatches a guild's interaction on the socket of the shard that owns the guild, and DMs on shard 0", async () => {
    bot.on('where', async (i) => {
      if (i.isChatInputCommand()) await i.reply(`in ${i.guildId ?? 'a DM'}`);
    });
    const handles = [...fake.guilds.map((g) => fake.interact({ name: 'where', guildId: g.id })), fake.interact({ name: 'where', guildId: null })];
    for (const h of handles) {
      await bot.value(h.id);
      expect(h.original()?.content).toBe(`in ${h.guildId ?? 'a DM'}`);
      expect(deliveredOn.get(h.id)).toBe(shardIdOf(h.guildId, SHARDS));
      expect(h.shard).toEqual([deliveredOn.get(h.id), SHARDS]);
    }
    expect(new Set(handles.map((h) => h.shard[0])).size).toBe(SHARDS);
  });

  it("buffers a dropped shard's events for its RESUME while the other shards keep being served", async () => {
    bot.on('during', async (i) => {
      if (i.isChatInputCommand()) await i.reply('served');
    });
    const onShard = (id: number) => fake.guilds.find((g) => shardIdOf(g.id, SHARDS) === id)!;
    const identifies = fake.identifyCount();
    fake.dropGateway({ shard: 1, resumable: true });
    expect(fake.gatewaySessions().find((s) => s.shard[0] === 1)?.connected).toBe(false);
    const away = fake.interact({ name: 'during', guildId: onShard(1).id });
    const elsewhere = fake.interact({ name: 'during', guildId: onShard(0).id });
    await bot.value(elsewhere.id);
    await fake.waitForReady();
    await bot.value(away.id);
    expect([away.original()?.content, elsewhere.original()?.content]).toEqual(['served', 'served']);
    expect(deliveredOn.get(away.id)).toBe(1);
    expect(fake.identifyCount()).toBe(identifies);
  });
});

describe('IDENTIFY refusals for shards', () => {
  /** Connects like a client, IDENTIFYs with `shard` (omitted when undefined), resolves with the close code. */
  async function identifyCloseCode(fake: DiscordFake, shard: unknown): Promise<number> {
    const ws = new WebSocket(`${fake.gatewayUrl}/?v=10&encoding=json`);
    return new Promise<number>((resolve, reject) => {
      ws.on('error', reject);
      ws.on('close', (code) => resolve(code));
      ws.on('message', (raw) => {
        const frame = JSON.parse(String(raw)) as { op: number; t?: string };
        if (frame.op === 10) {
          ws.send(JSON.stringify({ op: 2, d: { token: fake.token, intents: 1, properties: {}, ...(shard === undefined ? {} : { shard }) } }));
        } else if (frame.t === 'READY') {
          ws.close(1000);
        }
      });
    });
  }

  it('closes 4010 Invalid shard for a shard id outside 0..num_shards-1 or a malformed shard', async () => {
    const fake = await startDiscordFake({ guilds: 2 });
    try {
      expect(await identifyCloseCode(fake, [2, 2])).toBe(4010);
      expect(await identifyCloseCode(fake, [-1, 2])).toBe(4010);
      expect(await identifyCloseCode(fake, [0, 0])).toBe(4010);
      expect(await identifyCloseCode(fake, ['0', 2])).toBe(4010);
      // A count other than the recommended one is allowed (sessions route by their own num_shards).
      expect(await identifyCloseCode(fake, [1, 2])).toBe(1000);
    } finally {
      await fake.close();
    }
  });

  it('closes 4010 under large bot sharding when num_shards is not a multiple of the assigned one', async () => {
    const fake = await startDiscordFake({ shardMultiple: 4 });
    try {
      expect(await identifyCloseCode(fake, [0, 6])).toBe(4010);
      expect(await identifyCloseCode(fake, [0, 8])).toBe(1000);
    } finally {
      await fake.close();
    }
  });

  it('closes 4011 Sharding required when one session would own more guilds than a shard may', async () => {
    const fake = await startDiscordFake({ guilds: 4, maxGuildsPerShard: 2 });
    try {
      expect(await identifyCloseCode(fake, undefined)).toBe(4011);
      expect(await identifyCloseCode(fake, [0, 1])).toBe(4011);
      expect(await identifyCloseCode(fake, [0, 2])).toBe(1000);
    } finally {
      await fake.close();
    }
  });
});
