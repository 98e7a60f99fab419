// The Discord side of telling a member whose request was closed with no job row
// (records.closeOrphans → tellUnrecordedUsers): through their reply only, whatever the ledger key.
// The real discord.js client against the Discord fake: a client that defers /imagine stands for the
// process that died after Discord took the deferral; one it ignores, for a process that died before.
import { Client, Events, GatewayIntentBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tellUnrecordedUsers } from '../../src/discord/jobRecovery.js';
import type { OrphanNotice } from '../../src/generation/index.js';
import { startDiscordFake, type DiscordFake, type InteractionHandle } from '../fakes/discord/index.js';

const UNANSWERED = 'never acknowledged';

describe('tellUnrecordedUsers', () => {
  let fake: DiscordFake;
  let client: Client<true>;

  beforeAll(async () => {
    fake = await startDiscordFake();
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiBase } });
    const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
    client.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand() && interaction.options.getString('prompt') !== UNANSWERED) void interaction.deferReply();
    });
    await client.login(fake.token);
    client = await ready;
    await fake.waitForReady();
  });

  afterAll(async () => {
    await client?.destroy();
    await fake?.close();
  });

  const ask = (prompt: string, locale = 'en-US'): InteractionHandle =>
    fake.interact({ name: 'imagine', locale, options: [{ name: 'prompt', type: 3, value: prompt }] });
  const noticeOf = (handle: InteractionHandle, key: string, locale: string): OrphanNotice => ({
    key,
    userId: fake.defaultUser.id,
    reply: { applicationId: fake.applicationId, token: handle.token, locale },
  });

  it('edits the deferred reply of an image reservation and of an enhancement (whose ledger key has a suffix), in the member’s language', async () => {
    const image = ask('a harbour', 'zh-CN');
    const enhanced = ask('a fox, enhanced');
    for (const handle of [image, enhanced]) expect((await handle.waitForCallback(3_000)).type).toBe(5);
    await tellUnrecordedUsers(client, [noticeOf(image, image.id, 'zh-CN'), noticeOf(enhanced, `${enhanced.id}:enhance`, 'en-US')]);
    expect(image.original()?.content).toContain('未产生任何费用');
    expect(enhanced.original()?.content).toContain('Please send the command again');
    for (const handle of [image, enhanced]) {
      expect(handle.original()?.content).toContain(`<@${fake.defaultUser.id}>`);
      expect(handle.original()?.components).toEqual([]);
    }
  });

  it('the reply or nothing: for a request Discord never saw acknowledged, nothing is posted anywhere', async () => {
    const before = fake.channelMessages().length;
    const ignored = ask(UNANSWERED);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the client has seen it and left it
    await tellUnrecordedUsers(client, [noticeOf(ignored, ignored.id, 'en-US')]);
    expect(ignored.callbacks).toEqual([]);
    expect(ignored.original()).toBeUndefined();
    expect(fake.channelMessages()).toHaveLength(before);
    expect(fake.dmMessages(fake.defaultUser.id)).toEqual([]);
  });
});
