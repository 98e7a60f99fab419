// An admitted request from the queue to its end: wait for its turn (place in line and ETA reported),
// generate (retries and previews reported), deliver through the reporter, and settle once. Every path
// ends in exactly one settle() and one report to the member — here, or (shared mode) in the process
// that took the job over, never in both.
import { log, type Log } from '../log.js';
import { metrics } from '../observability/metrics.js';
import type { GenerateOptions, ImagePipeline } from '../pipeline/imagePipeline.js';
import { isImagineError } from '../providers/errors.js';
import type { GenerationResult } from '../providers/types.js';
import { CANCEL_REASON, DEADLINE_REASON, LEASE_LOST_REASON, SHUTDOWN_REASON, type JobRunner, type LatencyStats, type WorkQueue } from '../queue/index.js';
import { crashPoint } from './crashPoint.js';
import type { GenerationRecords, Settled, StopReason, Unstarted } from './records.js';
import type { GenerationReporter } from './reporter.js';
import type { Admitted } from './types.js';

export interface RunnerDeps {
  pipeline: ImagePipeline;
  records: GenerationRecords;
  queue: WorkQueue;
  latency: LatencyStats;
}

/** A logger whose every line names the request: usage row, job row, key and model. */
export function requestLog(admitted: Admitted): Log {
  const { record, prepared } = admitted;
  return log.child({ generationId: record.usageId, jobId: record.jobId, interaction: record.key, model: prepared.model.id });
}

function stopReason(signal: AbortSignal): StopReason | undefined {
  if (!signal.aborted) return undefined;
  const reason = String(signal.reason);
  if (reason === CANCEL_REASON) return 'cancel';
  if (reason === SHUTDOWN_REASON) return 'shutdown';
  if (reason === DEADLINE_REASON) return 'deadline';
  return 'shutdown';
}

/**
 * Generates with the reporter told of retries, failovers and previews: the part the bot and the CLI
 * share (the CLI has no queue and no ledger, and calls this directly).
 */
export async function generateReported(
  pipeline: ImagePipeline,
  admitted: Pick<Admitted, 'prepared'>,
  reporter: Pick<GenerationReporter, 'retrying' | 'preview'>,
  options: Pick<GenerateOptions, 'signal' | 'timeoutMs'> & { log?: Log } = {},
): Promise<GenerationResult> {
  // The bot logs every retry; the terminal has its own notes and no log.
  const logger = options.log;
  return pipeline.generate(admitted.prepared, {
    signal: options.signal,
    timeoutMs: options.timeoutMs,
    onRetry: (info) => {
      metrics.relayError(info.relay, info.error);
      logger?.info('relay request failed; retrying', {
        relay: info.relay,
        kind: info.error.kind,
        status: info.error.status,
        requestId: info.error.requestId,
        attempt: info.attempt,
        reason: info.reason,
        delayMs: info.delayMs,
      });
      reporter.retrying(info);
    },
    onFailover: (info) => {
      metrics.relayError(info.from, info.error);
      logger?.warn('relay failover', { from: info.from, to: info.to, kind: info.error.kind, status: info.error.status, requestId: info.error.requestId });
    },
    onPartialImage: (partial) => reporter.preview(partial),
  });
}

export class GenerationRunner {
  constructor(private readonly deps: RunnerDeps) {}

  /**
   * Queues the admitted request and runs it to its end. Resolves when the member has been answered
   * and the records settled; a job that never starts is settled and answered here too.
   */
  async run(admitted: Admitted, reporter: GenerationReporter): Promise<void> {
    const { queue } = this.deps;
    const { record, prepared } = admitted;
    const acceptedAt = performance.now();
    const submitted = queue.submit(
      { id: record.key, userId: admitted.owner, relay: prepared.primaryRelay?.name ?? 'default', model: prepared.model.id },
      (signal) => this.execute(admitted, reporter, signal, acceptedAt),
    );
    if (!submitted.ok) {
      // Admission checked the queue's room, but another request of this member may have taken it since.
      const why: Unstarted = submitted.reason === 'queue_full' || submitted.reason === 'user_queue_full' ? submitted.reason : 'shutdown';
      await this.endUnstarted(admitted, reporter, why, acceptedAt, submitted.limit);
      return;
    }
    // Queued: notices (place in line, ETA) come from the queue's gathered updates.
    const unsubscribe = submitted.state === 'queued' ? queue.onPositionChange(record.key, (update) => reporter.queued(update.eta)) : () => {};
    const settlement = await submitted.done;
    unsubscribe();
    // Another process claimed it (shared mode): it reports and settles there, through the stored
    // reply; here only the waiting message stops, so that no late edit of ours lands over theirs.
    if (settlement.outcome === 'handed_over') {
      await reporter.finished();
      requestLog(admitted).info('another process runs the request');
    } else if (settlement.outcome === 'cancelled') await this.endUnstarted(admitted, reporter, 'cancelled', acceptedAt);
    else if (settlement.outcome === 'not_started') await this.endUnstarted(admitted, reporter, 'shutdown', acceptedAt);
    else if (settlement.outcome === 'failed') throw settlement.error;
    // `abandoned`: the run ignored its abort past the grace; it still settles when it ends.
    else if (settlement.outcome === 'abandoned') requestLog(admitted).warn('a generation did not stop when asked', { reason: settlement.reason });
  }

