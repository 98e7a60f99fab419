// The fair job queue, end to end through the real bot process: round-robin order across users, the
// waiting message with its place in line and an ETA from measured latencies, the Cancel button
// (queued, running, and on a request already over), the per-user queue limit (before the deferral
// and after it), and recovery after a SIGKILL mid-job (in place, in the channel, or by DM).
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage, FakeUser, InteractionHandle } from './fakes/discord/index.js';
import type { RecordedRequest } from './fakes/relay/index.js';
import { startWorld, type World } from './helpers/world.js';

type Obj = Record<string, unknown>;
const EPHEMERAL = 64;

let nextUser = 0;
function newUser(name: string): FakeUser {
  nextUser += 1;
  return { id: `50000000000000${String(1000 + nextUser)}`, username: name };
}

function imagine(world: World, prompt: string, user: FakeUser, extra: { locale?: string; createdAt?: number } = {}): InteractionHandle {
  return world.discord.interact({
    name: 'imagine',
    options: [
      { name: 'prompt', type: 3, value: prompt },
      { name: 'model', type: 3, value: 'flux-2-pro' },
    ],
    user,
    ...extra,
  });
}

function generationRequests(world: World): RecordedRequest[] {
  return world.relay.requests.filter((request) => request.method === 'POST' && /\/images\/generations$/.test(request.path));
}

function promptsSent(world: World): string[] {
  return generationRequests(world).map((request) => String((request.body as Obj).prompt));
}

function customIds(message: FakeMessage | undefined): string[] {
  return ((message?.components ?? []) as Obj[]).flatMap((row) => (row.components as Obj[]) ?? []).map((c) => String(c.custom_id));
}

/** Every content the bot wrote into this interaction's reply, in order. */
function replyContents(world: World, handle: InteractionHandle): string[] {
  return world.discord.requests
    .filter((r) => r.method === 'PATCH' && r.path.includes(`/${handle.token}/messages/@original`) && r.status === 200)
    .map((r) => String((r.payload as Obj | undefined)?.content ?? ''));
}

async function delivered(handle: InteractionHandle, timeoutMs = 30_000): Promise<FakeMessage> {
  await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, timeoutMs);
  return handle.original()!;
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function dbRow(world: World, sql: string, ...params: unknown[]): Obj | undefined {
  const db = new Database(world.dbPath, { readonly: true });
  try {
    return db.prepare(sql).get(...params) as Obj | undefined;
  } finally {
    db.close();
  }
}

/** "start in about 12 s" / "约 12 秒后开始" → 12 (minutes are turned into seconds). */
function startsInSeconds(content: string): number {
  const match = /start in about (\d+) (s|min)/.exec(content) ?? /约 (\d+) (秒|分钟)后开始/.exec(content);
  if (!match) throw new Error(`no ETA in ${JSON.stringify(content)}`);
  return Number(match[1]) * (match[2] === 'min' || match[2] === '分钟' ? 60 : 1);
}

