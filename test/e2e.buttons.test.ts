// The Re-roll / Details / Delete / Report buttons under a result, end to end: the real bot process (what
// `npm start` runs), the real discord.js client, the Discord fake and the relay fake. The buttons'
// state is the usage-log row id in the custom_id, so they must keep working after a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeUser, InteractionHandle } from './fakes/discord/index.js';
import type { RecordedRequest } from './fakes/relay/index.js';
import { startWorld, type World, waitSettled } from './helpers/world.js';

const EPHEMERAL = 64;
const MANAGE_MESSAGES = 1n << 13n;
/** The fake's default member permissions (no Manage Messages) — a plain member. */
const PLAIN_MEMBER = ((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 15n) | (1n << 16n) | (1n << 31n)).toString();
const MODERATOR = (BigInt(PLAIN_MEMBER) | MANAGE_MESSAGES).toString();

const OTHER_USER: FakeUser = { id: '345678901234567890', username: 'someone-else', global_name: 'Someone Else' };
const MODERATOR_USER: FakeUser = { id: '456789012345678901', username: 'moderator', global_name: 'Mod' };

/** Longer than the 300-character preview the result embed shows. */
const LONG_PROMPT =
  'A lighthouse on a basalt cliff at dusk, storm clouds rolling in from the west, ' +
  'waves breaking into white spray far below, a single warm window lit halfway up the tower, ' +
  'gulls hanging in the wind, wet grass flattened along the cliff path, a rusted iron railing, ' +
  'the last orange light on the horizon, painted in the loose style of a 19th-century oil study, ' +
  'visible brush strokes, muted palette, and the words END-OF-THE-LONG-PROMPT at the very end.';

type Obj = Record<string, unknown>;

interface Button {
  custom_id: string;
  label: string;
  style: number;
}

function buttonsOf(message: FakeMessage): Button[] {
  return (message.components as Obj[]).flatMap((row) => (row.components as Obj[]) ?? []).filter((c) => c.type === 2) as unknown as Button[];
}

function buttonId(message: FakeMessage, action: 'reroll' | 'vary' | 'details' | 'delete' | 'report'): string {
  const found = buttonsOf(message).find((button) => button.custom_id.startsWith(`img:${action}:`));
  if (!found) throw new Error(`no ${action} button on message ${message.id}: ${JSON.stringify(message.components)}`);
  return found.custom_id;
}

function rowIdOf(customId: string): number {
  return Number(customId.split(':')[2]);
}

/** Everything a callback or message says, for text assertions. */
function allText(value: unknown): string {
  return JSON.stringify(value ?? null);
}

function generationRequests(world: World): RecordedRequest[] {
  return world.relay.requests.filter((request) => request.method === 'POST' && /\/images\/generations$/.test(request.path));
}

async function imagine(
  world: World,
  options: { prompt: string; model?: string; size?: string; user?: FakeUser; locale?: string },
): Promise<{ handle: InteractionHandle; message: FakeMessage }> {
  const handle = world.discord.interact({
    name: 'imagine',
    options: [
      { name: 'prompt', type: 3, value: options.prompt },
      ...(options.model ? [{ name: 'model', type: 3, value: options.model }] : []),
      ...(options.size ? [{ name: 'size', type: 3, value: options.size }] : []),
    ],
    ...(options.user ? { user: options.user } : {}),
    ...(options.locale ? { locale: options.locale } : {}),
  });
  expect((await handle.waitForCallback(3000)).type).toBe(5);
  await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0 && (state.original?.components.length ?? 0) > 0, 20_000);
  await waitSettled(world, handle.id);
  return { handle, message: handle.original()! };
}

/** Clicks and waits for the first callback (within Discord's 3 s). */
async function click(world: World, message: FakeMessage, customId: string, opts: Parameters<World['discord']['clickButton']>[2] = {}) {
  const handle = world.discord.clickButton(message, customId, opts);
  const callback = await handle.waitForCallback(3000);
  return { handle, callback };
}

/** The ephemeral text a click got: either the type 4 callback's data, or the deferred reply's edit. */
async function ephemeralAnswer(handle: InteractionHandle): Promise<FakeMessage> {
  await handle.waitFor((state) => state.original !== undefined && (state.original.flags & 128) === 0, 10_000);
  const original = handle.original()!;
  expect(original.flags & EPHEMERAL).toBe(EPHEMERAL);
  return original;
}

