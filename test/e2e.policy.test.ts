// Server policy and the quota/budget ledger as members meet them, through the real bot process.
// Admins' settings are written straight into the bot's database (the admin command has its own
// tests); the bot reads them on every request, as it would after /imagine-admin.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PolicyService } from '../src/policy/index.js';
import { AuditLog } from '../src/storage/index.js';
import type { FakeUser, InteractionHandle } from './fakes/discord/index.js';
import { startWorld, type World, waitSettled } from './helpers/world.js';

const ADMIN = '100000000000000001';
const EPHEMERAL = 64;

describe('server policy and ledger (real bot process)', () => {
  let world: World;
  let db: Database.Database;
  let policies: PolicyService;

  beforeAll(async () => {
    world = await startWorld({ env: { REQUEST_TIMEOUT: '2' } });
    db = new Database(world.dbPath);
    db.pragma('busy_timeout = 5000');
    policies = new PolicyService(db, { audit: new AuditLog(db) });
  });
  afterAll(async () => {
    db?.close();
    await world?.close();
  });
  beforeEach(() => {
    policies.reset(world.discord.guildId, ADMIN);
    for (const entry of policies.listBlockedWords(world.discord.guildId)) policies.removeBlockedWord(world.discord.guildId, entry.entry, ADMIN);
  });

  let userCounter = 0;
  /** A fresh member per test, so quotas and cooldowns of one test do not leak into the next. */
  function newUser(): FakeUser {
    userCounter += 1;
    return { id: `2${String(userCounter).padStart(17, '0')}`, username: `member${userCounter}` };
  }

  function send(
    prompt: string,
    options: { user: FakeUser; model?: string; safety?: number; nsfw?: boolean; locale?: string; roles?: string[] },
  ): InteractionHandle {
    return world.discord.interact({
      name: 'imagine',
      user: options.user,
      roles: options.roles,
      locale: options.locale,
      nsfwChannel: options.nsfw,
      options: [
        { name: 'prompt', type: 3, value: prompt },
        { name: 'model', type: 3, value: options.model ?? 'flux-2-pro' },
        ...(options.safety === undefined ? [] : [{ name: 'safety_tolerance', type: 4, value: options.safety }]),
      ],
    });
  }

  async function finished(handle: InteractionHandle) {
    const ack = await handle.waitForCallback(3000);
    if (ack.type === 5) {
      await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0 || (state.original?.embeds.length ?? 0) > 0, 15_000);
      await waitSettled(world, handle.id);
    }
    return { ack, message: handle.original() };
  }

  const relayBodies = () => world.relay.requests.filter((r) => r.path.endsWith('/images/generations')).map((r) => r.body as Record<string, unknown>);

  it('caps safety_tolerance at the policy for the channel kind, then at the model; the embed shows the value used', async () => {
    const user = newUser();
    const before = relayBodies().length;
    const ordinary = await finished(send('a calm lake', { user, safety: 6 }));
    // 2 is FLUX's own default: not sent (stable parameters first), but shown as the value in force.
    expect(relayBodies()[before]).not.toHaveProperty('safety_tolerance');
    expect(JSON.stringify(ordinary.message?.embeds)).toMatch(/Safety tolerance","value":"2"/);
    const nsfw = await finished(send('a calm lake', { user: newUser(), safety: 6, nsfw: true }));
    expect(relayBodies()[before + 1]?.safety_tolerance).toBe(5); // the policy allows 6 there; FLUX.2 tops out at 5
    expect(JSON.stringify(nsfw.message?.embeds)).toMatch(/Safety tolerance","value":"5"/);
  });

  it('refuses a disguised blocked word privately, spends nothing, logs `blocked`, and tells the log channel', async () => {
    policies.addBlockedWord(world.discord.guildId, 'gore', ADMIN);
    policies.update(world.discord.guildId, { logChannelId: world.discord.nsfwChannelId }, ADMIN);
    const before = world.relay.requests.length;
    const logBefore = world.discord.channelMessages(world.discord.nsfwChannelId).length;
    const handle = send('lots of Ｇ0.R.E please', { user: newUser(), locale: 'zh-CN' });
    const { ack } = await finished(handle);
    expect(ack.type).toBe(4);
    expect((ack.data as { flags: number }).flags & EPHEMERAL).toBe(EPHEMERAL);
    expect((ack.data as { content: string }).content).toMatch(/[\u4e00-\u9fff]/);
    expect((ack.data as { content: string }).content).not.toContain('gore'); // the entry is for admins only
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(world.relay.requests.length).toBe(before);
    expect(world.usageRows().at(-1)).toMatchObject({ outcome: 'blocked', error_kind: 'blocked' });
    const posts = world.discord.channelMessages(world.discord.nsfwChannelId).slice(logBefore);
    expect(posts.some((post) => post.content.includes('gore'))).toBe(true);
  });

  it('never lets parallel requests at the quota edge overspend: 50 at once with a quota of 3 → exactly 3 generate', async () => {
    policies.update(world.discord.guildId, { dailyQuota: 3 }, ADMIN);
    const user = newUser();
    const before = world.relay.requests.length;
    const handles = Array.from({ length: 50 }, (_, i) => send(`parallel ${i}`, { user }));
    const results = await Promise.all(handles.map(finished));
    const deferred = results.filter((result) => result.ack.type === 5);
    const refused = results.filter((result) => result.ack.type === 4);
    expect(deferred).toHaveLength(3);
    expect(refused).toHaveLength(47);
    expect((refused[0]!.ack.data as { content: string }).content).toMatch(/3 images for today/);
    expect(world.relay.requests.length - before).toBe(3);
  });

  it('a role override raises a member\'s daily quota above the server\'s', async () => {
    // A role that exists in the guild: discord.js only reports a member's roles that the guild has.
    const BOOSTER = world.discord.memberRoleId;
    policies.update(world.discord.guildId, { dailyQuota: 1 }, ADMIN);
    policies.setRoleQuota(world.discord.guildId, BOOSTER, 2, ADMIN);
    const plain = newUser();
    expect((await finished(send('plain 1', { user: plain }))).ack.type).toBe(5);
    expect((await finished(send('plain 2', { user: plain }))).ack.type).toBe(4);
    const boosted = newUser();
    expect((await finished(send('boosted 1', { user: boosted, roles: [BOOSTER] }))).ack.type).toBe(5);
    expect((await finished(send('boosted 2', { user: boosted, roles: [BOOSTER] }))).ack.type).toBe(5);
    const third = await finished(send('boosted 3', { user: boosted, roles: [BOOSTER] }));
    expect(third.ack.type).toBe(4);
    expect((third.ack.data as { content: string }).content).toMatch(/2 images for today/);
    policies.clearRoleQuota(world.discord.guildId, BOOSTER, ADMIN);
  });

  it('refunds what the relay did not bill (a provider block) but keeps a possibly billed timeout', async () => {
    policies.update(world.discord.guildId, { dailyQuota: 1 }, ADMIN);
    const user = newUser();
    const blocked = await finished(send('something forbidden', { user }));
    expect(JSON.stringify(blocked.message?.embeds)).toContain('safety system');
    const next = await finished(send('a lighthouse', { user }));
    expect(next.message?.attachments).toHaveLength(1); // the blocked attempt was refunded

    const other = newUser();
    world.relay.failNext({ kind: 'hang' });
    const timedOut = await finished(send('a slow one', { user: other }));
    expect(JSON.stringify(timedOut.message?.embeds)).toContain('did not answer in time');
    const after = await finished(send('another', { user: other }));
    expect(after.ack.type).toBe(4); // the timeout may have been billed: it still counts
  });

  it('warns the log channel once at 80 % of the daily budget and stops at 100 %', async () => {
    // flux-2-pro is priced at $0.03: 0.03, 0.06 (60 %), 0.09 (90 %: warning), then 0.12 would pass $0.10.
    policies.update(world.discord.guildId, { dailyBudgetUsd: 0.1, logChannelId: world.discord.channelId }, ADMIN);
    db.prepare('DELETE FROM ledger').run();
    db.prepare('DELETE FROM ledger_budget_warnings').run();
    const logBefore = world.discord.channelMessages(world.discord.channelId).length;
    for (let i = 0; i < 3; i++) {
      const run = await finished(send(`budget ${i}`, { user: newUser() }));
      expect(run.message?.attachments).toHaveLength(1);
    }
    const refused = await finished(send('budget 4', { user: newUser() }));
    expect(refused.ack.type).toBe(4);
    expect((refused.ack.data as { content: string }).content).toMatch(/daily image budget is used up/);
    const warnings = world.discord
      .channelMessages(world.discord.channelId)
      .slice(logBefore)
      .filter((post) => post.content.includes('80 %'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.content).toContain('$0.09 of $0.10');
  });

  it('a slow log channel never delays the deferral: the budget warning is posted beside it, not before it', async () => {
    // flux-2-pro at $0.03 against a $0.035 budget crosses 80 % on the first image.
    policies.update(world.discord.guildId, { dailyBudgetUsd: 0.035, logChannelId: world.discord.channelId }, ADMIN);
    db.prepare('DELETE FROM ledger').run();
    db.prepare('DELETE FROM ledger_budget_warnings').run();
    world.discord.failNext(
      { method: 'POST', path: new RegExp(`/channels/${world.discord.channelId}/messages$`) },
      { status: 429, headers: { 'retry-after': '4' }, body: { message: 'You are being rate limited.', retry_after: 4, global: false } },
    );
    const handle = send('a quick sketch', { user: newUser() });
    const ack = await handle.waitForCallback(3000);
    expect(ack.type).toBe(5);
    expect(ack.at - handle.dispatchedAt).toBeLessThan(1500);
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 15_000);
    await waitSettled(world, handle.id);
    await handle.waitFor((state) => state.channelMessages.some((post) => post.content.includes('80 %')), 10_000);
  });

  it('posts images as spoilers in a spoiler channel, and refuses models and channels the policy excludes', async () => {
    policies.update(world.discord.guildId, { spoilerChannels: [world.discord.channelId] }, ADMIN);
    const spoiled = await finished(send('a surprise', { user: newUser() }));
    expect(spoiled.message?.attachments[0]?.filename).toMatch(/^SPOILER_/);

    policies.update(world.discord.guildId, { spoilerChannels: [], allowedModels: ['gpt-image-2'] }, ADMIN);
    const wrongModel = await finished(send('a fox', { user: newUser() }));
    expect(wrongModel.ack.type).toBe(4);
    expect((wrongModel.ack.data as { content: string }).content).toContain('gpt-image-2');

    policies.update(world.discord.guildId, { allowedModels: [], allowedChannels: [world.discord.nsfwChannelId] }, ADMIN);
    const wrongChannel = await finished(send('a fox', { user: newUser() }));
    expect(wrongChannel.ack.type).toBe(4);
    expect(world.usageRows().at(-1)).toMatchObject({ outcome: 'blocked' });
  });
});
