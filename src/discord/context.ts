import type { AppConfig } from '../config/index.js';
import type { ImagePipeline } from '../pipeline/imagePipeline.js';
import type { AuditLog, Ledger, PolicyStore, UsageLog } from '../storage/index.js';
import type { JobTracker } from './jobTracker.js';

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
  jobs: JobTracker;
}
