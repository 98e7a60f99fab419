// The Share button's ordering, against real stores on SQLite and a hand-made Discord client whose
// gallery post can be held in flight: the claim comes before the copy (a double click downloads the
// image once), a claim whose image could not be copied is given back, and an image deleted while its
// share is on its way loses the post the share made (the deletion found no message to delete).
// Attachment copies come from a loopback server standing in for Discord's CDN.
import BetterSqlite3 from 'better-sqlite3';
import type { ButtonInteraction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { share } from '../../commands/galleryShare.js';
import { attachmentBytes, copyMessageImages } from '../../src/discord/attachmentBytes.js';
import type { BotContext } from '../../src/discord/context.js';
import { deleteResult } from '../../src/gallery/resultDeletion.js';
import { galleryText } from '../../src/i18n/galleryMessages.js';
import { pick } from '../../src/i18n/locale.js';
import { GalleryStore, MIGRATIONS, migrate, UsageLog, type Database } from '../../src/storage/index.js';
import { closeLoopbackServers, listenOnLoopback, type LoopbackServer } from '../helpers/loopbackServer.js';

const GUILD = '100000000000000001';
const ALICE = '200000000000000001';
const CHANNEL = '300000000000000001';
const GALLERY = '300000000000000002';
const RESULT = '400000000000000001';
const POST = '500000000000000001';
const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(64, 7)]);

const handles: Database[] = [];
afterEach(async () => {
  for (const db of handles.splice(0)) db.close();
  await closeLoopbackServers();
});

/** A CDN stand-in: serves PNG (or `status`) at any path and counts the downloads. */
async function cdn(status = 200): Promise<{ server: LoopbackServer; hits: () => number }> {
  let hits = 0;
  const server = await listenOnLoopback((req, res) => {
    hits++;
    if (status !== 200) return void res.writeHead(status).end();
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) }).end(PNG);
  });
  return { server, hits: () => hits };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function world(server: LoopbackServer) {
  const db = new BetterSqlite3(':memory:');
  handles.push(db);
  migrate(db, MIGRATIONS);
  const usage = new UsageLog(db);
  const gallery = new GalleryStore(db);
  gallery.updateSettings(GUILD, { channelId: GALLERY }, ALICE);
  const { id } = usage.start({ source: 'discord', userId: ALICE, guildId: GUILD, channelId: CHANNEL, model: 'flux-2-pro', prompt: 'a prompt' });
  usage.finish(id, { outcome: 'success', imageCount: 1 });
  usage.setDelivered(id, { messageId: RESULT, channelId: CHANNEL });
  const ctx = {
    usage,
    gallery,
    policies: { isBlocked: () => false },
    config: { env: { discordApiBaseUrl: `${server.url}/api` } },
  } as unknown as BotContext;

  // Discord as the handlers see it: the gallery post can be held in flight.
  const deletes: string[] = [];
  const posts: unknown[] = [];
  let hold: Promise<void> | undefined;
  const sending = deferred();
  const channel = (id: string) => ({ id, nsfw: false, isThread: () => false, isSendable: () => true });
  const client = {
    channels: {
      fetch: async (id: string) => ({
        ...channel(id),
        send: async (body: unknown) => {
          sending.resolve();
          await hold;
          posts.push(body);
          return { id: POST };
        },
      }),
    },
    rest: {
      delete: async (route: string) => void deletes.push(route),
      patch: async () => undefined,
    },
  };
  const name = 'flux-2-pro-1.png';
  const message = {
    id: RESULT,
    channelId: CHANNEL,
    components: [],
    attachments: new Map([['a1', { id: 'a1', name, size: PNG.length, url: `${server.url}/attachments/${CHANNEL}/a1/${name}` }]]),
  };
  const answers: string[] = [];
  const click = () =>
    ({
      guildId: GUILD,
      channelId: CHANNEL,
      user: { id: ALICE },
      guildLocale: 'en-US',
      attachmentSizeLimit: 10 * 1024 * 1024,
      client,
      message,
      deferReply: async () => undefined,
      editReply: async (body: { content: string }) => void answers.push(body.content),
      reply: async (body: { content: string }) => void answers.push(body.content),
    }) as unknown as ButtonInteraction;
  return {
    ctx,
    id,
    client,
    deletes,
    posts,
    answers,
    sending: sending.promise,
    holdPosts: () => {
      const gate = deferred();
      hold = gate.promise;
      return gate.resolve;
    },
    share: () => share(ctx, click(), id, 'en'),
  };
}

