// The durable life of a request: its ledger entry, usage row and job row are opened together and
// closed together, each time in ONE SQLite transaction, so a crash between two writes cannot leave
// them disagreeing. `settle` is the only writer of a final state, by the one billing rule
// (billing.ts); `recover` closes whatever a previous process left open through the same `settle`.
// Shared mode (several processes): `recoverOne` closes a job whose process's lease ran out, and
// `sweepOrphans` what a dead process left without a job row, by recover()'s rule; every close is
// guarded by the row's state, so a row is closed once however many processes try.
import type { PreparedGeneration } from '../pipeline/imagePipeline.js';
import type { ChatAnswer } from '../providers/chatText.js';
import { inputPictureCount } from '../providers/dialects/inputs.js';
import { isImagineError, type ImagineError } from '../providers/errors.js';
import type { GenerationResult, ImageRequest } from '../providers/types.js';
import type { Database, FinalJobState, FinishedOutcome, JobRow, JobStore, Ledger, LedgerEntry, LedgerReply, ReserveLimits, ReserveResult, UsageLog } from '../storage/index.js';
import { failureCharge, settleCharge, type FailureCharge } from './billing.js';
import { crashPoint } from './crashPoint.js';
import { isPortable, presentationOf } from './storedJob.js';
import type { ChatTaskKind, DraftRequest, GenerationRecord, Origin, Presentation } from './types.js';

/** The rows of a chat call: its ledger key and usage row (no job row). */
export interface ChatRecord {
  key: string;
  usageId: number;
}

/** How a chat call ended. */
export type ChatEnding = { kind: 'answered'; answer: ChatAnswer } | { kind: 'failed'; error: unknown; stopped?: StopReason } | { kind: 'not_started' };

/** Why a job ended without ever reaching the relay. */
export type Unstarted = 'cancelled' | 'shutdown' | 'queue_full' | 'user_queue_full' | 'unacknowledged';
/** Why we stopped a job mid-request. */
export type StopReason = 'cancel' | 'shutdown' | 'deadline';

/** How a request ended: what settle() is told. */
export type Ending =
  | { kind: 'delivered'; result: GenerationResult; messageId: string; channelId: string }
  /** Generated (so billed), but not delivered: Discord refused every route, or the image proved unusable. */
  | { kind: 'undelivered'; result: GenerationResult; error: unknown }
  /** The relay call failed, or we stopped it. */
  | { kind: 'failed'; error: unknown; stopped?: StopReason }
  | { kind: 'not_started'; why: Unstarted; limit?: number }
  /** Left open by a process that died. */
  | { kind: 'recovered'; wasRunning: boolean };

export interface Settled {
  outcome: FinishedOutcome;
  charge: FailureCharge | 'committed';
  /** USD the ledger now charges; the usage row records the same. */
  cost: number;
}

/** A member whose request was closed without a job row, and where their reply can still be edited. */
export interface OrphanNotice {
  key: string;
  userId: string;
  reply: LedgerReply;
}

/** What a dead process left open without a job row, closed by recover() or sweepOrphans(). */
export interface Orphans {
  /** Reservations it never wrote rows for (it died around Discord's acknowledgement): refunded. */
  reservations: LedgerEntry[];
  /** Its chat calls (describe, enhance) cut short: refunded, their usage rows interrupted. */
  chatCalls: number;
  /** The members of both whose reply token was kept (migration 13), to be told once. */
  toTell: OrphanNotice[];
}

/** The ages past which sweepOrphans() takes an open row for a dead process's (epoch ms cut-offs). */
export interface OrphanCutoffs {
  /** Reservations made before this with no rows yet. */
  reservedBefore: number;
  /** Chat calls started before this that no queue holds. */
  chatCallsBefore: number;
}

