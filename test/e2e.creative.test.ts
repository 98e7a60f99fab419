// The creative loop end to end (issue 13): /describe and its context menu, enhance, personal
// defaults and shortcuts (/settings), style presets, and Midjourney's habits, through the real bot
// process, the Discord fake and the relay fake (whose chat models answer by the OpenAI reference,
// never shaped by our instructions; a test scripts an answer with `chatReply` where it needs one).
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PolicyService } from '../src/policy/index.js';
import { AuditLog } from '../src/storage/index.js';
import type { FakeMessage, FakeUser, InteractionHandle, InteractOption } from './fakes/discord/index.js';
import { refusedWith } from './helpers/refusal.js';
import { startWorld, waitSettled, type World } from './helpers/world.js';

const EPHEMERAL = 64;
const MANAGE_GUILD = String(1 << 5);
const ADMIN = '100000000000000077';
type Obj = Record<string, unknown>;

let world: World;
let nextUser = 0;

beforeAll(async () => {
  world = await startWorld({ env: { IMAGE_CHAT_PRICE: '0.004' } });
});

afterAll(async () => {
  await world?.close();
});

beforeEach(() => {
  world.relay.configure({ chatReply: undefined });
});

function newUser(name = 'member'): FakeUser {
  nextUser += 1;
  return { id: `52000000000000${String(1000 + nextUser)}`, username: `${name}${nextUser}` };
}

const str = (name: string, value: string): InteractOption => ({ name, type: 3, value });
const bool = (name: string, value: boolean): InteractOption => ({ name, type: 5, value });

function imagine(options: InteractOption[], user: FakeUser, extra: { locale?: string } = {}): InteractionHandle {
  return world.discord.interact({ name: 'imagine', options, user, ...extra });
}

/** `/settings <sub> …` or `/settings <group> <sub> …`, as Discord nests them. */
function settings(path: [string] | [string, string], options: InteractOption[], user: FakeUser, extra: { memberPermissions?: string; locale?: string } = {}): InteractionHandle {
  const leaf = { name: path[path.length - 1]!, type: 1, options };
  const top = path.length === 2 ? [{ name: path[0], type: 2, options: [leaf] }] : [leaf];
  return world.discord.interact({ name: 'settings', options: top as InteractOption[], user, ...extra });
}

async function privateAnswer(handle: InteractionHandle): Promise<Obj> {
  const ack = await handle.waitForCallback(3_000);
  expect(ack.type).toBe(4);
  const data = ack.data as Obj;
  expect(Number(data.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
  return data;
}

async function delivered(handle: InteractionHandle): Promise<FakeMessage> {
  expect((await handle.waitForCallback(3_000)).type).toBe(5);
  await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
  await waitSettled(world, handle.id);
  return handle.original()!;
}

const posts = (path: string) => world.relay.requests.filter((request) => request.method === 'POST' && request.path.endsWith(path));
const chatCalls = () => posts('/chat/completions');
const imageCalls = () => posts('/images/generations');

function ledgerRow(key: string): Obj | undefined {
  const db = new Database(world.dbPath, { readonly: true });
  try {
    return db.prepare('SELECT * FROM ledger WHERE key = ?').get(key) as Obj | undefined;
  } finally {
    db.close();
  }
}

function usageRow(interactionId: string): Obj | undefined {
  return world.usageRows().find((row) => row.interaction_id === interactionId);
}

function embedText(message: FakeMessage): string {
  return JSON.stringify(message.embeds);
}

function buttonIds(message: FakeMessage): string[] {
  return (message.components as Obj[]).flatMap((row) => ((row.components as Obj[]) ?? []).map((component) => String(component.custom_id)));
}

async function upload(files: Array<{ name: string; bytes: Buffer; type: string }>, content = 'look'): Promise<Obj> {
  const form = new FormData();
  form.append('payload_json', JSON.stringify({ content, attachments: files.map((file, id) => ({ id, filename: file.name })) }));
  files.forEach((file, index) => form.append(`files[${index}]`, new Blob([file.bytes], { type: file.type }), file.name));
  const response = await fetch(`${world.discord.apiBase}/v10/channels/${world.discord.channelId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bot ${world.discord.token}` },
    body: form,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Obj;
}

const redSquare = () => sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 230, g: 20, b: 20 } } }).png().toBuffer();

function describeCommand(attachment: Obj, user: FakeUser, locale?: string): InteractionHandle {
  return world.discord.interact({
    name: 'describe',
    options: [{ name: 'image', type: 11, value: String(attachment.id) }],
    resolved: { attachments: { [String(attachment.id)]: attachment } },
    user,
    ...(locale ? { locale } : {}),
  });
}

