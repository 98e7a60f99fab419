// The fairness rule itself, pure: lanes, the pick under the caps, and the replay behind positions
// and ETAs. Two queues apply it: FairScheduler keeps the state in memory (one process), and the
// shared queue (sharedPlan.ts) rebuilds it from the job table and its lanes on every decision. One
// rule, two homes for its state: nothing here knows where the state lives.
//
// Fairness is per user, not per job: each user has a lane (a FIFO of their jobs) and a virtual time
// `pass`. The next job comes from the runnable lane with the smallest pass, ties broken by the order
// in which lanes joined the backlog; starting a job advances its lane's pass by 1 / weight. With
// equal weights this is round robin: A A A B C starts as A B C A A, and a user with ten jobs waiting
// never holds up another user's one. A lane that becomes busy again starts at the current virtual
// time, so idling earns no credit (start-time fair queuing), and a lane that ran more than its share
// keeps its debt while it is briefly idle.
//
// A job is runnable when the global cap (maxRunning), its user's cap (maxRunningPerUser, default 1)
// and its relay's cap (maxRunningPerRelay; relays not listed have none) all have room. Within a lane
// the oldest runnable job goes first, so a job for a saturated relay does not block the same user's
// job for another relay.
//
// Positions and ETAs come from replaying exactly this policy on a copy of the state: jobs start as
// slots free up, running jobs finish after their remaining estimated latency.

export const EPSILON = 1e-9;
/** A running job past its estimate is assumed to need at least this fraction of it again. */
const OVERDUE_REMAINING_FRACTION = 0.1;

export interface EtaEstimate {
  /** Jobs that will start before this one (0-based); 0 for a running job. */
  position: number;
  /** Ms until it starts (0 when running). Infinity when a cap of 0 means it never can. */
  startsInMs: number;
  /** Ms until it is expected to finish. */
  doneInMs: number;
}

export interface Entry<T> {
  id: string;
  userId: string;
  relay: string;
  weight: number;
  item: T;
  enqueuedAt: number;
  startedAt?: number;
}

export interface Lane<T> {
  userId: string;
  pass: number;
  weight: number;
  /** When the lane last joined the backlog; breaks ties between equal passes (round robin). */
  order: number;
  queue: Entry<T>[];
  running: number;
}

export interface Limits {
  maxRunning: number;
  maxRunningPerUser: number;
  perRelay: ReadonlyMap<string, number>;
}

/** The mutable part of a scheduler, copied for simulations. */
export interface State<T> {
  lanes: Map<string, Lane<T>>;
  relayRunning: Map<string, number>;
  running: number;
  vtime: number;
}

export function emptyState<T>(vtime = 0): State<T> {
  return { lanes: new Map(), relayRunning: new Map(), running: 0, vtime };
}

export function cloneState<T>(state: State<T>): State<T> {
  const lanes = new Map<string, Lane<T>>();
  for (const [userId, lane] of state.lanes) lanes.set(userId, { ...lane, queue: [...lane.queue] });
  return { lanes, relayRunning: new Map(state.relayRunning), running: state.running, vtime: state.vtime };
}

export function positiveCap(name: string, value: number | undefined, fallback: number): number {
  const cap = value ?? fallback;
  if (!(cap >= 0) || (!Number.isInteger(cap) && cap !== Infinity)) throw new RangeError(`${name} must be a non-negative integer`);
  return cap;
}

export function checkedWeight(weight: number | undefined): number {
  const value = weight ?? 1;
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError('weight must be a positive finite number');
  return value;
}

export function limitsFrom(options: {
  maxRunning?: number;
  maxRunningPerUser?: number;
  maxRunningPerRelay?: Readonly<Record<string, number>>;
}): Limits {
  return {
    maxRunning: positiveCap('maxRunning', options.maxRunning, 4),
    maxRunningPerUser: positiveCap('maxRunningPerUser', options.maxRunningPerUser, 1),
    perRelay: new Map(
      Object.entries(options.maxRunningPerRelay ?? {}).map(([relay, cap]) => [relay, positiveCap(`maxRunningPerRelay.${relay}`, cap, 0)]),
    ),
  };
}

/**
 * A job of `userId` joins the backlog: the lane is created at the current virtual time, and a lane
 * whose backlog was empty gets no credit for the idle time and goes to the back of the round
 * (`nextOrder()`). The latest job sets the lane's weight.
 */
export function joinLane<T>(state: State<T>, userId: string, weight: number, backlogEmpty: boolean, nextOrder: () => number): Lane<T> {
  let lane = state.lanes.get(userId);
  if (!lane) {
    lane = { userId, pass: state.vtime, weight, order: 0, queue: [], running: 0 };
    state.lanes.set(userId, lane);
  }
  if (backlogEmpty) {
    lane.pass = Math.max(lane.pass, state.vtime);
    lane.order = nextOrder();
  }
  lane.weight = weight;
  return lane;
}

