// Usage retention (USAGE_RETENTION_DAYS): deletes old, finished detail rows while every figure the
// bot reads stays as it was.
//
// What goes, and what must not move:
// - usage rows started before the cutoff and finished (never `pending`: start-up recovery owns those).
//   The all-time report reads usage_guild_totals, which the delete trigger would lower: migration 10
//   (schema/retention.ts) makes that trigger skip while retention_pruning holds its row, and the
//   row lives only inside each batch's transaction. The period reports (/usage, the admin view's
//   today/week/month, /gallery top's 30 days) read detail rows, hence the floor of
//   MIN_USAGE_RETENTION_DAYS (32) on the setting.
// - kept whatever their age: images shared to the gallery (the post points at the row, and
//   Unshare/Delete find it there), starred (/gallery top "all" reads the row) or reported (the
//   moderators' Delete and Block buttons read it). Their favourites and reports stay with them. A
//   pruned row's gallery post row (already taken down) goes with it.
// - finished job rows (their request JSON is the bulk) older than the cutoff; queued and running
//   ones never.
// - settled ledger rows (never `reserved`) older than the cutoff and never younger than
//   LEDGER_KEEP_DAYS: budgets read the month and quotas and cooldowns the day, and the month's
//   spend per day (ledger_guild_days) is left as it was by the same trigger rule. The 80 % budget
//   warnings of periods that old go too.
//
// Rows are deleted in small batches, one short write transaction each, yielding to the event loop in
// between: the storage API is synchronous (better-sqlite3, or the PostgreSQL adapter that blocks the
// same way), and every write transaction holds the one write lock, so one big DELETE on a long history would stall every
// interaction for its whole length. No index leads with the time (one would cost every insert on
// the hot path), so each table is walked in id order through windows of a few thousand ids: a
// batch reads at most its window and deletes at most `batchRows`, however long the history.
import { MIN_USAGE_RETENTION_DAYS } from '../config/env.js';
import { log as defaultLog, type Log } from '../log.js';
import type { Database } from './database.js';

const DAY_MS = 86_400_000;
/** Ledger rows younger than this always stay: a month of budgets and a day of quotas, twice over. */
export const LEDGER_KEEP_DAYS = 62;
/**
 * Rows per batch. Measured pruning half of a 200k-request history (usage, jobs, ledger) on the
 * 2-core build machine: 100 rows, median 2 ms a batch, p99 30 ms; 500 rows, 16 ms and 97 ms.
 */
const DEFAULT_BATCH_ROWS = 100;
/** Ids one batch looks at. */
const WINDOW_IDS = 2_000;

export interface PruneCounts {
  usage: number;
  /** Gallery rows of pruned images (each already taken down). */
  galleryPosts: number;
  jobs: number;
  ledger: number;
  budgetWarnings: number;
}

export interface PruneOptions {
  /** USAGE_RETENTION_DAYS: at least MIN_USAGE_RETENTION_DAYS. */
  days: number;
  /** Epoch ms; defaults to Date.now(). */
  now?: number;
  /** Rows per transaction. */
  batchRows?: number;
  /** Checked before each batch: true stops the run (the bot is shutting down). */
  stopped?: () => boolean;
}

/** The oldest times that stay: rows stamped before these may go. */
export function retentionCutoffs(days: number, now: number): { usageBefore: number; ledgerBefore: number } {
  if (!Number.isInteger(days) || days < MIN_USAGE_RETENTION_DAYS) {
    throw new RangeError(`retention days must be a whole number of at least ${MIN_USAGE_RETENTION_DAYS}, got ${days}`);
  }
  const usageBefore = now - days * DAY_MS;
  return { usageBefore, ledgerBefore: Math.min(usageBefore, now - LEDGER_KEEP_DAYS * DAY_MS) };
}

