// The shared queue's statements (src/queue/sharedQueue.ts; its SharedQueueStore interface, which this
// class meets structurally: storage may not import the queue). One set of queries for SQLite and
// PostgreSQL: flags are INTEGER 0/1, every parameter's type follows from the column it meets.
//
// Conditions on waiting rows repeat `state = 'queued' AND claimed_by IS NULL AND cancel_requested = 0`
// as written in the partial index jobs_waiting, and on unfinished rows `state IN ('queued', 'running')`
// as in jobs_unfinished and jobs_claims: SQLite uses a partial index only for a query that states its
// condition, and every read here then touches unfinished rows only, however long the history.
import type { Database } from './handle.js';

export interface QueueLaneRow {
  userId: string;
  pass: number;
  weight: number;
  order: number;
}

interface DbQueueJob {
  id: number;
  interaction_id: string;
  user_id: string;
  relay: string | null;
  model: string;
  weight: number;
  state: string;
  claimed_by: string | null;
  lease_until: number | null;
  cancel_requested: number;
  admitted_by: string | null;
  portable: number;
  queue_only: number;
  created_at: number;
  started_at: number | null;
}

interface DbLane {
  user_id: string;
  pass: number;
  weight: number;
  join_order: number;
}

const COLUMNS = `id, interaction_id, user_id, relay, model, weight, state, claimed_by, lease_until, cancel_requested,
                 admitted_by, portable, queue_only, created_at, started_at`;
const UNFINISHED = "state IN ('queued', 'running')";

// Its return type is the queue's SharedJob, checked where this store is handed to the queue
// (src/discord/botQueue.ts): no second declaration of the row here.
function toJob(row: DbQueueJob) {
  return {
    id: row.id,
    key: row.interaction_id,
    userId: row.user_id,
    relay: row.relay,
    model: row.model,
    weight: row.weight,
    state: row.state,
    claimedBy: row.claimed_by,
    leaseUntil: row.lease_until,
    cancelRequested: row.cancel_requested !== 0,
    admittedBy: row.admitted_by,
    portable: row.portable !== 0,
    queueOnly: row.queue_only !== 0,
    createdAt: row.created_at,
    startedAt: row.started_at,
  };
}

type QueueJobRow = ReturnType<typeof toJob>;

function toLane(row: DbLane): QueueLaneRow {
  return { userId: row.user_id, pass: row.pass, weight: row.weight, order: row.join_order };
}

export class QueueStore {
  private readonly selectUnfinished;
  private readonly selectByKey;
  private readonly countWaiting;
  private readonly selectLanes;
  private readonly selectLane;
  private readonly selectClock;
  private readonly upsertLane;
  private readonly deleteLane;
  private readonly updateClock;
  private readonly updateEnlist;
  private readonly insertQueueOnly;
  private readonly deleteQueueOnly;
  private readonly updateCancel;
  private readonly updateCancelLease;
  private readonly updateClaim;
  private readonly updateRelease;
  private readonly updateRenew;
  private readonly updateRenewWaiting;
  private readonly selectExpired;
  private readonly updateReleaseExpired;
  private readonly updateTakeOverClaimed;
  private readonly updateTakeOverWaiting;

