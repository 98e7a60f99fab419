// Issue 11, "Billing truth", end to end: the real bot process against the Discord and relay fakes,
// one mixed run of every way a request ends, then the two books compared. The rule (ledger.ts): a
// 200 is billed (an unusable image too: the server pays, the member's quota does not), a relay's
// JSON error is refunded, a request with no answer (timeout, cancel once sent) is possibly billed,
// a request cancelled while queued is refunded. The usage log must charge exactly what the ledger
// charges, per outcome and in total, and the admin's usage view must show it.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_PERMISSIONS } from './fakes/discord/payloads.js';
import type { FakeMessage, FakeUser, InteractionHandle, InteractOption } from './fakes/discord/index.js';
import type { Fault } from './fakes/relay/index.js';
import { serveUndecodablePng } from './helpers/brokenImage.js';
import { startWorld, type World } from './helpers/world.js';

type Row = Record<string, unknown>;
const LOADING = 128;
const MANAGE_GUILD = 1n << 5n;
const ADMIN: FakeUser = { id: '610000000000000001', username: 'billing-admin' };
const str = (name: string, value: string): InteractOption => ({ name, type: 3, value });

let users = 0;
const newUser = (name: string): FakeUser => ({ id: `6200000000000000${String(10 + ++users)}`, username: name });

/** What a member reads: the content and every text of every embed. */
function textOf(message: FakeMessage | undefined): string {
  const parts = [message?.content ?? ''];
  for (const embed of (message?.embeds ?? []) as Array<{ title?: string; description?: string; fields?: Array<{ name: string; value: string }> }>) {
    parts.push(embed.title ?? '', embed.description ?? '');
    for (const field of embed.fields ?? []) parts.push(field.name, field.value);
  }
  return parts.join('\n');
}