function withPolicies<T>(run: (policies: PolicyService) => T): T {
  const db = new Database(world.dbPath);
  db.pragma('busy_timeout = 5000');
  try {
    return run(new PolicyService(db, { audit: new AuditLog(db) }));
  } finally {
    db.close();
  }
}

describe('/describe and the Describe context menu', () => {
  it('answers four prompts from the vision model, each with a button; charged once at the chat price, no image counted', async () => {
    const uploaded = await upload([{ name: 'red.png', bytes: await redSquare(), type: 'image/png' }]);
    const user = newUser('describer');
    const before = chatCalls().length;
    const handle = describeCommand((uploaded.attachments as Obj[])[0]!, user);
    expect((await handle.waitForCallback(3_000)).type).toBe(5);
    await handle.waitFor((state) => (state.original?.embeds.length ?? 0) > 0, 15_000);
    const answer = handle.original()!;
    const fields = (answer.embeds[0] as Obj).fields as Array<{ value: string }>;
    expect(fields).toHaveLength(4);
    // The fake's vision model describes the picture it decoded: red dominates it.
    expect(fields[0]!.value).toMatch(/red/i);
    expect(new Set(fields.map((field) => field.value)).size).toBe(4);
    expect(buttonIds(answer)).toEqual(['dsc:0', 'dsc:1', 'dsc:2', 'dsc:3']);

    const calls = chatCalls().slice(before);
    expect(calls).toHaveLength(1);
    const body = calls[0]!.body as { model: string; messages: Array<{ content: unknown }> };
    expect(body.model).toBe('gpt-4o-mini');
    // The picture travels as a data URL, never as Discord's link.
    expect(JSON.stringify(body.messages)).toMatch(/data:image\/(png|jpeg);base64,/);
    expect(JSON.stringify(body.messages)).not.toContain(world.discord.apiBase);

    await handle.waitFor(() => usageRow(handle.id)?.outcome === 'success', 5_000);
    expect(ledgerRow(handle.id)).toMatchObject({ state: 'committed', images: 0, cost_micros: 4_000 });
    expect(usageRow(handle.id)).toMatchObject({ kind: 'describe', estimated_cost: 0.004, image_count: 0, model: 'gpt-4o-mini' });
  });

  it('a numbered button opens /imagine’s form with that prompt, after a restart too; its submit generates the (adjusted) prompt', async () => {
    const uploaded = await upload([{ name: 'red.png', bytes: await redSquare(), type: 'image/png' }]);
    const user = newUser('clicker');
    const handle = describeCommand((uploaded.attachments as Obj[])[0]!, user);
    await handle.waitFor((state) => (state.original?.embeds.length ?? 0) > 0, 15_000);
    const answer = handle.original()!;
    const second = (((answer.embeds[0] as Obj).fields as Array<{ value: string }>)[1]!).value;
    // The prompts live in the answer message, not in the process.
    await world.restartBot();
    const click = world.discord.clickButton(answer, 'dsc:1', { user });
    const opened = await click.waitForCallback(3_000);
    expect(opened.type).toBe(9);
    expect(JSON.stringify(opened.data)).toContain(JSON.stringify(second).slice(1, 40));
    const before = imageCalls().length;
    const submitted = world.discord.submitModal(click, { prompt: `${second}, at dusk` });
    await delivered(submitted);
    expect((imageCalls()[before]!.body as Obj).prompt).toBe(`${second}, at dusk`);
  });

  it('a file that is not an image is refused privately at no cost; so is a message without one', async () => {
    const uploaded = await upload([{ name: 'notes.txt', bytes: Buffer.from('hello'), type: 'text/plain' }]);
    const before = world.relay.requests.length;
    const handle = describeCommand((uploaded.attachments as Obj[])[0]!, newUser());
    expect(await refusedWith(handle)).toMatch(/no image to describe.*Nothing was charged/s);
    const menu = world.discord.interact({ name: 'Describe', commandType: 3, targetId: String(uploaded.id), resolved: { messages: { [String(uploaded.id)]: uploaded } }, locale: 'zh-CN' });
    expect(await refusedWith(menu)).toContain('没有可描述的图片');
    expect(world.relay.requests.length).toBe(before);
    expect(ledgerRow(handle.id)).toBeUndefined();
  });

  it('the context menu describes a message’s image, in the member’s language', async () => {
    const uploaded = await upload([{ name: 'red.png', bytes: await redSquare(), type: 'image/png' }]);
    const menu = world.discord.interact({ name: 'Describe', commandType: 3, targetId: String(uploaded.id), resolved: { messages: { [String(uploaded.id)]: uploaded } }, locale: 'zh-CN' });
    expect((await menu.waitForCallback(3_000)).type).toBe(5);
    await menu.waitFor((state) => (state.original?.embeds.length ?? 0) > 0, 15_000);
    expect(embedText(menu.original()!)).toContain('四个提示词');
  });

  it('a relay error is said in the member’s words and refunded (the relay did not bill it)', async () => {
    world.relay.configure({ chatReply: () => ({ status: 500, body: { error: { message: 'upstream exploded', type: 'server_error' } } }) });
    const uploaded = await upload([{ name: 'red.png', bytes: await redSquare(), type: 'image/png' }]);
    const handle = describeCommand((uploaded.attachments as Obj[])[0]!, newUser());
    await handle.waitFor((state) => /Could not describe/.test(state.original?.content ?? ''), 20_000);
    expect(handle.original()!.content).toContain('Nothing was charged');
    await handle.waitFor(() => usageRow(handle.id)?.outcome !== 'pending', 5_000);
    expect(ledgerRow(handle.id)).toMatchObject({ state: 'refunded' });
    expect(usageRow(handle.id)).toMatchObject({ kind: 'describe', estimated_cost: 0 });
  });
});