  constructor(private readonly db: Database) {
    this.selectUnfinished = db.prepare<[], DbQueueJob>(`SELECT ${COLUMNS} FROM jobs WHERE ${UNFINISHED} ORDER BY created_at, id`);
    this.selectByKey = db.prepare<[string], DbQueueJob>(`SELECT ${COLUMNS} FROM jobs WHERE interaction_id = ?`);
    this.countWaiting = db.prepare<Record<string, unknown>, { total: number; own: number }>(`
      SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN user_id = @user_id THEN 1 ELSE 0 END), 0) AS own
      FROM jobs
      WHERE state = 'queued' AND claimed_by IS NULL AND cancel_requested = 0 AND interaction_id <> @except_key`);
    this.selectLanes = db.prepare<[], DbLane>('SELECT user_id, pass, weight, join_order FROM queue_lanes');
    this.selectLane = db.prepare<[string], DbLane>('SELECT user_id, pass, weight, join_order FROM queue_lanes WHERE user_id = ?');
    this.selectClock = db.prepare<[], { vtime: number; lane_order: number }>('SELECT vtime, lane_order FROM queue_clock WHERE id = 1');
    this.upsertLane = db.prepare<Record<string, unknown>>(`
      INSERT INTO queue_lanes (user_id, pass, weight, join_order) VALUES (@user_id, @pass, @weight, @join_order)
      ON CONFLICT (user_id) DO UPDATE SET pass = excluded.pass, weight = excluded.weight, join_order = excluded.join_order`);
    this.deleteLane = db.prepare<[string]>('DELETE FROM queue_lanes WHERE user_id = ?');
    this.updateClock = db.prepare<Record<string, unknown>>('UPDATE queue_clock SET vtime = @vtime, lane_order = @lane_order WHERE id = 1');
    this.updateEnlist = db.prepare<Record<string, unknown>>(
      'UPDATE jobs SET admitted_by = @process, weight = @weight, lease_until = @lease_until WHERE id = @id',
    );
    this.insertQueueOnly = db.prepare<Record<string, unknown>, DbQueueJob>(`
      INSERT INTO jobs (interaction_id, user_id, model, relay, request, weight, admitted_by, portable, queue_only, lease_until, created_at)
      VALUES (@key, @user_id, @model, @relay, '{}', @weight, @process, 0, 1, @lease_until, @now)
      ON CONFLICT (interaction_id) DO NOTHING
      RETURNING ${COLUMNS}`);
    this.deleteQueueOnly = db.prepare<[number]>('DELETE FROM jobs WHERE id = ? AND queue_only = 1');
    this.updateCancel = db.prepare<[number]>(`UPDATE jobs SET cancel_requested = 1 WHERE id = ? AND ${UNFINISHED}`);
    this.updateCancelLease = db.prepare<Record<string, unknown>>(
      `UPDATE jobs SET lease_until = @lease_until WHERE id = @id AND claimed_by IS NULL AND ${UNFINISHED}`,
    );
    this.updateClaim = db.prepare<Record<string, unknown>>(`
      UPDATE jobs SET claimed_by = @process, lease_until = @lease_until
      WHERE id = @id AND state = 'queued' AND claimed_by IS NULL AND cancel_requested = 0`);
    this.updateRelease = db.prepare<Record<string, unknown>>(
      "UPDATE jobs SET claimed_by = NULL, lease_until = NULL WHERE id = @id AND claimed_by = @process AND state = 'queued'",
    );
    this.updateRenew = db.prepare<Record<string, unknown>>(
      `UPDATE jobs SET lease_until = @lease_until WHERE id = @id AND claimed_by = @process AND ${UNFINISHED}`,
    );
    this.updateRenewWaiting = db.prepare<Record<string, unknown>>(`
      UPDATE jobs SET lease_until = @lease_until
      WHERE ${UNFINISHED} AND claimed_by IS NULL AND admitted_by = @process AND portable = 0`);
    // A claim expires with its holder's lease; a waiting job only its admitter can run (or one whose
    // cancel its admitter has not closed) with the admitter's, counted from its creation until set.
    this.selectExpired = db.prepare<Record<string, unknown>, DbQueueJob>(`
      SELECT ${COLUMNS} FROM jobs
      WHERE ${UNFINISHED}
        AND ((claimed_by IS NOT NULL AND lease_until < @now)
          OR (claimed_by IS NULL AND (portable = 0 OR cancel_requested = 1) AND COALESCE(lease_until, created_at + @lease_ms) < @now))
      ORDER BY created_at, id`);
    this.updateReleaseExpired = db.prepare<Record<string, unknown>>(`
      UPDATE jobs SET claimed_by = NULL, lease_until = NULL
      WHERE id = @id AND claimed_by = @claimed_by AND state = 'queued' AND lease_until < @now`);
    this.updateTakeOverClaimed = db.prepare<Record<string, unknown>>(`
      UPDATE jobs SET claimed_by = @process, lease_until = @lease_until
      WHERE id = @id AND claimed_by = @claimed_by AND ${UNFINISHED} AND lease_until < @now`);
    this.updateTakeOverWaiting = db.prepare<Record<string, unknown>>(`
      UPDATE jobs SET claimed_by = @process, lease_until = @lease_until
      WHERE id = @id AND claimed_by IS NULL AND ${UNFINISHED} AND COALESCE(lease_until, created_at + @lease_ms) < @now`);
  }

