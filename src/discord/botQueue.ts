// The queue every generation goes through. One process on SQLite (the default): the in-process
// JobQueue, as always. With DATABASE_URL (PostgreSQL, several processes): the SharedJobQueue, whose
// queue is the job table itself, its caps counted over every process; it asks this process, through
// `remote`, to run jobs admitted elsewhere and to close jobs whose process died (remoteJobs.ts).
import type { AppConfig } from '../config/index.js';
import { JobQueue, relayCaps, SharedJobQueue, type JobQueueOptions, type LatencyStats, type WorkQueue } from '../queue/index.js';
import type { Database } from '../storage/index.js';
import { QueueStore } from '../storage/queueStore.js';
import type { RemoteJobs } from './remoteJobs.js';

export interface BotQueue {
  queue: WorkQueue;
  /** Shared mode only: its poll loop starts once the client is ready (start()). */
  shared?: SharedJobQueue;
}

/**
 * `processId` (shared mode: DATABASE_URL set) names this process's claims. `remote` is set once the
 * client is ready (the stored interactions need it); the shared queue's loop starts then too, so it
 * is there whenever the queue asks. Before, nothing is adopted here.
 */
export function createBotQueue(config: AppConfig, db: Database, latency: LatencyStats, processId: string | undefined, remote: () => RemoteJobs | undefined): BotQueue {
  const limits = config.env.queue;
  const options: JobQueueOptions = {
    maxRunning: limits.maxRunning,
    maxRunningPerUser: limits.maxRunningPerUser,
    maxQueuedPerUser: limits.maxQueuedPerUser,
    maxQueued: limits.maxQueued,
    maxRunningPerRelay: relayCaps(config.relays),
    latencyOf: (job) => latency.estimate(job.model),
    // Waiting messages are edited at most every quarter second; a burst replays the queue once.
    notifyIntervalMs: 250,
    // Past every retry and failover the relay client allows, a run is stuck: stop it.
    maxRunMs: Math.max(15 * 60_000, config.env.requestTimeoutMs * 3 + 60_000),
  };
  if (processId === undefined) return { queue: new JobQueue(options) };
  const shared = new SharedJobQueue({
    ...options,
    store: new QueueStore(db),
    processId,
    ...(limits.leaseMs === undefined ? {} : { leaseMs: limits.leaseMs }),
    ...(limits.localSlots === undefined ? {} : { localSlots: limits.localSlots }),
    adopt: (jobId) => remote()?.adopt(jobId),
    leaseExpired: async (jobId, wasRunning) => {
      const jobs = remote();
      if (!jobs) throw new Error('a lease expired before the bot was online');
      await jobs.leaseExpired(jobId, wasRunning);
    },
  });
  return { queue: shared, shared };
}