/** Thrown by open() when the reservation was closed before its rows could be written (see there). */
export class ReservationClosedError extends Error {
  constructor(key: string) {
    super(`the reservation ${key} was closed before its rows were written: taken for a dead process's`);
    this.name = 'ReservationClosedError';
  }
}

/** A job a previous process left open, closed at start: whom to tell, and how it was settled. */
export interface RecoveredJob {
  row: JobRow;
  wasRunning: boolean;
  settled: Settled;
}

/** The request fields kept in the usage log, enough to re-run it (Re-roll) after a restart. */
export function storedParams(request: Partial<ImageRequest>): Record<string, unknown> {
  const { prompt: _prompt, model: _model, ...rest } = request;
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
}

function originFields(origin: Origin) {
  return { interactionId: origin.requestId, source: 'discord' as const, userId: origin.userId, guildId: origin.guildId, channelId: origin.channelId, locale: origin.locale };
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export class GenerationRecords {
  constructor(
    private readonly db: Database,
    private readonly ledger: Ledger,
    private readonly usage: UsageLog,
    private readonly jobs: JobStore,
    /**
     * Shared mode only (several processes, one queue in the job table): this process's name, kept on
     * the rows it admits (`admitted_by`) and required of a job's claim when it starts. Null: one process.
     */
    private readonly processId: string | null = null,
  ) {}

  /**
   * Reserves quota and budget (the ledger's own BEGIN IMMEDIATE transaction): the one write before
   * the platform is answered, so a burst of requests is acknowledged quickly. A redelivered request
   * (its key already in the ledger) comes back `existing` and must not run again.
   */
  reserve(origin: Origin, images: number, reservation: { cost: number; limits: ReserveLimits }, key: string = origin.requestId): ReserveResult {
    const reply = origin.reply && { applicationId: origin.reply.applicationId, token: origin.reply.token, locale: origin.locale };
    const reserved = this.ledger.reserve({ key, guildId: origin.guildId, userId: origin.userId, images, cost: reservation.cost, limits: reservation.limits, ...(reply ? { reply } : {}) });
    if (reserved.ok && !reserved.existing) crashPoint('after_reservation');
    return reserved;
  }

  /**
   * Writes the usage row and the job row of a reserved request, in one transaction, once the platform
   * has acknowledged it. Until then the reservation stands alone (with the member's reply, kept for
   * this); if the process dies in between, recover() or another process's sweep refunds it (nothing
   * was sent) and hands the member over to be told. Undefined: the rows exist already (a redelivery). A
   * failed write gives the reservation back before the error goes on. The job row also keeps what
   * another process needs to run it (shared mode): how the result is shown, who admitted it, and
   * whether the row alone is enough (`portable`).
   */
  open(origin: Origin, prepared: PreparedGeneration, shown: Pick<Presentation, 'notes' | 'spoiler'> = { notes: [], spoiler: false }): GenerationRecord | undefined {
    crashPoint('before_records'); // Discord has taken the deferral; nothing but the reservation is written
    try {
      const record = this.db
        .transaction(() => {
          const { request } = prepared;
          const relay = prepared.primaryRelay?.name ?? null;
          const usage = this.usage.start({
            ...originFields(origin),
            model: prepared.model.id,
            sizeRequested: prepared.sizeChosen ? (request.size ?? null) : null,
            sizeEffective: prepared.plan.effectiveSize,
            // Re-roll re-applies the defaults of its own time; only what the member chose is kept.
            params: storedParams(prepared.sizeChosen ? request : { ...request, size: undefined }),
            prompt: request.prompt,
            relay,
            seed: request.seed ?? null,
            inputCount: inputPictureCount(request.inputImages),
          });
          if (usage.existing) return undefined;
          // Shared mode: a reservation left this long without rows was given back by another
          // process's sweep (sweepOrphans), as a dead process's. Only a deferral stuck far beyond
          // Discord's 3 s gets here; running the request now would make it free. Serialised with the
          // sweep, so exactly one of the two wins.
          if (this.ledger.get(origin.requestId)?.state !== 'reserved') throw new ReservationClosedError(origin.requestId);
          const { job } = this.jobs.create({
            interactionId: origin.requestId,
            interactionToken: origin.reply?.token,
            applicationId: origin.reply?.applicationId,
            guildId: origin.guildId,
            channelId: origin.channelId,
            userId: origin.userId,
            locale: origin.locale,
            model: prepared.model.id,
            relay,
            request,
            usageId: usage.id,
            presentation: presentationOf(shown, origin),
            weight: 1,
            admittedBy: this.processId,
            portable: isPortable(request, origin),
          });
          return { key: origin.requestId, usageId: usage.id, jobId: job.id };
        })
        .immediate();
      if (record) crashPoint('after_records');
      return record;
    } catch (error) {
      // The database refused the rows (locked by another program, disk full): nothing was sent.
      try {
        this.ledger.refund(origin.requestId, 'internal');
      } catch {
        // Still locked: the next start refunds the reservation (recover()).
      }
      throw error;
    }
  }

  /**
   * The usage row of a reserved chat call (describe, enhance). It has no job row: a chat call is not
   * resumed after a restart, and recover() closes a row left pending with its ledger entry.
   */
  openChat(origin: Origin, call: { key: string; kind: ChatTaskKind; prompt: string; model: string; relay: string }): ChatRecord {
    const { id } = this.usage.start({ ...originFields(origin), interactionId: call.key, kind: call.kind, model: call.model, params: {}, prompt: call.prompt, relay: call.relay });
    return { key: call.key, usageId: id };
  }

  /**
   * Closes a chat call by the same rule as an image: ledger entry and usage row in one transaction;
   * returns the USD charged. A call already closed (shared mode: a stalled process's, swept by another
   * as a dead one's) is left as it was closed, and what it charges is returned.
   */
  settleChat(record: ChatRecord, ending: ChatEnding, now: number = Date.now()): number {
    return this.db
      .transaction((): number => {
        const { key, usageId } = record;
        if (this.usage.get(usageId)?.outcome !== 'pending') return this.ledger.charged(key) ?? 0;
        if (ending.kind === 'answered') {
          const { answer } = ending;
          this.ledger.commit(key, { images: 0, cost: this.ledger.get(key)?.reservedCost ?? 0 }, now);
          const cost = this.ledger.charged(key) ?? 0;
          this.usage.finish(usageId, { outcome: 'success', requestId: answer.requestId ?? null, imageCount: 0, latencyMs: answer.elapsedMs, estimatedCost: cost, finishedAt: now });
          return cost;
        }
        if (ending.kind === 'not_started') {
          settleCharge(this.ledger, key, 'refund', 'not_started', 0, now);
          this.usage.finish(usageId, { outcome: 'interrupted', errorKind: 'not_started', errorMessage: 'not started', estimatedCost: 0, finishedAt: now });
          return 0;
        }
        const failure = isImagineError(ending.error) ? ending.error : undefined;
        const charge = failureCharge(failure, ending.stopped !== undefined);
        const { outcome } = failedStates(ending.stopped, failure);
        const cost = settleCharge(this.ledger, key, charge, outcome, 0, now);
        this.usage.finish(usageId, {
          outcome,
          errorKind: failure?.kind ?? 'internal',
          errorMessage: errorMessage(ending.error),
          requestId: failure?.requestId ?? null,
          imageCount: 0,
          estimatedCost: cost,
          finishedAt: now,
        });
        return cost;
      })
      .immediate();
  }

  /** Gives back a reservation whose request could not go on (the platform refused the acknowledgement). */
  release(origin: Origin, reason: string): void {
    this.ledger.refund(origin.requestId, reason);
  }

  /**
   * The job's turn came: queued → running. False only in shared mode, when this process's claim was
   * taken back meanwhile (its lease ran out): it must not start the job, which another process may now.
   */
  markRunning(record: GenerationRecord): boolean {
    if (this.processId === null) {
      this.jobs.markRunning(record.jobId);
      return true;
    }
    return this.jobs.markRunning(record.jobId, { claimedBy: this.processId });
  }

  /** Refused attempts are attempts too: a finished row, nothing charged, written before the member is answered. */
  logRefusal(origin: Origin, request: DraftRequest, refusal: { outcome: 'blocked' | 'invalid_input'; reason: string; inputCount?: number }, defaultModel: string): void {
    this.db
      .transaction(() => {
        const { id, existing } = this.usage.start({
          ...originFields(origin),
          model: request.model ?? defaultModel,
          sizeRequested: request.size ?? null,
          params: storedParams(request),
          prompt: request.prompt,
          inputCount: refusal.inputCount ?? inputPictureCount(request.inputImages),
        });
        if (!existing) this.usage.finish(id, { outcome: refusal.outcome, errorKind: refusal.outcome, errorMessage: refusal.reason, estimatedCost: 0 });
      })
      .immediate();
  }

  /**
   * Closes a request: ledger entry, usage row and job row in one transaction, by the one rule.
   * Undefined: the job was closed already — in shared mode, by another process that took this one
   * for dead (its lease ran out while it stalled) and closed it by the recovery rule (recoverOne),
   * telling the member. The job row's state decides, inside this transaction, before anything is
   * written: nothing is charged twice, and the caller must not answer the member.
   */
  settle(record: GenerationRecord, ending: Ending, now: number = Date.now()): Settled | undefined {
    return this.db.transaction(() => (this.openJob(record.jobId) ? this.write(record, ending, now) : undefined)).immediate();
  }

  /** The job row while it is still queued or running; undefined once final (or unknown). */
  private openJob(jobId: number): JobRow | undefined {
    const row = this.jobs.get(jobId);
    return row && (row.state === 'queued' || row.state === 'running') ? row : undefined;
  }

  private write(record: GenerationRecord, ending: Ending, now: number): Settled {
    const { key, usageId, jobId } = record;
    const charged = (): number => this.ledger.charged(key) ?? 0;
    switch (ending.kind) {
      case 'delivered': {
        const { result } = ending;
        this.ledger.commit(key, { images: result.images.length, cost: result.estimatedCost }, now);
        crashPoint('inside_settlement');
        const cost = charged();
        this.usage.finish(usageId, { outcome: 'success', ...resultFields(result), estimatedCost: cost, finishedAt: now });
        this.usage.setDelivered(usageId, { messageId: ending.messageId, channelId: ending.channelId });
        this.jobs.finish(jobId, 'delivered', { relay: result.relay, now });
        return { outcome: 'success', charge: 'committed', cost };
      }
      case 'undelivered': {
        const { result, error } = ending;
        // An image the relay sent broken (found while fitting it) was billed but is unusable.
        const unusable = isImagineError(error) && error.kind === 'malformed_response';
        if (unusable) this.ledger.chargeUnusable(key, now);
        else this.ledger.commit(key, { images: result.images.length, cost: result.estimatedCost }, now);
        crashPoint('inside_settlement');
        const cost = charged();
        const outcome: FinishedOutcome = unusable ? 'malformed_response' : 'delivery_failed';
        this.usage.finish(usageId, {
          outcome,
          ...resultFields(result),
          ...(unusable ? { imageCount: 0 } : {}),
          errorKind: unusable ? 'malformed_response' : 'delivery',
          errorMessage: errorMessage(error),
          estimatedCost: cost,
          finishedAt: now,
        });
        this.jobs.finish(jobId, 'failed', { errorKind: unusable ? 'malformed_response' : 'delivery', relay: result.relay, now });
        return { outcome, charge: unusable ? 'unusable' : 'committed', cost };
      }
      case 'failed': {
        const failure = isImagineError(ending.error) ? ending.error : undefined;
        const charge = failureCharge(failure, ending.stopped !== undefined);
        const { outcome, state, errorKind } = failedStates(ending.stopped, failure);
        const cost = settleCharge(this.ledger, key, charge, outcome, 0, now);
        crashPoint('inside_settlement');
        this.usage.finish(usageId, {
          outcome,
          errorKind: ending.stopped === 'cancel' ? 'cancelled' : (failure?.kind ?? 'internal'),
          errorMessage: ending.stopped === 'cancel' ? 'cancelled by the requester' : errorMessage(ending.error),
          requestId: failure?.requestId ?? null,
          relay: failure?.relay ?? null,
          // Billed, but no image reached the member (as the delivery path records it).
          ...(charge === 'unusable' ? { imageCount: 0 } : {}),
          estimatedCost: cost,
          finishedAt: now,
        });
        this.jobs.finish(jobId, state, { errorKind, now });
        return { outcome, charge, cost };
      }
      case 'not_started': {
        const { why } = ending;
        // `unacknowledged`: the platform refused our acknowledgement, so the member cannot be answered.
        const interrupted = why === 'shutdown' || why === 'unacknowledged';
        const outcome: FinishedOutcome = why === 'cancelled' ? 'cancelled' : interrupted ? 'interrupted' : 'blocked';
        settleCharge(this.ledger, key, 'refund', outcome, 0, now);
        crashPoint('inside_settlement');
        this.usage.finish(usageId, { outcome, errorKind: why, errorMessage: `not started: ${why}`, estimatedCost: 0, finishedAt: now });
        const state: FinalJobState = why === 'cancelled' ? 'cancelled' : interrupted ? 'interrupted' : 'failed';
        this.jobs.finish(jobId, state, { errorKind: why, now });
        return { outcome, charge: 'refund', cost: 0 };
      }
      case 'recovered': {
        // A running job may have reached the relay (possibly billed); a queued one never did.
        const charge: FailureCharge = ending.wasRunning ? 'possibly_billed' : 'refund';
        const cost = settleCharge(this.ledger, key, charge, 'interrupted', 0, now);
        this.usage.finish(usageId, { outcome: 'interrupted', errorKind: 'interrupted', errorMessage: 'closed: the process that ran it stopped', estimatedCost: cost, finishedAt: now });
        this.jobs.finish(jobId, 'interrupted', { errorKind: ending.wasRunning ? 'interrupted' : 'expired', now });
        return { outcome: 'interrupted', charge, cost };
      }
    }
  }

  /**
   * At start, before new work: every job a previous process left queued or running is settled as
   * `recovered`, in one transaction. The returned rows still carry the interaction token, for the
   * one message that tells each member.
   */
  recover(now: number = Date.now()): { jobs: RecoveredJob[]; orphans: number; toTell: OrphanNotice[] } {
    return this.db
      .transaction(() => {
        const jobs = this.jobs.listUnfinished().map((row) => this.closeRecovered(row, row.state === 'running', now));
        const { reservations, toTell } = this.closeOrphans(now);
        return { jobs, orphans: reservations.length, toTell };
      })
      .immediate();
  }

  /**
   * Shared mode, every little while: what a DEAD process left open without a job row, closed by
   * recover()'s rule. Start-up cannot close these (other live processes may be at work on theirs),
   * and no lease marks them, so their age does: only rows older than no live process could still be
   * working on (`cutoffs`; the sweep's schedule chooses them, see orphanSweep.ts). One serialised
   * transaction, each row closed by a state-guarded write: two processes sweeping at once close
   * each row once.
   */
  sweepOrphans(cutoffs: OrphanCutoffs, now: number = Date.now()): Orphans {
    return this.db.transaction(() => this.closeOrphans(now, cutoffs)).immediate();
  }

  /**
   * The rule for what has no job row, inside the caller's transaction. A reservation with no rows:
   * its process died before writing them (around Discord's acknowledgement), so nothing was sent:
   * refunded. A chat call (no job row) cut by the stop is given back too: it took seconds, and the
   * member got nothing from it.
   * Without `cutoffs` (start-up, no other process alive): every open reservation, every chat call.
   */
  private closeOrphans(now: number, cutoffs?: OrphanCutoffs): Orphans {
    const reservations = this.ledger.refundOpen('interrupted', now, cutoffs ? { olderThan: cutoffs.reservedBefore } : {});
    const toTell = reservations.flatMap((entry) => (entry.reply ? [{ key: entry.key, userId: entry.userId, reply: entry.reply }] : []));
    const calls = this.usage.pendingChatCalls(cutoffs ? { olderThan: cutoffs.chatCallsBefore } : {});
    for (const call of calls) {
      // At start-up refundOpen() freed it already (and returned its reply); the sweep frees only
      // reservations without rows, so it reads the call's reply before the refund clears it.
      const open = cutoffs && this.ledger.get(call.key);
      if (open?.reply) toTell.push({ key: open.key, userId: open.userId, reply: open.reply });
      this.ledger.refund(call.key, 'interrupted', now);
      this.usage.finish(call.id, { outcome: 'interrupted', errorKind: 'interrupted', errorMessage: 'closed: the process that ran it stopped', estimatedCost: this.ledger.charged(call.key) ?? 0, finishedAt: now });
    }
    return { reservations, chatCalls: calls.length, toTell };
  }

  /**
   * Shared mode: closes ONE job whose process died (its lease expired), by recover()'s rule — a job
   * that was running may have reached the relay (possibly billed), one that was not is refunded.
   * Read and written in one serialised transaction and guarded by the row's state, so when several
   * callers race only one closes it (and tells the member); the others get undefined, as does a job
   * already final.
   */
  recoverOne(jobId: number, wasRunning: boolean, now: number = Date.now()): RecoveredJob | undefined {
    return this.db
      .transaction((): RecoveredJob | undefined => {
        const row = this.openJob(jobId);
        if (!row) return undefined;
        // The queue knew it had started; the row knows once markRunning was written: either is enough.
        return this.closeRecovered(row, wasRunning || row.state === 'running', now);
      })
      .immediate();
  }

  /** recover()'s rule for one open job row, inside the caller's transaction. */
  private closeRecovered(row: JobRow, wasRunning: boolean, now: number): RecoveredJob {
    const record: GenerationRecord = { key: row.interactionId, usageId: row.usageId ?? -1, jobId: row.id };
    return { row, wasRunning, settled: this.write(record, { kind: 'recovered', wasRunning }, now) };
  }
}

/** A failed request's usage outcome, job state and job error kind, by why it stopped. */
function failedStates(stopped: StopReason | undefined, failure: ImagineError | undefined): { outcome: FinishedOutcome; state: FinalJobState; errorKind: string } {
  if (stopped === 'cancel') return { outcome: 'cancelled', state: 'cancelled', errorKind: 'cancelled' };
  if (stopped === 'shutdown') return { outcome: 'interrupted', state: 'interrupted', errorKind: 'shutdown' };
  // The queue's deadline is a last resort against a run that never ends: counted as a timeout.
  if (stopped === 'deadline') return { outcome: 'timeout', state: 'failed', errorKind: failure?.kind ?? 'internal' };
  return { outcome: failure?.kind ?? 'upstream', state: 'failed', errorKind: failure?.kind ?? 'internal' };
}

function resultFields(result: GenerationResult) {
  return {
    relay: result.relay,
    requestId: result.requestId ?? null,
    sizeEffective: result.effectiveSize,
    imageCount: result.images.length,
    bytes: result.images.reduce((sum, image) => sum + image.bytes.length, 0),
    latencyMs: result.elapsedMs,
    seed: result.seed ?? null,
  };
}
