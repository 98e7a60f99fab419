// Discord's 3 seconds, and what a failure may touch, through the real bot process: an /imagine with
// an attachment is deferred before the file is downloaded (a slow CDN cannot make it miss the
// window, and a refusal found in the bytes is still private); the server's policy refuses before
// anything is downloaded; a handler failing under a button tells the clicker privately and leaves
// the message the button is on alone.
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyService } from '../src/policy/index.js';
import { AuditLog } from '../src/storage/index.js';
import type { FakeMessage, FakeUser, InteractionHandle, InteractOption } from './fakes/discord/index.js';
import { startWorld, type World } from './helpers/world.js';

const EPHEMERAL = 64;
const ADMIN = '100000000000000001';
type Obj = Record<string, unknown>;

let world: World;
let db: Database.Database;
let policies: PolicyService;
let nextUser = 0;

beforeAll(async () => {
  world = await startWorld();
  db = new Database(world.dbPath);
  db.pragma('busy_timeout = 5000');
  policies = new PolicyService(db, { audit: new AuditLog(db) });
});

afterAll(async () => {
  db?.close();
  await world?.close();
});

function newUser(): FakeUser {
  nextUser += 1;
  return { id: `43000000000000${String(1000 + nextUser)}`, username: `member${nextUser}` };
}

const str = (name: string, value: string): InteractOption => ({ name, type: 3, value });

