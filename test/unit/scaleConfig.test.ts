// The settings of several processes (README "Scale"): DATABASE_URL selects PostgreSQL and shared
// mode, SHARD_IDS names this process's shards of SHARD_COUNT, QUEUE_LEASE_MS and PROCESS_NAME; each
// mistake is one line naming the variable, and the database password is never repeated.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { parseEnv } from '../../src/config/env.js';
import { redact } from '../../src/providers/redact.js';
import { ConfigError } from '../../src/config/errors.js';
import { gatewayShardOptions } from '../../src/discord/shards.js';

const URL = 'postgres://bot:s3cret-pass@db.example:5432/imagine';

function refusal(env: Record<string, string>): string {
  try {
    parseEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('DATABASE_URL', () => {
  it('is unset by default (SQLite at DATABASE_PATH), and takes postgres:// or postgresql://', () => {
    expect(parseEnv({}).databaseUrl).toBeUndefined();
    expect(parseEnv({ DATABASE_URL: ' ' }).databaseUrl).toBeUndefined();
    expect(parseEnv({ DATABASE_URL: URL }).databaseUrl).toBe(URL);
    expect(parseEnv({ DATABASE_URL: 'postgresql://127.0.0.1/imagine' }).databaseUrl).toBe('postgresql://127.0.0.1/imagine');
  });

  it('refuses anything else in one line that does not repeat the value', () => {
    const message = refusal({ DATABASE_URL: 'mysql://bot:s3cret-pass@db/imagine' });
    expect(message).toMatch(/^DATABASE_URL must be a PostgreSQL URL/);
    expect(message).not.toContain('s3cret-pass');
  });

  it('has its password registered as a secret: no log line shows it', () => {
    loadConfig({ processEnv: { DATABASE_URL: URL }, envFile: '/nonexistent/.env' });
    expect(redact(`connecting to ${URL} failed`)).not.toContain('s3cret-pass');
  });
});

describe('SHARD_IDS', () => {
  it('is every shard of SHARD_COUNT when unset; ids and ranges otherwise, sorted once each', () => {
    expect(parseEnv({ SHARD_COUNT: '4' }).shardIds).toBeUndefined();
    expect(parseEnv({ SHARD_COUNT: '4', SHARD_IDS: '0-3' }).shardIds).toEqual([0, 1, 2, 3]);
    expect(parseEnv({ SHARD_COUNT: '8', SHARD_IDS: '5, 0-1,1', DATABASE_URL: URL }).shardIds).toEqual([0, 1, 5]);
    expect(parseEnv({ SHARD_COUNT: '2', SHARD_IDS: '1', DATABASE_URL: URL }).shardIds).toEqual([1]);
  });

  it('becomes the discord.js shards this process identifies, of the total', () => {
    expect(gatewayShardOptions(2, [1])).toEqual({ shards: [1], shardCount: 2 });
    expect(gatewayShardOptions(4)).toEqual({ shards: [0, 1, 2, 3], shardCount: 4 });
  });

  it.each([
    [{ SHARD_IDS: 'one' }, /^SHARD_IDS must list shard ids and ranges such as 0,1 or 0-3/],
    [{ SHARD_IDS: '3-1', SHARD_COUNT: '4' }, /^SHARD_IDS has the range 3-1 backwards/],
    [{ SHARD_IDS: '0', SHARD_COUNT: 'auto', DATABASE_URL: URL }, /^SHARD_IDS needs SHARD_COUNT as a number/],
    [{ SHARD_IDS: '1' }, /^SHARD_IDS names shard 1, but SHARD_COUNT is 1/],
    [{ SHARD_IDS: '0-2', SHARD_COUNT: '2', DATABASE_URL: URL }, /^SHARD_IDS names shard 2, but SHARD_COUNT is 2/],
    [{ SHARD_IDS: '0', SHARD_COUNT: '2' }, /^SHARD_IDS runs only some of the 2 shards here.*set DATABASE_URL/],
  ])('refuses %j in one line naming the variable', (env, pattern) => {
    expect(refusal(env)).toMatch(pattern);
  });
});

describe('QUEUE_LEASE_MS, QUEUE_LOCAL_SLOTS and PROCESS_NAME', () => {
  it('leave the lease and the local slots to the queue when unset, and name the process hostname:pid', () => {
    const env = parseEnv({});
    expect(env.queue.leaseMs).toBeUndefined();
    expect(env.queue.localSlots).toBeUndefined();
    expect(env.processName).toMatch(new RegExp(`:${process.pid}$`));
  });

  it('take a lease of 1 s to 10 min and a name without spaces', () => {
    const env = parseEnv({ QUEUE_LEASE_MS: '3000', QUEUE_LOCAL_SLOTS: '3', PROCESS_NAME: 'bot-a' });
    expect(env.queue.leaseMs).toBe(3000);
    expect(env.queue.localSlots).toBe(3);
    expect(env.processName).toBe('bot-a');
    expect(refusal({ QUEUE_LEASE_MS: '10' })).toMatch(/^QUEUE_LEASE_MS must be a whole number of milliseconds from 1000 to 600000/);
    expect(refusal({ PROCESS_NAME: 'bot a' })).toMatch(/^PROCESS_NAME must be up to 100 letters/);
  });
});
