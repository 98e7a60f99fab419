// The queues: fair ordering (the rule in fairPolicy.ts; FairScheduler keeps it in memory), execution
// with cancel and shutdown (JobQueue in one process; SharedJobQueue over the job table for several
// processes, both a WorkQueue) and the latency estimates behind ETAs (LatencyStats). The durable side
// lives in src/storage (jobStore.ts, and queueStore.ts for the shared queue).
export { FairScheduler, relayCaps } from './fairScheduler.js';
export type {
  EnqueueRejection,
  EnqueueResult,
  EtaEstimate,
  LatencyOf,
  ScheduledJob,
  SchedulerJob,
  SchedulerOptions,
} from './fairScheduler.js';
export { JobQueue } from './jobQueue.js';
export type { JobQueueOptions } from './jobQueue.js';
export { CANCEL_REASON, DEADLINE_REASON, SHUTDOWN_REASON } from './workQueue.js';
export type {
  DrainResult,
  JobOutcome,
  JobRunner,
  JobSettlement,
  PositionUpdate,
  QueueJob,
  QueueRefusal,
  SubmitResult,
  WorkQueue,
} from './workQueue.js';
export { LEASE_LOST_REASON, SharedJobQueue } from './sharedQueue.js';
export type { SharedJobQueueOptions } from './sharedQueue.js';
export type { QueueOnlyEntry, SharedClock, SharedJob, SharedLane, SharedQueueStore } from './sharedStore.js';
export { LatencyStats } from './latencyStats.js';
export type { LatencyStatsOptions } from './latencyStats.js';
