// Local faults: the SQLite file locked by another program (an operator's sqlite3 shell, a backup)
// while the bot serves. The user hears "busy, try again" within Discord's 3 s, nothing is charged or
// sent to the relay, and the bot serves normally once the lock is gone.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World, waitSettled } from './helpers/world.js';

const EPHEMERAL = 64;

describe('the database locked by another program', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it('a request while the write lock is held: a clear message in time, no charge, no relay call; then it works again', { timeout: 60_000 }, async () => {
    const before = world.relay.requests.length;
    const holder = new Database(world.dbPath);
    holder.pragma('busy_timeout = 5000');
    holder.exec('BEGIN IMMEDIATE');
    try {
      for (const locale of ['en-US', 'zh-CN']) {
        const handle = world.discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: `locked ${locale}` }], locale });
        const callback = await handle.waitForCallback(3_000);
        expect(callback.at - handle.dispatchedAt).toBeLessThan(3_000);
        expect(callback.type).toBe(4);
        expect(((callback.data as { flags: number }).flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
        const content = String((callback.data as { content: string }).content);
        expect(content).toContain(locale === 'zh-CN' ? '数据库正忙' : "The bot's database is busy");
      }
      expect(world.relay.requests.length).toBe(before);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    const ledger = new Database(world.dbPath, { readonly: true });
    try {
      expect(ledger.prepare("SELECT COUNT(*) AS n FROM ledger WHERE state = 'reserved'").get()).toEqual({ n: 0 });
    } finally {
      ledger.close();
    }

    const after = world.discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: 'unlocked again' }] });
    expect((await after.waitForCallback(3_000)).type).toBe(5);
    await after.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 20_000);
    await waitSettled(world, after.id);
    expect(world.bot.child.exitCode).toBeNull();
  });
});