/** Counts a job as running (its user's, its relay's and the global slot). */
export function occupy<T>(state: State<T>, lane: Lane<T>, relay: string): void {
  lane.running++;
  state.running++;
  state.relayRunning.set(relay, (state.relayRunning.get(relay) ?? 0) + 1);
}

/**
 * Picks the next job under the caps and the fairness rule, and marks it running in `state`.
 * `eligible` narrows the jobs this caller may start (the shared queue: jobs another process cannot
 * hand over); a lane with no eligible runnable job is passed over, like one blocked by a relay cap.
 */
export function pick<T>(state: State<T>, limits: Limits, eligible?: (entry: Entry<T>) => boolean): Entry<T> | undefined {
  if (state.running >= limits.maxRunning) return undefined;
  let best: { lane: Lane<T>; index: number } | undefined;
  for (const lane of state.lanes.values()) {
    if (lane.queue.length === 0 || lane.running >= limits.maxRunningPerUser) continue;
    if (best) {
      const better = lane.pass < best.lane.pass - EPSILON || (Math.abs(lane.pass - best.lane.pass) <= EPSILON && lane.order < best.lane.order);
      if (!better) continue;
    }
    const index = lane.queue.findIndex((entry) => relayHasRoom(state, limits, entry.relay) && (!eligible || eligible(entry)));
    if (index >= 0) best = { lane, index };
  }
  if (!best) return undefined;
  const { lane, index } = best;
  const [entry] = lane.queue.splice(index, 1);
  if (!entry) return undefined;
  occupy(state, lane, entry.relay);
  state.vtime = Math.max(state.vtime, lane.pass);
  lane.pass += 1 / lane.weight;
  return entry;
}

function relayHasRoom<T>(state: State<T>, limits: Limits, relay: string): boolean {
  const cap = limits.perRelay.get(relay);
  return cap === undefined || (state.relayRunning.get(relay) ?? 0) < cap;
}

export function release<T>(state: State<T>, userId: string, relay: string): void {
  state.running = Math.max(0, state.running - 1);
  const onRelay = (state.relayRunning.get(relay) ?? 0) - 1;
  if (onRelay > 0) state.relayRunning.set(relay, onRelay);
  else state.relayRunning.delete(relay);
  const lane = state.lanes.get(userId);
  if (lane) lane.running = Math.max(0, lane.running - 1);
}

/** An idle lane is kept only while it carries debt (its pass is ahead of the virtual time). */
export function isIdleWithoutDebt<T>(state: State<T>, lane: Lane<T>): boolean {
  return lane.queue.length === 0 && lane.running === 0 && lane.pass <= state.vtime + EPSILON;
}

/**
 * Replays the policy on a copy of `state`: queued jobs start as slots free up, running jobs finish
 * after their remaining estimate. Without `latency` every job takes one unit of time (positions
 * only). `queued` are the jobs waiting in `state`'s lanes; any that can never start (a cap of 0)
 * come last, without a time.
 */
export function replay<T>(
  state: State<T>,
  running: Iterable<Entry<T>>,
  queued: Iterable<Entry<T>>,
  limits: Limits,
  now: number,
  latencyOf?: (entry: Entry<T>) => number,
): Map<string, EtaEstimate> {
  const latency = (entry: Entry<T>): number => {
    if (!latencyOf) return 1;
    const ms = latencyOf(entry);
    return Number.isFinite(ms) && ms > 0 ? ms : 0;
  };
  const result = new Map<string, EtaEstimate>();
  const sim = cloneState(state);
  const events: { at: number; userId: string; relay: string }[] = [];
  for (const entry of running) {
    const total = latency(entry);
    const elapsed = latencyOf ? now - (entry.startedAt ?? now) : 0;
    const remaining = Math.max(total - elapsed, total * OVERDUE_REMAINING_FRACTION);
    events.push({ at: remaining, userId: entry.userId, relay: entry.relay });
    result.set(entry.id, { position: 0, startsInMs: 0, doneInMs: remaining });
  }
  const waitingEntries = [...queued];
  let time = 0;
  let started = 0;
  let waiting = waitingEntries.length;
  while (waiting > 0) {
    for (let entry = pick(sim, limits); entry; entry = pick(sim, limits)) {
      const done = time + latency(entry);
      result.set(entry.id, { position: started++, startsInMs: time, doneInMs: done });
      events.push({ at: done, userId: entry.userId, relay: entry.relay });
      waiting--;
    }
    if (waiting === 0 || events.length === 0) break;
    // Advance to the next completion; free every slot that ends then.
    time = Math.min(...events.map((event) => event.at));
    for (let i = events.length - 1; i >= 0; i--) {
      const event = events[i];
      if (event && event.at <= time + EPSILON) {
        events.splice(i, 1);
        release(sim, event.userId, event.relay);
      }
    }
  }
  for (const entry of waitingEntries) {
    if (!result.has(entry.id)) result.set(entry.id, { position: started++, startsInMs: Infinity, doneInMs: Infinity });
  }
  return result;
}