describe('one generation at a time (QUEUE_MAX_RUNNING=1)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { latencyMs: 1_200 }, env: { QUEUE_MAX_RUNNING: '1', LOG_LEVEL: 'debug' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('serves users in turn, not first come first served: A A A B C runs as A B C A A', { timeout: 60_000 }, async () => {
    world.relay.reset();
    const [a, b, c] = [newUser('fair-a'), newUser('fair-b'), newUser('fair-c')];
    const handles: InteractionHandle[] = [];
    for (const [user, prompt] of [
      [a, 'fair A1'],
      [a, 'fair A2'],
      [a, 'fair A3'],
      [b, 'fair B1'],
      [c, 'fair C1'],
    ] as const) {
      const handle = imagine(world, prompt, user);
      expect((await handle.waitForCallback(3000)).type).toBe(5);
      handles.push(handle);
    }
    await Promise.all(handles.map((handle) => delivered(handle, 40_000)));
    expect(promptsSent(world)).toEqual(['fair A1', 'fair B1', 'fair C1', 'fair A2', 'fair A3']);
  });

  it('shows the place in line and an ETA from the catalog, then from measured latencies, updated as the queue moves', { timeout: 60_000 }, async () => {
    // The bot has now measured five flux-2-pro generations of about 1.2 s; a fresh model has not.
    const [a, b, c] = [newUser('eta-a'), newUser('eta-b'), newUser('eta-c')];
    const first = imagine(world, 'eta first', a);
    await first.waitForCallback(3000);
    await waitUntil(() => promptsSent(world).includes('eta first'), 5_000, 'the first job to start');
    const second = imagine(world, 'eta second', b);
    const third = imagine(world, 'eta third', c, { locale: 'zh-CN' });
    await Promise.all([second.waitForCallback(3000), third.waitForCallback(3000)]);
    await Promise.all([delivered(first), delivered(second), delivered(third)]);

    const secondWaits = replyContents(world, second).filter((content) => content.startsWith('⏳'));
    const thirdWaits = replyContents(world, third).filter((content) => content.startsWith('⏳'));
    // The second is next in line from the start; the third first sees one request ahead, then none.
    expect(secondWaits[0]).toMatch(/You are next in line for \*\*flux-2-pro\*\*/);
    expect(thirdWaits[0]).toContain('正在排队(**flux-2-pro**):前面还有 1 个请求');
    expect(thirdWaits.some((content) => content.includes('下一个就轮到你'))).toBe(true);
    // Measured ~1.2 s per job (the catalog says 10 s): the ETA follows the measurements.
    expect(startsInSeconds(secondWaits[0]!)).toBeLessThanOrEqual(4);
    expect(startsInSeconds(thirdWaits[0]!)).toBeLessThanOrEqual(6);
    // The waiting message carried a Cancel button; the result replaced it with the result buttons.
    const waitingEdit = world.discord.requests.find(
      (r) => r.method === 'PATCH' && r.path.includes(`/${third.token}/`) && String((r.payload as Obj).content ?? '').startsWith('⏳'),
    );
    expect(JSON.stringify((waitingEdit?.payload as Obj).components)).toContain(`job:cancel:${third.id}`);
    expect(customIds(third.original()).some((id) => id.startsWith('job:'))).toBe(false);
  });

  it('before any measurement the ETA comes from the catalog’s typical time', { timeout: 60_000 }, async () => {
    // gpt-image-2 has not run yet in this process: its catalog estimate is 60 s per image.
    const [a, b] = [newUser('seed-a'), newUser('seed-b')];
    const run = (prompt: string, user: FakeUser) =>
      world.discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: prompt }, { name: 'model', type: 3, value: 'gpt-image-2' }], user });
    const first = run('seed first', a);
    await first.waitForCallback(3000);
    await waitUntil(() => promptsSent(world).includes('seed first'), 5_000, 'the first job to start');
    const second = run('seed second', b);
    await second.waitForCallback(3000);
    await second.waitFor((state) => (state.original?.content ?? '').startsWith('⏳'), 5_000);
    const eta = startsInSeconds(second.original()!.content);
    expect(eta).toBeGreaterThanOrEqual(45);
    expect(eta).toBeLessThanOrEqual(60);
    await Promise.all([delivered(first), delivered(second)]);
  });
});

