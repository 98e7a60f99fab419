// Migration 11: the job table becomes a queue several processes share (src/queue/sharedQueue.ts,
// through src/storage/queueStore.ts). Applied in both dialects; single-process SQLite keeps its
// in-memory queue and never fills the new columns beyond their defaults.
//
// On each job:
//   weight            the member's share in the fair order (> 0, default 1).
//   claimed_by        the process (SharedJobQueue's processId) whose turn it is: it holds a slot
//                     under the global, per-user and per-relay caps from the claim until the job ends.
//   lease_until       epoch ms: the claimer renews it; past it, the claimer is taken for dead. An
//                     unclaimed job that only its admitting process can run carries that process's lease.
//   cancel_requested  1: never start it (the requester cancelled, or the queue refused it); a process
//                     running it aborts it when it sees the flag.
//   admitted_by       the process that admitted (submitted) it.
//   portable          0: only the admitting process can run it (its input images were not stored).
//   presentation      JSON: how the result is shown (notes, spoiler), so another process shows it the same.
//   queue_only        1: a queue entry with no job behind it (a chat call holding a relay slot); the
//                     queue deletes it when it ends, and no job reader lists it.
// The lanes hold the fair rule's per-member virtual time and the order lanes joined the backlog;
// queue_clock (one row) the global virtual time and the last join order handed out.
//
// jobs_unfinished (created_at, over queued and running rows: migration 4) serves the claim's read;
// jobs_claims each process's renewals and the search for expired leases; jobs_waiting the queue
// limits (waiting jobs in all and per member). All three are partial: the finished history, however
// long, is never read.
const SQLITE = `
  ALTER TABLE jobs ADD COLUMN weight REAL NOT NULL DEFAULT 1;
  ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
  ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
  ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN admitted_by TEXT;
  ALTER TABLE jobs ADD COLUMN portable INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE jobs ADD COLUMN presentation TEXT;
  ALTER TABLE jobs ADD COLUMN queue_only INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX jobs_claims ON jobs (claimed_by, lease_until) WHERE state IN ('queued', 'running');
  CREATE INDEX jobs_waiting ON jobs (user_id) WHERE state = 'queued' AND claimed_by IS NULL AND cancel_requested = 0;
  CREATE TABLE queue_lanes (
    user_id    TEXT PRIMARY KEY,
    pass       REAL    NOT NULL,
    weight     REAL    NOT NULL DEFAULT 1,
    join_order INTEGER NOT NULL
  );
  CREATE TABLE queue_clock (
    id         INTEGER PRIMARY KEY,
    vtime      REAL    NOT NULL DEFAULT 0,
    lane_order INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO queue_clock (id) VALUES (1);
`;

const POSTGRES = `
  ALTER TABLE jobs ADD COLUMN weight DOUBLE PRECISION NOT NULL DEFAULT 1;
  ALTER TABLE jobs ADD COLUMN claimed_by TEXT;
  ALTER TABLE jobs ADD COLUMN lease_until BIGINT;
  ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN admitted_by TEXT;
  ALTER TABLE jobs ADD COLUMN portable INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE jobs ADD COLUMN presentation TEXT;
  ALTER TABLE jobs ADD COLUMN queue_only INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX jobs_claims ON jobs (claimed_by, lease_until) WHERE state IN ('queued', 'running');
  CREATE INDEX jobs_waiting ON jobs (user_id) WHERE state = 'queued' AND claimed_by IS NULL AND cancel_requested = 0;
  CREATE TABLE queue_lanes (
    user_id    TEXT PRIMARY KEY,
    pass       DOUBLE PRECISION NOT NULL,
    weight     DOUBLE PRECISION NOT NULL DEFAULT 1,
    join_order BIGINT NOT NULL
  );
  CREATE TABLE queue_clock (
    id         INTEGER PRIMARY KEY,
    vtime      DOUBLE PRECISION NOT NULL DEFAULT 0,
    lane_order BIGINT NOT NULL DEFAULT 0
  );
  INSERT INTO queue_clock (id) VALUES (1);
`;

export const SHARED_QUEUE_MIGRATION = { sqlite: SQLITE, postgres: POSTGRES } as const;
