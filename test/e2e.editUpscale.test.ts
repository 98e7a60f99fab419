// Edit and Upscale under a result, and the menu that applies Vary / Upscale / Edit to image N, end to
// end: the real bot process, the real discord.js client, the Discord fake (its CDN serves the result
// images; its attachments state their pixels as Discord's do) and the relay fake (it answers an edit
// with its inputs inverted, so a test sees which image arrived). Both go through /imagine's
// admission, so each is one ledger row, refunded by the same rules; their state is in the custom_ids.
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../src/catalog/models.js';
import { formatUsd } from '../src/i18n/editMessages.js';
import type { FakeMessage, FakeUser, InteractionHandle } from './fakes/discord/index.js';
import type { RecordedRequest } from './fakes/relay/index.js';
import { colourAt, expectNear as near, inverse } from './helpers/pixels.js';
import { startWorld, type World, waitSettled } from './helpers/world.js';

const EPHEMERAL = 64;
const LOADING = 128;
type Obj = Record<string, unknown>;

let nextUser = 0;
function newUser(name: string): FakeUser {
  nextUser += 1;
  return { id: `43000000000000${String(1000 + nextUser)}`, username: name };
}

function priceOf(model: string): number {
  const spec = findModel(model);
  if (!spec) throw new Error(`no catalog model ${model}`);
  return spec.pricePerImage;
}

function componentsOf(message: FakeMessage): Obj[] {
  return (message.components as Obj[]).flatMap((row) => (row.components as Obj[]) ?? []);
}

function componentId(message: FakeMessage, prefix: string): string {
  const found = componentsOf(message).find((component) => String(component.custom_id).startsWith(prefix));
  if (!found) throw new Error(`no component ${prefix}… on message ${message.id}: ${JSON.stringify(message.components)}`);
  return String(found.custom_id);
}

/** What a member reads (the content and the embeds), for text assertions. */
function textOf(message: FakeMessage | undefined): string {
  return `${message?.content ?? ''}\n${JSON.stringify(message?.embeds ?? [])}`;
}

async function pixelsOf(bytes: Buffer): Promise<{ width: number; height: number }> {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width!, height: meta.height! };
}

