// The quota and budget ledger: every generation is charged with reserve → commit or refund, keyed by
// the Discord interaction id.
//
// - reserve() runs every check (cooldown, the user's daily images, the server's daily and monthly
//   money) and the insert in ONE write transaction whose lock is taken before the first read (SQLite:
//   `BEGIN IMMEDIATE`; PostgreSQL: the adapter's advisory lock, storage/postgres/pgDatabase.ts), so
//   parallel requests — from this process or another process on the same database — are serialised
//   and can never overspend at the quota edge (test/unit/ledgerRace.test.ts races processes).
// - The key is the interaction id (UNIQUE): a redelivered interaction or a double click on a button
//   that reuses the same key finds the existing row (`existing: true`) and is never charged twice.
// - Reserved and committed rows count toward the limits; refunded rows do not. `images` is what
//   counts toward the member's daily quota, `cost` toward the server's budgets. Days and months are
//   UTC calendar periods (periods.ts), attributed by the reservation time.
//
// Billing rule: a relay that answered 200 billed us; a relay's own JSON error did not; a request
// sent without an answer (timeout, cut, cancelled or stopped mid-request) may have been billed.
// How each ending settles (the usage log records the same cost: charged() is the figure to copy):
//
//   ending                                       method            state      images    cost      billed?
//   delivered (or generated, Discord refused it) commit()          committed  actual    actual    0
//   a 200 whose image is unusable (broken,       chargeUnusable()  committed  0         estimate  0
//     bad base64, expired link, undecodable)
//   timeout, cut, shutdown, cancel once sent     release()         committed  estimate  estimate  1
//   relay JSON error, policy block, refused      refund()          refunded   (kept, counting for nothing)
//     locally, cancelled or dropped while queued
//
// (`estimate`: the reservation, price per image × images asked; `billed?`: possibly_billed.)
// `possibly_billed` = 1 means charged WITHOUT knowing whether the relay billed: no answer came. It is
// 0 on every charge backed by an answer (a 200, delivered or not). An unusable image costs the server
// (the relay billed it) but not the member's quota (they got nothing): hence images 0, cost > 0.
//
// Money is USD in the API and millionths of a USD (INTEGER) in the table.
import type { Database } from './database.js';
import { dayStart, monthStart } from './periods.js';

const DAY_MS = 86_400_000;
const MICROS = 1_000_000;
/** Fraction of a budget at which the warning is given, once per server and period. */
const DEFAULT_WARN_FRACTION = 0.8;

export type LedgerState = 'reserved' | 'committed' | 'refunded';
export type BudgetPeriod = 'day' | 'month';
export type ReserveRejection = 'user_quota' | 'cooldown' | 'guild_daily_budget' | 'guild_monthly_budget';

/** Absent limits are not checked. Role overrides are resolved by the caller into `userDailyImages`. */
export interface ReserveLimits {
  /** Images per user per UTC day in this server (DMs: in DMs). */
  userDailyImages?: number;
  /** Least time since the user's last accepted (not refunded) request for images in this server. */
  cooldownMs?: number;
  /** USD per UTC day for the whole server. Ignored in DMs (guildId null). */
  guildDailyBudget?: number;
  /** USD per UTC month for the whole server. Ignored in DMs (guildId null). */
  guildMonthlyBudget?: number;
}

/**
 * Where the member of a reservation is answered (their interaction's reply) if its process dies
 * before writing the job row, which keeps the same thing from then on (migration 13).
 */
export interface LedgerReply {
  applicationId: string;
  /** Answers for the member for 15 minutes: kept only while the row is reserved. */
  token: string;
  /** The member's Discord locale, for the message. */
  locale: string;
}

export interface ReserveRequest {
  /** The interaction id. */
  key: string;
  /** Null in DMs. */
  guildId: string | null;
  userId: string;
  /** Images requested (n). */
  images: number;
  /** Estimated USD for the whole request. */
  cost: number;
  limits: ReserveLimits;
  /** Kept while the row is reserved (a CLI run has none). */
  reply?: LedgerReply;
  /** Epoch ms; defaults to Date.now(). */
  now?: number;
}

