// The in-process queue: fair ordering (FairScheduler), execution with cancel and shutdown (JobQueue)
// and the latency estimates behind ETAs (LatencyStats). The durable side lives in src/storage/jobStore.ts.
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
export { CANCEL_REASON, DEADLINE_REASON, JobQueue, SHUTDOWN_REASON } from './jobQueue.js';
export type {
  DrainResult,
  JobOutcome,
  JobQueueOptions,
  JobRunner,
  JobSettlement,
  PositionUpdate,
  QueueJob,
  SubmitResult,
} from './jobQueue.js';
export { LatencyStats } from './latencyStats.js';
export type { LatencyStatsOptions } from './latencyStats.js';