type Walked = 'usage' | 'jobs' | 'ledger';
/** Deletes up to `limit` rows stamped before `before` with ids in (after, until]; returns their ids. */
type Batch = (after: number, until: number, before: number, limit: number) => number[];

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class UsageRetention {
  private readonly batches: Record<Walked, Batch>;
  private readonly lastIds: Record<Walked, () => number>;
  private readonly deletePosts;
  private readonly deleteWarnings;

  constructor(db: Database) {
    // Each DELETE takes the first `limit` matching ids of its window, in id order, and says which.
    const deleteUsage = db.prepare<Record<string, unknown>, { id: number }>(`
      DELETE FROM usage WHERE id IN (
        SELECT id FROM usage u
        WHERE id > @after AND id <= @until AND started_at < @before AND outcome <> 'pending'
          AND NOT EXISTS (SELECT 1 FROM gallery_posts g WHERE g.usage_id = u.id AND g.removed_at IS NULL)
          AND NOT EXISTS (SELECT 1 FROM favourites f WHERE f.usage_id = u.id)
          AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.usage_id = u.id)
        ORDER BY id LIMIT @limit)
      RETURNING id`);
    const deleteJobs = db.prepare<Record<string, unknown>, { id: number }>(`
      DELETE FROM jobs WHERE id IN (
        SELECT id FROM jobs
        WHERE id > @after AND id <= @until AND created_at < @before AND state NOT IN ('queued', 'running')
        ORDER BY id LIMIT @limit)
      RETURNING id`);
    const deleteLedger = db.prepare<Record<string, unknown>, { id: number }>(`
      DELETE FROM ledger WHERE id IN (
        SELECT id FROM ledger
        WHERE id > @after AND id <= @until AND created_at < @before AND state <> 'reserved'
        ORDER BY id LIMIT @limit)
      RETURNING id`);
    // A pruned image's gallery row (taken down: a live one keeps its image) has nothing to point at.
    this.deletePosts = db.prepare(`
      DELETE FROM gallery_posts
      WHERE removed_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM usage WHERE usage.id = gallery_posts.usage_id)`);
    this.deleteWarnings = db.prepare<[number]>('DELETE FROM ledger_budget_warnings WHERE period_start < ?');
    const markStart = db.prepare('INSERT INTO retention_pruning (active) VALUES (1)');
    const markEnd = db.prepare('DELETE FROM retention_pruning');

    // One write transaction per batch; the mark makes the kept totals' delete triggers stand aside.
    // On PostgreSQL too: the row is uncommitted while it exists, so no other connection sees it.
    const batch = (statement: typeof deleteUsage): Batch => {
      const transaction = db.transaction((after: number, until: number, before: number, limit: number) => {
        markStart.run();
        const deleted = statement.all({ after, until, before, limit }).map((row) => row.id);
        markEnd.run();
        return deleted;
      });
      return (...args) => transaction.immediate(...args);
    };
    this.batches = { usage: batch(deleteUsage), jobs: batch(deleteJobs), ledger: batch(deleteLedger) };
    const lastId = (table: Walked) => {
      const statement = db.prepare<[], number | null>(`SELECT MAX(id) FROM ${table}`).pluck();
      return () => statement.get() ?? 0;
    };
    this.lastIds = { usage: lastId('usage'), jobs: lastId('jobs'), ledger: lastId('ledger') };
  }

  /** Deletes what is older than the retention, batch by batch; resolves with how many rows went. */
  async prune(options: PruneOptions): Promise<PruneCounts> {
    const { usageBefore, ledgerBefore } = retentionCutoffs(options.days, options.now ?? Date.now());
    const limit = options.batchRows ?? DEFAULT_BATCH_ROWS;
    const stopped = options.stopped ?? (() => false);
    const counts: PruneCounts = { usage: 0, galleryPosts: 0, jobs: 0, ledger: 0, budgetWarnings: 0 };
    const walks: Array<[Walked, number]> = [
      ['usage', usageBefore],
      ['jobs', usageBefore],
      ['ledger', ledgerBefore],
    ];
    for (const [table, before] of walks) {
      // Rows added during the walk are new: the last id now is as far as it needs to go.
      const last = this.lastIds[table]();
      for (let after = 0; after < last; ) {
        if (stopped()) return counts;
        const until = Math.min(after + WINDOW_IDS, last);
        const deleted = this.batches[table](after, until, before, limit);
        counts[table] += deleted.length;
        // A full batch may have left matches in its window: go on from its last row (RETURNING's order is not defined).
        after = deleted.length === limit ? Math.max(...deleted) : until;
        await nextTurn();
      }
    }
    counts.galleryPosts = this.deletePosts.run().changes;
    counts.budgetWarnings = this.deleteWarnings.run(ledgerBefore).changes;
    return counts;
  }
}

export interface RetentionSchedule {
  /** No further batch starts; safe to close the database right after. */
  stop(): void;
}

/**
 * Prunes at once and then every `intervalMs` (a day) when `days` is set; a no-op otherwise. The
 * timers are unref'd (they never keep the process alive) and one line is logged per run.
 */
export function scheduleRetention(
  db: Database,
  days: number | undefined,
  options: { intervalMs?: number; log?: Log } = {},
): RetentionSchedule {
  if (days === undefined) return { stop() {} };
  const logger = options.log ?? defaultLog;
  const retention = new UsageRetention(db);
  let stopped = false;
  let running = false;
  const run = async () => {
    if (running || stopped) return;
    running = true;
    const startedAt = Date.now();
    try {
      const counts = await retention.prune({ days, now: startedAt, stopped: () => stopped });
      logger.info(stopped ? 'usage retention stopped by shutdown' : 'pruned usage detail past the retention', {
        retentionDays: days,
        ...counts,
        ms: Date.now() - startedAt,
      });
    } catch (error) {
      logger.error('usage retention failed; the next run tries again', { error });
    } finally {
      running = false;
    }
  };
  const first = setTimeout(() => void run(), 0);
  const daily = setInterval(() => void run(), options.intervalMs ?? DAY_MS);
  first.unref();
  daily.unref();
  return {
    stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(daily);
    },
  };
}
