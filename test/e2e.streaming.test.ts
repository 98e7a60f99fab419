// Streaming end to end, through the real bot process (dist/src/main.js) against the Discord and relay
// fakes. With IMAGE_API_STREAMING=true a slow gpt-image-2 generation shows its partial images as a
// small preview in the deferred reply (with the Cancel button) before the final image replaces it;
// and behind a Cloudflare that cuts silent requests, the plain request fails as a timeout while the
// streamed one, which keeps bytes flowing, gets through.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, InteractionHandle, InteractOption } from './fakes/discord/index.js';
import type { RecordedRequest } from './fakes/relay/index.js';
import { startWorld, type World, waitSettled } from './helpers/world.js';

/** gpt-image-2 takes this long at the fake relay; its Cloudflare cuts anything silent for CUT_MS. */
const SLOW_MS = 4_500;
const CUT_MS = 2_500;
const LOADING = 128;
const TIMEOUT_EN = ['did not answer in time', 'may still have charged', 'Try again'];

const relayOptions = {
  latencyMs: (model: string) => (model === 'gpt-image-2' ? SLOW_MS : 20),
  cloudflareTimeoutMs: CUT_MS,
};

let streaming: World;
let plain: World;

beforeAll(async () => {
  [streaming, plain] = await Promise.all([
    startWorld({ relay: relayOptions, env: { IMAGE_API_STREAMING: 'true' } }),
    startWorld({ relay: relayOptions }),
  ]);
});

afterAll(async () => {
  await Promise.all([streaming?.close(), plain?.close()]);
});

let nextUser = 0;
const str = (name: string, value: string): InteractOption => ({ name, type: 3, value });

interface Snapshot {
  content: string;
  attachments: Array<{ filename: string; bytes: Buffer }>;
  embeds: number;
  buttons: string[];
}

function snapshot(message: FakeMessage): Snapshot {
  const rows = message.components as Array<{ components?: Array<{ label?: string }> }>;
  return {
    content: message.content,
    attachments: message.attachments.map((a) => ({ filename: a.filename, bytes: a.bytes })),
    embeds: message.embeds.length,
    buttons: rows.flatMap((row) => row.components ?? []).map((c) => c.label ?? ''),
  };
}

/** Runs /imagine and keeps every state the deferred reply went through until it ends (an embed). */
async function imagine(world: World, prompt: string, locale?: string) {
  nextUser += 1;
  const user = { id: `41000000000000${1000 + nextUser}`, username: `streamer${nextUser}` };
  const handle: InteractionHandle = world.discord.interact({
    name: 'imagine',
    options: [str('prompt', prompt), str('model', 'gpt-image-2')],
    user,
    ...(locale ? { locale } : {}),
  });
  expect((await handle.waitForCallback(3_000)).type).toBe(5);
  const states: Snapshot[] = [];
  await handle.waitFor((state) => {
    const original = state.original;
    if (!original || original.flags & LOADING) return false;
    states.push(snapshot(original));
    return original.embeds.length > 0;
  }, 20_000);
  await waitSettled(world, handle.id);
  return { handle, states, final: handle.original()! };
}

const generationRequests = (world: World, prompt: string): RecordedRequest[] =>
  world.relay.requests.filter((r) => r.path.endsWith('/images/generations') && (r.body as { prompt?: string }).prompt === prompt);

describe('streamed generations (IMAGE_API_STREAMING=true)', () => {
  it('show a small preview in the deferred reply, with the Cancel button, before the final image replaces it', async () => {
    const [en, zh] = await Promise.all([imagine(streaming, 'a lighthouse at dusk'), imagine(streaming, '黄昏的灯塔', 'zh-CN')]);

    for (const [{ states, final }, cancel] of [[en, 'Cancel'], [zh, '取消']] as const) {
      const previews = states.filter((s) => s.embeds === 0 && s.attachments.length > 0);
      expect(previews.length, 'the reply showed a preview before the result').toBeGreaterThan(0);
      const first = previews[0]!;
      expect(first.attachments.map((a) => a.filename)).toEqual(['preview.webp']);
      expect(first.buttons).toEqual([cancel]);
      const meta = await sharp(first.attachments[0]!.bytes).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width!, meta.height!)).toBeLessThanOrEqual(512);
      expect(first.attachments[0]!.bytes.length).toBeLessThan(100 * 1024);

      // The result replaced the preview: one full-size PNG, no preview left behind.
      expect(final.attachments.map((a) => a.filename)).toEqual([expect.stringMatching(/\.png$/)]);
      const image = await sharp(final.attachments[0]!.bytes).metadata();
      expect([image.format, image.width, image.height]).toEqual(['png', 1024, 1024]);
    }
    const captions = (states: Snapshot[]) => states.filter((s) => s.embeds === 0 && s.attachments.length > 0).map((s) => s.content);
    expect(captions(en.states)[0]).toMatch(/Preview 1\/2…/);
    expect(captions(zh.states)[0]).toMatch(/预览 1\/2…/);

    // Sent streamed, and nothing else was needed.
    for (const prompt of ['a lighthouse at dusk', '黄昏的灯塔']) {
      const sent = generationRequests(streaming, prompt);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.body).toMatchObject({ model: 'gpt-image-2', stream: true, partial_images: 2 });
    }
    // Generated in SLOW_MS, well past Cloudflare's CUT_MS.
    const row = streaming.usageRows().find((r) => r.interaction_id === en.handle.id);
    expect(row).toMatchObject({ outcome: 'success', model: 'gpt-image-2', image_count: 1 });
    expect(row?.latency_ms).toBeGreaterThan(CUT_MS);
  });
});

describe("Cloudflare's cut of silent requests", () => {
  it('fails the plain request as a timeout (not retried), while the same slow generation streamed succeeds', async () => {
    const prompt = 'a slow castle in the fog';
    const [cut, streamed] = await Promise.all([imagine(plain, prompt), imagine(streaming, prompt)]);

    const failure = JSON.stringify(cut.final.embeds);
    for (const phrase of TIMEOUT_EN) expect(failure).toContain(phrase);
    expect(cut.final.attachments).toHaveLength(0);
    const plainSent = generationRequests(plain, prompt);
    expect(plainSent).toHaveLength(1); // a timeout may be billed: never sent twice
    expect(plainSent[0]?.body).not.toHaveProperty('stream');
    expect(plain.usageRows().find((r) => r.interaction_id === cut.handle.id)).toMatchObject({ outcome: 'timeout' });

    expect(streamed.final.attachments).toHaveLength(1);
    expect(streaming.usageRows().find((r) => r.interaction_id === streamed.handle.id)).toMatchObject({ outcome: 'success' });
    expect(generationRequests(streaming, prompt)).toHaveLength(1);
  });
});