  /** One write transaction, serialised with every other writer (BEGIN IMMEDIATE; the advisory lock). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  unfinished(): QueueJobRow[] {
    return this.selectUnfinished.all().map(toJob);
  }

  byKey(key: string): QueueJobRow | undefined {
    const row = this.selectByKey.get(key);
    return row && toJob(row);
  }

  waitingCounts(userId: string, exceptKey: string): { total: number; user: number } {
    const row = this.countWaiting.get({ user_id: userId, except_key: exceptKey });
    return { total: Number(row?.total ?? 0), user: Number(row?.own ?? 0) };
  }

  lanes(): QueueLaneRow[] {
    return this.selectLanes.all().map(toLane);
  }

  lane(userId: string): QueueLaneRow | undefined {
    const row = this.selectLane.get(userId);
    return row && toLane(row);
  }

  clock(): { vtime: number; laneOrder: number } {
    const row = this.selectClock.get();
    return { vtime: row?.vtime ?? 0, laneOrder: row?.lane_order ?? 0 };
  }

  saveLane(lane: QueueLaneRow): void {
    this.upsertLane.run({ user_id: lane.userId, pass: lane.pass, weight: lane.weight, join_order: lane.order });
  }

  dropLane(userId: string): void {
    this.deleteLane.run(userId);
  }

  saveClock(clock: { vtime: number; laneOrder: number }): void {
    this.updateClock.run({ vtime: clock.vtime, lane_order: clock.laneOrder });
  }

  enlist(id: number, processId: string, weight: number, leaseUntil: number): void {
    this.updateEnlist.run({ id, process: processId, weight, lease_until: leaseUntil });
  }

  addQueueOnly(
    entry: { key: string; userId: string; relay: string; model: string; weight: number },
    processId: string,
    now: number,
    leaseUntil: number,
  ): QueueJobRow | undefined {
    const row = this.insertQueueOnly.get({
      key: entry.key,
      user_id: entry.userId,
      model: entry.model,
      relay: entry.relay,
      weight: entry.weight,
      process: processId,
      lease_until: leaseUntil,
      now,
    });
    return row && toJob(row);
  }

  removeQueueOnly(id: number): void {
    this.deleteQueueOnly.run(id);
  }

  requestCancel(id: number, leaseUntil: number): boolean {
    const changed = this.updateCancel.run(id).changes > 0;
    if (changed) this.updateCancelLease.run({ id, lease_until: leaseUntil });
    return changed;
  }

  claim(id: number, processId: string, leaseUntil: number): boolean {
    return this.updateClaim.run({ id, process: processId, lease_until: leaseUntil }).changes > 0;
  }

  release(id: number, processId: string): boolean {
    return this.updateRelease.run({ id, process: processId }).changes > 0;
  }

  renew(id: number, processId: string, leaseUntil: number): boolean {
    return this.updateRenew.run({ id, process: processId, lease_until: leaseUntil }).changes > 0;
  }

  renewWaiting(processId: string, leaseUntil: number): void {
    this.updateRenewWaiting.run({ process: processId, lease_until: leaseUntil });
  }

  expired(now: number, leaseMs: number): QueueJobRow[] {
    return this.selectExpired.all({ now, lease_ms: leaseMs }).map(toJob);
  }

  releaseExpired(id: number, claimedBy: string, now: number): boolean {
    return this.updateReleaseExpired.run({ id, claimed_by: claimedBy, now }).changes > 0;
  }

  takeOver(job: { id: number; claimedBy: string | null }, processId: string, leaseUntil: number, now: number, leaseMs: number): boolean {
    const values = { id: job.id, process: processId, lease_until: leaseUntil, now };
    const result =
      job.claimedBy === null
        ? this.updateTakeOverWaiting.run({ ...values, lease_ms: leaseMs })
        : this.updateTakeOverClaimed.run({ ...values, claimed_by: job.claimedBy });
    return result.changes > 0;
  }
}
