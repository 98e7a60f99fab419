import type { AppConfig } from '../config/index.js';
import type { ImagePipeline } from '../pipeline/imagePipeline.js';
import type { UsageLog } from '../storage/index.js';
import type { JobTracker } from './jobTracker.js';

/** What every command and button handler may use. Built once in bot.ts. */
export interface BotContext {
  config: AppConfig;
  pipeline: ImagePipeline;
  usage: UsageLog;
  jobs: JobTracker;
}
