// Acknowledgements first. Discord drops an interaction that gets no answer within 3 s, and a burst
// of them is answered one after another on this one event loop: whatever runs in between (the rows,
// the queue, the "queued" edits of the requests already acknowledged) pushes back every deferral
// still to send. Measured with 200 /imagine at once (BENCHMARKS.md, `ack`), that follow-up work
// more than doubled the last deferral's wait. So work that follows a deferral waits until no
// deferral is on its way (and at most MAX_WAIT_MS): the burst is acknowledged first, then worked on,
// in the order it came. One gate per process, as there is one event loop.

/** A steady stream of interactions must not hold follow-up work back for long: generations wait for it. */
const MAX_WAIT_MS = 1_000;

let inFlight = 0;
/** Follow-up work waiting for the deferrals in flight, oldest first. */
let waiting: Array<() => void> = [];
let releaseScheduled = false;

/** Sends an acknowledgement (a deferral) counted as in flight until Discord has it. */
export async function acknowledge<T>(send: () => Promise<T>): Promise<T> {
  inFlight++;
  try {
    return await send();
  } finally {
    inFlight--;
    if (inFlight === 0) scheduleRelease();
  }
}

/**
 * Resolves once no acknowledgement is in flight, behind the work already waiting; after MAX_WAIT_MS
 * at the latest. Immediate when nothing is in flight or waiting.
 */
export function afterAcknowledgements(): Promise<void> {
  if (inFlight === 0 && waiting.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(go, MAX_WAIT_MS);
    function go(): void {
      clearTimeout(timer);
      waiting = waiting.filter((waiter) => waiter !== go);
      resolve();
    }
    waiting.push(go);
  });
}

/**
 * Lets the waiting work go once the event loop has read what has already arrived: interactions still
 * in the socket's buffer are dispatched (and their deferrals counted) before setImmediate runs.
 */
function scheduleRelease(): void {
  if (releaseScheduled) return;
  releaseScheduled = true;
  setImmediate(() => {
    releaseScheduled = false;
    if (inFlight > 0) return;
    for (const go of [...waiting]) go();
  });
}