describe('enhance', () => {
  it('rewrites the prompt with the chat model before the image; the embed shows what was sent, Details what was typed', async () => {
    const user = newUser('enhancer');
    const chatBefore = chatCalls().length;
    const imageBefore = imageCalls().length;
    const handle = imagine([str('prompt', 'a fox'), bool('enhance', true)], user);
    const message = await delivered(handle);
    expect(chatCalls().length - chatBefore).toBe(1);
    const sent = (imageCalls()[imageBefore]!.body as Obj).prompt as string;
    expect(sent).not.toBe('a fox');
    expect(sent).toContain('a fox');
    expect(embedText(message)).toContain('Prompt enhanced by gpt-4o-mini');
    expect(usageRow(handle.id)).toMatchObject({ prompt: sent, kind: 'image' });
    expect(JSON.parse(String(usageRow(handle.id)!.params))).toMatchObject({ originalPrompt: 'a fox' });
    // Two charges, each once: the chat call and the image.
    expect(ledgerRow(`${handle.id}:enhance`)).toMatchObject({ state: 'committed', images: 0, cost_micros: 4_000 });
    expect(ledgerRow(handle.id)).toMatchObject({ state: 'committed', images: 1 });
    expect(usageRow(`${handle.id}:enhance`)).toMatchObject({ kind: 'enhance', estimated_cost: 0.004 });
  });

  it('when the chat model fails, the member’s own prompt is used and they are told; the failed call is not charged', async () => {
    world.relay.configure({ chatReply: () => ({ status: 500, body: { error: { message: 'boom', type: 'server_error' } } }) });
    const imageBefore = imageCalls().length;
    const handle = imagine([str('prompt', 'a quiet harbour --enhance')], newUser());
    const message = await delivered(handle);
    expect((imageCalls()[imageBefore]!.body as Obj).prompt).toBe('a quiet harbour');
    expect(embedText(message)).toContain('Prompt enhancement failed');
    expect(ledgerRow(`${handle.id}:enhance`)).toMatchObject({ state: 'refunded' });
    expect(ledgerRow(handle.id)).toMatchObject({ state: 'committed', images: 1 });
  });

  it('a blocked word that appears only in the rewritten prompt is caught: refused privately, no image, the chat call paid', async () => {
    withPolicies((policies) => policies.addBlockedWord(world.discord.guildId, 'gorefest', ADMIN));
    try {
      world.relay.configure({ chatReply: (ask) => `${ask.text}, gorefest style, dramatic light` });
      const imageBefore = imageCalls().length;
      const handle = imagine([str('prompt', 'a birthday party'), bool('enhance', true)], newUser());
      expect(await refusedWith(handle)).toMatch(/enhanced prompt .* blocks.*--raw/s);
      expect(imageCalls().length).toBe(imageBefore);
      expect(ledgerRow(handle.id)).toBeUndefined();
      expect(ledgerRow(`${handle.id}:enhance`)).toMatchObject({ state: 'committed' });
      expect(usageRow(handle.id)).toMatchObject({ outcome: 'blocked' });
    } finally {
      withPolicies((policies) => policies.removeBlockedWord(world.discord.guildId, 'gorefest', ADMIN));
    }
  });

  it('the server can make enhance the default; --raw turns it off for one prompt', async () => {
    const admin = { id: ADMIN, username: 'admin' };
    await privateAnswer(settings(['server', 'set'], [bool('enhance', true)], admin, { memberPermissions: MANAGE_GUILD }));
    try {
      const before = chatCalls().length;
      await delivered(imagine([str('prompt', 'a lighthouse')], newUser()));
      expect(chatCalls().length - before).toBe(1);
      const imageBefore = imageCalls().length;
      await delivered(imagine([str('prompt', 'a lighthouse --raw')], newUser()));
      expect(chatCalls().length - before).toBe(1);
      expect((imageCalls()[imageBefore]!.body as Obj).prompt).toBe('a lighthouse');
    } finally {
      await privateAnswer(settings(['server', 'set'], [bool('enhance', false)], admin, { memberPermissions: MANAGE_GUILD }));
    }
  });

  it('server settings need Manage Server', async () => {
    const data = await privateAnswer(settings(['server', 'set'], [bool('enhance', true)], newUser()));
    expect(String(data.content)).toContain('Manage Server');
  });
});

