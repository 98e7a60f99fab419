// SHARD_COUNT (and SHARD_IDS) as discord.js's internal sharding: the gateway shards this process runs.
// Without SHARD_IDS every shard runs here, so the job queue, the ledger and the caps stay one; with
// it (several processes, README "Scale") each process runs its own shards of the same total, and
// the processes share their state through PostgreSQL.
import { Client, type ClientOptions } from 'discord.js';

/**
 * The Client options that run shards `ids` of `count` here (every id 0..count-1 when `ids` is
 * undefined), or `shards: 'auto'`, which at login runs as many as GET /gateway/bot recommends.
 * The configuration has checked that `ids` lie below a numeric count.
 */
export function gatewayShardOptions(count: number | 'auto', ids?: readonly number[]): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (count === 'auto') return { shards: 'auto' };
  return { shards: ids ? [...ids] : Array.from({ length: count }, (_, id) => id), shardCount: count };
}

/**
 * A Client running shards `ids` of `count`. discord.js also reads SHARD_COUNT from the process
 * environment by itself (its ShardingManager hands the count to the processes it spawns that way)
 * whenever `shardCount` is 1, and refuses `auto` or an empty value there (compose passes
 * `SHARD_COUNT=` when the host has none). The configuration has read it already, so the Client is
 * built with it out of sight; the environment is as before afterwards.
 */
export function createShardedClient(options: ClientOptions, count: number | 'auto', ids?: readonly number[]): Client {
  const fromEnvironment = process.env.SHARD_COUNT;
  delete process.env.SHARD_COUNT;
  try {
    return new Client({ ...options, ...gatewayShardOptions(count, ids) });
  } finally {
    if (fromEnvironment !== undefined) process.env.SHARD_COUNT = fromEnvironment;
  }
}