export interface BudgetWarning {
  period: BudgetPeriod;
  /** USD reserved + committed in the period, this reservation included. */
  spent: number;
  /** USD. */
  limit: number;
}

export type ReserveResult =
  | {
      ok: true;
      reservationId: number;
      /** True when the key was already in the ledger: nothing was charged now. */
      existing: boolean;
      /** The state of the (possibly existing) row; a redelivery of a finished request is not `reserved`. */
      state: LedgerState;
      /**
       * Set when this reservation took the server to 80 % of a budget for the first time in the
       * period; once per server and period. When both the day and the month cross at once, the month.
       */
      budgetWarning?: BudgetWarning;
      /** Every warning given by this reservation (zero, one or two). */
      budgetWarnings: BudgetWarning[];
    }
  | {
      ok: false;
      reason: ReserveRejection;
      /** When trying again can succeed: the cooldown's end or the next UTC day/month. */
      retryAfterMs?: number;
      /** Images (user_quota), USD (budgets) or ms since the last request (cooldown). */
      used: number;
      /** The limit, in the same unit as `used`. */
      limit: number;
    };

export interface LedgerEntry {
  id: number;
  key: string;
  guildId: string | null;
  userId: string;
  state: LedgerState;
  /** What counts: the estimate while reserved, the actual figures once committed. */
  images: number;
  cost: number;
  reservedImages: number;
  reservedCost: number;
  possiblyBilled: boolean;
  refundReason: string | null;
  createdAt: number;
  settledAt: number | null;
  /**
   * While reserved, where to answer the member (not enumerable, like a job's token: an entry that
   * is logged or serialised does not carry it). refundOpen() returns it for the rows it frees.
   */
  readonly reply?: LedgerReply;
}

export interface LedgerOptions {
  /** Budget fraction that triggers the warning; 0.8 by default. */
  warnFraction?: number;
}

interface DbEntry {
  id: number;
  key: string;
  guild_id: string | null;
  user_id: string;
  state: LedgerState;
  images: number;
  cost_micros: number;
  reserved_images: number;
  reserved_cost_micros: number;
  possibly_billed: number;
  refund_reason: string | null;
  created_at: number;
  settled_at: number | null;
  reply_application_id: string | null;
  reply_token: string | null;
  reply_locale: string | null;
}

function toMicros(usd: number): number {
  return Math.round(usd * MICROS);
}

function fromMicros(micros: number): number {
  return micros / MICROS;
}

function toEntry(row: DbEntry, reply: Pick<DbEntry, 'reply_application_id' | 'reply_token' | 'reply_locale'> = row): LedgerEntry {
  const entry: LedgerEntry = {
    id: row.id,
    key: row.key,
    guildId: row.guild_id,
    userId: row.user_id,
    state: row.state,
    images: row.images,
    cost: fromMicros(row.cost_micros),
    reservedImages: row.reserved_images,
    reservedCost: fromMicros(row.reserved_cost_micros),
    possiblyBilled: row.possibly_billed === 1,
    refundReason: row.refund_reason,
    createdAt: row.created_at,
    settledAt: row.settled_at,
  };
  if (reply.reply_token !== null && reply.reply_application_id !== null) {
    const value: LedgerReply = { applicationId: reply.reply_application_id, token: reply.reply_token, locale: reply.reply_locale ?? '' };
    Object.defineProperty(entry, 'reply', { value, enumerable: false });
  }
  return entry;
}

function requireString(name: string, value: unknown): asserts value is string {
  // A snowflake passed as a number has already lost digits; refuse it rather than store it.
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
}

function requireCount(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TypeError(`${name} must be a non-negative integer`);
  }
}

