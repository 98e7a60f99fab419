// The fair rule (fairPolicy.ts) applied to the shared table: the scheduler's state is rebuilt from
// the unfinished job rows, the lanes and the clock for each decision, then the same pick and the same
// replay run on it. Pure: the caller reads the rows (in the claim transaction, for a claim) and
// writes back what changed.
//
// A job holds a slot (global, its member's, its relay's) from its claim until it ends, whichever
// process claimed it; a job waits while it is queued, unclaimed and not cancelled.
import {
  emptyState,
  isIdleWithoutDebt,
  joinLane,
  occupy,
  pick,
  replay,
  type Entry,
  type EtaEstimate,
  type Lane,
  type Limits,
  type State,
} from './fairPolicy.js';
import type { SharedClock, SharedJob, SharedLane } from './sharedStore.js';

/** The relay a job without one is counted under (the runner's name for "no relay chosen"). */
export const DEFAULT_RELAY = 'default';

export interface Snapshot {
  jobs: readonly SharedJob[];
  lanes: readonly SharedLane[];
  clock: SharedClock;
}

export function isUnfinished(job: Pick<SharedJob, 'state'>): boolean {
  return job.state === 'queued' || job.state === 'running';
}

export function holdsSlot(job: SharedJob): boolean {
  return isUnfinished(job) && (job.claimedBy !== null || job.state === 'running');
}

export function isWaiting(job: SharedJob): boolean {
  return job.state === 'queued' && job.claimedBy === null && !job.cancelRequested;
}

interface Built {
  state: State<SharedJob>;
  running: Entry<SharedJob>[];
  waiting: Entry<SharedJob>[];
  laneOrder: number;
  stored: ReadonlyMap<string, SharedLane>;
}

function build(snapshot: Snapshot): Built {
  const state = emptyState<SharedJob>(snapshot.clock.vtime);
  const stored = new Map(snapshot.lanes.map((lane) => [lane.userId, lane]));
  for (const lane of snapshot.lanes) state.lanes.set(lane.userId, { ...lane, queue: [], running: 0 });
  let laneOrder = snapshot.clock.laneOrder;
  const running: Entry<SharedJob>[] = [];
  const waiting: Entry<SharedJob>[] = [];
  // A member with no stored lane (a row written before its submit, say) gets one as FairScheduler
  // would at enqueue: at the current virtual time, at the back of the round.
  const laneOf = (job: SharedJob, joining: boolean): Lane<SharedJob> => {
    const known = state.lanes.get(job.userId);
    if (known && (stored.has(job.userId) || !joining || known.queue.length > 0)) return known;
    return joinLane(state, job.userId, job.weight, joining, () => ++laneOrder);
  };
  for (const job of snapshot.jobs) {
    const entry: Entry<SharedJob> = {
      id: job.key,
      userId: job.userId,
      relay: job.relay ?? DEFAULT_RELAY,
      weight: job.weight,
      item: job,
      enqueuedAt: job.createdAt,
      ...(job.startedAt === null ? {} : { startedAt: job.startedAt }),
    };
    if (holdsSlot(job)) {
      occupy(state, laneOf(job, false), entry.relay);
      running.push(entry);
    } else if (isWaiting(job)) {
      laneOf(job, true).queue.push(entry);
      waiting.push(entry);
    }
  }
  return { state, running, waiting, laneOrder, stored };
}

export interface ClaimPlan {
  /** The jobs to claim, in the order the rule picked them. */
  picks: SharedJob[];
  /** Lanes to write (new, or moved), lanes to delete (idle and owing nothing), the clock to write. */
  changed: SharedLane[];
  dropped: string[];
  clock: SharedClock;
}

/**
 * Up to `count` jobs this process may start now, in fair order under the caps counted over every
 * process. `eligible` narrows them to what this process can run; lanes passed over keep their turn.
 */
export function planClaims(snapshot: Snapshot, limits: Limits, count: number, eligible: (job: SharedJob) => boolean): ClaimPlan {
  const { state, laneOrder, stored } = build(snapshot);
  const picks: SharedJob[] = [];
  while (picks.length < count) {
    const entry = pick(state, limits, (candidate) => eligible(candidate.item));
    if (!entry) break;
    picks.push(entry.item);
  }
  const changed: SharedLane[] = [];
  const dropped: string[] = [];
  for (const lane of state.lanes.values()) {
    const before = stored.get(lane.userId);
    if (isIdleWithoutDebt(state, lane)) {
      if (before) dropped.push(lane.userId);
      continue;
    }
    const after: SharedLane = { userId: lane.userId, pass: lane.pass, weight: lane.weight, order: lane.order };
    if (!before || before.pass !== after.pass || before.weight !== after.weight || before.order !== after.order) changed.push(after);
  }
  return { picks, changed, dropped, clock: { vtime: state.vtime, laneOrder } };
}

/** Positions and ETAs of every waiting and running job (keyed by interaction id), replaying the rule. */
export function replayShared(snapshot: Snapshot, limits: Limits, now: number, latencyOf?: (job: SharedJob) => number): Map<string, EtaEstimate> {
  const { state, running, waiting } = build(snapshot);
  return replay(state, running, waiting, limits, now, latencyOf && ((entry) => latencyOf(entry.item)));
}

/**
 * A job of `userId` joins the backlog (submit): its lane as FairScheduler.enqueue leaves it. A
 * member with nothing else waiting rejoins at the current virtual time, at the back of the round.
 */
export function laneAfterJoin(
  stored: SharedLane | undefined,
  clock: SharedClock,
  userId: string,
  weight: number,
  backlogEmpty: boolean,
): { lane: SharedLane; clock: SharedClock } {
  const state = emptyState<never>(clock.vtime);
  if (stored) state.lanes.set(userId, { ...stored, queue: [], running: 0 });
  let laneOrder = clock.laneOrder;
  const lane = joinLane(state, userId, weight, backlogEmpty || !stored, () => ++laneOrder);
  return { lane: { userId, pass: lane.pass, weight: lane.weight, order: lane.order }, clock: { vtime: clock.vtime, laneOrder } };
}
