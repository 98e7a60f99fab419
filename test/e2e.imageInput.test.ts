// Image input end to end: the real bot process, the real discord.js client, the Discord fake (its CDN
// serves the attachments) and the relay fake (it answers an edit with its inputs inverted, so a test
// sees which image arrived). Attachments on /imagine (valid, not an image, too large, expired link, a
// text-only model), the Remix context menu and its form, Vary, and Re-roll of an edit.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeUser, InteractionHandle, InteractOption } from './fakes/discord/index.js';
import { refusedWith } from './helpers/refusal.js';
import { startWorld, type World, waitSettled } from './helpers/world.js';

type Obj = Record<string, unknown>;
type Rgb = [number, number, number];
const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];
const CYAN: Rgb = [0, 255, 255];

let world: World;
let nextUser = 0;

beforeAll(async () => {
  // A text-only model among the offered ones, to see Vary move to an image model.
  world = await startWorld({ env: { IMAGE_MODELS: 'flux-kontext-pro,gpt-image-1,flux-2-pro,flux-pro-1.1', IMAGE_MODEL: 'flux-kontext-pro' } });
});

afterAll(async () => {
  await world?.close();
});

function newUser(name: string): FakeUser {
  nextUser += 1;
  return { id: `41000000000000${String(1000 + nextUser)}`, username: name };
}

const str = (name: string, value: string): InteractOption => ({ name, type: 3, value });

function solid(rgb: Rgb, width = 96, height = 64): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toBuffer();
}

/** Puts a file on the fake's CDN the way Discord would: a message with an attachment (posted with the bot token). */
async function upload(files: Array<{ name: string; bytes: Buffer; type?: string }>, content = 'look at this'): Promise<Obj> {
  const form = new FormData();
  form.append('payload_json', JSON.stringify({ content, attachments: files.map((file, id) => ({ id, filename: file.name })) }));
  files.forEach((file, index) => form.append(`files[${index}]`, new Blob([file.bytes], { type: file.type ?? 'image/png' }), file.name));
  const response = await fetch(`${world.discord.apiBase}/v10/channels/${world.discord.channelId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bot ${world.discord.token}` },
    body: form,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as Obj;
}

function attachmentsOf(message: Obj): Obj[] {
  return message.attachments as Obj[];
}

/** An /imagine with attachment options, as Discord sends it: the option holds the id, `resolved` the attachment. */
function imagineWith(options: InteractOption[], attachments: Obj[], opts: { user?: FakeUser; locale?: string } = {}): InteractionHandle {
  const names = ['image', 'image2', 'image3', 'image4'];
  return world.discord.interact({
    name: 'imagine',
    options: [...options, ...attachments.map((attachment, index) => ({ name: names[index]!, type: 11, value: attachment.id }))],
    resolved: { attachments: Object.fromEntries(attachments.map((attachment) => [attachment.id, attachment])) },
    user: opts.user ?? newUser('editor'),
    ...(opts.locale ? { locale: opts.locale } : {}),
  });
}

async function delivered(handle: InteractionHandle): Promise<FakeMessage> {
  expect((await handle.waitForCallback(3_000)).type).toBe(5);
  await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
  await waitSettled(world, handle.id);
  return handle.original()!;
}

function relayCallsSince(from: number) {
  return world.relay.requests.slice(from).filter((request) => request.method === 'POST');
}

function rowFor(handle: InteractionHandle): Obj | undefined {
  return world.usageRows().find((row) => row.interaction_id === handle.id);
}

function embedFields(message: FakeMessage): Array<{ name: string; value: string }> {
  return ((message.embeds[0] as Obj | undefined)?.fields as Array<{ name: string; value: string }>) ?? [];
}

function buttonIdOf(message: FakeMessage, action: string): string {
  const buttons = (message.components as Obj[]).flatMap((row) => (row.components as Obj[]) ?? []);
  const found = buttons.find((button) => String(button.custom_id).startsWith(`img:${action}:`));
  if (!found) throw new Error(`no ${action} button: ${JSON.stringify(message.components)}`);
  return String(found.custom_id);
}

