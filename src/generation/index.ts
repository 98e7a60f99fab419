// The life of one request, knowing nothing of Discord: admit (screen, then reserve and open its
// records), run (queue, generate, deliver through a reporter), settle once, recover at start.
import type { ChatConfig } from '../config/index.js';
import { log } from '../log.js';
import { isModelAllowed, type GuildPolicy } from '../moderation/index.js';
import type { ImagePipeline } from '../pipeline/imagePipeline.js';
import type { JobRunner, LatencyStats, WorkQueue } from '../queue/index.js';
import type { PolicyService } from '../policy/index.js';
import type { Database, JobRow, JobStore, Ledger, UsageLog } from '../storage/index.js';
import { Admissions, type Result } from './admission.js';
import { PromptAssistant } from './assist.js';
import { ChatTasks } from './chatTasks.js';
import { composeRequest, type ComposeInput, type Composed } from './compose.js';
import { orphanCutoffs } from './orphanSweep.js';
import { GenerationRecords, type OrphanNotice, type Orphans, type RecoveredJob } from './records.js';
import { refusalLogEntry, type Refusal } from './refusal.js';
import type { GenerationReporter } from './reporter.js';
import { GenerationRunner } from './runner.js';
import { restoreAdmitted, type Restored } from './storedJob.js';
import type { Admitted, DraftRequest, Origin, Reserved, Screened } from './types.js';

export { explainEnding, type ToldEnding } from './endings.js';
export { generateReported, requestLog } from './runner.js';
export { explainRefusal, type Refusal } from './refusal.js';
export { storedParams, type Ending, type OrphanNotice, type Orphans, type RecoveredJob, type Settled } from './records.js';
export { scheduleOrphanSweep, type OrphanSweep } from './orphanSweep.js';
export { interactionOfKey } from './chatTasks.js';
export type { GenerationReporter, Receipt } from './reporter.js';
export type { Restored } from './storedJob.js';
export type { Admitted, DraftRequest, GenerationRecord, Origin, Presentation, Reserved, Screened } from './types.js';
export type { Result } from './admission.js';
export type { DescribeOutcome, Enhanced } from './assist.js';
export type { ComposeInput, Composed } from './compose.js';

export interface GenerationDeps {
  db: Database;
  pipeline: ImagePipeline;
  policies: PolicyService;
  ledger: Ledger;
  usage: UsageLog;
  jobStore: JobStore;
  queue: WorkQueue;
  latency: LatencyStats;
  /**
   * Shared mode only (the queue is the job table, several processes): this process's name, on the
   * rows it admits and required of its claims. Unset: one process, the in-process queue.
   */
  processId?: string;
  /** The relay's chat model (/describe, enhance); undefined when the operator configured none. */
  chat?: ChatConfig;
}

export class GenerationService {
  readonly records: GenerationRecords;
  private readonly admissions: Admissions;
  private readonly runner: GenerationRunner;
  /** The chat model's services: /describe and prompt enhancement. */
  readonly assistant: PromptAssistant;

  constructor(private readonly deps: GenerationDeps) {
    this.records = new GenerationRecords(deps.db, deps.ledger, deps.usage, deps.jobStore, deps.processId ?? null);
    this.admissions = new Admissions({ pipeline: deps.pipeline, policies: deps.policies, queue: deps.queue, records: this.records });
    this.runner = new GenerationRunner({ pipeline: deps.pipeline, records: this.records, queue: deps.queue, latency: deps.latency });
    this.assistant = new PromptAssistant(new ChatTasks({ chat: deps.chat, records: this.records, queue: deps.queue }));
  }

