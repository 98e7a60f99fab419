// The durable job table: one row per queued generation, the source of truth across restarts (the
// in-memory FairScheduler only orders the work inside one process).
//
//   queued → running → delivered | failed | cancelled | interrupted
//   queued → failed | cancelled | interrupted
//
// Final states never change again (every update is guarded by the current state). At start-up the
// generation core settles every job a previous process left unfinished (src/generation/records.ts),
// and the bot tells each member, through the interaction token while it is valid.
//
// Several processes (PostgreSQL): the table is also the shared queue (migration 11). Its columns for
// claims and leases are written by queueStore.ts; here a job row says how another process can run it
// (`portable`, `presentation`, `admittedBy`), and `markRunning` can require the caller's claim.
//
// The interaction token is a credential for 15 minutes: it is stored only while the job is
// unfinished (cleared on every final state), and in JobRow it is a non-enumerable property, so a
// row passed to the logger or JSON.stringify never shows it.
import type { Database } from './database.js';
import { requireId } from './rowValues.js';

export const JOB_STATES = ['queued', 'running', 'delivered', 'failed', 'cancelled', 'interrupted'] as const;
export type JobState = (typeof JOB_STATES)[number];
export type FinalJobState = Exclude<JobState, 'queued' | 'running'>;

const FINAL_STATES: ReadonlySet<string> = new Set<FinalJobState>(['delivered', 'failed', 'cancelled', 'interrupted']);

export interface NewJob {
  interactionId: string;
  /** Kept until the job is final, so a restart can still answer the user. Never logged. */
  interactionToken?: string | null;
  applicationId?: string | null;
  /** Null in DMs. */
  guildId?: string | null;
  channelId?: string | null;
  userId: string;
  locale?: string | null;
  model: string;
  /** The relay chosen first (failover may use another; markRunning can record it). */
  relay?: string | null;
  /** The prepared request, stored as JSON: enough to run it again after a restart. */
  request: unknown;
  usageId?: number | null;
  /** How the result is shown (JSON), so another process can show it the same way. */
  presentation?: unknown;
  /** The member's share in the fair order, > 0 (default 1). */
  weight?: number;
  /** The process that admitted it (shared mode). */
  admittedBy?: string | null;
  /** False when only the admitting process can run it (its input images are not stored). Default true. */
  portable?: boolean;
  /** Epoch ms; defaults to Date.now(). */
  now?: number;
}

export interface JobRow {
  id: number;
  interactionId: string;
  /** Non-enumerable (hidden from JSON.stringify and the logger). Null once the job is final. */
  readonly interactionToken: string | null;
  applicationId: string | null;
  guildId: string | null;
  channelId: string | null;
  userId: string;
  locale: string | null;
  model: string;
  relay: string | null;
  /** The parsed request JSON; validate it before use. */
  request: unknown;
  state: JobState;
  usageId: number | null;
  errorKind: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** The parsed presentation JSON (null when none was stored); validate it before use. */
  presentation: unknown;
  weight: number;
  admittedBy: string | null;
  portable: boolean;
}

interface DbJob {
  id: number;
  interaction_id: string;
  interaction_token: string | null;
  application_id: string | null;
  guild_id: string | null;
  channel_id: string | null;
  user_id: string;
  locale: string | null;
  model: string;
  relay: string | null;
  request: string;
  state: JobState;
  usage_id: number | null;
  error_kind: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  presentation: string | null;
  weight: number;
  admitted_by: string | null;
  portable: number;
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function toRow(row: DbJob): JobRow {
  const job = {
    id: row.id,
    interactionId: row.interaction_id,
    applicationId: row.application_id,
    guildId: row.guild_id,
    channelId: row.channel_id,
    userId: row.user_id,
    locale: row.locale,
    model: row.model,
    relay: row.relay,
    request: parseJson(row.request),
    state: row.state,
    usageId: row.usage_id,
    errorKind: row.error_kind,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    presentation: parseJson(row.presentation),
    weight: row.weight,
    admittedBy: row.admitted_by,
    portable: row.portable !== 0,
  };
  Object.defineProperty(job, 'interactionToken', { value: row.interaction_token, enumerable: false });
  return job as JobRow;
}

export class JobStore {
  private readonly insert;
  private readonly selectById;
  private readonly selectByInteraction;
  private readonly selectUnfinished;
  private readonly updateRunning;
  private readonly updateRunningClaimed;
  private readonly updateFinished;