describe('/settings: personal defaults and shortcuts', () => {
  it('defaults apply to /imagine after a restart; an option still wins', async () => {
    const user = newUser('prefers');
    await privateAnswer(settings(['set'], [str('model', 'flux-2-pro'), str('size', '16:9')], user));
    await world.restartBot();
    const before = imageCalls().length;
    await delivered(imagine([str('prompt', 'a valley')], user));
    const body = imageCalls()[before]!.body as Obj;
    expect(body.model).toBe('flux-2-pro');
    expect(`${String(body.width)}x${String(body.height)}`).toMatch(/^(\d+)x(\d+)$/);
    expect(Number(body.width) / Number(body.height)).toBeCloseTo(16 / 9, 1);
    await delivered(imagine([str('prompt', 'a valley'), str('model', 'gpt-image-2')], user));
    expect((imageCalls()[before + 1]!.body as Obj).model).toBe('gpt-image-2');
    const shown = await privateAnswer(settings(['show'], [], user));
    expect(JSON.stringify(shown.embeds)).toContain('flux-2-pro');
    await privateAnswer(settings(['reset'], [], user));
    await delivered(imagine([str('prompt', 'a valley')], user));
    expect((imageCalls()[before + 2]!.body as Obj).model).toBe('gpt-image-2');
  });

  it('a default the server does not allow is left out with a note; the rest of the defaults still apply', async () => {
    const user = newUser('capped');
    await privateAnswer(settings(['set'], [str('model', 'flux-2-pro'), str('size', '1536x1024')], user));
    withPolicies((policies) => policies.editList(world.discord.guildId, 'allowedModels', { add: ['gpt-image-2'] }, ADMIN));
    try {
      const before = imageCalls().length;
      const message = await delivered(imagine([str('prompt', 'a harbour at noon')], user));
      const body = imageCalls()[before]!.body as Obj;
      expect(body.model).toBe('gpt-image-2');
      expect(body.size).toBe('1536x1024');
      expect(embedText(message)).toContain('Your default model \\"flux-2-pro\\" does not fit here');
    } finally {
      withPolicies((policies) => policies.reset(world.discord.guildId, ADMIN));
    }
  });

  it('private results: the deferral and the result are only the member’s', async () => {
    const user = newUser('shy');
    await privateAnswer(settings(['set'], [bool('private', true)], user));
    const handle = imagine([str('prompt', 'a secret garden')], user);
    const ack = await handle.waitForCallback(3_000);
    expect(ack.type).toBe(5);
    expect(Number((ack.data as Obj | undefined)?.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
  });

  it('a shortcut expands inside the prompt; one that expands to an invalid size is refused with the reason, at no cost', async () => {
    const user = newUser('shortcutter');
    const added = await privateAnswer(settings(['shortcut', 'add'], [str('name', 'portrait'), str('value', '--ar 2:3 --q high')], user));
    expect(String(added.content)).toContain('--portrait');
    const before = imageCalls().length;
    const message = await delivered(imagine([str('prompt', 'an old sailor --portrait')], user));
    const body = imageCalls()[before]!.body as Obj;
    expect(body.prompt).toBe('an old sailor');
    expect(body.quality).toBe('high');
    expect(String(body.size)).toMatch(/^\d+x\d+$/);
    const [w, h] = String(body.size).split('x').map(Number);
    expect(w! / h!).toBeCloseTo(2 / 3, 1);
    expect(embedText(message)).toContain('--portrait');

    await privateAnswer(settings(['shortcut', 'add'], [str('name', 'banner'), str('value', '--ar 99:1')], user));
    const handle = imagine([str('prompt', 'a wide road --banner')], user);
    expect(await refusedWith(handle)).toMatch(/99:1/);
    expect(imageCalls().length).toBe(before + 1);
    expect(ledgerRow(handle.id)).toBeUndefined();

    const named = await privateAnswer(settings(['shortcut', 'add'], [str('name', 'ar'), str('value', '1:1')], user));
    expect(String(named.content)).toMatch(/not a parameter/);
  });
});

describe('style presets and Midjourney habits', () => {
  it('an admin’s style adds its words and names itself in the result; an unknown style is refused with the list', async () => {
    const admin = { id: ADMIN, username: 'admin' };
    await privateAnswer(settings(['style', 'add'], [str('name', 'noir'), str('prefix', 'black and white film noir'), str('suffix', 'high contrast')], admin, { memberPermissions: MANAGE_GUILD }));
    const before = imageCalls().length;
    const message = await delivered(imagine([str('prompt', 'a detective in the rain'), str('style', 'noir')], newUser()));
    expect((imageCalls()[before]!.body as Obj).prompt).toBe('black and white film noir, a detective in the rain, high contrast');
    expect(embedText(message)).toContain('Style: noir');
    const refused = await refusedWith(imagine([str('prompt', 'x'), str('style', 'pastel')], newUser()));
    expect(refused).toContain('noir');
    const denied = await privateAnswer(settings(['style', 'add'], [str('name', 'mine'), str('prefix', 'x')], newUser()));
    expect(String(denied.content)).toContain('Manage Server');
  });

  it('--no becomes a “without” clause and Midjourney-only parameters are left out, both said in the result', async () => {
    const before = imageCalls().length;
    const message = await delivered(imagine([str('prompt', 'a forest path --no people, cars --v 6.1 --stylize 250 --tile'), str('model', 'flux-2-pro')], newUser()));
    const prompt = String((imageCalls()[before]!.body as Obj).prompt);
    expect(prompt).toMatch(/^a forest path\. Without people, cars\.?$/);
    expect(prompt).not.toMatch(/--|stylize|tile/);
    const shown = embedText(message);
    expect(shown).toContain('--v 6.1');
    expect(shown).toMatch(/without/i);
  });
});

describe('a relay with a short prompt cap', () => {
  it('a long rewrite is cut to what the relay takes, on a sentence or word boundary, and the image is made', async () => {
    world.env.IMAGE_API_MAX_PROMPT_CHARS = '200';
    await world.restartBot();
    try {
      const sentence = 'A lighthouse on a rocky cliff at dusk, warm light spilling from its lamp across the rolling sea.';
      world.relay.configure({ chatReply: () => Array.from({ length: 8 }, () => sentence).join(' ') });
      const imageBefore = imageCalls().length;
      const message = await delivered(imagine([str('prompt', 'a lighthouse'), bool('enhance', true)], newUser()));
      const sent = String((imageCalls()[imageBefore]!.body as Obj).prompt);
      expect(sent.length).toBeLessThanOrEqual(200);
      expect(sent.startsWith('A lighthouse on a rocky cliff')).toBe(true);
      expect(embedText(message)).toContain('Prompt enhanced');
    } finally {
      delete world.env.IMAGE_API_MAX_PROMPT_CHARS;
      await world.restartBot();
    }
  });
});

describe('without a chat model', () => {
  it('/describe is refused privately; enhance falls back to FLUX’s own prompt upsampling', async () => {
    world.env.IMAGE_CHAT_MODEL = 'none';
    await world.restartBot();
    try {
      const uploaded = await upload([{ name: 'red.png', bytes: await redSquare(), type: 'image/png' }]);
      const before = world.relay.requests.length;
      expect(await refusedWith(describeCommand((uploaded.attachments as Obj[])[0]!, newUser()))).toContain('IMAGE_CHAT_MODEL');
      expect(world.relay.requests.length).toBe(before);
      const imageBefore = imageCalls().length;
      const chatBefore = chatCalls().length;
      const message = await delivered(imagine([str('prompt', 'a castle'), str('model', 'flux-2-pro'), bool('enhance', true)], newUser()));
      expect(imageCalls()[imageBefore]!.body).toMatchObject({ prompt: 'a castle', prompt_upsampling: true });
      expect(embedText(message)).toContain('prompt upsampling');
      expect(chatCalls().length).toBe(chatBefore);
    } finally {
      delete world.env.IMAGE_CHAT_MODEL;
      await world.restartBot();
    }
  });
});