  /**
   * The run of a job this process claimed without admitting it (shared mode): the execute-and-settle
   * part of run(), exactly as for a local job, for the queue to call when its turn comes here. What
   * run() would do with the queue's outcome is done here: a run that throws is logged (there is no
   * interaction handler above it to tell the member).
   */
  claimed(admitted: Admitted, reporter: GenerationReporter): JobRunner {
    const acceptedAt = performance.now();
    return async (signal) => {
      try {
        await this.execute(admitted, reporter, signal, acceptedAt);
      } catch (error) {
        requestLog(admitted).error('a claimed generation failed unexpectedly', { error });
        throw error;
      }
    };
  }

  private async endUnstarted(admitted: Admitted, reporter: GenerationReporter, why: Unstarted, acceptedAt: number, limit?: number): Promise<void> {
    const ending = { kind: 'not_started' as const, why, ...(limit === undefined ? {} : { limit }) };
    const settled = this.deps.records.settle(admitted.record, ending);
    if (this.closedElsewhere(settled, requestLog(admitted))) return;
    requestLog(admitted).info('generation ended before it started', { outcome: settled.outcome, why });
    await reporter.ended(ending, settled);
    this.countEnd(admitted, settled, acceptedAt);
  }

  private async execute(admitted: Admitted, reporter: GenerationReporter, signal: AbortSignal, acceptedAt: number): Promise<void> {
    const { pipeline, records, latency } = this.deps;
    const { record, prepared } = admitted;
    const logger = requestLog(admitted);
    if (!records.markRunning(record)) {
      // Shared mode: the claim was taken back before the start; the job is another process's now.
      await reporter.finished();
      logger.warn('a claimed job was taken back before it started; left to the process that holds it');
      return;
    }
    await reporter.started();
    let result: GenerationResult;
    try {
      result = await generateReported(pipeline, admitted, reporter, { signal, log: logger });
    } catch (error) {
      await reporter.finished();
      if (this.leaseLost(signal, logger)) return;
      const stopped = stopReason(signal);
      if (isImagineError(error) && stopped !== 'cancel') metrics.relayError(error.relay ?? prepared.primaryRelay?.name, error);
      const ending = { kind: 'failed' as const, error, ...(stopped ? { stopped } : {}) };
      const settled = records.settle(record, ending);
      if (this.closedElsewhere(settled, logger)) return;
      logFailure(logger, error, settled);
      await reporter.ended(ending, settled);
      this.countEnd(admitted, settled, acceptedAt);
      return;
    }
    crashPoint('after_relay_answer');
    await reporter.finished();
    if (this.leaseLost(signal, logger)) return;
    metrics.generationSucceeded(prepared.model.id, result.elapsedMs / 1000);
    latency.record(prepared.model.id, result.elapsedMs);
    let settled: Settled | undefined;
    try {
      const receipt = await reporter.deliver(result);
      crashPoint('after_delivery');
      settled = records.settle(record, { kind: 'delivered', result, messageId: receipt.messageId, channelId: receipt.channelId });
      if (receipt.via !== 'file') metrics.delivered(receipt.via);
      // Delivered after all; the other process's settlement (possibly billed) stands.
      if (this.closedElsewhere(settled, logger)) return;
      logger.info('generation delivered', { relay: result.relay, requestId: result.requestId, images: result.images.length, elapsedMs: result.elapsedMs, via: receipt.via });
    } catch (error) {
      // An image the relay sent broken (found while fitting it) is the relay's error, billed.
      if (isImagineError(error) && error.kind === 'malformed_response') metrics.relayError(error.relay, error);
      const ending = { kind: 'undelivered' as const, result, error };
      settled = records.settle(record, ending);
      if (this.closedElsewhere(settled, logger)) return;
      // The reason only: a platform's errors can carry the whole request (uploaded bytes, tokens).
      logger.error('generated but could not deliver', { relay: result.relay, requestId: result.requestId, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      await reporter.ended(ending, settled);
    }
    this.countEnd(admitted, settled, acceptedAt);
  }

  /**
   * Shared mode: this process was taken for dead (its lease ran out while it stalled) and another
   * process has closed the job and told the member; settling or answering here would do both twice.
   */
  private leaseLost(signal: AbortSignal, logger: Log): boolean {
    if (!signal.aborted || String(signal.reason) !== LEASE_LOST_REASON) return false;
    logger.warn('another process took the job over while it ran here; leaving it to that process');
    return true;
  }

  /**
   * settle() found the job closed already (shared mode): this process was taken for dead while it
   * stalled, past the point where leaseLost() looks, and another process closed the job and told
   * the member. Its settlement stands; nothing is charged or said here.
   */
  private closedElsewhere(settled: Settled | undefined, logger: Log): settled is undefined {
    if (settled) return false;
    logger.warn('the job was closed by another process meanwhile (this one was taken for dead); its settlement stands');
    return true;
  }

  /** A job ended: counted by outcome and model, timed from acceptance (queue wait and delivery included). */
  private countEnd(admitted: Admitted, settled: Settled, acceptedAt: number): void {
    metrics.jobFinished(settled.outcome, admitted.prepared.model.id, (performance.now() - acceptedAt) / 1000);
  }
}

function logFailure(logger: Log, error: unknown, settled: Settled): void {
  if (!isImagineError(error)) {
    logger.error('generation failed unexpectedly', { outcome: settled.outcome, error });
    return;
  }
  const fields = { outcome: settled.outcome, kind: error.kind, relay: error.relay, status: error.status, requestId: error.requestId, code: error.code, relayMessage: error.relayMessage };
  // Auth and billing failures are the operator's to fix: logged loudly with the detail.
  if (error.kind === 'auth' || error.kind === 'billing') logger.error('relay refused the bot: check the key and balance', fields);
  else logger.info('generation failed', fields);
}
