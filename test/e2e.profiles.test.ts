// /imagine against relays that follow their seed documents (the relay fake's profiles), through the
// real bot process: what reaches the relay, what the member sees, and what is refused before any
// relay request is made.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, InteractOption } from './fakes/discord/types.js';
import type { RecordedRequest } from './fakes/relay/types.js';
import { startWorld, type World } from './helpers/world.js';

const str = (name: string, value: string): InteractOption => ({ name, type: 3, value });
const EPHEMERAL = 64;

function notesOf(message: FakeMessage | undefined): string {
  const embeds = (message?.embeds ?? []) as Array<{ fields?: Array<{ name: string; value: string }> }>;
  return embeds.flatMap((embed) => embed.fields ?? []).find((field) => field.name === 'Notes' || field.name === '说明')?.value ?? '';
}

function generations(world: World, from: number): RecordedRequest[] {
  return world.relay.requests.slice(from).filter((request) => /\/(images\/generations|chat\/completions)$/.test(request.path));
}

async function imagine(world: World, options: InteractOption[], locale = 'en-US') {
  const handle = world.discord.interact({ name: 'imagine', options, locale });
  await handle.waitForCallback(3_000);
  await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0 || (state.original?.embeds.length ?? 0) > 0, 15_000);
  return { handle, message: handle.original()! };
}

/** An /imagine the bot must refuse privately: the refusal, and how many relay requests it caused. */
async function refused(world: World, options: InteractOption[], locale = 'en-US') {
  const before = world.relay.requests.length;
  const handle = world.discord.interact({ name: 'imagine', options, locale });
  await handle.waitForCallback(3_000);
  await handle.waitFor((state) => state.original !== undefined, 5_000);
  // Give a wrongly started generation the time to reach the relay.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { message: handle.original()!, relayRequests: world.relay.requests.length - before };
}