describe('Share', () => {
  it('shares: one download, one post, the claim recorded with the post', async () => {
    const { server, hits } = await cdn();
    const w = world(server);
    await w.share();
    expect(w.answers).toEqual([pick(galleryText.shared(`https://discord.com/channels/${GUILD}/${GALLERY}/${POST}`), 'en')]);
    expect(hits()).toBe(1);
    expect(w.posts).toHaveLength(1);
    expect(w.ctx.gallery.postOf(w.id)).toMatchObject({ messageId: POST, removedAt: null });
  });

  it('claims before copying: a double click downloads the image once and posts once', async () => {
    const { server, hits } = await cdn();
    const w = world(server);
    await Promise.all([w.share(), w.share()]);
    expect(hits()).toBe(1);
    expect(w.posts).toHaveLength(1);
    expect(w.answers.filter((a) => a.startsWith('🖼️ Shared to the gallery'))).toHaveLength(1);
    expect(w.answers.filter((a) => /being shared right now|already in the gallery/.test(a))).toHaveLength(1);
  });

  it('gives the claim back when nothing could be copied, so the member can try again', async () => {
    const { server } = await cdn(404);
    const w = world(server);
    await w.share();
    expect(w.answers).toEqual([pick(galleryText.imageNotCopied, 'en')]);
    expect(w.posts).toEqual([]);
    expect(w.ctx.gallery.postOf(w.id)).toBeUndefined();
  });

  it('an image deleted while its share is being posted loses the post the share made', async () => {
    const { server } = await cdn();
    const w = world(server);
    const release = w.holdPosts();
    const sharing = w.share();
    await w.sending;
    // The requester deletes the result now: the share holds its claim, but no message yet.
    const row = w.ctx.usage.get(w.id)!;
    expect(await deleteResult(w.ctx, w.client as never, row, { channelId: CHANNEL, messageId: RESULT })).toBe('deleted');
    expect(w.deletes).toEqual([`/channels/${CHANNEL}/messages/${RESULT}`]);
    expect(w.ctx.gallery.postOf(w.id)?.removedAt).toEqual(expect.any(Number));
    release();
    await sharing;
    expect(w.answers).toEqual([pick(galleryText.imageGone, 'en')]);
    expect(w.deletes).toEqual([`/channels/${CHANNEL}/messages/${RESULT}`, `/channels/${GALLERY}/messages/${POST}`]);
    expect(w.ctx.gallery.postOf(w.id)).toMatchObject({ messageId: POST, removedAt: expect.any(Number) });
  });
});

describe('copying attachments', () => {
  it('copies from the configured Discord host only, within the size limit', async () => {
    const { server, hits } = await cdn();
    const api = `${server.url}/api`;
    expect(await attachmentBytes(`${server.url}/attachments/1/2/a.png`, { discordApiBaseUrl: api })).toEqual(PNG);
    expect(await attachmentBytes(`http://localhost:${server.port}/attachments/1/2/a.png`, { discordApiBaseUrl: api })).toBeUndefined();
    expect(await attachmentBytes(`${server.url}/attachments/1/2/a.png`, { discordApiBaseUrl: api, maxBytes: 10 })).toBeUndefined();
    expect(hits()).toBe(2);

    const attachments = new Map([
      ['1', { name: 'small.png', size: PNG.length, url: `${server.url}/attachments/1/1/small.png` }],
      ['2', { name: 'big.png', size: 11, url: `${server.url}/attachments/1/2/big.png` }],
    ]);
    const copies = await copyMessageImages({ attachments } as never, 10, api);
    // Both declared larger than the 10-byte limit: refused without a download.
    expect(copies).toEqual({ images: [], notCopied: [`${server.url}/attachments/1/1/small.png`, `${server.url}/attachments/1/2/big.png`] });
    expect(hits()).toBe(2);
    expect((await copyMessageImages({ attachments } as never, 0, api)).images.map((image) => image.name)).toEqual(['small.png', 'big.png']);
  });
});