function requireAmount(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a finite, non-negative number`);
  }
}

function checkLimits(limits: ReserveLimits): void {
  if (limits.userDailyImages !== undefined) requireCount('limits.userDailyImages', limits.userDailyImages);
  if (limits.cooldownMs !== undefined) requireAmount('limits.cooldownMs', limits.cooldownMs);
  if (limits.guildDailyBudget !== undefined) requireAmount('limits.guildDailyBudget', limits.guildDailyBudget);
  if (limits.guildMonthlyBudget !== undefined) requireAmount('limits.guildMonthlyBudget', limits.guildMonthlyBudget);
}

/** Start of the UTC month after the one containing `now`. */
function nextMonthStart(now: number): number {
  return monthStart(monthStart(now) + 32 * DAY_MS);
}

export class Ledger {
  private readonly warnFraction: number;
  private readonly selectByKey;
  private readonly selectLastRequest;
  private readonly selectLastRequestDm;
  private readonly selectUserImages;
  private readonly selectUserImagesDm;
  private readonly selectGuildSpent;
  private readonly insert;
  private readonly insertWarning;
  private readonly updateCommit;
  private readonly updateRelease;
  private readonly updateUnusable;
  private readonly refundAllOpen;
  private readonly refundUnopened;
  private readonly updateRefund;
  private readonly reserveTx;

  constructor(db: Database, options: LedgerOptions = {}) {
    this.warnFraction = options.warnFraction ?? DEFAULT_WARN_FRACTION;
    if (!(this.warnFraction > 0 && this.warnFraction <= 1)) throw new RangeError('warnFraction must be in (0, 1]');

    this.selectByKey = db.prepare<[string], DbEntry>('SELECT * FROM ledger WHERE key = ?');
    // DM usage is its own pool (guild_id NULL). Each member check comes in two statements, one for a
    // server and one for DMs, rather than one with the null-safe `guild_id IS NOT DISTINCT FROM`:
    // PostgreSQL cannot search an index with that, and these run in every reserve().
    // Only requests that reserved images start a cooldown: a describe or enhance charge (no image, a
    // cost) must not hold back the member's next /imagine. ledger_user_time holds reserved_images
    // (migration 9), so this still reads only the index.
    const lastRequest = (guild: string) =>
      db
        .prepare<Record<string, unknown>, number | null>(`
          SELECT MAX(created_at) FROM ledger
          WHERE user_id = @user_id AND ${guild} AND created_at > @since AND state <> 'refunded'
            AND reserved_images > 0`)
        .pluck();
    this.selectLastRequest = lastRequest('guild_id = @guild_id');
    this.selectLastRequestDm = lastRequest('guild_id IS NULL');
    const userImages = (guild: string) =>
      db
        .prepare<Record<string, unknown>, number>(`
          SELECT COALESCE(SUM(images), 0) FROM ledger
          WHERE user_id = @user_id AND ${guild}
            AND created_at >= @from AND created_at < @to AND state <> 'refunded'`)
        .pluck();
    this.selectUserImages = userImages('guild_id = @guild_id');
    this.selectUserImagesDm = userImages('guild_id IS NULL');
    // The server's money per UTC day (reserved + committed, kept by triggers on this table; see
    // schema/rollups.ts): at most 31 rows for the month, however busy the server. The day is the
    // subset since midnight (a day never spans two months).
    this.selectGuildSpent = db.prepare<Record<string, unknown>, { day: number; month: number }>(`
      SELECT COALESCE(SUM(CASE WHEN day >= @day_from AND day < @day_to THEN cost_micros ELSE 0 END), 0) AS day,
             COALESCE(SUM(cost_micros), 0) AS month
      FROM ledger_guild_days
      WHERE guild_id = @guild_id AND day >= @month_from AND day < @month_to`);
    this.insert = db.prepare<Record<string, unknown>, { id: number }>(`
      INSERT INTO ledger (key, guild_id, user_id, state, images, cost_micros, reserved_images,
                          reserved_cost_micros, created_at, reply_application_id, reply_token, reply_locale)
      VALUES (@key, @guild_id, @user_id, 'reserved', @images, @cost, @images, @cost, @now,
              @reply_application_id, @reply_token, @reply_locale)
      RETURNING id`);
    this.insertWarning = db.prepare<Record<string, unknown>>(`
      INSERT INTO ledger_budget_warnings (guild_id, period, period_start, spent_micros, limit_micros, key, created_at)
      VALUES (@guild_id, @period, @period_start, @spent, @limit, @key, @now)
      ON CONFLICT DO NOTHING`);
    this.updateCommit = db.prepare<Record<string, unknown>>(`
      UPDATE ledger SET state = 'committed', images = @images, cost_micros = @cost, settled_at = @now, reply_token = NULL
      WHERE key = @key AND state = 'reserved'`);
    this.updateRelease = db.prepare<Record<string, unknown>>(`
      UPDATE ledger SET state = 'committed', images = reserved_images, cost_micros = reserved_cost_micros,
                        possibly_billed = 1, refund_reason = NULL, settled_at = @now, reply_token = NULL
      WHERE key = @key AND state = 'reserved'`);
    // From `committed` too: a 200 first committed as a success whose image then proves undecodable
    // while being fitted for Discord. Never from a possibly-billed charge or a refund.
    this.updateUnusable = db.prepare<Record<string, unknown>>(`
      UPDATE ledger SET state = 'committed', images = 0, cost_micros = reserved_cost_micros,
                        possibly_billed = 0, refund_reason = NULL, settled_at = @now, reply_token = NULL
      WHERE key = @key AND (state = 'reserved' OR (state = 'committed' AND possibly_billed = 0))`);
    this.updateRefund = db.prepare<Record<string, unknown>>(`
      UPDATE ledger SET state = 'refunded', refund_reason = @reason, settled_at = @now, reply_token = NULL
      WHERE key = @key AND state = 'reserved'`);
    // refundOpen()'s two ways of choosing the reservations it frees, each one condition for both
    // statements: RETURNING gives the rows as updated, token cleared, so the replies of the rows
    // about to be freed are read first, in the caller's transaction (its callers hold the write lock).
    type Reply = Pick<DbEntry, 'key' | 'reply_application_id' | 'reply_token' | 'reply_locale'>;
    const freeing = (where: string) => ({
      replies: db.prepare<Record<string, unknown>, Reply>(`
        SELECT key, reply_application_id, reply_token, reply_locale FROM ledger
        WHERE ${where} AND reply_token IS NOT NULL`),
      refund: db.prepare<Record<string, unknown>, DbEntry>(`
        UPDATE ledger SET state = 'refunded', refund_reason = @reason, settled_at = @now, reply_token = NULL
        WHERE ${where}
        RETURNING *`),
    });
    this.refundAllOpen = freeing(`state = 'reserved'`);
    // The reservation is the first write: an image's usage row (with its job row) follows once the
    // platform is answered, a chat call's at once. A reservation with no usage row was never
    // acknowledged. The partial index ledger_open keeps this to the few open rows.
    this.refundUnopened = freeing(`state = 'reserved' AND created_at < @before
        AND NOT EXISTS (SELECT 1 FROM usage WHERE usage.interaction_id = ledger.key)`);

    this.reserveTx = db.transaction((request: ReserveRequest, now: number): ReserveResult => this.reserveLocked(request, now));
  }

  /**
   * Checks every limit and reserves the request, atomically (one write-locked transaction).
   * With a key already in the ledger nothing is checked or charged: the existing row comes back with
   * `existing: true` (whatever its state), and the caller must not run the request again.
   * Throws a busy error (isDatabaseBusy) only when another connection holds the write lock beyond
   * the busy timeout.
   */
  reserve(request: ReserveRequest): ReserveResult {
    requireString('key', request.key);
    requireString('userId', request.userId);
    if (request.guildId !== null) requireString('guildId', request.guildId);
    requireCount('images', request.images);
    requireAmount('cost', request.cost);
    checkLimits(request.limits);
    const now = request.now ?? Date.now();
    return this.reserveTx.immediate(request, now);
  }

  private reserveLocked(request: ReserveRequest, now: number): ReserveResult {
    const existing = this.selectByKey.get(request.key);
    if (existing) {
      return { ok: true, reservationId: existing.id, existing: true, state: existing.state, budgetWarnings: [] };
    }
    const { limits } = request;
    const cost = toMicros(request.cost);
    const today = dayStart(now);
    const tomorrow = today + DAY_MS;
    const month = monthStart(now);
    const nextMonth = nextMonthStart(now);
    const budgeted =
      request.guildId !== null && (limits.guildDailyBudget !== undefined || limits.guildMonthlyBudget !== undefined);
    const spent = budgeted
      ? (this.selectGuildSpent.get({
          guild_id: request.guildId,
          day_from: today,
          day_to: tomorrow,
          month_from: month,
          month_to: nextMonth,
        }) ?? { day: 0, month: 0 })
      : { day: 0, month: 0 };

    // The most lasting obstacle first: the month's budget, the day's budget, the user's day, the cooldown.
    if (budgeted && limits.guildMonthlyBudget !== undefined) {
      const limit = toMicros(limits.guildMonthlyBudget);
      if (spent.month + cost > limit) {
        return { ok: false, reason: 'guild_monthly_budget', retryAfterMs: nextMonth - now, used: fromMicros(spent.month), limit: limits.guildMonthlyBudget };
      }
    }
    if (budgeted && limits.guildDailyBudget !== undefined) {
      const limit = toMicros(limits.guildDailyBudget);
      if (spent.day + cost > limit) {
        return { ok: false, reason: 'guild_daily_budget', retryAfterMs: tomorrow - now, used: fromMicros(spent.day), limit: limits.guildDailyBudget };
      }
    }
    if (limits.userDailyImages !== undefined) {
      const used = this.userImages(request.guildId, request.userId, today);
      if (used + request.images > limits.userDailyImages) {
        return { ok: false, reason: 'user_quota', retryAfterMs: tomorrow - now, used, limit: limits.userDailyImages };
      }
    }
    if (limits.cooldownMs !== undefined && limits.cooldownMs > 0) {
      // created_at holds whole ms, and PostgreSQL's BIGINT refuses a fraction: a cooldown of 1.5 ms
      // asks for rows after now − 1.5, which for whole numbers is after floor(now − 1.5).
      const since = Math.floor(now - limits.cooldownMs);
      const lastRequest = request.guildId === null ? this.selectLastRequestDm : this.selectLastRequest;
      const last = lastRequest.get({ user_id: request.userId, guild_id: request.guildId, since });
      if (last !== null && last !== undefined) {
        const elapsed = Math.max(0, now - last);
        return { ok: false, reason: 'cooldown', retryAfterMs: limits.cooldownMs - elapsed, used: elapsed, limit: limits.cooldownMs };
      }
    }

    const inserted = this.insert.get({
      key: request.key,
      guild_id: request.guildId,
      user_id: request.userId,
      images: request.images,
      cost,
      now,
      reply_application_id: request.reply?.applicationId ?? null,
      reply_token: request.reply?.token ?? null,
      reply_locale: request.reply?.locale ?? null,
    });
    if (!inserted) throw new Error('ledger insert returned no row');

    const budgetWarnings: BudgetWarning[] = [];
    if (budgeted) {
      const periods = [
        { period: 'month' as const, start: month, spent: spent.month + cost, limit: limits.guildMonthlyBudget },
        { period: 'day' as const, start: today, spent: spent.day + cost, limit: limits.guildDailyBudget },
      ];
      for (const p of periods) {
        if (p.limit === undefined || p.limit <= 0) continue;
        const limitMicros = toMicros(p.limit);
        if (p.spent < limitMicros * this.warnFraction) continue;
        const info = this.insertWarning.run({
          guild_id: request.guildId,
          period: p.period,
          period_start: p.start,
          spent: p.spent,
          limit: limitMicros,
          key: request.key,
          now,
        });
        if (info.changes > 0) budgetWarnings.push({ period: p.period, spent: fromMicros(p.spent), limit: p.limit });
      }
    }
    const result: ReserveResult = { ok: true, reservationId: inserted.id, existing: false, state: 'reserved', budgetWarnings };
    if (budgetWarnings[0]) result.budgetWarning = budgetWarnings[0];
    return result;
  }

  /**
   * Settles a reservation with the actual figures (the relay billed: success, or a delivery Discord
   * refused after generation). Returns false when the key is unknown or already settled.
   */
  commit(key: string, actual: { images: number; cost: number }, now: number = Date.now()): boolean {
    requireCount('images', actual.images);
    requireAmount('cost', actual.cost);
    return this.updateCommit.run({ key, images: actual.images, cost: toMicros(actual.cost), now }).changes > 0;
  }

  /**
   * Settles a reservation whose outcome is unknown but possibly billed (a timeout, a request cut by a
   * restart, a cancel after it was sent): charged at the full reserved estimate and flagged `possiblyBilled`. Returns false when
   * the key is unknown or already settled.
   */
  release(key: string, now: number = Date.now()): boolean {
    return this.updateRelease.run({ key, now }).changes > 0;
  }

  /**
   * Settles a request the relay answered 200 but whose image could not be used (broken, bad base64,
   * an expired link, undecodable): the relay billed it, so the server is charged the reserved
   * estimate; the member received nothing, so no image counts toward their quota. Also turns a
   * committed success into this (found undecodable during delivery). Returns false when the key is
   * unknown, refunded or released as possibly billed.
   */
  chargeUnusable(key: string, now: number = Date.now()): boolean {
    return this.updateUnusable.run({ key, now }).changes > 0;
  }

  /**
   * Frees a reservation the relay did not bill (its JSON errors, policy blocks, local refusals,
   * cancellation while still queued). Returns false when the key is unknown or already settled:
   * a committed charge is never refunded here.
   */
  refund(key: string, reason: string, now: number = Date.now()): boolean {
    return this.updateRefund.run({ key, reason, now }).changes > 0;
  }

  /**
   * Frees reservations still open; returns the entries freed. Without `olderThan`: every one — only
   * for start-up recovery with no other process alive, once the requests that had rows are settled:
   * what is left was never acknowledged, so never sent. With `olderThan` (epoch ms; shared mode, where
   * other processes are at work): only reservations made before it that never got their usage row,
   * i.e. never acknowledged — a live process writes that row right after the platform's answer, so
   * one this old was left by a process that died. Each row is freed once however many callers race.
   * The entries carry the reply each row kept (its token cleared in the table), for the one message.
   */
  refundOpen(reason: string, now: number = Date.now(), options: { olderThan?: number } = {}): LedgerEntry[] {
    const [statements, bound] =
      options.olderThan === undefined ? [this.refundAllOpen, {}] : [this.refundUnopened, { before: Math.floor(options.olderThan) }];
    const replies = new Map(statements.replies.all(bound).map((reply) => [reply.key, reply]));
    return statements.refund.all({ ...bound, reason, now }).map((row) => toEntry(row, replies.get(row.key) ?? row));
  }

  /**
   * USD this request counts toward the server's budget now: the cost of a reserved or committed row,
   * 0 once refunded, undefined for an unknown key. The usage log records this figure, so the two agree.
   */
  charged(key: string): number | undefined {
    const row = this.selectByKey.get(key);
    if (!row) return undefined;
    return row.state === 'refunded' ? 0 : fromMicros(row.cost_micros);
  }

  get(key: string): LedgerEntry | undefined {
    const row = this.selectByKey.get(key);
    return row && toEntry(row);
  }

  /** USD reserved + committed by the server in the UTC day or month containing `now`. */
  spent(guildId: string, period: BudgetPeriod, now: number = Date.now()): number {
    requireString('guildId', guildId);
    const today = dayStart(now);
    const row = this.selectGuildSpent.get({
      guild_id: guildId,
      day_from: today,
      day_to: today + DAY_MS,
      month_from: monthStart(now),
      month_to: nextMonthStart(now),
    });
    return fromMicros(period === 'day' ? (row?.day ?? 0) : (row?.month ?? 0));
  }

  /** Images reserved + committed by the user in this server (null: DMs) since UTC midnight. */
  userImagesToday(guildId: string | null, userId: string, now: number = Date.now()): number {
    requireString('userId', userId);
    return this.userImages(guildId, userId, dayStart(now));
  }

  /** Images reserved + committed by the user in this server (null: DMs) in the UTC day starting at `today`. */
  private userImages(guildId: string | null, userId: string, today: number): number {
    const statement = guildId === null ? this.selectUserImagesDm : this.selectUserImages;
    return statement.get({ user_id: userId, guild_id: guildId, from: today, to: today + DAY_MS }) ?? 0;
  }
}