describe('IMAGE_API_PROFILE=quickrouter (003: FLUX in "OpenAI dall-e-3 format")', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { profile: 'quickrouter' }, env: { IMAGE_API_PROFILE: 'quickrouter', IMAGE_MODEL: 'flux-2-pro' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('flux-2-pro at 1920x1080 is sent as aspect_ratio 16:9 with no size; the image arrives and the member is told', async () => {
    const from = world.relay.requests.length;
    const { message } = await imagine(world, [str('prompt', 'a harbour at dawn'), str('model', 'flux-2-pro'), str('size', '1920x1080')]);
    const sent = generations(world, from);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toEqual({ model: 'flux-2-pro', prompt: 'a harbour at dawn', n: 1, aspect_ratio: '16:9' });
    expect(message.attachments).toHaveLength(1);
    const meta = await sharp(message.attachments[0]!.bytes).metadata();
    expect(meta.width! / meta.height!).toBeCloseTo(16 / 9, 1);
    expect(notesOf(message)).toContain('size 1920x1080 → 16:9');
    // No seed is shown: the relay takes none, so one picked by the bot would reproduce nothing.
    expect(JSON.stringify(message.embeds)).not.toMatch(/"Seed"/);
  });

  it('a 1,500-character prompt is refused privately, naming the 1000 limit, before any relay request', async () => {
    const { message, relayRequests } = await refused(world, [str('prompt', 'a'.repeat(1_500)), str('model', 'flux-2-pro')]);
    expect(relayRequests).toBe(0);
    expect(message.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(JSON.stringify(message)).toMatch(/1000/);
    const zh = await refused(world, [str('prompt', '字'.repeat(1_001)), str('model', 'flux-2-pro')], 'zh-CN');
    expect(zh.relayRequests).toBe(0);
    expect(JSON.stringify(zh.message)).toMatch(/最多接受 1000 个/);
  });

  it('size autocomplete offers the nine ratios the relay takes', async () => {
    const handle = world.discord.interact({ name: 'imagine', type: 4, options: [str('prompt', 'x'), str('model', 'flux-2-pro'), { ...str('size', ''), focused: true }] });
    const callback = await handle.waitForCallback(3_000);
    const choices = (callback.data as { choices: Array<{ value: string }> }).choices;
    expect(choices.map((choice) => choice.value)).toEqual(['21:9', '16:9', '4:3', '3:2', '1:1', '2:3', '3:4', '9:16', '9:21']);
  });
});

describe('IMAGE_API_PROFILE=flu, a channel that takes only the documented parameters (000)', () => {
  let world: World;
  beforeAll(async () => {
    // 000: "参数名称写错 → 400 Invalid request"; the fake refuses any field beyond {model, prompt, size, n, quality}.
    world = await startWorld({
      relay: { profile: 'flu', rejectUnknownParams: true },
      env: { IMAGE_API_PROFILE: 'flu', IMAGE_API_STREAMING: 'true', IMAGE_MODEL: 'gpt-image-2' },
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a refused stream goes with the optional set in the one resend; later requests are the documented body, accepted at once', async () => {
    const from = world.relay.requests.length;
    const { message } = await imagine(world, [str('prompt', 'a green square --q high'), str('size', '1024x1536')]);
    const sent = generations(world, from);
    // Streaming was asked for (IMAGE_API_STREAMING) and refused with the generic 400; the one resend
    // carries the stable set only.
    expect(sent.map((request) => request.body)).toEqual([
      { model: 'gpt-image-2', prompt: 'a green square', n: 1, size: '1024x1536', quality: 'high', stream: true, partial_images: 2 },
      { model: 'gpt-image-2', prompt: 'a green square', n: 1, size: '1024x1536' },
    ]);
    expect(message.attachments).toHaveLength(1);
    expect(notesOf(message)).toContain('sent again without `quality`');
    // The relay is not asked to stream again: the next request is the documented body, accepted at once.
    const next = world.relay.requests.length;
    const second = await imagine(world, [str('prompt', 'a green square'), str('quality', 'high')]);
    expect(generations(world, next).map((request) => request.body)).toEqual([{ model: 'gpt-image-2', prompt: 'a green square', n: 1, size: '1024x1024', quality: 'high' }]);
    expect(second.message.attachments).toHaveLength(1);
  });

  it('an undocumented parameter refused with "Invalid request" is dropped once, and the member is told, in Chinese too', async () => {
    const from = world.relay.requests.length;
    const { message } = await imagine(world, [str('prompt', '一个绿色方块 --format webp')], 'zh-CN');
    const sent = generations(world, from);
    expect(sent).toHaveLength(2);
    expect(sent[0]!.body).toMatchObject({ output_format: 'webp' });
    expect(sent[1]!.body).toEqual({ model: 'gpt-image-2', prompt: '一个绿色方块', n: 1, size: '1024x1024' });
    expect(message.attachments).toHaveLength(1);
    expect(notesOf(message)).toContain('已去掉 `output_format` 重新发送');
  });
});

describe('IMAGE_API_PROFILE=apiyi: gpt-image-2-all on its conversational endpoint (001, first line)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { profile: 'apiyi' }, env: { IMAGE_API_PROFILE: 'apiyi', IMAGE_MODEL: 'gpt-image-2-all' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('asks /v1/chat/completions with the shape in words, and delivers the linked image', async () => {
    const from = world.relay.requests.length;
    const { message } = await imagine(world, [str('prompt', 'a lighthouse at dusk'), str('model', 'gpt-image-2-all'), str('size', '1536x1024')]);
    const sent = generations(world, from);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe('/v1/chat/completions');
    expect(sent[0]!.body).toEqual({
      model: 'gpt-image-2-all',
      messages: [{ role: 'user', content: 'a lighthouse at dusk\n\nImage size: 1536x1024 pixels, aspect ratio 3:2.' }],
      stream: false,
    });
    expect(message.attachments).toHaveLength(1);
    expect((await sharp(message.attachments[0]!.bytes).metadata()).format).toBe('png');
  });

  it('sends FLUX its size alone (与 width/height 二选一), which the relay would refuse beside width/height', async () => {
    const from = world.relay.requests.length;
    const { message } = await imagine(world, [str('prompt', 'a harbour'), str('model', 'flux-2-pro'), str('size', '1536x1024')]);
    const body = generations(world, from)[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'flux-2-pro', size: '1536x1024' });
    expect(body).not.toHaveProperty('width');
    expect(body).not.toHaveProperty('height');
    expect(message.attachments).toHaveLength(1);
  });
});
