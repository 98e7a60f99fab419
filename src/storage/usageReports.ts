// The usage reports: reads over the usage log's rows (usageLog.ts writes them) for the personal
// /usage view, the admin's server report and the CSV export. Refused input (`invalid_input`) never
// reached a relay (and its model may be a typo), so no report counts it.
import type { Database } from './database.js';
import { dayStart, monthStart } from './periods.js';
import { requireId } from './rowValues.js';
import { USAGE_COLUMN_LIST, usageRowFromTuple, type UsageRow, type UsageTuple } from './usageLog.js';

export interface ModelTotals {
  model: string;
  /** Images produced (sum of image_count). */
  images: number;
  /** Rows, whatever their outcome, including pending ones. */
  attempts: number;
  /** Rows finished with any outcome other than success. */
  failures: number;
  /** Estimated USD. */
  cost: number;
}

export interface UsageSummaryQuery {
  userId: string;
  /** Absent: every guild and DMs. null: DMs only. A string: that guild only. */
  guildId?: string | null;
  now: number;
  /** Minutes to add to UTC for local time (UTC+8 → 480); 0 = UTC. */
  timeZoneOffsetMinutes?: number;
}

export interface UsageSummary {
  /** Since local midnight. */
  today: ModelTotals[];
  /** Since local midnight on the 1st. */
  month: ModelTotals[];
}

/** A server's usage over a period, for the admin view. Refused input (`invalid_input`) is left out. */
export interface GuildUsageQuery {
  guildId: string;
  /** Epoch ms, inclusive; absent = since the beginning. */
  since?: number;
  /** Epoch ms, inclusive; defaults to now. */
  until?: number;
}

export interface UserTotals {
  userId: string;
  images: number;
  attempts: number;
  failures: number;
  cost: number;
}

export interface GuildUsageReport {
  /** Everything in the period. */
  total: Omit<ModelTotals, 'model'>;
  /** Every model, most expensive first. */
  byModel: ModelTotals[];
  /** The heaviest users (by cost, then images, then attempts), at most `topUsers` of them. */
  topUsers: UserTotals[];
  /** How many different users there were. */
  userCount: number;
}

interface TotalsDbRow {
  attempts: number;
  failures: number;
  images: number;
  cost: number;
}

interface SummaryDbRow {
  model: string;
  today_attempts: number;
  today_failures: number;
  today_images: number;
  today_cost: number;
  month_attempts: number;
  month_failures: number;
  month_images: number;
  month_cost: number;
}

/** Rows the export reads per statement. */
const EXPORT_PAGE_ROWS = 500;

/** A row that finished other than success (pending rows are attempts, not failures). */
const FAILED = "outcome NOT IN ('success', 'pending')";