const ended = (message: FakeMessage | undefined): boolean =>
  Boolean(message && !(message.flags & LOADING) && (message.embeds.length > 0 || message.attachments.length > 0));

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('billing truth: every ending charged once, the same in the ledger and the usage log', () => {
  let world: World;
  let undecodableImage: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    // One generation at a time, so a request can be cancelled while it waits; a short timeout.
    world = await startWorld({ env: { QUEUE_MAX_RUNNING: '1', REQUEST_TIMEOUT: '3', METRICS_PORT: '0' } });
    undecodableImage = await serveUndecodablePng();
  });
  afterAll(async () => {
    await undecodableImage?.close();
    await world?.close();
  });

  const db = <T = Row>(sql: string, ...params: unknown[]): T[] => {
    const handle = new Database(world.dbPath, { readonly: true });
    try {
      return handle.prepare(sql).all(...params) as T[];
    } finally {
      handle.close();
    }
  };
  const ledgerOf = (handle: InteractionHandle): Row | undefined =>
    db('SELECT state, images, cost_micros, reserved_cost_micros, possibly_billed FROM ledger WHERE key = ?', handle.id)[0];
  const promptsSent = () => world.relay.requests.filter((r) => r.path.endsWith('/images/generations')).map((r) => String((r.body as Row).prompt));

  function imagine(prompt: string, user: FakeUser, options: { model?: string; locale?: string; attachmentSizeLimit?: number; fault?: Fault } = {}): InteractionHandle {
    if (options.fault) world.relay.failNext(options.fault);
    return world.discord.interact({
      name: 'imagine',
      user,
      options: [str('prompt', prompt), str('model', options.model ?? 'flux-2-pro')],
      ...(options.locale ? { locale: options.locale } : {}),
      ...(options.attachmentSizeLimit ? { attachmentSizeLimit: options.attachmentSizeLimit } : {}),
    });
  }
  /** The reply once it shows the image or the failure. */
  async function outcome(handle: InteractionHandle, timeoutMs = 20_000): Promise<FakeMessage> {
    expect((await handle.waitForCallback(3000)).type).toBe(5);
    await handle.waitFor((state) => ended(state.original), timeoutMs);
    return handle.original()!;
  }
  async function admin(path: string[], options: InteractOption[] = []): Promise<string> {
    const leaf: InteractOption = { name: path.at(-1)!, type: 1, options };
    const handle = world.discord.interact({
      name: 'imagine-admin',
      user: ADMIN,
      memberPermissions: (BigInt(DEFAULT_MEMBER_PERMISSIONS) | MANAGE_GUILD).toString(),
      options: path.length === 1 ? [leaf] : [{ name: path[0]!, type: 2, options: [leaf] }],
    });
    await handle.waitForCallback(3000);
    await handle.waitFor((state) => state.original !== undefined && (state.original.flags & LOADING) === 0, 10_000);
    return textOf(handle.original());
  }
  /** Cancel, pressed by the requester on the reply that shows the button. */
  async function cancel(handle: InteractionHandle): Promise<void> {
    const id = `job:cancel:${handle.id}`;
    const shows = (message: FakeMessage | undefined) => JSON.stringify(message?.components ?? []).includes(id);
    await handle.waitFor((state) => shows(state.original), 5_000);
    const click = world.discord.clickButton(handle.original()!, id, { user: handle.user });
    expect((await click.waitForCallback(3000)).type).toBe(6);
  }

  /** Every request of the run with the ledger ending it must have. */
  const expected: Array<{ handle: InteractionHandle; outcome: string; ledger: Row | undefined }> = [];
  const billed = (images: number, possiblyBilled: 0 | 1): Row => ({ state: 'committed', images, possibly_billed: possiblyBilled });
  const refunded: Row = { state: 'refunded' };

  it('runs the mixed run, and each member is told what was charged', { timeout: 120_000 }, async () => {
    expect(await admin(['quota', 'set'], [{ name: 'images', type: 4, value: 1 }])).toMatch(/1/);

    const fine = imagine('billing: a plain success', newUser('success'));
    expect((await outcome(fine)).attachments).toHaveLength(1);
    expected.push({ handle: fine, outcome: 'success', ledger: billed(1, 0) });

    // The relay's own JSON error: not billed.
    const refusal: Fault = { kind: 'json', status: 400, body: { error: { message: 'Invalid value for background: stripes', type: 'invalid_request_error', code: 'invalid_value' } } };
    const json = imagine('billing: a JSON error', newUser('json'), { fault: refusal });
    expect(textOf(await outcome(json))).toContain('refused the request');
    expected.push({ handle: json, outcome: 'bad_request', ledger: refunded });

    // A timeout (possibly billed) runs while another member's request waits; that one is cancelled.
    const slow = imagine('billing: a timeout', newUser('timeout'), { fault: { kind: 'hang' } });
    await waitUntil(() => promptsSent().includes('billing: a timeout'), 'the timeout to reach the relay');
    const waiting = imagine('billing: cancelled while queued', newUser('queued'));
    await cancel(waiting);
    await waiting.waitFor((state) => /Cancelled before it started\. Nothing was charged\./.test(state.original?.content ?? ''), 5_000);
    expect(textOf(await outcome(slow))).toContain('may still have charged');
    expect(promptsSent()).not.toContain('billing: cancelled while queued');
    expected.push({ handle: slow, outcome: 'timeout', ledger: billed(1, 1) }, { handle: waiting, outcome: 'cancelled', ledger: refunded });

    // A 200 with broken base64, for a member whose quota is one image a day: billed to the server,
    // not to them, so they still get their image today, and only that one.
    const member = newUser('quota-member');
    const broken = imagine('billing: bad base64', member, { model: 'gpt-image-1', fault: { kind: 'badBase64' } });
    const said = textOf(await outcome(broken));
    expect(said).toContain('answered without a usable image');
    expect(said).toContain("The image service still charged for it: it counts toward this server's budget, but not against your daily image quota.");
    expected.push({ handle: broken, outcome: 'malformed_response', ledger: billed(0, 0) });
    const after = imagine('billing: the quota member still gets one', member, { model: 'flux-2-klein-4b' });
    expect((await outcome(after)).attachments).toHaveLength(1);
    expected.push({ handle: after, outcome: 'success', ledger: billed(1, 0) });
    const over = imagine('billing: one too many', member, { model: 'flux-2-klein-4b' });
    const refused = await over.waitForCallback(3000);
    expect(refused.type).toBe(4);
    expect(JSON.stringify(refused.data)).toMatch(/used your 1 images for today/);
    expected.push({ handle: over, outcome: 'blocked', ledger: undefined });

    // More unusable 200s: a truncated PNG, an expired link (told in Chinese), and an image that
    // passes the relay-side checks but cannot be decoded to fit the upload limit (committed as a
    // success first, then turned into an unusable charge).
    const truncated = imagine('billing: truncated', newUser('truncated'), { model: 'gpt-image-2', fault: { kind: 'truncatedImage' } });
    expect(textOf(await outcome(truncated))).toContain('not against your daily image quota');
    const expired = imagine('billing: expired link', newUser('expired'), { locale: 'zh-CN', fault: { kind: 'url404' } });
    const zh = textOf(await outcome(expired));
    expect(zh).toContain('图像服务返回的结果中没有可用的图片');
    expect(zh).toContain('图像服务仍已对此计费:计入本服务器的预算,但不计入你的每日图片额度。');
    const undecodable = imagine('billing: undecodable', newUser('undecodable'), { attachmentSizeLimit: 1024 * 1024, fault: { kind: 'urlPointsTo', url: undecodableImage.url } });
    expect(textOf(await outcome(undecodable, 30_000))).toContain('not against your daily image quota');
    for (const handle of [truncated, expired, undecodable]) expected.push({ handle, outcome: 'malformed_response', ledger: billed(0, 0) });

    // Cancelled once sent: the relay may still bill it.
    const running = imagine('billing: cancelled while running', newUser('running'), { fault: { kind: 'hang' } });
    await waitUntil(() => promptsSent().includes('billing: cancelled while running'), 'the request to reach the relay');
    await cancel(running);
    await running.waitFor((state) => /may still charge for it/.test(state.original?.content ?? ''), 5_000);
    expect(running.original()!.content).toContain("🚫 Cancelled. The request had already reached the image service, which may still charge for it, so it still counts against your daily image quota and this server's budget.");
    expected.push({ handle: running, outcome: 'cancelled', ledger: billed(1, 1) });

    const last = imagine('billing: a last success', newUser('last'), { model: 'gpt-image-2' });
    expect((await outcome(last)).attachments).toHaveLength(1);
    expected.push({ handle: last, outcome: 'success', ledger: billed(1, 0) });
  });

  it('settles each request by the rule, and the usage row charges what its ledger row charges', async () => {
    await waitUntil(() => world.usageRows().every((row) => row.outcome !== 'pending'), 'every usage row to finish');
    for (const { handle, outcome, ledger } of expected) {
      const usage = world.usageRows().find((row) => row.interaction_id === handle.id)!;
      expect(usage.outcome, String(usage.prompt)).toBe(outcome);
      const row = ledgerOf(handle);
      if (ledger === undefined) expect(row).toBeUndefined();
      else expect(row, String(usage.prompt)).toMatchObject(ledger);
      // Billed endings are charged the reservation (price per image × images asked).
      if (row?.state === 'committed' && outcome !== 'success') expect(row.cost_micros).toBe(row.reserved_cost_micros);
      const charged = row && row.state !== 'refunded' ? Number(row.cost_micros) : 0;
      expect(Math.round(Number(usage.estimated_cost ?? 0) * 1e6), `${String(usage.prompt)}: usage cost = ledger cost`).toBe(charged);
      if (outcome === 'malformed_response') expect(usage.image_count).toBe(0);
    }
  });

  it('sums to the same money per outcome and in total, and the admin view and the metrics show it', { timeout: 30_000 }, async () => {
    const guild = world.discord.guildId;
    const usage = db<{ outcome: string; micros: number }>(
      `SELECT outcome, SUM(CAST(ROUND(COALESCE(estimated_cost, 0) * 1e6) AS INTEGER)) AS micros FROM usage WHERE guild_id = ? GROUP BY outcome`,
      guild,
    );
    const ledger = db<{ outcome: string; micros: number }>(
      `SELECT u.outcome, SUM(CASE WHEN l.state = 'refunded' THEN 0 ELSE l.cost_micros END) AS micros
       FROM ledger l JOIN usage u ON u.interaction_id = l.key WHERE l.guild_id = ? GROUP BY u.outcome`,
      guild,
    );
    const byOutcome = (rows: Array<{ outcome: string; micros: number }>) => Object.fromEntries(rows.filter((r) => r.micros !== 0).map((r) => [r.outcome, r.micros]));
    expect(byOutcome(usage)).toEqual(byOutcome(ledger));
    // Everything billed is there, and only that: refunded and refused endings cost nothing.
    expect(Object.keys(byOutcome(usage)).sort()).toEqual(['cancelled', 'malformed_response', 'success', 'timeout']);
    const total = (rows: Array<{ micros: number }>) => rows.reduce((sum, row) => sum + row.micros, 0);
    const budget = db<{ micros: number }>("SELECT TOTAL(cost_micros) AS micros FROM ledger WHERE guild_id = ? AND state <> 'refunded'", guild)[0]!.micros;
    expect(total(usage)).toBe(budget);
    expect(total(usage)).toBeGreaterThan(0);

    // The admin's view: the total is the budget's spend, and the broken image's model costs its price.
    const view = await admin(['usage'], [str('period', 'today')]);
    expect(view).toContain(`≈ $${(budget / 1e6).toFixed(3)}`);
    const brokenCost = Number(db<{ cost_micros: number }>("SELECT cost_micros FROM ledger WHERE key = ?", expected.find((e) => e.outcome === 'malformed_response')!.handle.id)[0]!.cost_micros);
    expect(brokenCost).toBeGreaterThan(0);
    expect(view).toContain(`\`gpt-image-1\`: 0 images, 1 attempt (1 failed), ≈ $${(brokenCost / 1e6).toFixed(3)}`);

    // Each unusable 200 counts as the relay's error.
    const listening = JSON.parse(world.bot.logs.find((line) => /metrics endpoint listening/.test(line))!) as { url: string };
    const metrics = await (await fetch(`${listening.url}/metrics`)).text();
    expect(metrics).toMatch(/^imagine_relay_errors_total\{relay="default",kind="malformed_response"\} 4$/m);
  });
});
