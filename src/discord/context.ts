import type { AppConfig } from '../config/index.js';
import type { ImagePipeline } from '../pipeline/imagePipeline.js';
import type { JobQueue, LatencyStats } from '../queue/index.js';
import type { AuditLog, GalleryStore, HistoryStore, JobStore, Ledger, PolicyStore, ReportStore, UsageLog } from '../storage/index.js';
import type { HandlerTracker } from './handlerTracker.js';

/** What every command and button handler may use. Built once in bot.ts. */
export interface BotContext {
  config: AppConfig;
  pipeline: ImagePipeline;
  usage: UsageLog;
  /** Server policy (models, safety, channels, quotas, budgets, blocked words and users). */
  policies: PolicyStore;
  audit: AuditLog;
  /** Quota and budget reservations, keyed by interaction id. */
  ledger: Ledger;
  /** The fair in-process queue every generation goes through (position, ETA, cancel, shutdown). */
  jobs: JobQueue;
  /** The durable job table: what a restart must resume or close. */
  jobStore: JobStore;
  /** Measured generation times per model, behind the queue's ETAs. */
  latency: LatencyStats;
  /** Members' reports of results (the Report button), one per member and image. */
  reports: ReportStore;
  /** Community sharing: gallery settings, shared images, favourites. */
  gallery: GalleryStore;
  /** Members' recent images (/history). */
  history: HistoryStore;
  /** Interaction handlers still at work, for shutdown. */
  handlers: HandlerTracker;
}
