// What a user sees of /imagine and /usage, and what the operator sees in the usage log, through the
// real bot process (dist/src/main.js) against the Discord and relay fakes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordFake, type DiscordFake } from './fakes/discord/index.js';
import type { FakeMessage, FakeUser, InteractionHandle, InteractOption } from './fakes/discord/types.js';
import type { RecordedRequest } from './fakes/relay/types.js';
import { REPO_ROOT } from './helpers/botProcess.js';
import { startWorld, type World, waitSettled } from './helpers/world.js';

const run = promisify(execFile);

/** The model the relay fake answers slowly, so progress edits can be seen; every other model is fast. */
const SLOW_MODEL = 'flux-2-klein-4b';
const SLOW_MS = 6_500;

const EPHEMERAL = 64;
const LOADING = 128;

let nextUser = 0;
function newUser(name: string): FakeUser {
  nextUser += 1;
  return { id: `40000000000000${String(1000 + nextUser)}`, username: name };
}

const str = (name: string, value: string): InteractOption => ({ name, type: 3, value });
const int = (name: string, value: number): InteractOption => ({ name, type: 4, value });

/** The message as JSON without attachment bytes (which would only bloat substring checks). */
function messageJson(message: FakeMessage | undefined): string {
  return JSON.stringify(message, (key, value: unknown) => (key === 'bytes' ? undefined : value));
}

interface Field {
  name: string;
  value: string;
}
interface Embed {
  title?: string;
  description?: string;
  fields?: Field[];
}
function embedsOf(message: FakeMessage | undefined): Embed[] {
  return (message?.embeds ?? []) as Embed[];
}
function fieldsOf(message: FakeMessage | undefined): Field[] {
  return embedsOf(message).flatMap((embed) => embed.fields ?? []);
}
/** Labels of the result's own row (Share and ⭐ on the second row are e2e.gallery.test.ts's). */
function buttonLabels(message: FakeMessage | undefined): string[] {
  const rows = (message?.components ?? []) as Array<{ components?: Array<{ label?: string }> }>;
  return (rows[0]?.components ?? []).map((component) => component.label ?? '');
}