/** The row once `ready` holds: the bot records where it delivered just after Discord answered. */
async function settledRow(world: World, id: number, ready: (row: Obj) => boolean = (row) => row.message_id !== null): Promise<Obj> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const row = world.usageRows().find((candidate) => candidate.id === id);
    if ((row && ready(row)) || Date.now() > deadline) return row ?? usageRow(world, id);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function usageRow(world: World, id: number): Obj {
  const row = world.usageRows().find((candidate) => candidate.id === id);
  if (!row) throw new Error(`no usage row ${id}`);
  return row;
}

function storedMessage(world: World, id: string): FakeMessage | undefined {
  return world.discord.channelMessages().find((message) => message.id === id);
}

function expectGone(world: World, id: string): void {
  const stored = storedMessage(world, id);
  expect(stored === undefined || stored.deleted).toBe(true);
}

/** The bot must still be the same process and healthy: no crash, no unhandled rejection. */
function expectHealthy(world: World): void {
  expect(world.bot.child.exitCode).toBeNull();
  expect(world.bot.logs.filter((line) => /unhandled rejection|stopped on an unexpected error/.test(line))).toEqual([]);
}

describe('result buttons: Re-roll, Details, Delete (real bot process)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('puts five buttons under a result, custom_ids ≤ 100 chars, labels in the user’s language (zh-CN)', async () => {
    const en = await imagine(world, { prompt: 'a paper boat on a puddle', model: 'flux-2-pro' });
    // The result's own row; Share and ⭐ (`gal:`, a second row) are tested in e2e.gallery.test.ts.
    const resultOwn = (message: FakeMessage) => buttonsOf(message).filter((button) => button.custom_id.startsWith('img:'));
    const enButtons = resultOwn(en.message);
    expect(enButtons.map((button) => button.label)).toEqual(['Re-roll', 'Vary', 'Details', 'Delete', 'Report']);

    const zh = await imagine(world, { prompt: '雨中的纸船', model: 'flux-2-pro', locale: 'zh-CN' });
    const buttons = resultOwn(zh.message);
    expect(buttons).toHaveLength(5);
    expect(buttons.map((button) => button.label)).toEqual(['重新生成', '变体', '详情', '删除', '举报']);
    const ids = buttons.map((button) => button.custom_id);
    expect(new Set(ids).size).toBe(5);
    for (const id of ids) {
      expect(id.length).toBeGreaterThanOrEqual(1);
      expect(id.length).toBeLessThanOrEqual(100);
      expect(id).toMatch(/^img:(reroll|vary|details|delete|report):\d+$/);
    }
    // The state is the usage row of this result.
    const rowId = rowIdOf(ids[0]!);
    expect(await settledRow(world, rowId)).toMatchObject({ outcome: 'success', prompt: '雨中的纸船', message_id: zh.message.id });
    expect(ids.every((id) => rowIdOf(id) === rowId)).toBe(true);
  });

  it('Re-roll by the requester: a new deferred reply, a new image, same prompt/model/size, a new seed, a new usage row', async () => {
    const { message } = await imagine(world, { prompt: 'a lantern in fog', model: 'flux-2-pro', size: '16:9' });
    const original = generationRequests(world).at(-1)!;
    const rowsBefore = world.usageRows().length;

    const { handle, callback } = await click(world, message, buttonId(message, 'reroll'));
    expect(callback.type).toBe(5);
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(world, handle.id);
    const rerolled = handle.original()!;
    expect(rerolled.id).not.toBe(message.id);
    expect(rerolled.flags & EPHEMERAL).toBe(0);

    const again = generationRequests(world).at(-1)!;
    expect(again.requestId).not.toBe(original.requestId);
    const body = again.body as Obj;
    const before = original.body as Obj;
    expect(body.prompt).toBe(before.prompt);
    expect(body.model).toBe('flux-2-pro');
    expect(body.size).toBe(before.size);
    expect([body.width, body.height]).toEqual([before.width, before.height]);
    expect(typeof body.seed).toBe('number');
    expect(body.seed).not.toBe(before.seed);
    // flux-2-pro shows the seed in the embed: the new one.
    expect(allText(rerolled.embeds)).toContain(String(body.seed));
    expect(allText(message.embeds)).toContain(String(before.seed));

    // The original message is untouched and the new result has working buttons of its own.
    expect(storedMessage(world, message.id)?.deleted).toBe(false);
    const newRowId = rowIdOf(buttonId(rerolled, 'details'));
    expect(newRowId).not.toBe(rowIdOf(buttonId(message, 'details')));
    const rows = world.usageRows();
    expect(rows).toHaveLength(rowsBefore + 1);
    expect(await settledRow(world, newRowId)).toMatchObject({
      outcome: 'success',
      user_id: world.discord.defaultUser.id,
      interaction_id: handle.id,
      model: 'flux-2-pro',
      prompt: 'a lantern in fog',
      seed: body.seed,
      message_id: rerolled.id,
    });
    expectHealthy(world);
  });

  it('Re-roll by another user: the new generation and its usage row are the clicker’s', async () => {
    const { message } = await imagine(world, { prompt: 'a cactus wearing a hat', model: 'flux-2-pro' });
    const original = generationRequests(world).at(-1)!;
    const { handle, callback } = await click(world, message, buttonId(message, 'reroll'), { user: OTHER_USER });
    expect(callback.type).toBe(5);
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(world, handle.id);
    const again = generationRequests(world).at(-1)!;
    expect((again.body as Obj).prompt).toBe((original.body as Obj).prompt);
    expect((again.body as Obj).seed).not.toBe((original.body as Obj).seed);
    const newRowId = rowIdOf(buttonId(handle.original()!, 'reroll'));
    expect(usageRow(world, newRowId)).toMatchObject({ outcome: 'success', user_id: OTHER_USER.id, interaction_id: handle.id });
    expect(allText(handle.original()!.embeds)).toContain(`<@${OTHER_USER.id}>`);
  });

  it('Details: an ephemeral reply with the full prompt, model, size, seed and the relay request id', async () => {
    const { message } = await imagine(world, { prompt: LONG_PROMPT, model: 'flux-2-pro', size: '1024x768' });
    const request = generationRequests(world).at(-1)!;
    // The result embed shows a shortened preview only.
    expect(allText(message.embeds)).not.toContain('END-OF-THE-LONG-PROMPT');

    const { handle, callback } = await click(world, message, buttonId(message, 'details'), { user: OTHER_USER });
    expect([4, 5]).toContain(callback.type);
    const answer = await ephemeralAnswer(handle);
    const shown = allText(answer.embeds) + answer.content;
    expect(shown).toContain(JSON.stringify(LONG_PROMPT).slice(1, -1));
    expect(shown).toContain('flux-2-pro');
    expect(shown).toContain('1024x768');
    expect(shown).toContain(String((request.body as Obj).seed));
    expect(request.requestId).toBeTruthy();
    expect(shown).toContain(request.requestId);
    // Nothing visible to the channel, the result untouched.
    expect(storedMessage(world, message.id)?.deleted).toBe(false);
    expectHealthy(world);
  });

  it('Details in zh-CN is localised', async () => {
    const { message } = await imagine(world, { prompt: 'a teapot', model: 'flux-2-pro' });
    const { handle } = await click(world, message, buttonId(message, 'details'), { locale: 'zh-CN' });
    const answer = await ephemeralAnswer(handle);
    const embed = (answer.embeds as Array<{ title?: string; fields?: Array<{ name: string }> }>)[0]!;
    expect(embed.title).toBe('提示词');
    const names = (embed.fields ?? []).map((field) => field.name);
    expect(names).toEqual(expect.arrayContaining(['模型', '尺寸', '种子', '请求 ID', '参数']));
    // No field name left in English.
    expect(names.filter((name) => /^[A-Za-z ]+$/.test(name))).toEqual([]);
  });

  it('Delete by another member without Manage Messages is refused (ephemeral) and the message stays', async () => {
    const { message } = await imagine(world, { prompt: 'a snowman at the beach', model: 'flux-2-pro' });
    const rowId = rowIdOf(buttonId(message, 'delete'));
    const { handle } = await click(world, message, buttonId(message, 'delete'), { user: OTHER_USER, memberPermissions: PLAIN_MEMBER });
    const answer = await ephemeralAnswer(handle);
    expect(answer.content + allText(answer.embeds)).toMatch(/Manage Messages/);
    expect(storedMessage(world, message.id)?.deleted).toBe(false);
    expect(usageRow(world, rowId).deleted_at).toBeNull();

    // Localised refusal.
    const zh = await click(world, message, buttonId(message, 'delete'), { user: OTHER_USER, memberPermissions: PLAIN_MEMBER, locale: 'zh-CN' });
    const zhAnswer = await ephemeralAnswer(zh.handle);
    expect(zhAnswer.content).toMatch(/管理消息/);
    expect(storedMessage(world, message.id)?.deleted).toBe(false);
  });

  it('Delete by the requester removes the message and stamps deleted_at; the row stays', async () => {
    const { message } = await imagine(world, { prompt: 'a kite over a field', model: 'flux-2-pro' });
    const rowId = rowIdOf(buttonId(message, 'delete'));
    const before = Date.now();
    const { handle } = await click(world, message, buttonId(message, 'delete'));
    const answer = await ephemeralAnswer(handle);
    expect(answer.content).toMatch(/Deleted/);
    expectGone(world, message.id);
    const row = usageRow(world, rowId);
    expect(row.outcome).toBe('success');
    expect(row.deleted_at).toEqual(expect.any(Number));
    expect(row.deleted_at as number).toBeGreaterThanOrEqual(before - 1000);
    expectHealthy(world);
  });

  it('Delete by a moderator (Manage Messages) on someone else’s result removes it', async () => {
    const { message } = await imagine(world, { prompt: 'a robot gardening', model: 'flux-2-pro' });
    const rowId = rowIdOf(buttonId(message, 'delete'));
    const { handle } = await click(world, message, buttonId(message, 'delete'), { user: MODERATOR_USER, memberPermissions: MODERATOR });
    await ephemeralAnswer(handle);
    expectGone(world, message.id);
    expect(usageRow(world, rowId).deleted_at).toEqual(expect.any(Number));
    expect(usageRow(world, rowId).user_id).toBe(world.discord.defaultUser.id);
  });

  it('Delete by the requester of a result someone already deleted (Unknown Message) still stamps deleted_at', async () => {
    const { message } = await imagine(world, { prompt: 'a sandcastle at high tide', model: 'flux-2-pro' });
    const rowId = rowIdOf(buttonId(message, 'delete'));
    await settledRow(world, rowId);
    // Deleted by hand between the click and the bot's own DELETE: Discord answers 404 Unknown Message.
    world.discord.failNext(
      { method: 'DELETE', path: new RegExp(`^/channels/${message.channel_id}/messages/${message.id}$`) },
      { status: 404, body: { message: 'Unknown Message', code: 10008 } },
    );
    const { handle } = await click(world, message, buttonId(message, 'delete'));
    const answer = await ephemeralAnswer(handle);
    expect(answer.content).toMatch(/Deleted/);
    expect(usageRow(world, rowId)).toMatchObject({ outcome: 'success', deleted_at: expect.any(Number) });
    expect(world.bot.logs.filter((line) => /deleting a result failed/.test(line))).toEqual([]);
    expectHealthy(world);
  });

  it('in the bot’s DM: Details, Re-roll and Delete work (the DM channel is not in the client cache)', async () => {
    const user = world.discord.defaultUser;
    const handle = world.discord.interact({
      name: 'imagine',
      guildId: null,
      options: [
        { name: 'prompt', type: 3, value: 'a cat in a DM' },
        { name: 'model', type: 3, value: 'flux-2-pro' },
      ],
    });
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(world, handle.id);
    const message = handle.original()!;
    const rowId = rowIdOf(buttonId(message, 'delete'));
    expect(usageRow(world, rowId)).toMatchObject({ guild_id: null, outcome: 'success' });

    const details = await click(world, message, buttonId(message, 'details'));
    expect(allText((await ephemeralAnswer(details.handle)).embeds)).toContain('a cat in a DM');

    const reroll = await click(world, message, buttonId(message, 'reroll'));
    expect(reroll.callback.type).toBe(5);
    await reroll.handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);

    const remove = await click(world, message, buttonId(message, 'delete'));
    expect((await ephemeralAnswer(remove.handle)).content).toMatch(/Deleted/);
    const stored = world.discord.dmMessages(user.id).find((candidate) => candidate.id === message.id);
    expect(stored === undefined || stored.deleted).toBe(true);
    expect(usageRow(world, rowId).deleted_at).toEqual(expect.any(Number));
    expect(world.bot.logs.filter((line) => /deleting a result failed/.test(line))).toEqual([]);
  });

  it('a button whose usage row does not exist gets a clear ephemeral message, and the bot keeps working', async () => {
    // A message with a button for a row this database never had (e.g. posted by an older install).
    const response = await fetch(`${world.discord.apiBase}/v10/channels/${world.discord.channelId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${world.discord.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        content: 'an old result',
        components: [{ type: 1, components: [{ type: 2, style: 2, label: 'Details', custom_id: 'img:details:999999' }] }],
      }),
    });
    expect(response.ok).toBe(true);
    const posted = (await response.json()) as { id: string };
    const message = storedMessage(world, posted.id)!;

    for (const locale of ['en-US', 'zh-CN']) {
      const { handle } = await click(world, message, 'img:details:999999', { locale });
      const answer = await ephemeralAnswer(handle);
      expect(answer.content).toMatch(locale === 'en-US' ? /no longer in the usage log/ : /找不到/);
    }
    expectHealthy(world);
    // Still serving.
    await imagine(world, { prompt: 'still alive', model: 'flux-2-pro' });
  });
});

describe('result buttons after a restart (state in the custom_id and the database)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('after a restart that stopped offering the model, Re-roll says so (ephemeral, no relay call); Details still works', { timeout: 60_000 }, async () => {
    const { message } = await imagine(world, { prompt: 'a model about to be retired', model: 'flux-2-pro' });
    const requestsBefore = generationRequests(world).length;
    world.env.IMAGE_MODELS = 'gpt-image-1,flux-2-max';
    try {
      await world.restartBot('SIGTERM');
      const reroll = await click(world, message, buttonId(message, 'reroll'));
      expect(reroll.callback.type).toBe(4);
      const answer = await ephemeralAnswer(reroll.handle);
      expect(answer.content).toMatch(/flux-2-pro/);
      expect(answer.content).toMatch(/flux-2-max/);
      expect(generationRequests(world)).toHaveLength(requestsBefore);
      const details = await click(world, message, buttonId(message, 'details'));
      expect(allText((await ephemeralAnswer(details.handle)).embeds)).toContain('a model about to be retired');
      expectHealthy(world);
    } finally {
      delete world.env.IMAGE_MODELS;
      await world.restartBot('SIGTERM');
    }
  });

  for (const how of ['SIGTERM', 'SIGKILL'] as const) {
    it(`Re-roll, Details and Delete work on a message from the previous process (${how})`, { timeout: 60_000 }, async () => {
      const first = await imagine(world, { prompt: `made before ${how}`, model: 'flux-2-pro' });
      const second = await imagine(world, { prompt: `also made before ${how}`, model: 'flux-2-pro' });
      const firstRequest = generationRequests(world).at(-2)!;
      const oldPid = world.bot.child.pid;

      await world.restartBot(how);
      expect(world.bot.child.pid).not.toBe(oldPid);

      // Details: from the database.
      const details = await click(world, first.message, buttonId(first.message, 'details'));
      const answer = await ephemeralAnswer(details.handle);
      expect(allText(answer.embeds)).toContain(`made before ${how}`);
      expect(allText(answer.embeds)).toContain(firstRequest.requestId);

      // Re-roll: same prompt, new seed, a new row.
      const reroll = await click(world, first.message, buttonId(first.message, 'reroll'));
      expect(reroll.callback.type).toBe(5);
      await reroll.handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
      await waitSettled(world, reroll.handle.id);
      const again = generationRequests(world).at(-1)!;
      expect((again.body as Obj).prompt).toBe(`made before ${how}`);
      expect((again.body as Obj).seed).not.toBe((firstRequest.body as Obj).seed);
      const newRowId = rowIdOf(buttonId(reroll.handle.original()!, 'reroll'));
      expect(usageRow(world, newRowId)).toMatchObject({ outcome: 'success', interaction_id: reroll.handle.id });

      // Delete.
      const rowId = rowIdOf(buttonId(second.message, 'delete'));
      const remove = await click(world, second.message, buttonId(second.message, 'delete'));
      await ephemeralAnswer(remove.handle);
      expectGone(world, second.message.id);
      expect(usageRow(world, rowId).deleted_at).toEqual(expect.any(Number));
      expectHealthy(world);
    });
  }
});

describe('Re-roll keeps the user\'s choices, not the operator\'s defaults', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ env: { IMAGE_SIZE: '1000x1000' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a result made with the default size re-rolls without a note about mapping that default', async () => {
    const { message } = await imagine(world, { prompt: 'a quiet harbour', model: 'flux-2-pro' });
    expect(allText(message.embeds)).not.toContain('1000x1000');
    const { handle } = await click(world, message, buttonId(message, 'reroll'));
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(world, handle.id);
    const rerolled = handle.original()!;
    expect(allText(rerolled.embeds)).not.toContain('1000x1000');
    const bodies = generationRequests(world).map((request) => request.body as { size?: string });
    expect(bodies.at(-1)?.size).toBe(bodies.at(-2)?.size);
    const rows = world.usageRows();
    expect(rows.at(-2)?.size_requested).toBeNull();
  });
});