describe('Cancel', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { latencyMs: 4_000 }, env: { QUEUE_MAX_QUEUED_PER_USER: '2' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a queued request: only the requester may cancel; then it never reaches the relay and nothing is charged', { timeout: 60_000 }, async () => {
    const me = newUser('cancel-queued');
    const running = imagine(world, 'cancel: the running one', me);
    await running.waitForCallback(3000);
    const queued = imagine(world, 'cancel: the queued one', me);
    await queued.waitForCallback(3000);
    await queued.waitFor((state) => customIds(state.original).includes(`job:cancel:${queued.id}`), 5_000);
    const waiting = queued.original()!;
    expect(waiting.content).toMatch(/next in line/);

    // Someone else's click is refused privately and changes nothing.
    const stranger = world.discord.clickButton(waiting, `job:cancel:${queued.id}`, { user: newUser('stranger') });
    const refusal = await stranger.waitForCallback(3000);
    expect(refusal.type).toBe(4);
    expect(((refusal.data as Obj).flags as number) & EPHEMERAL).toBe(EPHEMERAL);
    expect(JSON.stringify(refusal.data)).toContain('Only the person who made this request can cancel it');

    const click = world.discord.clickButton(waiting, `job:cancel:${queued.id}`, { user: me });
    expect((await click.waitForCallback(3000)).type).toBe(6);
    await queued.waitFor((state) => /Cancelled before it started/.test(state.original?.content ?? ''), 5_000);
    expect(customIds(queued.original())).toEqual([]);

    await delivered(running);
    expect(promptsSent(world)).not.toContain('cancel: the queued one');
    const row = dbRow(world, 'SELECT outcome, estimated_cost FROM usage WHERE interaction_id = ?', queued.id);
    expect(row).toEqual({ outcome: 'cancelled', estimated_cost: 0 });
    expect(dbRow(world, 'SELECT state FROM ledger WHERE key = ?', queued.id)).toEqual({ state: 'refunded' });
    expect(dbRow(world, 'SELECT state, interaction_token FROM jobs WHERE interaction_id = ?', queued.id)).toEqual({ state: 'cancelled', interaction_token: null });

  });

  it('a running request: the relay call is stopped at once, stays charged (the relay may bill it), and the user’s next request starts', { timeout: 60_000 }, async () => {
    const me = newUser('cancel-running');
    const running = imagine(world, 'cancel: stop me', me, { locale: 'zh-CN' });
    await running.waitForCallback(3000);
    const next = imagine(world, 'cancel: after the stopped one', me);
    await next.waitForCallback(3000);
    await waitUntil(() => promptsSent(world).includes('cancel: stop me'), 5_000, 'the request to reach the relay');
    await running.waitFor((state) => customIds(state.original).includes(`job:cancel:${running.id}`), 5_000);

    const clickedAt = Date.now();
    const click = world.discord.clickButton(running.original()!, `job:cancel:${running.id}`, { user: me, locale: 'zh-CN' });
    expect((await click.waitForCallback(3000)).type).toBe(6);
    await running.waitFor((state) => /已取消/.test(state.original?.content ?? ''), 3_000);
    // Already sent: the member is told the image service may still charge for it.
    expect(running.original()!.content).toContain('请求已发送到生图服务,对方仍可能计费,因此仍计入你的每日图片额度和本服务器的预算');
    // The relay takes 4 s; the cancel did not wait for it.
    expect(Date.now() - clickedAt).toBeLessThan(2_500);
    expect(running.original()!.attachments).toEqual([]);
    await waitUntil(() => promptsSent(world).includes('cancel: after the stopped one'), 3_000, 'the next request to start');

    // Possibly billed at the reservation (flux-2-pro, one image), and the usage row says the same cost.
    const ledger = dbRow(world, 'SELECT state, possibly_billed, images, cost_micros, reserved_cost_micros FROM ledger WHERE key = ?', running.id)!;
    expect(ledger).toMatchObject({ state: 'committed', possibly_billed: 1, images: 1, cost_micros: ledger.reserved_cost_micros });
    expect(Number(ledger.cost_micros)).toBeGreaterThan(0);
    const usage = dbRow(world, 'SELECT outcome, estimated_cost FROM usage WHERE interaction_id = ?', running.id)!;
    expect(usage.outcome).toBe('cancelled');
    expect(Math.round(Number(usage.estimated_cost) * 1e6)).toBe(ledger.cost_micros);
    expect(dbRow(world, 'SELECT state FROM jobs WHERE interaction_id = ?', running.id)).toEqual({ state: 'cancelled' });
    await delivered(next);
  });

  it('a user with the queue limit reached is refused privately before anything is charged', { timeout: 60_000 }, async () => {
    const me = newUser('queue-limit');
    const handles = [1, 2, 3].map((i) => imagine(world, `limit ${i}`, me));
    await Promise.all(handles.map((handle) => handle.waitForCallback(3000)));
    // One runs and two wait (QUEUE_MAX_QUEUED_PER_USER=2): the fourth is one too many.
    await Promise.all(handles.slice(1).map((handle) => handle.waitFor((state) => (state.original?.content ?? '').startsWith('⏳'), 5_000)));
    const extra = imagine(world, 'limit 4', me, { locale: 'zh-CN' });
    const refusal = await extra.waitForCallback(3000);
    expect(refusal.type).toBe(4);
    expect(((refusal.data as Obj).flags as number) & EPHEMERAL).toBe(EPHEMERAL);
    expect(JSON.stringify(refusal.data)).toContain('你已有 2 个请求在排队');
    expect(dbRow(world, 'SELECT outcome, estimated_cost FROM usage WHERE interaction_id = ?', extra.id)).toEqual({ outcome: 'blocked', estimated_cost: 0 });
    expect(dbRow(world, 'SELECT state FROM ledger WHERE key = ?', extra.id)).toBeUndefined();
    await Promise.all(handles.map((handle) => delivered(handle, 40_000)));
    expect(promptsSent(world)).not.toContain('limit 4');
  });
});