  /**
   * A member's request from everything that says what they want (options, inline parameters,
   * shortcuts, a style, their defaults); a default that the server or the model does not allow is
   * left out with a note. Sends nothing and reserves nothing.
   */
  compose(origin: Origin, input: ComposeInput): Composed {
    const { pipeline, policies } = this.deps;
    const policy = origin.guildId ? policies.get(origin.guildId) : undefined;
    return composeRequest(input, {
      modelUsable: (id) => {
        try {
          const model = pipeline.resolveModel(id);
          return !policy || isModelAllowed(policy, model.id);
        } catch {
          return false;
        }
      },
      fits: (draft) => {
        try {
          pipeline.prepare(draft);
          return true;
        } catch {
          return false;
        }
      },
    });
  }

  /** The cheap checks before a chat call of its own (/describe): the queue, a blocked member, the channel. */
  screenChat(origin: Origin): Result<{ policy: GuildPolicy | undefined }> {
    return this.admissions.screenChat(origin);
  }

  screen(origin: Origin, draft: DraftRequest): Result<Screened> {
    return this.admissions.screen(origin, draft);
  }

  reserve(origin: Origin, draft: DraftRequest, screened: Screened): Result<Reserved | undefined> {
    return this.admissions.reserve(origin, draft, screened);
  }

  /**
   * Writes the rows of a reserved request (usage and job, one transaction), once the platform has
   * acknowledged it. Undefined: they exist already (a redelivery). Throws, with the reservation
   * given back, when the database refuses.
   */
  open(reserved: Reserved): Admitted | undefined {
    const record = this.records.open(reserved.origin, reserved.prepared, reserved);
    return record && { ...reserved, record };
  }

  /** Logs a refused request as an attempt (nothing charged); a refusal while stopping is not an attempt. */
  logRefusal(origin: Origin, draft: DraftRequest, refusal: Refusal, inputCount?: number): void {
    const entry = refusalLogEntry(refusal);
    if (!entry) return;
    try {
      this.records.logRefusal(origin, draft, { ...entry, ...(inputCount === undefined ? {} : { inputCount }) }, this.deps.pipeline.defaultModel.id);
    } catch (error) {
      log.error('could not log a refused request', { error });
    }
  }

  /**
   * A reserved request that cannot go on because the platform refused to acknowledge it (Discord's
   * deferral failed): refunded at once, nothing sent to the relay, no rows written.
   */
  abandon(reserved: Reserved): void {
    this.records.release(reserved.origin, 'unacknowledged');
  }

  run(admitted: Admitted, reporter: GenerationReporter): Promise<void> {
    return this.runner.run(admitted, reporter);
  }

  /**
   * Shared mode: a job another process admitted, rebuilt from its row to run here (see storedJob.ts);
   * not ok when the row cannot be run here, with the reason.
   */
  restore(row: JobRow): Restored {
    return restoreAdmitted(row, this.deps.pipeline);
  }

  /** Shared mode: the queue's runner for a job this process claimed without admitting it (executed and settled like a local one). */
  claimed(admitted: Admitted, reporter: GenerationReporter): JobRunner {
    return this.runner.claimed(admitted, reporter);
  }

  /**
   * Shared mode: closes one job whose process died (its lease expired) by the recovery rule; the
   * job to tell its member about, or undefined when another caller closed it first.
   */
  recoverOne(jobId: number, wasRunning: boolean): RecoveredJob | undefined {
    return this.records.recoverOne(jobId, wasRunning);
  }

  /**
   * Shared mode: closes what dead processes left open without a job row (reservations never
   * acknowledged, chat calls cut short), past the ages no live process could still be at work on
   * them (orphanSweep.ts). Several processes may sweep at once: each row is closed once.
   */
  sweepOrphans(now: number = Date.now()): Orphans {
    return this.records.sweepOrphans(orphanCutoffs(now), now);
  }

  /**
   * Settles every request a previous process left open, and gives back reservations it never
   * wrote rows for; call once, before taking work. `toTell`: those reservations' members whose
   * reply can still be edited.
   */
  recover(now?: number): { jobs: RecoveredJob[]; orphans: number; toTell: OrphanNotice[] } {
    return this.records.recover(now);
  }
}
