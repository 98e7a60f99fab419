import type { AppConfig } from '../config/index.js';
import type { GenerationService } from '../generation/index.js';
import type { ImagePipeline } from '../pipeline/imagePipeline.js';
import type { PolicyService } from '../policy/index.js';
import type { LatencyStats, WorkQueue } from '../queue/index.js';
import type {
  AuditLog,
  GalleryStore,
  HistoryStore,
  JobStore,
  Ledger,
  MemberSettingsStore,
  PromptSettingsStore,
  ReportStore,
  StylePresetStore,
  UsageLog,
  UsageReports,
} from '../storage/index.js';
import type { HandlerTracker } from './handlerTracker.js';

/** What every command and button handler may use. Built once in bot.ts. */
export interface BotContext {
  config: AppConfig;
  pipeline: ImagePipeline;
  /** The life of a request: admission, queue, generation, settlement, recovery. */
  generation: GenerationService;
  usage: UsageLog;
  /** Reads over the usage log: /usage, the admin report and the CSV export. */
  usageReports: UsageReports;
  /** Server policy (models, safety, channels, quotas, budgets, blocked words and users). */
  policies: PolicyService;
  audit: AuditLog;
  /** Quota and budget reservations, keyed by interaction id. */
  ledger: Ledger;
  /**
   * The fair queue every generation goes through (position, ETA, cancel, shutdown): in-process, or
   * with DATABASE_URL the job table shared by every process of the bot.
   */
  jobs: WorkQueue;
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
  /** Members' own /imagine defaults and --shortcuts (/settings). */
  memberSettings: MemberSettingsStore;
  /** Each server's style presets (/imagine style:, /settings style). */
  styles: StylePresetStore;
  /** Each server's prompt settings: enhance by default, translate for FLUX. */
  promptSettings: PromptSettingsStore;
  /** Interaction handlers still at work, for shutdown. */
  handlers: HandlerTracker;
}