  constructor(db: Database) {
    this.insert = db.prepare<Record<string, unknown>, DbJob>(`
      INSERT INTO jobs (interaction_id, interaction_token, application_id, guild_id, channel_id, user_id,
                        locale, model, relay, request, usage_id, created_at,
                        presentation, weight, admitted_by, portable)
      VALUES (@interaction_id, @interaction_token, @application_id, @guild_id, @channel_id, @user_id,
              @locale, @model, @relay, @request, @usage_id, @created_at,
              @presentation, @weight, @admitted_by, @portable)
      ON CONFLICT (interaction_id) DO NOTHING
      RETURNING *`);
    this.selectById = db.prepare<[number], DbJob>('SELECT * FROM jobs WHERE id = ?');
    this.selectByInteraction = db.prepare<[string], DbJob>('SELECT * FROM jobs WHERE interaction_id = ?');
    // Queue-only rows (a chat call's place in the shared queue) are no job: the queue alone reads them.
    this.selectUnfinished = db.prepare<[], DbJob>(
      "SELECT * FROM jobs WHERE state IN ('queued', 'running') AND queue_only = 0 ORDER BY created_at, id",
    );
    const toRunning = `
      UPDATE jobs SET state = 'running', started_at = @now,
                      relay = COALESCE(@relay, relay), usage_id = COALESCE(@usage_id, usage_id)
      WHERE id = @id AND state = 'queued'`;
    this.updateRunning = db.prepare<Record<string, unknown>>(toRunning);
    this.updateRunningClaimed = db.prepare<Record<string, unknown>>(`${toRunning} AND claimed_by = @claimed_by`);
    this.updateFinished = db.prepare<Record<string, unknown>>(`
      UPDATE jobs SET state = @state, finished_at = @now, interaction_token = NULL,
                      error_kind = COALESCE(@error_kind, error_kind),
                      relay = COALESCE(@relay, relay), usage_id = COALESCE(@usage_id, usage_id)
      WHERE id = @id AND state IN ('queued', 'running')`);
  }

  /**
   * Records a new queued job. With an interaction id already stored (a redelivery), nothing is
   * written: the existing row comes back with `existing: true`.
   */
  create(job: NewJob): { job: JobRow; existing: boolean } {
    requireId('interactionId', job.interactionId, false);
    requireId('userId', job.userId, false);
    requireId('guildId', job.guildId, true);
    requireId('channelId', job.channelId, true);
    requireId('applicationId', job.applicationId, true);
    if (typeof job.model !== 'string' || job.model === '') throw new TypeError('model must be a non-empty string');
    const weight = job.weight ?? 1;
    if (!(weight > 0) || !Number.isFinite(weight)) throw new RangeError('weight must be a positive finite number');
    const request = JSON.stringify(job.request ?? null);
    const inserted = this.insert.get({
      interaction_id: job.interactionId,
      interaction_token: job.interactionToken ?? null,
      application_id: job.applicationId ?? null,
      guild_id: job.guildId ?? null,
      channel_id: job.channelId ?? null,
      user_id: job.userId,
      locale: job.locale ?? null,
      model: job.model,
      relay: job.relay ?? null,
      request,
      usage_id: job.usageId ?? null,
      created_at: job.now ?? Date.now(),
      presentation: job.presentation === undefined ? null : JSON.stringify(job.presentation),
      weight,
      admitted_by: job.admittedBy ?? null,
      portable: job.portable === false ? 0 : 1,
    });
    if (inserted) return { job: toRow(inserted), existing: false };
    const existing = this.selectByInteraction.get(job.interactionId);
    if (!existing) throw new Error(`job for interaction ${job.interactionId} vanished`);
    return { job: toRow(existing), existing: true };
  }

  /**
   * queued → running. Returns false unless the job was queued — and, with `claimedBy` (shared mode),
   * claimed by that process: a process whose claim was taken back (its lease expired, or drain()
   * released it) must not start the job, since another process may start it now.
   */
  markRunning(id: number, options: { now?: number; relay?: string | null; usageId?: number | null; claimedBy?: string } = {}): boolean {
    const values = { id, now: options.now ?? Date.now(), relay: options.relay ?? null, usage_id: options.usageId ?? null };
    const result =
      options.claimedBy === undefined ? this.updateRunning.run(values) : this.updateRunningClaimed.run({ ...values, claimed_by: options.claimedBy });
    return result.changes > 0;
  }

  /**
   * queued/running → a final state; clears the token. Returns false when the job is unknown or
   * already final (a late finish after a cancel changes nothing).
   */
  finish(
    id: number,
    state: FinalJobState,
    options: { errorKind?: string | null; relay?: string | null; usageId?: number | null; now?: number } = {},
  ): boolean {
    if (!FINAL_STATES.has(state)) throw new TypeError(`finish(): not a final state: ${String(state)}`);
    return (
      this.updateFinished.run({
        id,
        state,
        now: options.now ?? Date.now(),
        error_kind: options.errorKind ?? null,
        relay: options.relay ?? null,
        usage_id: options.usageId ?? null,
      }).changes > 0
    );
  }

  get(id: number): JobRow | undefined {
    const row = this.selectById.get(id);
    return row && toRow(row);
  }

  getByInteraction(interactionId: string): JobRow | undefined {
    const row = this.selectByInteraction.get(interactionId);
    return row && toRow(row);
  }

  /** Every queued or running job, oldest first. */
  listUnfinished(): JobRow[] {
    return this.selectUnfinished.all().map(toRow);
  }
}