describe('a full queue found only after the deferral', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { latencyMs: 4_000 }, env: { QUEUE_MAX_QUEUED_PER_USER: '1' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('two requests that both passed admission: the second to reach the queue is refused in its reply, refunded and closed', { timeout: 60_000 }, async () => {
    const me = newUser('late-full');
    const running = imagine(world, 'late full: running', me);
    await running.waitForCallback(3000);
    await waitUntil(() => promptsSent(world).includes('late full: running'), 5_000, 'the first job to start');

    // Both deferrals are held back by a 429, so both requests pass admission (no request of this
    // user waits yet) before either joins the queue: whichever joins second finds the one place taken.
    world.discord.failNext({ method: 'POST', path: /^\/interactions\/[^/]+\/[^/]+\/callback$/ }, { status: 429, body: { retry_after: 0.5, global: false } }, 2);
    const first = imagine(world, 'late full: one', me);
    const second = imagine(world, 'late full: two', me);
    const acks = await Promise.all([first.waitForCallback(3000), second.waitForCallback(3000)]);
    expect(acks.map((ack) => ack.type)).toEqual([5, 5]);
    expect(world.discord.requests.filter((request) => request.status === 429)).toHaveLength(2);

    const full = /You already have 1 requests waiting/;
    const refusedNow = (handle: InteractionHandle) => full.test(handle.original()?.content ?? '');
    await waitUntil(() => refusedNow(first) || refusedNow(second), 5_000, 'the refusal in a reply');
    const [refused, queued] = refusedNow(first) ? [first, second] : [second, first];
    const message = refused.original()!;
    expect(message.content).toMatch(/^You already have 1 requests waiting\. Wait for one to finish, then try again\. Nothing was charged\./);
    expect(message.flags & 128).toBe(0); // no longer "thinking…"
    expect(customIds(message)).toEqual([]);
    // The other one waits in the queue as usual.
    await queued.waitFor((state) => (state.original?.content ?? '').startsWith('⏳'), 5_000);
    expect(refusedNow(queued)).toBe(false);

    expect(dbRow(world, 'SELECT outcome, error_kind, estimated_cost FROM usage WHERE interaction_id = ?', refused.id)).toEqual({
      outcome: 'blocked',
      error_kind: 'user_queue_full',
      estimated_cost: 0,
    });
    expect(dbRow(world, 'SELECT state, refund_reason FROM ledger WHERE key = ?', refused.id)).toEqual({ state: 'refunded', refund_reason: 'blocked' });
    expect(dbRow(world, 'SELECT state, error_kind, interaction_token FROM jobs WHERE interaction_id = ?', refused.id)).toEqual({
      state: 'failed',
      error_kind: 'user_queue_full',
      interaction_token: null,
    });

    await Promise.all([delivered(running), delivered(queued)]);
    expect(promptsSent(world).filter((prompt) => prompt.startsWith('late full'))).toHaveLength(2);
    expect(promptsSent(world)).not.toContain(refused === first ? 'late full: one' : 'late full: two');
  });
});

