// What /healthz says: healthy only while the gateway session is up and the bot is not stopping, so a
// probe takes it out of rotation (or restarts it) when Discord is lost, and not for a busy queue.
import { Status, type Client } from 'discord.js';
import type { HealthReport } from './server.js';
import type { QueueDepthSource } from './metrics.js';

export interface HealthInputs {
  client: Client;
  queue: QueueDepthSource;
  /** True once stop() began. */
  stopping: () => boolean;
}

export function healthReport({ client, queue, stopping }: HealthInputs): HealthReport {
  const discord = stopping() ? 'shutting_down' : discordState(client);
  const healthy = discord === 'connected';
  return {
    healthy,
    body: {
      status: healthy ? 'ok' : 'unavailable',
      discord,
      queued: queue.queuedCount,
      running: queue.runningCount,
      uptimeSeconds: Math.round(process.uptime()),
    },
  };
}

/** `connected`, or the gateway's state in words (`connecting`, `reconnecting`, `resuming`, `disconnected`, …). */
function discordState(client: Client): string {
  const status = client.ws.status;
  if (client.isReady() && status === Status.Ready) return 'connected';
  if (status === Status.Ready) return 'connecting'; // the socket is up but discord.js has not said ready yet
  const name = Status[status];
  return name ? name.replace(/[A-Z]/g, (letter, index: number) => (index > 0 ? '_' : '') + letter.toLowerCase()) : 'unknown';
}
