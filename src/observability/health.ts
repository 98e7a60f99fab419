// What /healthz says: healthy only while every gateway shard is connected, the bot is not stopping
// and (several processes on PostgreSQL) the shared database answers,
// so a probe takes it out of rotation (or restarts it) when Discord is lost, and not for a busy queue.
// One shard down is unhealthy too: the members of every server on it get "The application did not
// respond", as they would from an unsharded bot that lost its gateway. discord.js resumes or
// re-identifies a dropped shard by itself within seconds, so a probe should act only on several
// failures in a row (Docker's HEALTHCHECK --retries, a Kubernetes failureThreshold).
import { Status, type Client } from 'discord.js';
import type { HealthReport } from './server.js';
import type { QueueDepthSource } from './metrics.js';

export interface HealthInputs {
  client: Client;
  queue: QueueDepthSource;
  /** True once stop() began. */
  stopping: () => boolean;
  /**
   * Shared mode (PostgreSQL): whether the shared database answers, from the queue's own polls (no
   * statement of the probe's: a blocking round trip to a server that is down would stall the
   * gateway's heartbeats). Absent with SQLite, whose file is in the process.
   */
  database?: () => boolean;
}

/** One gateway shard as /healthz lists it. */
export interface ShardHealth {
  id: number;
  /** `connected`, or the shard's state in words (`identifying`, `resuming`, `waiting_for_guilds`, …). */
  status: string;
  /** The last heartbeat round trip in ms; null until the first heartbeat was acknowledged. */
  ping: number | null;
}

export function healthReport({ client, queue, stopping, database }: HealthInputs): HealthReport {
  const shards = shardHealth(client);
  const discord = stopping() ? 'shutting_down' : discordState(client, shards);
  const databaseState = database === undefined ? undefined : database() ? 'ok' : 'unreachable';
  const healthy = discord === 'connected' && databaseState !== 'unreachable';
  return {
    healthy,
    body: {
      status: healthy ? 'ok' : 'unavailable',
      discord,
      ...(databaseState === undefined ? {} : { database: databaseState }),
      shards,
      queued: queue.queuedCount,
      running: queue.runningCount,
      uptimeSeconds: Math.round(process.uptime()),
    },
  };
}

/** Every shard discord.js runs in this process (none before login), by id. */
function shardHealth(client: Client): ShardHealth[] {
  // discord.js fills the collection at login; test doubles of the client may not carry one at all.
  const shards = client.ws.shards ? [...client.ws.shards.values()] : [];
  return shards
    .map((shard) => ({ id: shard.id, status: stateName(shard.status), ping: shard.ping >= 0 ? shard.ping : null }))
    .sort((a, b) => a.id - b.id);
}

/**
 * `connected` when the client is ready and every shard is; else the first shard that is not, in
 * words; before login, the gateway manager's own state.
 */
function discordState(client: Client, shards: ShardHealth[]): string {
  const down = shards.find((shard) => shard.status !== 'connected');
  if (down) return down.status;
  const status = client.ws.status;
  if (client.isReady() && status === Status.Ready) return 'connected';
  if (status === Status.Ready) return 'connecting'; // the sockets are up but discord.js has not said ready yet
  return stateName(status);
}

/** discord.js's Status as words: Ready is `connected`, WaitingForGuilds is `waiting_for_guilds`. */
function stateName(status: Status): string {
  if (status === Status.Ready) return 'connected';
  const name = Status[status];
  return name ? name.replace(/[A-Z]/g, (letter, index: number) => (index > 0 ? '_' : '') + letter.toLowerCase()) : 'unknown';
}
