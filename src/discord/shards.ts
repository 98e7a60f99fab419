// SHARD_COUNT as discord.js's internal sharding: every gateway shard runs in this one process, so the
// job queue, the ledger and the caps stay one (several processes would each hold their own).
import { Client, type ClientOptions } from 'discord.js';

/**
 * The Client options that run `count` shards here: ids 0..count-1 of count, or `shards: 'auto'`,
 * which at login runs as many as GET /gateway/bot recommends.
 */
export function gatewayShardOptions(count: number | 'auto'): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (count === 'auto') return { shards: 'auto' };
  return { shards: Array.from({ length: count }, (_, id) => id), shardCount: count };
}

/**
 * A Client running `count` shards. discord.js also reads SHARD_COUNT from the process environment by
 * itself (its ShardingManager hands the count to the processes it spawns that way) whenever
 * `shardCount` is 1, and refuses `auto` or an empty value there (compose passes `SHARD_COUNT=` when
 * the host has none). The configuration has read it already, so the Client is built with it out of
 * sight; the environment is as before afterwards.
 */
export function createShardedClient(options: ClientOptions, count: number | 'auto'): Client {
  const fromEnvironment = process.env.SHARD_COUNT;
  delete process.env.SHARD_COUNT;
  try {
    return new Client({ ...options, ...gatewayShardOptions(count) });
  } finally {
    if (fromEnvironment !== undefined) process.env.SHARD_COUNT = fromEnvironment;
  }
}
