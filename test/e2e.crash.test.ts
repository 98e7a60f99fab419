// Issue 12's crash test: the real bot is killed with SIGKILL at each step of a generation (a
// test-only crash point, read only when NODE_ENV=test: after the reservation, after the rows were
// written, after the relay answered, after delivery, inside the settlement), then started again on
// the same database.
// After each restart the ledger, the usage log and the job table agree, no job is left open, and
// the member was told once: by their image, or by one message saying the request was closed.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage, InteractionHandle } from './fakes/discord/index.js';
import { startWorld, type World } from './helpers/world.js';

type Row = Record<string, unknown>;

function rows(world: World, sql: string, ...params: unknown[]): Row[] {
  const db = new Database(world.dbPath, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as Row[];
  } finally {
    db.close();
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What the member saw about this request: their image, and the distinct messages saying it was closed. */
function toldTimes(world: World, handle: InteractionHandle): { images: number; notices: number } {
  const original = handle.original();
  const images = (original?.attachments.length ?? 0) > 0 ? 1 : 0;
  const closed = (message: FakeMessage) => /restart|重启/.test(message.content);
  // The reply lives in the channel too: count each message once, by id.
  const notices = new Set<string>();
  if (original && images === 0 && closed(original)) notices.add(original.id);
  for (const message of world.discord.channelMessages()) {
    if (message.content.includes(`<@${handle.user.id}>`) && closed(message)) notices.add(message.id);
  }
  return { images, notices: notices.size };
}

describe('SIGKILL at each step of a generation: the books agree after the restart', () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it('after_reservation (before Discord was answered): the reservation is given back; no rows, nothing sent', async () => {
    world = await startWorld({ env: { NODE_ENV: 'test', IMAGINE_TEST_CRASH_AT: 'after_reservation', IMAGE_MODEL: 'flux-2-pro' } });
    const handle = world.discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'crash after the reservation' }] });
    expect(await world.bot.exited).toBeNull();
    delete world.env.IMAGINE_TEST_CRASH_AT;
    await world.restartBot('SIGKILL');
    // Never acknowledged, so never sent to the relay: refunded in full, and no usage or job row was
    // written (Discord tells the member the application did not respond; the bot never answered).
    expect(rows(world, 'SELECT state, refund_reason FROM ledger WHERE key = ?', handle.id)).toEqual([{ state: 'refunded', refund_reason: 'interrupted' }]);
    expect(rows(world, 'SELECT id FROM usage WHERE interaction_id = ?', handle.id)).toEqual([]);
    expect(rows(world, 'SELECT id FROM jobs WHERE interaction_id = ?', handle.id)).toEqual([]);
    expect(world.relay.requests.filter((request) => request.path.endsWith('/images/generations'))).toEqual([]);
    expect(handle.callbacks).toEqual([]);
    expect(world.discord.channelMessages().filter((message) => message.content.includes(`<@${handle.user.id}>`))).toEqual([]);
    expect(rows(world, "SELECT key FROM ledger WHERE state = 'reserved'")).toEqual([]);
  });

  it('before_records (Discord took the deferral, no rows yet): refunded, and the member told once in their reply', async () => {
    world = await startWorld({ env: { NODE_ENV: 'test', IMAGINE_TEST_CRASH_AT: 'before_records', IMAGE_MODEL: 'flux-2-pro' } });
    const handle = world.discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'crash before the rows' }], locale: 'zh-CN' });
    expect(await world.bot.exited).toBeNull();
    expect(handle.callbacks.map((callback) => callback.type)).toEqual([5]); // deferred: "thinking…"
    delete world.env.IMAGINE_TEST_CRASH_AT;
    await world.restartBot('SIGKILL');
    expect(rows(world, 'SELECT state, refund_reason, reply_token FROM ledger WHERE key = ?', handle.id)).toEqual([{ state: 'refunded', refund_reason: 'interrupted', reply_token: null }]);
    expect(rows(world, 'SELECT id FROM usage WHERE interaction_id = ?', handle.id)).toEqual([]);
    expect(rows(world, 'SELECT id FROM jobs WHERE interaction_id = ?', handle.id)).toEqual([]);
    expect(world.relay.requests.filter((request) => request.path.endsWith('/images/generations'))).toEqual([]);
    // The "thinking…" reply now says what happened, in the member's language, without Run again
    // (there is no usage row to run it from); nothing is posted in the channel.
    await handle.waitFor((state) => (state.original?.content ?? '').includes('未产生任何费用'), 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const original = handle.original()!;
    expect(original.content).toContain(`<@${handle.user.id}>`);
    expect(original.content).toContain('请重新发送该命令');
    expect(original.components).toEqual([]);
    expect(world.discord.requests.filter((request) => request.method === 'PATCH' && request.path.includes(handle.token))).toHaveLength(1); // told once
    expect(world.discord.channelMessages().filter((message) => message.id !== original.id && message.content.includes(`<@${handle.user.id}>`))).toEqual([]);
  });

  const points = [
    { point: 'after_records', running: false },
    { point: 'after_relay_answer', running: true },
    { point: 'after_delivery', running: true },
    { point: 'inside_settlement', running: true },
  ] as const;

  for (const { point, running } of points) {
    it(`${point}: one settlement after the restart, the member told once`, async () => {
      world = await startWorld({ env: { NODE_ENV: 'test', IMAGINE_TEST_CRASH_AT: point, IMAGE_MODEL: 'flux-2-pro' } });
      const handle = world.discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: `crash ${point}` }] });
      const code = await world.bot.exited;
      expect(code).toBeNull(); // killed by a signal, not an exit
      // The same database, without the crash point.
      delete world.env.IMAGINE_TEST_CRASH_AT;
      await world.restartBot('SIGKILL');

      // Nothing left open: no queued or running job, no pending usage row, no open reservation.
      await until(() => rows(world!, "SELECT 1 FROM jobs WHERE state IN ('queued','running')").length === 0, 5_000, 'recovery');
      expect(rows(world, "SELECT id FROM usage WHERE outcome = 'pending'")).toEqual([]);
      expect(rows(world, "SELECT key FROM ledger WHERE state = 'reserved'")).toEqual([]);
      // One record per request, and its three rows agree.
      const [job] = rows(world, 'SELECT state, error_kind, usage_id FROM jobs WHERE interaction_id = ?', handle.id);
      const [usage] = rows(world, 'SELECT id, outcome, estimated_cost FROM usage WHERE interaction_id = ?', handle.id);
      const [ledger] = rows(world, 'SELECT state, images, cost_micros, possibly_billed FROM ledger WHERE key = ?', handle.id);
      expect(job).toMatchObject({ state: 'interrupted', error_kind: running ? 'interrupted' : 'expired', usage_id: usage!.id });
      expect(usage).toMatchObject({ outcome: 'interrupted' });
      const charged = ledger!.state === 'refunded' ? 0 : Number(ledger!.cost_micros);
      expect(Math.round(Number(usage!.estimated_cost ?? 0) * 1e6)).toBe(charged);
      if (running) expect(ledger).toMatchObject({ state: 'committed', possibly_billed: 1 });
      else expect(ledger).toMatchObject({ state: 'refunded' });
      // Summed over the whole database, the two books agree too.
      const [books] = rows(world, "SELECT (SELECT COALESCE(SUM(cost_micros),0) FROM ledger WHERE state != 'refunded') AS ledger, (SELECT COALESCE(SUM(ROUND(estimated_cost * 1e6)),0) FROM usage) AS usage");
      expect(books!.ledger).toBe(books!.usage);

      // Told once: the image (the process died after delivering it), or one "restarted" message.
      await until(() => { const told = toldTimes(world!, handle); return told.images + told.notices > 0; }, 10_000, 'the member to be told');
      await new Promise((resolve) => setTimeout(resolve, 500));
      const told = toldTimes(world, handle);
      expect(told.images + told.notices).toBe(1);
      if (point === 'after_delivery' || point === 'inside_settlement') expect(told.images).toBe(1);
    });
  }

  it('with no crash point armed, the same request is settled once as delivered (the control case)', async () => {
    world = await startWorld({ env: { NODE_ENV: 'test', IMAGE_MODEL: 'flux-2-pro' } });
    const handle = world.discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'no crash' }] });
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 15_000);
    await until(() => rows(world!, "SELECT 1 FROM jobs WHERE state = 'delivered'").length === 1, 5_000, 'settlement');
    const [usage] = rows(world, 'SELECT outcome, estimated_cost, message_id FROM usage WHERE interaction_id = ?', handle.id);
    const [ledger] = rows(world, 'SELECT state, cost_micros, possibly_billed FROM ledger WHERE key = ?', handle.id);
    expect(usage).toMatchObject({ outcome: 'success' });
    expect(usage!.message_id).not.toBeNull();
    expect(ledger).toMatchObject({ state: 'committed', possibly_billed: 0 });
    expect(Math.round(Number(usage!.estimated_cost) * 1e6)).toBe(Number(ledger!.cost_micros));
  });
});