describe('/imagine and /usage end to end (real bot process)', () => {
  let world: World;
  /** The relay's origin not followed by another digit (its port must not match a longer port). */
  let relayOrigin: RegExp;

  beforeAll(async () => {
    world = await startWorld({ relay: { latencyMs: (model) => (model === SLOW_MODEL ? SLOW_MS : 20) } });
    const escaped = world.relay.origin.replace(/[.*+?^$()|[\]\\{}]/g, (c) => `\\${c}`);
    relayOrigin = new RegExp(escaped + '(?!\\d)');
  });
  afterAll(async () => {
    await world?.close();
  });

  const generationRequests = (from = 0): RecordedRequest[] =>
    world.relay.requests.slice(from).filter((request) => request.path.endsWith('/images/generations'));
  const bodyOf = (request: RecordedRequest | undefined): Record<string, unknown> => {
    expect(request, 'the relay received a generation request').toBeDefined();
    return request!.body as Record<string, unknown>;
  };
  const rowFor = (handle: InteractionHandle): Record<string, unknown> | undefined =>
    world.usageRows().find((row) => row.interaction_id === handle.id);

  /** Sends /imagine; resolves once the reply holds the result or a failure (both carry an embed). */
  async function imagine(options: InteractOption[], extra: { locale?: string; user?: FakeUser; timeoutMs?: number; nsfwChannel?: boolean } = {}) {
    const handle = world.discord.interact({ name: 'imagine', options, locale: extra.locale, user: extra.user, nsfwChannel: extra.nsfwChannel });
    const ack = await handle.waitForCallback(3_000);
    const contents: string[] = [];
    await handle.waitFor((state) => {
      const original = state.original;
      if (original && contents.at(-1) !== original.content) contents.push(original.content);
      return (original?.attachments.length ?? 0) > 0 || (original?.embeds.length ?? 0) > 0;
    }, extra.timeoutMs ?? 15_000);
    // The rows are settled just after Discord confirms the delivery.
    await waitSettled(world, handle.id);
    return { handle, ack, message: handle.original()!, contents };
  }

  /** Sends an /imagine the bot must refuse at once; returns the refusal. */
  async function refused(options: InteractOption[], locale?: string) {
    const before = world.relay.requests.length;
    const handle = world.discord.interact({ name: 'imagine', options, locale });
    const ack = await handle.waitForCallback(3_000);
    // A refusal is final: give a wrongly started generation the time to reach the relay.
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { handle, ack, message: handle.original(), relayRequests: world.relay.requests.length - before };
  }

  describe('happy path per dialect', () => {
    it('gpt-image-2: size 1024x1536 and quality high reach the relay; the reply is edited with a 1024x1536 PNG', async () => {
      const from = world.relay.requests.length;
      const { handle, ack, message } = await imagine([
        str('prompt', 'a lighthouse at dusk'),
        str('model', 'gpt-image-2'),
        str('size', '1024x1536'),
        str('quality', 'high'),
      ]);
      expect(ack.type).toBe(5);
      expect(ack.at - handle.dispatchedAt).toBeLessThan(1_500);

      const sent = generationRequests(from);
      expect(sent).toHaveLength(1);
      expect(bodyOf(sent[0])).toMatchObject({ model: 'gpt-image-2', prompt: 'a lighthouse at dusk', size: '1024x1536', quality: 'high', n: 1 });

      expect(message.flags & EPHEMERAL).toBe(0);
      expect(message.flags & LOADING).toBe(0);
      expect(message.attachments).toHaveLength(1);
      const attachment = message.attachments[0]!;
      const meta = await sharp(attachment.bytes).metadata();
      expect(meta.format).toBe('png');
      expect([meta.width, meta.height]).toEqual([1024, 1536]);
      expect(attachment.filename).toMatch(/\.png$/);
      const fields = fieldsOf(message);
      expect(fields.find((field) => field.name === 'Model')?.value).toBe('gpt-image-2');
      expect(fields.find((field) => field.name === 'Size')?.value).toBe('1024x1536');
      expect(buttonLabels(message)).toEqual(['Re-roll', 'Vary', 'Details', 'Delete', 'Report']);

      // The bot records the message id once Discord's answer to its edit is back: poll for it.
      await expect.poll(() => rowFor(handle), { timeout: 5_000 }).toMatchObject({
        outcome: 'success',
        model: 'gpt-image-2',
        user_id: world.discord.defaultUser.id,
        guild_id: world.discord.guildId,
        size_effective: '1024x1536',
        image_count: 1,
        message_id: message.id,
      });
      expect(rowFor(handle)?.estimated_cost).toBeGreaterThan(0);
    });

    it('flux-2-pro: the relay answers with a URL, the user gets an attachment and never the relay URL; the seed reaches the relay and is shown', async () => {
      const from = world.relay.requests.length;
      const downloadsBefore = world.relay.downloads.length;
      const { handle, ack, message } = await imagine([str('prompt', 'a red fox in snow'), str('model', 'flux-2-pro'), int('seed', 424242)]);
      expect(ack.type).toBe(5);
      expect(ack.at - handle.dispatchedAt).toBeLessThan(1_500);

      expect(bodyOf(generationRequests(from)[0])).toMatchObject({ model: 'flux-2-pro', seed: 424242, prompt: 'a red fox in snow' });
      // The relay's URL was fetched by the bot (proof the URL path was exercised) …
      expect(world.relay.downloads.length).toBeGreaterThan(downloadsBefore);
      // … and the user got the bytes, not the link.
      expect(message.attachments).toHaveLength(1);
      const meta = await sharp(message.attachments[0]!.bytes).metadata();
      expect(meta.width).toBeGreaterThan(0);
      const json = messageJson(message);
      expect(json).not.toMatch(relayOrigin);
      expect(json).not.toContain('/files/');
      expect(message.content).not.toMatch(/https?:\/\//);
      expect(fieldsOf(message).find((field) => field.name === 'Seed')?.value).toBe('424242');
      expect(rowFor(handle)).toMatchObject({ outcome: 'success', model: 'flux-2-pro', seed: 424242 });
    });

    it('flux-kontext-pro: size 16:9 is sent as aspect_ratio 16:9 and a wide image comes back', async () => {
      const from = world.relay.requests.length;
      const { ack, message, handle } = await imagine([str('prompt', 'a mountain lake'), str('model', 'flux-kontext-pro'), str('size', '16:9')]);
      expect(ack.type).toBe(5);
      expect(ack.at - handle.dispatchedAt).toBeLessThan(1_500);
      const body = bodyOf(generationRequests(from)[0]);
      expect(body).toMatchObject({ model: 'flux-kontext-pro', aspect_ratio: '16:9' });
      expect(body.size).toBeUndefined();
      expect(message.attachments).toHaveLength(1);
      const meta = await sharp(message.attachments[0]!.bytes).metadata();
      expect(Math.abs(meta.width! / meta.height! - 16 / 9)).toBeLessThan(0.05);
      expect(messageJson(message)).not.toMatch(relayOrigin);
      expect(rowFor(handle)).toMatchObject({ outcome: 'success', model: 'flux-kontext-pro', size_requested: '16:9' });
    });

    it('count 2 on gpt-image-2 gives two attachments in one message', async () => {
      const from = world.relay.requests.length;
      const { message, handle } = await imagine([str('prompt', 'two teacups'), str('model', 'gpt-image-2'), int('count', 2)]);
      expect(bodyOf(generationRequests(from)[0])).toMatchObject({ model: 'gpt-image-2', n: 2 });
      expect(message.attachments).toHaveLength(2);
      expect(new Set(message.attachments.map((attachment) => attachment.filename)).size).toBe(2);
      for (const attachment of message.attachments) expect((await sharp(attachment.bytes).metadata()).format).toBe('png');
      expect(handle.followups()).toHaveLength(0);
      expect(rowFor(handle)).toMatchObject({ outcome: 'success', image_count: 2 });
    });
  });

  describe('Midjourney-style parameters in the prompt', () => {
    it('--ar, --seed and --model are taken out of the prompt and used', async () => {
      const from = world.relay.requests.length;
      const { message, handle } = await imagine([str('prompt', 'a castle --ar 9:16 --seed 7 --model flux-2-pro')]);
      const body = bodyOf(generationRequests(from)[0]);
      expect(body).toMatchObject({ model: 'flux-2-pro', prompt: 'a castle', seed: 7 });
      expect(body.width as number).toBeLessThan(body.height as number);
      const meta = await sharp(message.attachments[0]!.bytes).metadata();
      expect(meta.width!).toBeLessThan(meta.height!);
      expect(embedsOf(message)[0]?.description).toBe('a castle');
      expect(rowFor(handle)).toMatchObject({ outcome: 'success', model: 'flux-2-pro', prompt: 'a castle', seed: 7 });
    });

    it('Chinese prompts: parameters right after the text, full-width punctuation and `——` work too', async () => {
      const from = world.relay.requests.length;
      const { handle } = await imagine([str('prompt', '城市夜景--ar 9:16，赛博朋克 ——seed 3'), str('model', 'flux-2-pro')], { locale: 'zh-CN' });
      const body = bodyOf(generationRequests(from)[0]);
      expect(body).toMatchObject({ prompt: '城市夜景，赛博朋克', seed: 3 });
      expect(body.width as number).toBeLessThan(body.height as number);
      expect(rowFor(handle)).toMatchObject({ outcome: 'success', prompt: '城市夜景，赛博朋克' });
    });

    it('explicit options win over inline ones', async () => {
      const from = world.relay.requests.length;
      await imagine([
        str('prompt', 'a castle --ar 9:16 --seed 7 --model flux-2-pro'),
        str('model', 'flux-2-max'),
        str('size', '1024x1024'),
        int('seed', 99),
      ]);
      const body = bodyOf(generationRequests(from)[0]);
      expect(body).toMatchObject({ model: 'flux-2-max', prompt: 'a castle', seed: 99, size: '1024x1024' });
    });

    it('--upsample (a switch: the next word stays in the prompt) and --format png reach flux-2-pro as prompt_upsampling and output_format', async () => {
      const from = world.relay.requests.length;
      const { message, handle } = await imagine([str('prompt', 'a palette --upsample --format png'), str('model', 'flux-2-pro')]);
      expect(bodyOf(generationRequests(from)[0])).toMatchObject({ model: 'flux-2-pro', prompt: 'a palette', prompt_upsampling: true, output_format: 'png' });
      expect((await sharp(message.attachments[0]!.bytes).metadata()).format).toBe('png');
      expect(rowFor(handle)).toMatchObject({ outcome: 'success', prompt: 'a palette' });

      const next = world.relay.requests.length;
      await imagine([str('prompt', 'a fox --upsample on a hill'), str('model', 'flux-2-pro')]);
      expect(bodyOf(generationRequests(next)[0])).toMatchObject({ prompt: 'a fox on a hill', prompt_upsampling: true });
    });

    it('line breaks in a prompt reach the relay intact: a structured JSON prompt with hex colours', async () => {
      const json = '{\n  "subject": "luxury eyeshadow palette",\n  "colors": ["#B76E79", "#E8D5B7", "#8B4789"]\n}';
      const from = world.relay.requests.length;
      const { message, handle } = await imagine([str('prompt', `${json}\n--seed 5`), str('model', 'flux-2-pro')]);
      expect(bodyOf(generationRequests(from)[0])).toMatchObject({ prompt: json, seed: 5 });
      expect(message.attachments).toHaveLength(1);
      expect(rowFor(handle)).toMatchObject({ outcome: 'success', prompt: json, seed: 5 });
    });

    it('an unknown --parameter stays in the prompt and is noted under the image', async () => {
      const from = world.relay.requests.length;
      const { message } = await imagine([str('prompt', 'a fox --sharpness 5'), str('model', 'flux-2-pro')]);
      expect(bodyOf(generationRequests(from)[0]).prompt).toBe('a fox --sharpness 5');
      expect(JSON.stringify(message.embeds)).toContain('--sharpness');
    });
  });

  describe('invalid input is refused before anything is spent', () => {
    const cases: Array<{ what: string; options: InteractOption[]; mentions: RegExp[]; model: string }> = [
      {
        what: 'an unknown model typed past the choices',
        options: [str('prompt', 'a cat'), str('model', 'dall-e-9')],
        mentions: [/dall-e-9/, /gpt-image-2/, /flux-2-pro/, /flux-kontext-pro/],
        model: 'dall-e-9',
      },
      {
        what: 'an impossible size',
        options: [str('prompt', 'a cat'), str('model', 'flux-2-pro'), str('size', '50:1')],
        mentions: [/50:1/, /16:9/],
        model: 'flux-2-pro',
      },
      {
        what: 'a prompt over dall-e-3’s 4000 characters',
        options: [str('prompt', 'a very detailed cat '.repeat(225)), str('model', 'dall-e-3')],
        mentions: [/4000/],
        model: 'dall-e-3',
      },
      {
        what: 'count 4 on a one-image model',
        options: [str('prompt', 'a cat'), str('model', 'flux-2-pro'), int('count', 4)],
        mentions: [/Valid: 1\b/],
        model: 'flux-2-pro',
      },
    ];

    for (const { what, options, mentions, model } of cases) {
      it(`${what}: an ephemeral reply naming what is valid, no relay request, an invalid_input row`, async () => {
        const { handle, ack, message, relayRequests } = await refused(options);
        expect(ack.type).toBe(4);
        expect(((ack.data as { flags?: number }).flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
        expect(message?.flags ?? 0).toBe(EPHEMERAL);
        for (const pattern of mentions) expect(message?.content).toMatch(pattern);
        expect(message?.content).toMatch(/Valid:/);
        expect(message?.content).toContain('Nothing was charged');
        expect(relayRequests).toBe(0);
        expect(rowFor(handle)).toMatchObject({ outcome: 'invalid_input', model, user_id: handle.user.id, estimated_cost: 0 });
        expect(rowFor(handle)?.finished_at).toEqual(expect.any(Number));
      });
    }

    it('refusals are in Chinese for zh-CN', async () => {
      const { ack, message, relayRequests, handle } = await refused([str('prompt', 'a cat'), str('model', 'flux-2-pro'), str('size', '50:1')], 'zh-CN');
      expect(ack.type).toBe(4);
      expect(message?.flags).toBe(EPHEMERAL);
      expect(message?.content).toContain('尺寸无效');
      expect(message?.content).toContain('可用');
      expect(message?.content).toContain('未产生任何费用');
      expect(message?.content).not.toContain('Nothing was charged');
      expect(relayRequests).toBe(0);
      expect(rowFor(handle)).toMatchObject({ outcome: 'invalid_input', locale: 'zh-CN' });
    });
  });

  describe('progress and localisation', () => {
    it('a slow generation shows progress with the model and elapsed seconds, in the user’s language, then only the image', async () => {
      const runs = await Promise.all(
        (['en-US', 'zh-CN', 'zh-TW', 'fr'] as const).map(async (locale) => ({
          locale,
          ...(await imagine([str('prompt', `a slow sunrise ${locale}`), str('model', SLOW_MODEL)], {
            locale,
            user: newUser(`progress-${locale}`),
            timeoutMs: 20_000,
          })),
        })),
      );
      for (const { locale, message, contents, ack } of runs) {
        const chinese = locale.startsWith('zh');
        expect(ack.type).toBe(5);
        const [starting, ...progress] = contents.filter((content) => content.includes(SLOW_MODEL));
        // The first edit says the generation has started (it carries the Cancel button); then elapsed seconds.
        if (chinese) expect(starting).toMatch(/^🎨 正在使用 \*\*flux-2-klein-4b\*\* 生成 \S+…$/);
        else expect(starting).toMatch(/^🎨 Generating with \*\*flux-2-klein-4b\*\* at \S+…$/);
        expect(progress.length, `progress edits seen for ${locale}: ${JSON.stringify(contents)}`).toBeGreaterThan(0);
        for (const line of progress) {
          if (chinese) expect(line).toMatch(/正在使用 \*\*flux-2-klein-4b\*\* 生成 .*已用 [1-9]\d* 秒/);
          else expect(line).toMatch(/Generating with \*\*flux-2-klein-4b\*\* at .*… [1-9]\d*s/);
        }
        // The final message carries the image and no progress text.
        expect(message.attachments).toHaveLength(1);
        expect(message.content).toBe('');
        expect(messageJson(message)).not.toMatch(/Generating with|正在使用/);
        const names = fieldsOf(message).map((field) => field.name);
        if (chinese) {
          expect(names).toEqual(expect.arrayContaining(['模型', '尺寸', '种子', '用时', '请求者']));
          expect(buttonLabels(message)).toEqual(['重新生成', '变体', '详情', '删除', '举报']);
        } else {
          expect(names).toEqual(expect.arrayContaining(['Model', 'Size', 'Seed', 'Time', 'Requested by']));
          expect(buttonLabels(message)).toEqual(['Re-roll', 'Vary', 'Details', 'Delete', 'Report']);
        }
      }
    });

    it('what the bot changed is listed under the image with the option names, in the user’s language', async () => {
      const options = [
        str('prompt', 'a harbour'),
        str('model', 'flux-2-pro'),
        str('size', '16:9'),
        str('quality', 'high'),
        int('safety_tolerance', 6),
      ];
      const from = world.relay.requests.length;
      // In an age-restricted channel the policy allows up to 6, so the model's own range (0..5) clamps it.
      const zh = await imagine(options, { locale: 'zh-CN', nsfwChannel: true });
      const body = bodyOf(generationRequests(from)[0]);
      expect(body).toMatchObject({ size: '1360x768', safety_tolerance: 5 });
      expect(body.quality).toBeUndefined();
      const zhNotes = fieldsOf(zh.message).find((field) => field.name === '说明')?.value ?? '';
      expect(zhNotes).toContain('尺寸 16:9 → 1360x768');
      expect(zhNotes).toContain('质量 high:该模型在此不支持此参数,已忽略');
      expect(zhNotes).toContain('安全容忍度 6 → 5');
      expect(zhNotes).not.toMatch(/size|quality|safety|none/i);

      const en = await imagine(options, { locale: 'en-US', nsfwChannel: true });
      const enNotes = fieldsOf(en.message).find((field) => field.name === 'Notes')?.value ?? '';
      expect(enNotes).toContain('size 16:9 → 1360x768');
      expect(enNotes).toContain('quality high: this model takes no such option here, so it was left out');
      expect(enNotes).toContain('safety_tolerance 6 → 5');
      expect(enNotes).not.toContain('safetyTolerance');
    });

    it('a prompt the provider blocks ends in the policy message: Chinese for zh-CN/zh-TW, English for en-US/fr', async () => {
      const runs = await Promise.all(
        (['zh-CN', 'zh-TW', 'en-US', 'fr'] as const).map(async (locale) => ({
          locale,
          ...(await imagine([str('prompt', 'something forbidden'), str('model', 'flux-2-pro')], { locale })),
        })),
      );
      for (const { locale, message, handle } of runs) {
        const embed = embedsOf(message)[0];
        expect(message.attachments).toHaveLength(0);
        if (locale.startsWith('zh')) {
          expect(embed?.title).toBe('⚠️ 图片生成失败');
          expect(embed?.description).toContain('安全系统拦截');
          expect(embed?.description).toContain('请修改提示词');
        } else {
          expect(embed?.title).toBe('⚠️ Image generation failed');
          expect(embed?.description).toMatch(/safety system blocked/);
          expect(embed?.description).toMatch(/Rephrase the prompt/);
        }
        expect(message.content).not.toMatch(/正在使用|Generating with/);
        expect(rowFor(handle)).toMatchObject({ outcome: 'content_policy', model: 'flux-2-pro', locale });
      }
    });
  });

  describe('/usage', () => {
    it('lists the caller’s own generations today and this month by model, with counts and cost; Chinese for zh-CN', async () => {
      const me = newUser('usage-me');
      const other = newUser('usage-other');

      const empty = world.discord.interact({ name: 'usage', user: me });
      await empty.waitForCallback(3_000);
      expect(JSON.stringify(empty.original()?.embeds)).toContain('No generations yet.');

      await imagine([str('prompt', 'usage one'), str('model', 'flux-2-pro')], { user: me });
      await imagine([str('prompt', 'usage two'), str('model', 'flux-2-pro')], { user: me });
      await imagine([str('prompt', 'usage three'), str('model', 'gpt-image-2')], { user: me });
      await imagine([str('prompt', 'a forbidden one'), str('model', 'flux-2-pro')], { user: me });
      await imagine([str('prompt', 'the other user'), str('model', 'flux-kontext-pro')], { user: other });

      const mine = world.usageRows().filter((row) => row.user_id === me.id);
      expect(mine.map((row) => row.outcome).sort()).toEqual(['content_policy', 'success', 'success', 'success']);
      const costOf = (model: string) =>
        mine.filter((row) => row.model === model).reduce((sum, row) => sum + Number(row.estimated_cost ?? 0), 0);
      const fluxCost = costOf('flux-2-pro').toFixed(3);
      const gptCost = costOf('gpt-image-2').toFixed(3);
      expect(Number(fluxCost)).toBeGreaterThan(0);
      expect(Number(gptCost)).toBeGreaterThan(0);

      const english = world.discord.interact({ name: 'usage', user: me, locale: 'en-US' });
      const ack = await english.waitForCallback(3_000);
      expect(ack.type).toBe(4);
      const reply = english.original();
      expect(reply?.flags).toBe(EPHEMERAL);
      const embed = embedsOf(reply)[0];
      expect(embed?.title).toBe('Your image generation usage');
      const today = embed?.fields?.find((field) => field.name === 'Today (UTC)')?.value ?? '';
      const month = embed?.fields?.find((field) => field.name === 'This month (UTC)')?.value ?? '';
      for (const section of [today, month]) {
        expect(section).toContain(`**flux-2-pro**: 2 images, 3 attempts, 1 failed, ≈ $${fluxCost}`);
        expect(section).toContain(`**gpt-image-2**: 1 image, 1 attempt, ≈ $${gptCost}`);
        expect(section).toContain(`Total: 3 images, ≈ $${(Number(fluxCost) + Number(gptCost)).toFixed(3)}`);
        expect(section).not.toContain('flux-kontext-pro');
      }

      const chinese = world.discord.interact({ name: 'usage', user: me, locale: 'zh-CN' });
      await chinese.waitForCallback(3_000);
      const zh = embedsOf(chinese.original())[0];
      expect(chinese.original()?.flags).toBe(EPHEMERAL);
      expect(zh?.title).toBe('你的生图用量');
      expect(zh?.fields?.map((field) => field.name)).toEqual(['今天(UTC)', '本月(UTC)']);
      expect(zh?.fields?.[0]?.value).toContain(`**flux-2-pro**:2 张图,3 次请求,失败 1 次,约 $${fluxCost}`);

      const theirs = world.discord.interact({ name: 'usage', user: other });
      await theirs.waitForCallback(3_000);
      const theirText = JSON.stringify(theirs.original()?.embeds);
      expect(theirs.original()?.flags).toBe(EPHEMERAL);
      expect(theirText).toContain('**flux-kontext-pro**: 1 image, 1 attempt,');
      expect(theirText).not.toContain('flux-2-pro');
      expect(theirText).not.toContain('gpt-image-2');
    });
  });

  describe('autocomplete', () => {
    async function complete(options: InteractOption[]): Promise<string[]> {
      const requestsBefore = world.relay.requests.length;
      const rowsBefore = world.usageRows().length;
      const handle = world.discord.interact({ name: 'imagine', type: 4, options });
      const callback = await handle.waitForCallback(3_000);
      expect(callback.type).toBe(8);
      const choices = (callback.data as { choices: Array<{ name: string; value: string }> }).choices;
      expect(choices.length).toBeLessThanOrEqual(25);
      for (const choice of choices) expect(choice.name).toBe(choice.value);
      expect(world.relay.requests.length).toBe(requestsBefore);
      expect(world.usageRows().length).toBe(rowsBefore);
      return choices.map((choice) => choice.value);
    }
    const focused = (name: string, value: string): InteractOption => ({ name, type: 3, value, focused: true });

    it('size for flux-kontext-pro offers aspect ratios', async () => {
      const values = await complete([str('prompt', 'x'), str('model', 'flux-kontext-pro'), focused('size', '')]);
      expect(values).toContain('16:9');
      expect(values).toContain('9:16');
      for (const value of values) expect(value).toMatch(/^\d+:\d+$/);
    });

    it('size for gpt-image-1 offers its fixed sizes', async () => {
      const values = await complete([str('prompt', 'x'), str('model', 'gpt-image-1'), focused('size', '')]);
      expect(values).toEqual(['1024x1024', '1024x1536', '1536x1024', 'auto']);
    });

    it('typed text filters the choices; a complete size that is not listed is offered as typed', async () => {
      expect(await complete([str('prompt', 'x'), str('model', 'flux-kontext-pro'), focused('size', '16')])).toEqual(['16:9', '9:16']);
      expect(await complete([str('prompt', 'x'), str('model', 'gpt-image-1'), focused('size', '1536')])).toEqual(['1024x1536', '1536x1024']);
      const free = await complete([str('prompt', 'x'), str('model', 'flux-2-pro'), focused('size', '1000x1000')]);
      expect(free[0]).toBe('1000x1000');
    });

    it('quality for gpt-image-2 offers low, medium, high, auto; the default model is used when none is picked', async () => {
      expect(await complete([str('prompt', 'x'), str('model', 'gpt-image-2'), focused('quality', '')])).toEqual(['low', 'medium', 'high', 'auto']);
      expect(await complete([str('prompt', 'x'), focused('quality', 'h')])).toEqual(['high']);
      expect(await complete([str('prompt', 'x'), str('model', 'flux-2-pro'), focused('quality', '')])).toEqual([]);
    });
  });
});

describe('npm run register (dist/src/register.js)', () => {
  let discord: DiscordFake;
  let dir: string;
  beforeAll(async () => {
    discord = await startDiscordFake();
    dir = await mkdtemp(join(tmpdir(), 'imagine-register-'));
  });
  afterAll(async () => {
    await discord?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const register = (extra: Record<string, string> = {}) =>
    run(process.execPath, [join(REPO_ROOT, 'dist/src/register.js')], {
      // A clean folder: no .env of the developer's leaks in.
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', DISCORD_TOKEN: discord.token, DISCORD_API_BASE_URL: discord.apiBase, ...extra },
      timeout: 15_000,
    });

  interface Option {
    name: string;
    type: number;
    required?: boolean;
    description: string;
    description_localizations?: Record<string, string>;
  }
  interface Command {
    name: string;
    description: string;
    name_localizations?: Record<string, string>;
    description_localizations?: Record<string, string>;
    options?: Option[];
  }

  function checkCommands(commands: Command[]): void {
    expect(commands.map((command) => command.name).sort()).toEqual(['Describe', 'Remix', 'describe', 'gallery', 'history', 'imagine', 'imagine-admin', 'settings', 'usage']);
    // The message context menu (right-click a message → Apps → Remix), localised.
    const remix = commands.find((command) => command.name === 'Remix') as (Command & { type?: number }) | undefined;
    expect(remix?.type).toBe(3);
    expect(remix?.name_localizations?.['zh-CN']).toMatch(/\p{Script=Han}/u);
    const imagine = commands.find((command) => command.name === 'imagine')!;
    const options = imagine.options ?? [];
    expect(options.slice(0, 6).map((option) => [option.name, option.type])).toEqual([
      ['prompt', 3],
      ['model', 3],
      ['size', 3],
      ['quality', 3],
      ['seed', 4],
      ['safety_tolerance', 4],
    ]);
    expect(options.find((option) => option.name === 'prompt')?.required).toBe(true);
    for (const option of options.filter((o) => o.name !== 'prompt')) expect(option.required ?? false).toBe(false);
    expect(imagine.name_localizations?.['zh-CN']).toMatch(/\p{Script=Han}/u);
    expect(imagine.description_localizations?.['zh-CN']).toMatch(/\p{Script=Han}/u);
    for (const option of options) expect(option.description_localizations?.['zh-CN'], option.name).toMatch(/\p{Script=Han}/u);
    const usage = commands.find((command) => command.name === 'usage')!;
    expect(usage.description_localizations?.['zh-CN']).toMatch(/\p{Script=Han}/u);
  }

  it('registers /imagine, /usage, /imagine-admin, /gallery, /history, /describe, /settings, Remix and Describe to the guild, and repeating it still leaves nine commands', async () => {
    const first = await register({ DISCORD_GUILD_ID: discord.guildId });
    expect(first.stdout).toMatch(/\/imagine/);
    checkCommands(discord.registeredCommands(discord.guildId) as Command[]);
    expect(discord.registeredCommands()).toEqual([]);
    await register({ DISCORD_GUILD_ID: discord.guildId });
    expect(discord.registeredCommands(discord.guildId)).toHaveLength(9);
    const puts = discord.requests.filter((request) => request.method === 'PUT' && request.path.includes('/commands'));
    expect(puts).toHaveLength(2);
  });

  it('registers globally without DISCORD_GUILD_ID, and repeating it still leaves nine commands', async () => {
    await register();
    checkCommands(discord.registeredCommands() as Command[]);
    await register();
    expect(discord.registeredCommands()).toHaveLength(9);
    checkCommands(discord.registeredCommands() as Command[]);
  });
});