async function colourAt(bytes: Buffer, fx: number, fy: number): Promise<Rgb> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const x = Math.min(info.width - 1, Math.floor(info.width * fx));
  const y = Math.min(info.height - 1, Math.floor(info.height * fy));
  const offset = (y * info.width + x) * info.channels;
  return [data[offset]!, data[offset + 1]!, data[offset + 2]!];
}

function near(actual: Rgb, expected: Rgb): void {
  actual.forEach((value, index) => expect(Math.abs(value - expected[index]!), `${actual} vs ${expected}`).toBeLessThanOrEqual(32));
}

function inputFieldsOf(body: unknown): string[] {
  return Object.keys(body as Obj).filter((key) => key.startsWith('input_image'));
}

describe('/imagine with attachments', () => {
  it('a valid image: downloaded at once, sent as base64 input_image (never the Discord link), the result made from it', async () => {
    const uploaded = await upload([{ name: 'red-square.png', bytes: await solid(RED, 64, 64) }]);
    const from = world.relay.requests.length;
    const handle = imagineWith([str('prompt', 'turn it into a sunset'), str('model', 'flux-kontext-pro')], attachmentsOf(uploaded));
    const message = await delivered(handle);
    const [request] = relayCallsSince(from);
    expect(request?.path).toBe('/v1/images/generations');
    expect(inputFieldsOf(request?.body)).toEqual(['input_image']);
    expect(JSON.stringify(request?.body)).not.toContain(world.discord.origin);
    // The input's shape (square) rather than IMAGE_SIZE.
    expect((request?.body as Obj).aspect_ratio).toBe('1:1');
    near(await colourAt(message.attachments[0]!.bytes, 0.5, 0.5), CYAN);
    const inputs = embedFields(message).find((field) => field.name === 'Input images');
    expect(inputs?.value).toBe('red-square.png');
    await handle.waitFor(() => rowFor(handle)?.outcome === 'success');
    expect(rowFor(handle)).toMatchObject({ is_edit: 1, input_count: 1, model: 'flux-kontext-pro' });
    // The usage log keeps the input's name, never its bytes.
    expect(JSON.parse(String(rowFor(handle)?.params)).inputImages).toEqual([{ name: 'red-square.png', parts: 1, sources: [] }]);
  });

  it('two images on a GPT image model go to /images/edits as a multipart form with two image[] files', async () => {
    const uploaded = await upload([
      { name: 'left.png', bytes: await solid(RED) },
      { name: 'right.png', bytes: await solid(BLUE) },
    ]);
    const from = world.relay.requests.length;
    const handle = imagineWith([str('prompt', 'combine them'), str('model', 'gpt-image-1')], attachmentsOf(uploaded));
    const message = await delivered(handle);
    const [request] = relayCallsSince(from);
    expect(request?.path).toBe('/v1/images/edits');
    expect(request?.files?.map((file) => [file.field, file.filename])).toEqual([
      ['image[]', 'left.png'],
      ['image[]', 'right.png'],
    ]);
    expect(request?.body).not.toHaveProperty('moderation');
    near(await colourAt(message.attachments[0]!.bytes, 0.25, 0.5), CYAN);
    near(await colourAt(message.attachments[0]!.bytes, 0.75, 0.5), [255, 255, 0]);
    await handle.waitFor(() => rowFor(handle)?.outcome === 'success');
    expect(rowFor(handle)).toMatchObject({ is_edit: 1, input_count: 2 });
  });

  it('a file that is not an image (whatever its name and type say): a private refusal, nothing sent or charged', async () => {
    const uploaded = await upload([{ name: 'cat.png', bytes: Buffer.from('<!DOCTYPE html><html><body>not a cat</body></html>'), type: 'image/png' }]);
    const from = world.relay.requests.length;
    const handle = imagineWith([str('prompt', 'a cat'), str('model', 'flux-kontext-pro')], attachmentsOf(uploaded));
    const content = await refusedWith(handle);
    expect(content).toContain('"cat.png" is not an image');
    expect(content).toContain('Nothing was charged');
    expect(relayCallsSince(from)).toHaveLength(0);
    expect(rowFor(handle)).toMatchObject({ outcome: 'invalid_input', is_edit: 1, input_count: 1, estimated_cost: 0 });
  });

  it('a file larger than the cap is refused from its declared size, without downloading it', async () => {
    const uploaded = await upload([{ name: 'huge.png', bytes: await solid(RED) }]);
    const [attachment] = attachmentsOf(uploaded);
    const downloadsBefore = world.discord.requests.filter((request) => request.path.startsWith('/attachments/')).length;
    const handle = imagineWith([str('prompt', 'a big one'), str('model', 'flux-2-pro')], [{ ...attachment, size: 30 * 1024 * 1024 }], { locale: 'zh-CN' });
    const content = await refusedWith(handle);
    expect(content).toContain('太大');
    expect(content).toContain('未产生任何费用');
    expect(world.discord.requests.filter((request) => request.path.startsWith('/attachments/')).length).toBe(downloadsBefore);
  });

  it('an expired link (the CDN answers 404): a private refusal asking to upload again', async () => {
    const uploaded = await upload([{ name: 'old.png', bytes: await solid(RED) }]);
    const [attachment] = attachmentsOf(uploaded);
    const gone = { ...attachment, id: '1234567890123456789', url: String(attachment!.url).replace(/\/attachments\/(\d+)\/\d+\//, '/attachments/$1/1234567890123456789/') };
    const from = world.relay.requests.length;
    const content = await refusedWith(imagineWith([str('prompt', 'again'), str('model', 'flux-kontext-pro')], [gone]));
    expect(content).toMatch(/expired.*upload the image again/);
    expect(relayCallsSince(from)).toHaveLength(0);
  });

  it('a model that takes no input image says so, names the ones that do, and downloads nothing', async () => {
    const uploaded = await upload([{ name: 'photo.png', bytes: await solid(RED) }]);
    const downloadsBefore = world.discord.requests.filter((request) => request.path.startsWith('/attachments/')).length;
    const from = world.relay.requests.length;
    const content = await refusedWith(imagineWith([str('prompt', 'edit it'), str('model', 'flux-pro-1.1')], attachmentsOf(uploaded)));
    expect(content).toContain('flux-pro-1.1 draws from text only');
    expect(content).toMatch(/Valid: flux-kontext-pro, gpt-image-1, flux-2-pro/);
    expect(relayCallsSince(from)).toHaveLength(0);
    expect(world.discord.requests.filter((request) => request.path.startsWith('/attachments/')).length).toBe(downloadsBefore);
  });
});

describe('the Remix context menu', () => {
  it('opens a localised form, then edits the message’s image with the prompt and model chosen', async () => {
    const uploaded = await upload([{ name: 'blue.png', bytes: await solid(BLUE, 64, 64) }], 'my drawing');
    const user = newUser('remixer');
    const menu = world.discord.interact({
      name: 'Remix',
      commandType: 3,
      targetId: String(uploaded.id),
      resolved: { messages: { [String(uploaded.id)]: uploaded } },
      user,
      locale: 'zh-CN',
    });
    const opened = await menu.waitForCallback(3_000);
    expect(opened.type).toBe(9);
    const modal = opened.data as Obj;
    expect(String(modal.title)).toMatch(/\p{Script=Han}/u);
    expect(String(modal.custom_id)).toBe(`remix:${world.discord.channelId}:${String(uploaded.id)}:${String(attachmentsOf(uploaded)[0]!.id)}`);
    const from = world.relay.requests.length;
    const submitted = world.discord.submitModal(menu, { prompt: 'the same at night --seed 5', model: 'flux-2-pro' });
    const message = await delivered(submitted);
    const [request] = relayCallsSince(from);
    expect(request?.body).toMatchObject({ model: 'flux-2-pro', prompt: 'the same at night', seed: 5 });
    expect(inputFieldsOf(request?.body)).toEqual(['input_image']);
    near(await colourAt(message.attachments[0]!.bytes, 0.5, 0.5), [255, 255, 0]);
    expect(embedFields(message).find((field) => field.name === '输入图片')?.value).toBe('blue.png');
    await submitted.waitFor(() => rowFor(submitted)?.outcome === 'success');
    expect(rowFor(submitted)).toMatchObject({ is_edit: 1, input_count: 1, user_id: user.id });
  });

  it('without a model chosen, the server’s image model is used', async () => {
    const uploaded = await upload([{ name: 'sketch.png', bytes: await solid(RED) }]);
    const menu = world.discord.interact({ name: 'Remix', commandType: 3, targetId: String(uploaded.id), resolved: { messages: { [String(uploaded.id)]: uploaded } } });
    expect((await menu.waitForCallback(3_000)).type).toBe(9);
    const from = world.relay.requests.length;
    await delivered(world.discord.submitModal(menu, { prompt: 'a watercolour version' }));
    expect(relayCallsSince(from)[0]?.body).toMatchObject({ model: 'flux-kontext-pro' });
  });

  it('on a message without an image: a private explanation, no form', async () => {
    const plain = await upload([], 'just words');
    const menu = world.discord.interact({ name: 'Remix', commandType: 3, targetId: String(plain.id), resolved: { messages: { [String(plain.id)]: plain } } });
    const content = await refusedWith(menu);
    expect(content).toContain('no image attachment to remix');
  });
});

describe('Vary and Re-roll of edits', () => {
  it('Vary runs the result itself as the input image, on an image model when the result’s model takes none', async () => {
    const user = newUser('varier');
    const first = world.discord.interact({ name: 'imagine', options: [str('prompt', 'a lighthouse'), str('model', 'flux-pro-1.1')], user });
    const result = await delivered(first);
    const from = world.relay.requests.length;
    const click = world.discord.clickButton(result, buttonIdOf(result, 'vary'), { user });
    const varied = await delivered(click);
    const [request] = relayCallsSince(from);
    // flux-pro-1.1 takes no image: the server's default image model (flux-kontext-pro) varies it.
    expect(request?.body).toMatchObject({ model: 'flux-kontext-pro', prompt: 'a lighthouse' });
    const sent = Buffer.from(String((request?.body as Obj).input_image), 'base64');
    const original = await sharp(result.attachments[0]!.bytes).metadata();
    expect(await sharp(sent).metadata()).toMatchObject({ width: original.width, height: original.height });
    // The answer is the input inverted: the variation's centre is the inverse of the result's.
    const before = await colourAt(result.attachments[0]!.bytes, 0.5, 0.5);
    near(await colourAt(varied.attachments[0]!.bytes, 0.5, 0.5), before.map((value) => 255 - value) as Rgb);
    await click.waitFor(() => rowFor(click)?.outcome === 'success');
    const row = rowFor(click)!;
    expect(row).toMatchObject({ is_edit: 1, input_count: 1 });
    expect(JSON.parse(String(row.params)).inputImages[0].sources).toEqual([
      { channelId: result.channel_id, messageId: result.id, attachmentId: result.attachments[0]!.id },
    ]);

    // Re-roll of the variation fetches the same input again from the result message.
    const again = world.relay.requests.length;
    const reroll = world.discord.clickButton(varied, buttonIdOf(varied, 'reroll'), { user });
    await delivered(reroll);
    const [rerolled] = relayCallsSince(again);
    expect(inputFieldsOf(rerolled?.body)).toEqual(['input_image']);
    expect((rerolled?.body as Obj).input_image).toBe((request?.body as Obj).input_image);
  });

  it('Re-roll of an edit of an upload Discord does not keep: a private explanation, nothing sent', async () => {
    const uploaded = await upload([{ name: 'once.png', bytes: await solid(RED) }]);
    const user = newUser('uploader');
    const result = await delivered(imagineWith([str('prompt', 'make it pop'), str('model', 'flux-kontext-pro')], attachmentsOf(uploaded), { user }));
    const from = world.relay.requests.length;
    const content = await refusedWith(world.discord.clickButton(result, buttonIdOf(result, 'reroll'), { user }));
    expect(content).toContain('cannot be re-rolled');
    expect(content).toContain('Vary');
    expect(relayCallsSince(from)).toHaveLength(0);
  });

  it('the bot stays healthy', () => {
    expect(world.bot.child.exitCode).toBeNull();
    expect(world.bot.logs.filter((line) => /unhandled rejection|stopped on an unexpected error/.test(line))).toEqual([]);
  });
});