describe('SIGKILL, then a reply the bot can no longer edit and a channel it may not post in', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { latencyMs: 60_000 } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('tells the user by DM, and Cancel on the old message says the request is already over', { timeout: 60_000 }, async () => {
    const me = newUser('dm-fallback');
    const running = imagine(world, 'recovered by DM', me);
    await running.waitForCallback(3000);
    await waitUntil(() => promptsSent(world).includes('recovered by DM'), 5_000, 'the job to start');
    await running.waitFor((state) => customIds(state.original).includes(`job:cancel:${running.id}`), 5_000);

    await world.bot.stop('SIGKILL');
    world.relay.configure({ latencyMs: 50 });
    // The next process finds Discord has already let the interaction's webhook go (its reply can be
    // neither read nor edited), and the channel refuses its post: only a DM is left.
    const original = new RegExp(`^/webhooks/\\d+/${running.token}/messages/@original$`);
    world.discord.failNext({ path: original }, { status: 404, body: { message: 'Unknown Webhook', code: 10015 } });
    world.discord.failNext({ method: 'POST', path: new RegExp(`^/channels/${world.discord.channelId}/messages$`) }, { status: 403, body: { message: 'Missing Permissions', code: 50013 } });
    const bot = await world.restartBot();

    await waitUntil(() => world.discord.dmMessages(me.id).some((m) => /restarted while your image was being made/.test(m.content)), 10_000, 'the DM');
    const dm = world.discord.dmMessages(me.id).find((m) => /restarted while your image was being made/.test(m.content))!;
    expect(customIds(dm).some((id) => id.startsWith('img:reroll:'))).toBe(true);
    await bot.waitForLog(/told a user about a request closed by the restart/, 5_000);
    const told = bot.logs.find((line) => /told a user about a request closed by the restart/.test(line))!;
    expect(JSON.parse(told)).toMatchObject({ via: 'dm' });
    // Both earlier routes were tried and refused; nothing reached the channel.
    const refused = world.discord.requests.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.status}`);
    expect(refused).toEqual(expect.arrayContaining(['GET 404', 'POST 403']));
    expect(world.discord.channelMessages().some((m) => m.content.includes(`<@${me.id}>`))).toBe(false);
    expect(dbRow(world, 'SELECT state, error_kind FROM jobs WHERE interaction_id = ?', running.id)).toEqual({ state: 'interrupted', error_kind: 'interrupted' });
    expect(dbRow(world, 'SELECT possibly_billed FROM ledger WHERE key = ?', running.id)).toEqual({ possibly_billed: 1 });

    // The old reply still shows the previous process's Cancel button: pressing it now is answered, privately.
    const stale = running.original()!;
    expect(customIds(stale)).toContain(`job:cancel:${running.id}`);
    const click = world.discord.clickButton(stale, `job:cancel:${running.id}`, { user: me });
    const answer = await click.waitForCallback(3000);
    expect(answer.type).toBe(4);
    expect(((answer.data as Obj).flags as number) & EPHEMERAL).toBe(EPHEMERAL);
    expect(JSON.stringify(answer.data)).toContain('This request has already finished, so there is nothing to cancel.');
    expect(dbRow(world, 'SELECT state FROM jobs WHERE interaction_id = ?', running.id)).toEqual({ state: 'interrupted' });
  });
});

describe('SIGKILL mid-job, then start again', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { latencyMs: 60_000 } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('closes the running and the queued job, settles the ledger, tells each user in place, and Run again works', { timeout: 90_000 }, async () => {
    const me = newUser('killed');
    const running = imagine(world, 'killed while running', me);
    await running.waitForCallback(3000);
    const queued = imagine(world, 'killed while queued', me, { locale: 'zh-CN' });
    await queued.waitForCallback(3000);
    // Asked 14.5 minutes ago: its token is too old to edit the reply after the restart.
    const old = imagine(world, 'killed with an old token', newUser('old-token'), { createdAt: Date.now() - 14.5 * 60_000 });
    await old.waitForCallback(3000);
    await waitUntil(() => promptsSent(world).includes('killed while running') && promptsSent(world).includes('killed with an old token'), 5_000, 'both jobs to run');
    await queued.waitFor((state) => (state.original?.content ?? '').startsWith('⏳'), 5_000);

    world.relay.configure({ latencyMs: 50 });
    await world.restartBot('SIGKILL');

    await running.waitFor((state) => /restarted while your image was being made/.test(state.original?.content ?? ''), 10_000);
    await queued.waitFor((state) => /你的请求开始前机器人重启了/.test(state.original?.content ?? ''), 10_000);
    await waitUntil(
      () => world.discord.channelMessages().some((m) => m.content.includes(`<@${old.user.id}>`) && /restarted while your image/.test(m.content)),
      10_000,
      'the channel message for the old token',
    );
    // No job is left queued or running; the ledger keeps the possibly billed one and refunds the queued one.
    expect(dbRow(world, "SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')")).toEqual({ n: 0 });
    expect(dbRow(world, 'SELECT state, error_kind FROM jobs WHERE interaction_id = ?', running.id)).toEqual({ state: 'interrupted', error_kind: 'interrupted' });
    expect(dbRow(world, 'SELECT state, error_kind FROM jobs WHERE interaction_id = ?', queued.id)).toEqual({ state: 'interrupted', error_kind: 'expired' });
    expect(dbRow(world, 'SELECT possibly_billed FROM ledger WHERE key = ?', running.id)).toEqual({ possibly_billed: 1 });
    expect(dbRow(world, 'SELECT state FROM ledger WHERE key = ?', queued.id)).toEqual({ state: 'refunded' });
    expect(world.usageRows().filter((row) => row.outcome === 'pending')).toEqual([]);
    // The usage log records what the ledger charges: the running one's estimate, nothing for the queued one.
    const charged = dbRow(world, 'SELECT cost_micros FROM ledger WHERE key = ?', running.id)!.cost_micros as number;
    expect(charged).toBeGreaterThan(0);
    const costOf = (handle: InteractionHandle) => Math.round(Number(dbRow(world, 'SELECT estimated_cost FROM usage WHERE interaction_id = ?', handle.id)!.estimated_cost) * 1e6);
    expect([costOf(running), costOf(queued)]).toEqual([charged, 0]);

    // Run again: a new request with the same prompt, by the same user.
    const runAgain = customIds(queued.original()).find((id) => id.startsWith('img:reroll:'));
    expect(runAgain).toBeDefined();
    const again = world.discord.clickButton(queued.original()!, runAgain!, { user: me });
    expect((await again.waitForCallback(3000)).type).toBe(5);
    await delivered(again);
    expect(promptsSent(world).at(-1)).toBe('killed while queued');
  });
});

describe('SIGTERM with a request running and another waiting', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ relay: { latencyMs: 60_000 }, env: { QUEUE_MAX_RUNNING: '1' } });
  });
  afterAll(async () => {
    await world?.close();
  });

  it('tells the waiting user at once (not charged, Run again), interrupts the running one, exits 0 within 20 s', { timeout: 60_000 }, async () => {
    const running = imagine(world, 'sigterm: running', newUser('sigterm-running'));
    await running.waitForCallback(3000);
    await waitUntil(() => promptsSent(world).includes('sigterm: running'), 5_000, 'the first job to start');
    const waiting = imagine(world, 'sigterm: waiting', newUser('sigterm-waiting'), { locale: 'zh-CN' });
    await waiting.waitForCallback(3000);
    await waiting.waitFor((state) => (state.original?.content ?? '').startsWith('⏳'), 5_000);

    const bot = world.bot;
    const signalledAt = Date.now();
    bot.child.kill('SIGTERM');
    await waiting.waitFor((state) => /机器人正在重启,你的请求尚未开始/.test(state.original?.content ?? ''), 3_000);
    expect(customIds(waiting.original()).some((id) => id.startsWith('img:reroll:'))).toBe(true);
    const code = await bot.exited;
    expect(Date.now() - signalledAt).toBeLessThan(20_000);
    expect(code).toBe(0);

    expect(running.original()?.content ?? '').not.toMatch(/^🎨/);
    expect(JSON.stringify(running.original()?.embeds)).toMatch(/restarted while your image was being made/);
    expect(dbRow(world, 'SELECT state, error_kind FROM jobs WHERE interaction_id = ?', waiting.id)).toEqual({ state: 'interrupted', error_kind: 'shutdown' });
    expect(dbRow(world, 'SELECT state FROM ledger WHERE key = ?', waiting.id)).toEqual({ state: 'refunded' });
    expect(dbRow(world, 'SELECT state FROM jobs WHERE interaction_id = ?', running.id)).toEqual({ state: 'interrupted' });
    expect(promptsSent(world)).not.toContain('sigterm: waiting');
  });
});