/** Sums of floating-point costs drift (0.1 + 0.2); a millionth of a dollar is plenty. */
function roundCost(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function guildParams(query: GuildUsageQuery): Record<string, unknown> {
  requireId('guildId', query.guildId, false);
  return { guild_id: query.guildId, since: query.since ?? Number.MIN_SAFE_INTEGER, until: query.until ?? Date.now() };
}

export class UsageReports {
  private readonly selectSummary;
  private readonly selectGuildByModel;
  private readonly selectGuildByUser;
  private readonly countGuildUsers;
  private readonly selectAllTimeByModel;
  private readonly selectAllTimeByUser;
  private readonly countAllTimeUsers;
  private readonly selectGuildRows;

  constructor(db: Database) {
    // One pass over the month; today's figures are the subset since midnight (today ⊆ month).
    // `IS NOT DISTINCT FROM` matches NULL to NULL, for the DM-only view (a filter here: the index
    // read is the member's month, usage_user_time). The SQL is portable (SQLite, PostgreSQL): a
    // condition is counted with CASE (PostgreSQL cannot sum a boolean), and COALESCE(SUM(x), 0)
    // stands for SQLite's TOTAL(x). Text sorts as bytes (COLLATE "binary", schema/postgres.ts).
    this.selectSummary = db.prepare<Record<string, unknown>, SummaryDbRow>(`
      SELECT model,
        SUM(CASE WHEN started_at >= @today THEN 1 ELSE 0 END)                           AS today_attempts,
        SUM(CASE WHEN started_at >= @today AND ${FAILED} THEN 1 ELSE 0 END)             AS today_failures,
        SUM(CASE WHEN started_at >= @today THEN COALESCE(image_count, 0) ELSE 0 END)    AS today_images,
        SUM(CASE WHEN started_at >= @today THEN COALESCE(estimated_cost, 0) ELSE 0 END) AS today_cost,
        COUNT(*)                                                                        AS month_attempts,
        SUM(CASE WHEN ${FAILED} THEN 1 ELSE 0 END)                                      AS month_failures,
        SUM(COALESCE(image_count, 0))                                                   AS month_images,
        COALESCE(SUM(estimated_cost), 0)                                                AS month_cost
      FROM usage
      WHERE user_id = @user_id AND started_at >= @month AND started_at <= @now
        AND (@any_guild = 1 OR guild_id IS NOT DISTINCT FROM @guild_id)
        -- Refused input never reached a relay (and its model may be a typo): not usage.
        AND outcome != 'invalid_input'
      GROUP BY model
      ORDER BY model COLLATE "binary"`);
    // The admin view of one server: the same exclusions as the personal view.
    const guildPeriod = `
      FROM usage
      WHERE guild_id = @guild_id AND started_at >= @since AND started_at <= @until
        AND outcome != 'invalid_input'`;
    const totals = `
        COUNT(*)                                   AS attempts,
        SUM(CASE WHEN ${FAILED} THEN 1 ELSE 0 END) AS failures,
        SUM(COALESCE(image_count, 0))              AS images,
        COALESCE(SUM(estimated_cost), 0)           AS cost`;
    this.selectGuildByModel = db.prepare<Record<string, unknown>, TotalsDbRow & { model: string }>(`
      SELECT model, ${totals} ${guildPeriod}
      GROUP BY model
      ORDER BY cost DESC, images DESC, model COLLATE "binary"`);
    this.selectGuildByUser = db.prepare<Record<string, unknown>, TotalsDbRow & { user_id: string }>(`
      SELECT user_id, ${totals} ${guildPeriod}
      GROUP BY user_id
      ORDER BY cost DESC, images DESC, attempts DESC, user_id COLLATE "binary"
      LIMIT @limit`);
    this.countGuildUsers = db
      .prepare<Record<string, unknown>, number>(`SELECT COUNT(DISTINCT user_id) ${guildPeriod}`)
      .pluck();
    // The same three for all time, from the per-member, per-model totals the triggers keep
    // (schema/rollups.ts): a few hundred rows however long the history. Rows stamped after @until
    // (normally none) are taken back out, so the figures are those of a scan up to @until. Money is
    // summed in millionths (as the totals hold it, with the triggers' rounding: the same expression as
    // the PostgreSQL triggers, schema/postgres.ts), so it never drifts.
    const allTime = `
      WITH parts (user_id, model, attempts, failures, images, cost_micros) AS (
        SELECT user_id, model, attempts, failures, images, cost_micros
        FROM usage_guild_totals WHERE guild_id = @guild_id
        UNION ALL
        SELECT user_id, model, -1, -(CASE WHEN ${FAILED} THEN 1 ELSE 0 END), -COALESCE(image_count, 0),
               -CAST(ROUND(COALESCE(estimated_cost, 0) * 1000000) AS BIGINT)
        FROM usage
        WHERE guild_id = @guild_id AND started_at > @until AND outcome != 'invalid_input'
      ),
      member_model AS (
        SELECT user_id, model, SUM(attempts) AS attempts, SUM(failures) AS failures, SUM(images) AS images,
               SUM(cost_micros) AS cost_micros
        FROM parts
        GROUP BY user_id, model
        HAVING SUM(attempts) > 0
      )`;
    const allTimeTotals = `
        SUM(attempts)           AS attempts,
        SUM(failures)           AS failures,
        SUM(images)             AS images,
        SUM(cost_micros) / 1e6  AS cost`;
    this.selectAllTimeByModel = db.prepare<Record<string, unknown>, TotalsDbRow & { model: string }>(`
      ${allTime}
      SELECT model, ${allTimeTotals} FROM member_model
      GROUP BY model
      ORDER BY SUM(cost_micros) DESC, images DESC, model COLLATE "binary"`);
    this.selectAllTimeByUser = db.prepare<Record<string, unknown>, TotalsDbRow & { user_id: string }>(`
      ${allTime}
      SELECT user_id, ${allTimeTotals} FROM member_model
      GROUP BY user_id
      ORDER BY SUM(cost_micros) DESC, images DESC, attempts DESC, user_id COLLATE "binary"
      LIMIT @limit`);
    this.countAllTimeUsers = db
      .prepare<Record<string, unknown>, number>(`${allTime} SELECT COUNT(DISTINCT user_id) FROM member_model`)
      .pluck();
    // Raw mode (see USAGE_COLUMNS). Oldest first, in usage_guild_report's order (no sort), one page
    // at a time after the last row read, (after_started_at, after_id): the PostgreSQL adapter reads a
    // statement's whole result at once, and an export stops at Discord's upload limit, so neither
    // database reads more than a page past it. The page starts at `started_at >= after_started_at`,
    // a bound both databases search the index from (a row value `(started_at, id) > (…)` is one for
    // PostgreSQL only: SQLite would scan from the period's start for every page); the OR only skips
    // the rows of that same millisecond already read.
    this.selectGuildRows = db
      .prepare<Record<string, unknown>, UsageTuple>(`
        SELECT ${USAGE_COLUMN_LIST}
        FROM usage
        WHERE guild_id = @guild_id AND started_at >= @after_started_at AND started_at <= @until
          AND (started_at > @after_started_at OR id > @after_id)
          AND outcome != 'invalid_input'
        ORDER BY started_at, id
        LIMIT ${EXPORT_PAGE_ROWS}`)
      .raw();
  }

  /** Per-model totals for one user, today and this month (for the personal usage view). */
  summary(query: UsageSummaryQuery): UsageSummary {
    const offset = query.timeZoneOffsetMinutes ?? 0;
    const rows = this.selectSummary.all({
      user_id: query.userId,
      today: dayStart(query.now, offset),
      month: monthStart(query.now, offset),
      now: query.now,
      any_guild: query.guildId === undefined ? 1 : 0,
      guild_id: query.guildId ?? null,
    });
    const today: ModelTotals[] = [];
    const month: ModelTotals[] = [];
    for (const row of rows) {
      month.push({
        model: row.model,
        images: row.month_images,
        attempts: row.month_attempts,
        failures: row.month_failures,
        cost: roundCost(row.month_cost),
      });
      if (row.today_attempts > 0) {
        today.push({
          model: row.model,
          images: row.today_images,
          attempts: row.today_attempts,
          failures: row.today_failures,
          cost: roundCost(row.today_cost),
        });
      }
    }
    return { today, month };
  }

  /** A server's usage over a period: totals, per model and the heaviest users (admin view). */
  guildReport(query: GuildUsageQuery, topUsers = 10): GuildUsageReport {
    const params = guildParams(query);
    // Since the beginning: from the all-time totals. A period: a scan of usage_guild_report (its
    // length bounds the work), which the totals cannot answer.
    const allTime = query.since === undefined;
    const byModelQuery = allTime ? this.selectAllTimeByModel : this.selectGuildByModel;
    const byUserQuery = allTime ? this.selectAllTimeByUser : this.selectGuildByUser;
    const usersQuery = allTime ? this.countAllTimeUsers : this.countGuildUsers;
    const byModel = byModelQuery.all(params).map((row) => ({
      model: row.model,
      images: row.images,
      attempts: row.attempts,
      failures: row.failures,
      cost: roundCost(row.cost),
    }));
    const limit = Math.max(0, Math.floor(topUsers));
    const users = byUserQuery.all({ ...params, limit }).map((row) => ({
      userId: row.user_id,
      images: row.images,
      attempts: row.attempts,
      failures: row.failures,
      cost: roundCost(row.cost),
    }));
    const total = byModel.reduce(
      (sum, row) => ({
        images: sum.images + row.images,
        attempts: sum.attempts + row.attempts,
        failures: sum.failures + row.failures,
        cost: sum.cost + row.cost,
      }),
      { images: 0, attempts: 0, failures: 0, cost: 0 },
    );
    return { total: { ...total, cost: roundCost(total.cost) }, byModel, topUsers: users, userCount: usersQuery.get(params) ?? 0 };
  }

  /** Every attempt of a server in a period, oldest first, one at a time (for the CSV export). */
  *guildRows(query: GuildUsageQuery): Generator<UsageRow> {
    const params = guildParams(query);
    // Ids are positive: after (since, 0) is every row of the period.
    let after = { after_started_at: params['since'], after_id: 0 };
    for (;;) {
      const page = this.selectGuildRows.all({ ...params, ...after }).map(usageRowFromTuple);
      yield* page;
      const last = page.at(-1);
      if (page.length < EXPORT_PAGE_ROWS || last === undefined) return;
      after = { after_started_at: last.startedAt, after_id: last.id };
    }
  }
}