describe('Edit and Upscale under results (real bot process)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  /** Rows read through a connection of their own, as an operator would. */
  const db = <T = Obj>(sql: string, ...params: unknown[]): T[] => {
    const handle = new Database(world.dbPath, { readonly: true });
    const rows = handle.prepare(sql).all(...params) as T[];
    handle.close();
    return rows;
  };
  const ledgerRows = (handle: InteractionHandle) => db('SELECT state, images, cost_micros FROM ledger WHERE key = ?', handle.id);
  const usageOf = (handle: InteractionHandle): Obj | undefined => world.usageRows().find((row) => row.interaction_id === handle.id);
  const relayCallsSince = (from: number): RecordedRequest[] => world.relay.requests.slice(from).filter((request) => request.method === 'POST');

  async function imagine(prompt: string, options: { model?: string; count?: number; user?: FakeUser; locale?: string } = {}): Promise<FakeMessage> {
    const handle = world.discord.interact({
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: prompt },
        { name: 'model', type: 3, value: options.model ?? 'flux-2-pro' },
        ...(options.count ? [{ name: 'count', type: 4, value: options.count }] : []),
      ],
      user: options.user ?? newUser('imaginer'),
      ...(options.locale ? { locale: options.locale } : {}),
    });
    return delivered(handle);
  }

  /** The public reply once it shows the image(s), with its request settled. */
  async function delivered(handle: InteractionHandle): Promise<FakeMessage> {
    expect((await handle.waitForCallback(3_000)).type).toBe(5);
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0 && (state.original?.components.length ?? 0) > 0, 30_000);
    await waitSettled(world, handle.id);
    const message = handle.original()!;
    expect(message.flags & EPHEMERAL).toBe(0);
    return message;
  }

  /** The reply once it shows the failure (an embed, no image). */
  async function failed(handle: InteractionHandle): Promise<FakeMessage> {
    expect((await handle.waitForCallback(3_000)).type).toBe(5);
    await handle.waitFor((state) => Boolean(state.original && !(state.original.flags & LOADING) && state.original.embeds.length > 0), 20_000);
    await waitSettled(world, handle.id);
    return handle.original()!;
  }

  type ToolOptions = { image?: number; user?: FakeUser; locale?: string };

  /** Image 1's button for `tool`, else the menu's choice of `tool` for image N, by a new member unless one is given. */
  function useTool(message: FakeMessage, tool: 'edit' | 'upscale', options: ToolOptions) {
    const image = options.image ?? 1;
    const who = { user: options.user ?? newUser(`${tool}-user`), ...(options.locale ? { locale: options.locale } : {}) };
    const handle =
      image === 1
        ? world.discord.clickButton(message, componentId(message, `edit:${tool}:`), who)
        : world.discord.chooseOption(message, componentId(message, 'edit:pick:'), [`${tool}:${image}`], who);
    return { handle, who };
  }

  /** Edit on image N, the form filled in and submitted. */
  async function edit(message: FakeMessage, instruction: string, options: ToolOptions = {}) {
    const { handle, who } = useTool(message, 'edit', options);
    const opened = await handle.waitForCallback(3_000);
    expect(opened.type).toBe(9);
    return { form: opened.data as Obj, submitted: world.discord.submitModal(handle, { instruction }, who) };
  }

  /** Upscale on image N: the private quote (type 4, ephemeral) with its confirm button. */
  async function quote(message: FakeMessage, options: ToolOptions = {}) {
    const { handle, who } = useTool(message, 'upscale', options);
    expect((await handle.waitForCallback(3_000)).type).toBe(4);
    const answer = handle.original()!;
    expect(answer.flags & EPHEMERAL).toBe(EPHEMERAL);
    return { handle, answer, who };
  }

  it('puts Edit and Upscale on their own row under every result, in the member’s language; no menu for one image', async () => {
    const en = await imagine('a paper boat on a puddle');
    const rows = (en.components as Obj[]).map((row) => (row.components as Obj[]).map((c) => [c.type, String(c.custom_id).replace(/\d+/g, 'N'), c.label]));
    expect(rows).toHaveLength(3);
    expect(rows[2]).toEqual([
      [2, 'edit:edit:N:N', 'Edit'],
      [2, 'edit:upscale:N:N', 'Upscale'],
    ]);
    for (const component of componentsOf(en)) expect(String(component.custom_id).length).toBeLessThanOrEqual(100);
    const rowId = Number(componentId(en, 'img:details:').split(':')[2]);
    expect(componentId(en, 'edit:edit:')).toBe(`edit:edit:${rowId}:1`);

    const zh = await imagine('雨中的纸船', { locale: 'zh-CN' });
    expect(componentsOf(zh).filter((c) => String(c.custom_id).startsWith('edit:')).map((c) => c.label)).toEqual(['编辑', '放大']);
  });

  it('Edit: a form asks what should change; its submit edits image 1 with the instruction as the prompt, on the result’s model', async () => {
    const result = await imagine('a lighthouse on a cliff');
    const user = newUser('night-editor');
    const from = world.relay.requests.length;
    const { form, submitted } = await edit(result, 'make it night --seed 7', { user });
    expect(String(form.custom_id)).toMatch(/^edit:\d+:1$/);
    expect(JSON.stringify(form)).toContain('What should change?');
    const edited = await delivered(submitted);

    const [request] = relayCallsSince(from);
    expect(request?.body).toMatchObject({ model: 'flux-2-pro', prompt: 'make it night', seed: 7 });
    // The result image itself went in (fetched again from the message), and came back inverted.
    const sent = Buffer.from(String((request?.body as Obj).input_image), 'base64');
    expect(await pixelsOf(sent)).toEqual(await pixelsOf(result.attachments[0]!.bytes));
    near(await colourAt(edited.attachments[0]!.bytes, 0.3, 0.3), inverse(await colourAt(result.attachments[0]!.bytes, 0.3, 0.3)));
    expect(textOf(edited)).toContain('make it night');
    expect(textOf(edited)).toContain(`<@${user.id}>`);

    // One charge, like any request: one ledger row, committed at the model's price.
    expect(ledgerRows(submitted)).toEqual([{ state: 'committed', images: 1, cost_micros: Math.round(priceOf('flux-2-pro') * 1e6) }]);
    expect(usageOf(submitted)).toMatchObject({ outcome: 'success', is_edit: 1, input_count: 1, user_id: user.id, model: 'flux-2-pro', prompt: 'make it night' });
    // The edit has the tools of any result.
    expect(componentId(edited, 'edit:upscale:')).toMatch(/^edit:upscale:\d+:1$/);
  });

  it('Edit in zh-CN: the form is localised', async () => {
    const result = await imagine('一只猫');
    const { form, submitted } = await edit(result, '加一顶帽子', { locale: 'zh-CN' });
    expect(JSON.stringify(form)).toContain('要修改什么');
    expect(String(form.title)).toMatch(/\p{Script=Han}/u);
    await delivered(submitted);
  });

  it('Upscale: the estimated cost and target size privately first, nothing spent; confirm → the image at 4 MP', async () => {
    const result = await imagine('a fox in the snow');
    expect(await pixelsOf(result.attachments[0]!.bytes)).toEqual({ width: 1024, height: 1024 });
    const from = world.relay.requests.length;
    const ledgerBefore = db('SELECT key FROM ledger').length;
    const { handle, answer, who } = await quote(result);
    expect(answer.content).toContain(`Upscale image 1 (1024x1024) to 2048x2048 on flux-2-pro: about $${formatUsd(priceOf('flux-2-pro'))}`);
    expect(answer.content).toContain('Nothing is charged until you confirm');
    // A quote reserves nothing and sends nothing.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(relayCallsSince(from)).toHaveLength(0);
    expect(db('SELECT key FROM ledger')).toHaveLength(ledgerBefore);
    expect(usageOf(handle)).toBeUndefined();

    const confirmId = componentId(answer, 'edit:go:');
    expect(confirmId.length).toBeLessThanOrEqual(100);
    const confirm = world.discord.clickButton(answer, confirmId, who);
    const upscaled = await delivered(confirm);
    const [request] = relayCallsSince(from);
    expect(request?.body).toMatchObject({ model: 'flux-2-pro', width: 2048, height: 2048 });
    const prompt = String((request?.body as Obj).prompt);
    expect(prompt.endsWith('a fox in the snow')).toBe(true);
    expect(prompt).toMatch(/^Upscale this image.*keep/i);
    const sent = Buffer.from(String((request?.body as Obj).input_image), 'base64');
    expect(await pixelsOf(sent)).toEqual({ width: 1024, height: 1024 });
    expect(await pixelsOf(upscaled.attachments[0]!.bytes)).toEqual({ width: 2048, height: 2048 });
    near(await colourAt(upscaled.attachments[0]!.bytes, 0.3, 0.3), inverse(await colourAt(result.attachments[0]!.bytes, 0.3, 0.3)));
    expect(textOf(upscaled)).toContain('2048x2048');

    expect(ledgerRows(confirm)).toEqual([{ state: 'committed', images: 1, cost_micros: Math.round(priceOf('flux-2-pro') * 1e6) }]);
    expect(usageOf(confirm)).toMatchObject({ outcome: 'success', is_edit: 1, model: 'flux-2-pro', size_effective: '2048x2048' });

    // An image already at 4 MP goes to a model that can make it larger (gpt-image-2, up to 3840 on the long side).
    const again = await quote(upscaled);
    expect(again.answer.content).toMatch(/Upscale image 1 \(2048x2048\) to \d+x\d+ on gpt-image-2/);
    expect(again.answer.content).toContain(`$${formatUsd(priceOf('gpt-image-2'))}`);
  });

  it('Upscale quote in zh-CN', async () => {
    const result = await imagine('雪中的狐狸');
    const { answer } = await quote(result, { locale: 'zh-CN' });
    expect(answer.content).toContain('将第 1 张图片(1024x1024)放大到 2048x2048');
    expect(answer.content).toContain('确认后才会计费');
    expect(componentsOf(answer).map((c) => c.label)).toEqual(['确认放大']);
  });

  it('a relay JSON error on an Edit or an Upscale is refunded like /imagine’s: the ledger row refunded, the usage row says so, the member told', async () => {
    const refusal = { kind: 'json', status: 400, body: { error: { message: 'Invalid value for background: stripes', type: 'invalid_request_error', code: 'invalid_value' } } } as const;
    const result = await imagine('a teapot on a table');

    world.relay.failNext(refusal);
    const { submitted } = await edit(result, 'make the teapot blue');
    const editFailure = textOf(await failed(submitted));
    // What /imagine says for the same ending (the relay's reason, what to change).
    expect(editFailure).toContain('refused the request: Invalid value for background: stripes');
    expect(ledgerRows(submitted)).toEqual([expect.objectContaining({ state: 'refunded' })]);
    expect(usageOf(submitted)).toMatchObject({ outcome: 'bad_request', is_edit: 1, estimated_cost: 0 });

    const { answer, who } = await quote(result);
    world.relay.failNext(refusal);
    const confirm = world.discord.clickButton(answer, componentId(answer, 'edit:go:'), who);
    const upscaleFailure = textOf(await failed(confirm));
    expect(upscaleFailure).toContain('refused the request: Invalid value for background: stripes');
    expect(ledgerRows(confirm)).toEqual([expect.objectContaining({ state: 'refunded' })]);
    expect(usageOf(confirm)).toMatchObject({ outcome: 'bad_request', is_edit: 1, estimated_cost: 0 });
  });

  it('with count 2: a menu applies Upscale, Vary and Edit to image 2 (the relay gets image 2)', { timeout: 60_000 }, async () => {
    const result = await imagine('two kites over a beach', { model: 'gpt-image-2', count: 2 });
    expect(result.attachments).toHaveLength(2);
    const menus = componentsOf(result).filter((c) => c.type === 3);
    expect(menus).toHaveLength(1);
    const menu = menus[0]! as { custom_id: string; placeholder: string; options: Array<{ value: string; label: string }> };
    expect(menu.placeholder).toBe('Vary / Upscale / Edit image 1–2…');
    expect(menu.options.map((option) => option.value)).toEqual(['vary:1', 'upscale:1', 'edit:1', 'vary:2', 'upscale:2', 'edit:2']);
    expect(menu.options.map((option) => option.label)).toContain('Upscale image 2');
    const second = result.attachments[1]!;
    const secondCentre = await colourAt(second.bytes, 0.5, 0.5);
    // The two images differ, so the answer shows which one went in.
    expect(secondCentre).not.toEqual(await colourAt(result.attachments[0]!.bytes, 0.5, 0.5));

    // Upscale image 2: quoted for image 2, then re-rendered from it.
    const from = world.relay.requests.length;
    const { answer, who } = await quote(result, { image: 2 });
    expect(answer.content).toContain(`Upscale image 2 (1024x1024) to 2880x2880 on gpt-image-2: about $${formatUsd(priceOf('gpt-image-2'))}`);
    const confirm = world.discord.clickButton(answer, componentId(answer, 'edit:go:'), who);
    const upscaled = await delivered(confirm);
    const [request] = relayCallsSince(from);
    expect(request?.path).toBe('/v1/images/edits');
    expect(request?.files?.map((file) => [file.field, file.filename])).toEqual([['image[]', second.filename]]);
    expect(request?.body).toMatchObject({ model: 'gpt-image-2', size: '2880x2880', n: '1' });
    expect(await pixelsOf(upscaled.attachments[0]!.bytes)).toEqual({ width: 2880, height: 2880 });
    near(await colourAt(upscaled.attachments[0]!.bytes, 0.5, 0.5), inverse(secondCentre));
    expect(ledgerRows(confirm)).toEqual([{ state: 'committed', images: 1, cost_micros: Math.round(priceOf('gpt-image-2') * 1e6) }]);

    // Vary image 2: the same prompt, image 2 as the input.
    const beforeVary = world.relay.requests.length;
    const varied = await delivered(world.discord.chooseOption(result, menu.custom_id, ['vary:2'], { user: newUser('varier') }));
    const [varyRequest] = relayCallsSince(beforeVary);
    expect(varyRequest?.files?.map((file) => file.filename)).toEqual([second.filename]);
    expect(varyRequest?.body).toMatchObject({ model: 'gpt-image-2', prompt: 'two kites over a beach' });
    near(await colourAt(varied.attachments[0]!.bytes, 0.5, 0.5), inverse(secondCentre));

    // Edit image 2 through the menu: the form, then image 2 edited.
    const beforeEdit = world.relay.requests.length;
    const { form, submitted } = await edit(result, 'add a third kite', { image: 2 });
    expect(String(form.custom_id)).toMatch(/^edit:\d+:2$/);
    await delivered(submitted);
    const [editRequest] = relayCallsSince(beforeEdit);
    expect(editRequest?.files?.map((file) => file.filename)).toEqual([second.filename]);
    expect(editRequest?.body).toMatchObject({ prompt: 'add a third kite' });
  });

  it('with count 10: two menus (25 options at most each), five rows in all, accepted by Discord', { timeout: 60_000 }, async () => {
    const result = await imagine('ten paper lanterns', { model: 'gpt-image-2', count: 10 });
    expect(result.attachments).toHaveLength(10);
    expect(result.components).toHaveLength(5);
    const menus = componentsOf(result).filter((c) => c.type === 3) as Array<{ options: Array<{ value: string }> }>;
    expect(menus).toHaveLength(2);
    const values = menus.flatMap((menu) => menu.options.map((option) => option.value));
    expect(values).toHaveLength(30);
    expect(values).toContain('upscale:10');
    for (const menu of menus) expect(menu.options.length).toBeLessThanOrEqual(25);
  });

  it('after a restart: Edit, and the confirm of an Upscale quoted before it, still work', { timeout: 90_000 }, async () => {
    const result = await imagine('a windmill at dawn');
    const { answer, who } = await quote(result);
    const oldPid = world.bot.child.pid;
    await world.restartBot('SIGKILL');
    expect(world.bot.child.pid).not.toBe(oldPid);

    const from = world.relay.requests.length;
    const confirm = world.discord.clickButton(answer, componentId(answer, 'edit:go:'), who);
    const upscaled = await delivered(confirm);
    expect(relayCallsSince(from)[0]?.body).toMatchObject({ model: 'flux-2-pro', width: 2048, height: 2048 });
    expect(await pixelsOf(upscaled.attachments[0]!.bytes)).toEqual({ width: 2048, height: 2048 });

    const { submitted } = await edit(result, 'add birds in the sky');
    await delivered(submitted);
    expect(relayCallsSince(from).at(-1)?.body).toMatchObject({ prompt: 'add birds in the sky', model: 'flux-2-pro' });
    expect(usageOf(submitted)).toMatchObject({ outcome: 'success', is_edit: 1 });
    expect(world.bot.logs.filter((line) => /unhandled rejection|interaction handler failed/.test(line))).toEqual([]);
  });
});