/** Puts a file on the fake's CDN the way Discord would: a message with an attachment. */
async function upload(name: string, bytes: Buffer): Promise<Obj> {
  const form = new FormData();
  form.append('payload_json', JSON.stringify({ content: 'look', attachments: [{ id: 0, filename: name }] }));
  form.append('files[0]', new Blob([bytes], { type: 'image/png' }), name);
  const response = await fetch(`${world.discord.apiBase}/v10/channels/${world.discord.channelId}/messages`, {
    method: 'POST',
    headers: { authorization: `Bot ${world.discord.token}` },
    body: form,
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { attachments: Obj[] }).attachments[0]!;
}

function imagineWith(prompt: string, attachment: Obj, user: FakeUser): InteractionHandle {
  return world.discord.interact({
    name: 'imagine',
    options: [str('prompt', prompt), str('model', 'flux-2-pro'), { name: 'image', type: 11, value: attachment.id }],
    resolved: { attachments: { [String(attachment.id)]: attachment } },
    user,
  });
}

/** Polls (the database changes without waking the fake's waits). */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${condition.toString()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Requests to the fake's CDN for this attachment. */
const downloadsOf = (attachment: Obj) => world.discord.requests.filter((request) => request.path.startsWith('/attachments/') && request.path.includes(`/${String(attachment.id)}/`));
const rowFor = (handle: InteractionHandle) => world.usageRows().find((row) => row.interaction_id === handle.id);
const relayPosts = () => world.relay.requests.filter((request) => request.method === 'POST').length;
const red = () => sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();

describe('an /imagine with an attachment is acknowledged before the download', () => {
  it('a slow CDN (longer than Discord’s 3 s): deferred at once, then the image downloaded and the result delivered', async () => {
    const attachment = await upload('slow.png', await red());
    world.discord.delayNext({ method: 'GET', path: /^\/attachments\// }, 3_500);
    const handle = imagineWith('a slow one', attachment, newUser());
    const ack = await handle.waitForCallback(3_000);
    expect(ack.type).toBe(5);
    expect(ack.at - handle.dispatchedAt).toBeLessThan(1_500);
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    // The download started only after Discord had its answer.
    expect(downloadsOf(attachment)[0]!.at).toBeGreaterThanOrEqual(ack.at);
    await until(() => rowFor(handle)?.outcome === 'success');
    expect(rowFor(handle)).toMatchObject({ is_edit: 1, input_count: 1 });
  });

  it('a slow file that is not an image: deferred at once; the refusal withdraws the deferral and is private, nothing charged', async () => {
    const attachment = await upload('cat.png', Buffer.from('<!DOCTYPE html><html><body>not a cat</body></html>'));
    const before = relayPosts();
    world.discord.delayNext({ method: 'GET', path: /^\/attachments\// }, 3_500);
    const handle = imagineWith('a cat', attachment, newUser());
    const ack = await handle.waitForCallback(3_000);
    expect(ack.type).toBe(5);
    expect(ack.at - handle.dispatchedAt).toBeLessThan(1_500);
    await handle.waitFor((state) => state.followups.length > 0, 10_000);
    const [followup] = handle.followups();
    expect(followup!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(followup!.content).toContain('"cat.png" is not an image');
    // The public "thinking…" message is gone, and never said the refusal.
    expect(handle.original()).toMatchObject({ deleted: true, content: '' });
    const publicSaid = world.discord.channelMessages().filter((m) => !m.deleted && (m.flags & EPHEMERAL) === 0 && m.content.includes('is not an image'));
    expect(publicSaid).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(relayPosts()).toBe(before);
    expect(rowFor(handle)).toMatchObject({ outcome: 'invalid_input', is_edit: 1, input_count: 1, estimated_cost: 0 });
  });

  it('a blocked member is refused at once and privately, and the attachment is never downloaded', async () => {
    const user = newUser();
    const attachment = await upload('mine.png', await red());
    policies.block(world.discord.guildId, user.id, ADMIN);
    try {
      const handle = imagineWith('edit it', attachment, user);
      const ack = await handle.waitForCallback(3_000);
      expect(ack.type).toBe(4);
      expect(((ack.data as { flags?: number }).flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
      expect(String((ack.data as { content?: unknown }).content)).toContain('You are blocked from generating images');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(downloadsOf(attachment)).toEqual([]);
      expect(rowFor(handle)).toMatchObject({ outcome: 'blocked', error_message: 'user_blocked', estimated_cost: 0 });
    } finally {
      policies.unblock(world.discord.guildId, user.id, ADMIN);
    }
  });
});

describe('a handler failing under a button', () => {
  async function result(user: FakeUser): Promise<FakeMessage> {
    const handle = world.discord.interact({ name: 'imagine', options: [str('prompt', 'a tin robot'), str('model', 'flux-2-pro')], user });
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0 && (state.original?.components.length ?? 0) > 0, 20_000);
    // The bot records where it delivered just after Discord answered (the database, not the fake: poll).
    await until(() => rowFor(handle)?.message_id === handle.original()!.id);
    return handle.original()!;
  }

  it('⭐ whose follow-up Discord refuses (500, retries spent): the clicker is told privately, the result keeps its image and embed', async () => {
    const user = newUser();
    const message = await result(user);
    const star = (message.components as Obj[]).flatMap((row) => row.components as Obj[]).find((c) => String(c.custom_id).startsWith('gal:fav:'));
    // @discordjs/rest tries a 5xx four times: every try of the ⭐ note fails; the failure notice after it gets through.
    world.discord.failNext({ method: 'POST', path: /^\/webhooks\/\d+\/[^/]+$/ }, { status: 500 }, 4);
    const click = world.discord.clickButton(message, String(star!.custom_id), { user });
    expect([6, 7]).toContain((await click.waitForCallback(3_000)).type);
    await click.waitFor((state) => state.followups.length > 0, 10_000);
    const [notice] = click.followups();
    expect(notice!.flags & EPHEMERAL).toBe(EPHEMERAL);
    expect(notice!.content).toContain('Something went wrong inside the bot');
    const now = world.discord.channelMessages().find((m) => m.id === message.id)!;
    expect(now.deleted).toBe(false);
    expect(now.attachments.map((a) => a.filename)).toEqual(message.attachments.map((a) => a.filename));
    expect(now.embeds).toEqual(message.embeds);
    expect(now.content).toBe(message.content);
    // The count was set before the note failed, and stays.
    const starNow = (now.components as Obj[]).flatMap((row) => row.components as Obj[]).find((c) => String(c.custom_id).startsWith('gal:fav:'));
    expect(starNow?.label).toBe('1');
    expect(world.bot.logs.some((line) => line.includes('interaction handler failed'))).toBe(true);
  });

  it('the bot stays healthy', () => {
    expect(world.bot.child.exitCode).toBeNull();
    expect(world.bot.logs.filter((line) => /unhandled rejection|stopped on an unexpected error/.test(line))).toEqual([]);
  });
});
