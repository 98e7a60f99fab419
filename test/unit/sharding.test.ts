// SHARD_COUNT in process: the setting, the discord.js Client options it becomes, and what /healthz
// says about the shards (the real bot against sharded Discord is test/e2e.sharding.test.ts).
import { Client, GatewayIntentBits, Status } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';
import { createShardedClient, gatewayShardOptions } from '../../src/discord/shards.js';
import { healthReport } from '../../src/observability/health.js';

describe('SHARD_COUNT', () => {
  it('is 1 when unset, a number, or auto (any case)', () => {
    expect(parseEnv({}).shardCount).toBe(1);
    expect(parseEnv({ SHARD_COUNT: '' }).shardCount).toBe(1);
    expect(parseEnv({ SHARD_COUNT: '4' }).shardCount).toBe(4);
    expect(parseEnv({ SHARD_COUNT: ' 1000 ' }).shardCount).toBe(1000);
    expect(parseEnv({ SHARD_COUNT: 'auto' }).shardCount).toBe('auto');
    expect(parseEnv({ SHARD_COUNT: 'Auto' }).shardCount).toBe('auto');
  });

  it.each(['0', '-2', '2.5', 'two', '1001', '08'])('refuses %j in one line naming the variable', (value) => {
    let error: unknown;
    try {
      parseEnv({ SHARD_COUNT: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^SHARD_COUNT must be auto or a whole number of shards from 1 to 1000 /);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('the discord.js client SHARD_COUNT becomes', () => {
  const saved = process.env.SHARD_COUNT;
  const clients: Client[] = [];
  afterEach(async () => {
    if (saved === undefined) delete process.env.SHARD_COUNT;
    else process.env.SHARD_COUNT = saved;
    await Promise.all(clients.splice(0).map((client) => client.destroy()));
  });
  const clientWith = (count: number | 'auto'): Client => {
    const client = createShardedClient({ intents: [GatewayIntentBits.Guilds] }, count);
    clients.push(client);
    return client;
  };

  it('runs shards 0..n-1 of n in this process, or leaves the count to Discord with auto', () => {
    expect(gatewayShardOptions(3)).toEqual({ shards: [0, 1, 2], shardCount: 3 });
    expect(clientWith(3).options).toMatchObject({ shards: [0, 1, 2], shardCount: 3 });
    expect(clientWith(1).options).toMatchObject({ shards: [0], shardCount: 1 });
    expect(clientWith('auto').options.shards).toBe('auto');
  });

  it.each(['auto', '', '5'])('ignores SHARD_COUNT=%j in the environment, which discord.js would read itself', (value) => {
    process.env.SHARD_COUNT = value;
    // What discord.js does with it when left alone: refuse `auto` and empty, run 5 shards for "5".
    const plain = (): Client => new Client({ intents: [GatewayIntentBits.Guilds] });
    if (value === '5') expect(plain().options.shardCount).toBe(5);
    else expect(plain).toThrow(/shardCount/);
    expect(clientWith(1).options).toMatchObject({ shards: [0], shardCount: 1 });
    expect(clientWith('auto').options.shards).toBe('auto');
    expect(process.env.SHARD_COUNT).toBe(value);
  });
});

describe('/healthz with shards', () => {
  const queue = { queuedCount: 0, runningCount: 0 };
  const shard = (id: number, status: Status, ping = 42) => ({ id, status, ping });
  const clientWith = (shards: Array<ReturnType<typeof shard>>, ready = true) =>
    ({ isReady: () => ready, ws: { status: Status.Ready, shards: new Map(shards.map((s) => [s.id, s])) } }) as unknown as Client;

  it('lists every shard by id with its state and ping, healthy when all are connected', () => {
    const report = healthReport({ client: clientWith([shard(1, Status.Ready, 30), shard(0, Status.Ready, -1)]), queue, stopping: () => false });
    expect(report.healthy).toBe(true);
    expect(report.body).toMatchObject({
      status: 'ok',
      discord: 'connected',
      shards: [
        { id: 0, status: 'connected', ping: null },
        { id: 1, status: 'connected', ping: 30 },
      ],
    });
  });

  it('is unavailable while any shard is not connected, and says which state it is in', () => {
    const report = healthReport({ client: clientWith([shard(0, Status.Ready), shard(1, Status.Resuming)]), queue, stopping: () => false });
    expect(report.healthy).toBe(false);
    expect(report.body).toMatchObject({ status: 'unavailable', discord: 'resuming', shards: [{ id: 0, status: 'connected' }, { id: 1, status: 'resuming' }] });
    const waiting = healthReport({ client: clientWith([shard(0, Status.WaitingForGuilds)], false), queue, stopping: () => false });
    expect(waiting.body.discord).toBe('waiting_for_guilds');
    expect(healthReport({ client: clientWith([shard(0, Status.Ready)]), queue, stopping: () => true }).body.discord).toBe('shutting_down');
  });
});
