// The usage log: one row per generation attempt, from Discord or the CLI.
//
// The row is written when the attempt STARTS (outcome `pending`) and updated when it ends, so an
// attempt cut short by a crash or restart still leaves a trace; start-up turns those leftovers into
// `interrupted`. A redelivered Discord interaction finds its existing row instead of adding one.
//
// Outcome values (the README lists these):
//   pending            started, not finished yet (or the process is still running it)
//   success            the image(s) were generated and delivered
//   invalid_input      refused locally before any request; nothing spent
//   blocked            refused by the server's policy before any request
//   content_policy     the relay/model refused the prompt or the output
//   timeout            no answer in time; may have been billed
//   auth               the relay rejected the key (401/403)
//   billing            the relay account is out of quota (402)
//   bad_request        the relay refused the request as invalid
//   rate_limit         the relay asked us to slow down
//   upstream           the relay or the model failed (5xx, connection refused)
//   malformed_response the relay answered 200 without a usable image: billed, image_count 0 (a
//                      relay's redirect is the exception: no 200, not billed)
//   cancelled          the user cancelled it: billed at the estimate once it was sent, else 0
//   interrupted        the process stopped mid-attempt (set at the next start-up)
//   delivery_failed    generated, but Discord refused every way to deliver it
//
// estimated_cost is what the ledger charges the server for the same interaction (ledger.ts has the
// rule per ending): the bot copies Ledger.charged() into it, so the admin report, /usage and the
// budgets add up to the same money.
//
// User, guild, channel and message ids are Discord snowflakes, which exceed 2^53: they are TEXT
// in the database and strings here, never numbers.
import type { ErrorKind } from '../providers/errors.js';
import { redact } from '../providers/redact.js';
import type { Database } from './database.js';
import { dayStart, monthStart } from './periods.js';

export const USAGE_OUTCOMES = [
  'pending',
  'success',
  'invalid_input',
  'blocked',
  'content_policy',
  'timeout',
  'auth',
  'billing',
  'bad_request',
  'rate_limit',
  'upstream',
  'malformed_response',
  'cancelled',
  'interrupted',
  'delivery_failed',
] as const;

export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];
/** What `finish` may record: anything but `pending`. */
export type FinishedOutcome = Exclude<UsageOutcome, 'pending'>;
export type UsageSource = 'discord' | 'cli';

// Compile-time guard: a new ErrorKind must get an outcome here too (this line fails otherwise).
type AssertErrorKindsAreOutcomes<T extends FinishedOutcome = ErrorKind> = T;

// The table has no CHECK on outcome (see migrations.ts), so the values are checked here.
const FINISHED_OUTCOMES: ReadonlySet<string> = new Set(USAGE_OUTCOMES.filter((o) => o !== 'pending'));

/** Longest error message kept; relay messages can be whole HTML pages. */
const MAX_ERROR_MESSAGE = 2_000;

/** What is known when an attempt starts. */
export interface UsageAttempt {
  /** The Discord interaction id; null/absent for the CLI. Unique: a redelivery finds the same row. */
  interactionId?: string | null;
  source: UsageSource;
  userId: string;
  /** Null in DMs. */
  guildId?: string | null;
  channelId?: string | null;
  locale?: string | null;
  model: string;
  sizeRequested?: string | null;
  sizeEffective?: string | null;
  /** The other knobs (quality, seed, safety_tolerance, n, …), stored as JSON. */
  params?: Record<string, unknown>;
  prompt: string;
  relay?: string | null;
  seed?: number | null;
  /** Input pictures of an edit (remix, Vary, `--image`); 0 or absent for a text-to-image request. */
  inputCount?: number;
  /** Epoch ms; defaults to now. */
  startedAt?: number;
}

/** What is known when an attempt ends. Omitted fields keep the value already stored. */
export interface UsageResult {
  outcome: FinishedOutcome;
  /** Usually the ErrorKind; free text so delivery failures can record their own class. */
  errorKind?: string | null;
  /** Passed through `redact()` and truncated before it is stored. */
  errorMessage?: string | null;
  relay?: string | null;
  requestId?: string | null;
  sizeEffective?: string | null;
  imageCount?: number | null;
  bytes?: number | null;
  /** Defaults to finishedAt − startedAt. */
  latencyMs?: number | null;
  /** USD. */
  estimatedCost?: number | null;
  seed?: number | null;
  /** Epoch ms; defaults to now. */
  finishedAt?: number;
}

export interface UsageRow {
  id: number;
  interactionId: string | null;
  source: UsageSource;
  userId: string;
  guildId: string | null;
  channelId: string | null;
  locale: string | null;
  model: string;
  sizeRequested: string | null;
  sizeEffective: string | null;
  params: Record<string, unknown>;
  prompt: string;
  outcome: UsageOutcome;
  errorKind: string | null;
  errorMessage: string | null;
  relay: string | null;
  requestId: string | null;
  imageCount: number | null;
  bytes: number | null;
  latencyMs: number | null;
  estimatedCost: number | null;
  seed: number | null;
  /** Where the result was delivered (the buttons under it use this). */
  messageId: string | null;
  messageChannelId: string | null;
  deletedAt: number | null;
  startedAt: number;
  finishedAt: number | null;
  /** The attempt edited input images (a remix, Vary, an /imagine with an image). */
  isEdit: boolean;
  /** How many input pictures it had. */
  inputCount: number;
}

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

interface DbRow {
  id: number;
  interaction_id: string | null;
  source: UsageSource;
  user_id: string;
  guild_id: string | null;
  channel_id: string | null;
  locale: string | null;
  model: string;
  size_requested: string | null;
  size_effective: string | null;
  params: string;
  prompt: string;
  outcome: UsageOutcome;
  error_kind: string | null;
  error_message: string | null;
  relay: string | null;
  request_id: string | null;
  image_count: number | null;
  bytes: number | null;
  latency_ms: number | null;
  estimated_cost: number | null;
  seed: number | null;
  message_id: string | null;
  message_channel_id: string | null;
  deleted_at: number | null;
  started_at: number;
  finished_at: number | null;
  is_edit: number;
  input_count: number;
}

/** DbRow's columns in table order, for reads in raw mode (one array per row, see guildRows). */
const DB_COLUMNS = [
  'id',
  'interaction_id',
  'source',
  'user_id',
  'guild_id',
  'channel_id',
  'locale',
  'model',
  'size_requested',
  'size_effective',
  'params',
  'prompt',
  'outcome',
  'error_kind',
  'error_message',
  'relay',
  'request_id',
  'image_count',
  'bytes',
  'latency_ms',
  'estimated_cost',
  'seed',
  'message_id',
  'message_channel_id',
  'deleted_at',
  'started_at',
  'finished_at',
  'is_edit',
  'input_count',
] as const satisfies ReadonlyArray<keyof DbRow>;

/** A DbRow as an array, in DB_COLUMNS order. */
type Tuple<T extends ReadonlyArray<keyof DbRow>> = { -readonly [I in keyof T]: T[I] extends keyof DbRow ? DbRow[T[I]] : never };
type DbTuple = Tuple<typeof DB_COLUMNS>;

// Compile-time guard: DB_COLUMNS names every column of DbRow (this line fails otherwise).
type AssertAllColumns<T extends never = Exclude<keyof DbRow, (typeof DB_COLUMNS)[number]>> = T;

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

function requireId(name: string, value: unknown, nullable: boolean): void {
  // A snowflake passed as a number has already lost digits; refuse it rather than store it.
  if (value === undefined || value === null) {
    if (nullable) return;
    throw new TypeError(`${name} is required`);
  }
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
}

function parseParams(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toRow(row: DbRow): UsageRow {
  return {
    id: row.id,
    interactionId: row.interaction_id,
    source: row.source,
    userId: row.user_id,
    guildId: row.guild_id,
    channelId: row.channel_id,
    locale: row.locale,
    model: row.model,
    sizeRequested: row.size_requested,
    sizeEffective: row.size_effective,
    params: parseParams(row.params),
    prompt: row.prompt,
    outcome: row.outcome,
    errorKind: row.error_kind,
    errorMessage: row.error_message,
    relay: row.relay,
    requestId: row.request_id,
    imageCount: row.image_count,
    bytes: row.bytes,
    latencyMs: row.latency_ms,
    estimatedCost: row.estimated_cost,
    seed: row.seed,
    messageId: row.message_id,
    messageChannelId: row.message_channel_id,
    deletedAt: row.deleted_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    isEdit: row.is_edit === 1,
    inputCount: row.input_count,
  };
}

/** toRow for a DbTuple: the same UsageRow, read by position. */
function tupleToRow(row: DbTuple): UsageRow {
  return {
    id: row[0],
    interactionId: row[1],
    source: row[2],
    userId: row[3],
    guildId: row[4],
    channelId: row[5],
    locale: row[6],
    model: row[7],
    sizeRequested: row[8],
    sizeEffective: row[9],
    params: parseParams(row[10]),
    prompt: row[11],
    outcome: row[12],
    errorKind: row[13],
    errorMessage: row[14],
    relay: row[15],
    requestId: row[16],
    imageCount: row[17],
    bytes: row[18],
    latencyMs: row[19],
    estimatedCost: row[20],
    seed: row[21],
    messageId: row[22],
    messageChannelId: row[23],
    deletedAt: row[24],
    startedAt: row[25],
    finishedAt: row[26],
    isEdit: row[27] === 1,
    inputCount: row[28],
  };
}

/** Sums of floating-point costs drift (0.1 + 0.2); a millionth of a dollar is plenty. */
function roundCost(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function cleanErrorMessage(message: string | null | undefined): string | null {
  if (message === undefined || message === null) return null;
  const redacted = redact(message);
  return redacted.length > MAX_ERROR_MESSAGE ? `${redacted.slice(0, MAX_ERROR_MESSAGE - 1)}…` : redacted;
}

function guildParams(query: GuildUsageQuery): Record<string, unknown> {
  requireId('guildId', query.guildId, false);
  return { guild_id: query.guildId, since: query.since ?? Number.MIN_SAFE_INTEGER, until: query.until ?? Date.now() };
}

export class UsageLog {
  private readonly insert;
  private readonly selectById;
  private readonly selectIdByInteraction;
  private readonly selectByInteraction;
  private readonly update;
  private readonly updateDelivered;
  private readonly updateDeleted;
  private readonly updateInterrupted;
  private readonly selectSummary;
  private readonly selectGuildByModel;
  private readonly selectGuildByUser;
  private readonly countGuildUsers;
  private readonly selectAllTimeByModel;
  private readonly selectAllTimeByUser;
  private readonly countAllTimeUsers;
  private readonly selectGuildRows;

  constructor(db: Database) {
    // `ON CONFLICT … DO NOTHING` reacts only to the interaction id, unlike `INSERT OR IGNORE`,
    // which would also swallow NOT NULL violations. RETURNING yields no row on conflict.
    this.insert = db.prepare<Record<string, unknown>, { id: number }>(`
      INSERT INTO usage (interaction_id, source, user_id, guild_id, channel_id, locale, model,
                         size_requested, size_effective, params, prompt, relay, seed, started_at,
                         is_edit, input_count)
      VALUES (@interaction_id, @source, @user_id, @guild_id, @channel_id, @locale, @model,
              @size_requested, @size_effective, @params, @prompt, @relay, @seed, @started_at,
              @is_edit, @input_count)
      ON CONFLICT (interaction_id) DO NOTHING
      RETURNING id`);
    this.selectById = db.prepare<[number], DbRow>('SELECT * FROM usage WHERE id = ?');
    this.selectIdByInteraction = db
      .prepare<[string], number>('SELECT id FROM usage WHERE interaction_id = ?')
      .pluck();
    this.selectByInteraction = db.prepare<[string], DbRow>('SELECT * FROM usage WHERE interaction_id = ?');
    this.update = db.prepare<Record<string, unknown>>(`
      UPDATE usage SET
        outcome        = @outcome,
        error_kind     = COALESCE(@error_kind, error_kind),
        error_message  = COALESCE(@error_message, error_message),
        relay          = COALESCE(@relay, relay),
        request_id     = COALESCE(@request_id, request_id),
        size_effective = COALESCE(@size_effective, size_effective),
        image_count    = COALESCE(@image_count, image_count),
        bytes          = COALESCE(@bytes, bytes),
        latency_ms     = COALESCE(@latency_ms, latency_ms, @finished_at - started_at),
        estimated_cost = COALESCE(@estimated_cost, estimated_cost),
        seed           = COALESCE(@seed, seed),
        finished_at    = @finished_at
      WHERE id = @id`);
    this.updateDelivered = db.prepare<[string, string, number]>(
      'UPDATE usage SET message_id = ?, message_channel_id = ? WHERE id = ?',
    );
    // Keep the first deletion time if a second delete click races the first.
    this.updateDeleted = db.prepare<[number, number]>(
      'UPDATE usage SET deleted_at = COALESCE(deleted_at, ?) WHERE id = ?',
    );
    this.updateInterrupted = db.prepare<{ now: number; source: string | null }>(`
      UPDATE usage SET outcome = 'interrupted', finished_at = @now,
                       latency_ms = COALESCE(latency_ms, @now - started_at)
      WHERE outcome = 'pending' AND (@source IS NULL OR source = @source)`);
    // One pass over the month; today's figures are the subset since midnight (today ⊆ month).
    // `guild_id IS @guild_id` matches NULL to NULL, for the DM-only view.
    this.selectSummary = db.prepare<Record<string, unknown>, SummaryDbRow>(`
      SELECT model,
        SUM(started_at >= @today)                                                       AS today_attempts,
        SUM(started_at >= @today AND outcome NOT IN ('success', 'pending'))             AS today_failures,
        SUM(CASE WHEN started_at >= @today THEN COALESCE(image_count, 0) ELSE 0 END)    AS today_images,
        SUM(CASE WHEN started_at >= @today THEN COALESCE(estimated_cost, 0) ELSE 0 END) AS today_cost,
        COUNT(*)                                                                        AS month_attempts,
        SUM(outcome NOT IN ('success', 'pending'))                                      AS month_failures,
        SUM(COALESCE(image_count, 0))                                                   AS month_images,
        TOTAL(estimated_cost)                                                           AS month_cost
      FROM usage
      WHERE user_id = @user_id AND started_at >= @month AND started_at <= @now
        AND (@any_guild = 1 OR guild_id IS @guild_id)
        -- Refused input never reached a relay (and its model may be a typo): not usage.
        AND outcome != 'invalid_input'
      GROUP BY model
      ORDER BY model`);
    // The admin view of one server: the same exclusions as the personal view.
    const guildPeriod = `
      FROM usage
      WHERE guild_id = @guild_id AND started_at >= @since AND started_at <= @until
        AND outcome != 'invalid_input'`;
    const totals = `
        COUNT(*)                                   AS attempts,
        SUM(outcome NOT IN ('success', 'pending')) AS failures,
        SUM(COALESCE(image_count, 0))              AS images,
        TOTAL(estimated_cost)                      AS cost`;
    this.selectGuildByModel = db.prepare<Record<string, unknown>, TotalsDbRow & { model: string }>(`
      SELECT model, ${totals} ${guildPeriod}
      GROUP BY model
      ORDER BY cost DESC, images DESC, model`);
    this.selectGuildByUser = db.prepare<Record<string, unknown>, TotalsDbRow & { user_id: string }>(`
      SELECT user_id, ${totals} ${guildPeriod}
      GROUP BY user_id
      ORDER BY cost DESC, images DESC, attempts DESC, user_id
      LIMIT @limit`);
    this.countGuildUsers = db
      .prepare<Record<string, unknown>, number>(`SELECT COUNT(DISTINCT user_id) ${guildPeriod}`)
      .pluck();
    // The same three for all time, from the per-member, per-model totals the triggers keep
    // (schema/rollups.ts): a few hundred rows however long the history. Rows stamped after @until
    // (normally none) are taken back out, so the figures are those of a scan up to @until. Money is
    // summed in millionths (as the totals hold it, with the triggers' rounding), so it never drifts.
    const allTime = `
      WITH parts (user_id, model, attempts, failures, images, cost_micros) AS (
        SELECT user_id, model, attempts, failures, images, cost_micros
        FROM usage_guild_totals WHERE guild_id = @guild_id
        UNION ALL
        SELECT user_id, model, -1, -(outcome NOT IN ('success', 'pending')), -COALESCE(image_count, 0),
               -CAST(ROUND(COALESCE(estimated_cost, 0) * 1000000) AS INTEGER)
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
      ORDER BY SUM(cost_micros) DESC, images DESC, model`);
    this.selectAllTimeByUser = db.prepare<Record<string, unknown>, TotalsDbRow & { user_id: string }>(`
      ${allTime}
      SELECT user_id, ${allTimeTotals} FROM member_model
      GROUP BY user_id
      ORDER BY SUM(cost_micros) DESC, images DESC, attempts DESC, user_id
      LIMIT @limit`);
    this.countAllTimeUsers = db
      .prepare<Record<string, unknown>, number>(`${allTime} SELECT COUNT(DISTINCT user_id) FROM member_model`)
      .pluck();
    // Raw mode: the driver hands over one array per row instead of building an object with 27
    // keys, about a third of an export's time. Oldest first, in usage_guild_report's order (no sort).
    this.selectGuildRows = db
      .prepare<Record<string, unknown>, DbTuple>(`
        SELECT ${DB_COLUMNS.join(', ')} ${guildPeriod}
        ORDER BY started_at, id`)
      .raw();
  }

  /**
   * Records the start of an attempt (outcome `pending`). With an interaction id already logged
   * (Discord redelivered the interaction), nothing is written: the existing row's id comes back
   * with `existing: true`, and the caller should not run the attempt again.
   */
  start(attempt: UsageAttempt): { id: number; existing: boolean } {
    requireId('userId', attempt.userId, false);
    requireId('interactionId', attempt.interactionId, true);
    requireId('guildId', attempt.guildId, true);
    requireId('channelId', attempt.channelId, true);
    if (attempt.source !== 'discord' && attempt.source !== 'cli') throw new TypeError(`unknown source: ${attempt.source}`);
    const inputCount = attempt.inputCount ?? 0;
    if (!Number.isInteger(inputCount) || inputCount < 0) throw new TypeError(`inputCount must be a whole number ≥ 0, got ${inputCount}`);
    const inserted = this.insert.get({
      interaction_id: attempt.interactionId ?? null,
      source: attempt.source,
      user_id: attempt.userId,
      guild_id: attempt.guildId ?? null,
      channel_id: attempt.channelId ?? null,
      locale: attempt.locale ?? null,
      model: attempt.model,
      size_requested: attempt.sizeRequested ?? null,
      size_effective: attempt.sizeEffective ?? null,
      params: JSON.stringify(attempt.params ?? {}),
      prompt: attempt.prompt,
      relay: attempt.relay ?? null,
      seed: attempt.seed ?? null,
      started_at: attempt.startedAt ?? Date.now(),
      is_edit: inputCount > 0 ? 1 : 0,
      input_count: inputCount,
    });
    if (inserted) return { id: inserted.id, existing: false };
    // Conflict: only possible with an interaction id. Rows are never deleted, so it is there.
    const id = this.selectIdByInteraction.get(attempt.interactionId as string);
    if (id === undefined) throw new Error(`usage row for interaction ${attempt.interactionId} vanished`);
    return { id, existing: true };
  }

  /** Records how the attempt ended. Returns false when no row has this id. */
  finish(id: number, result: UsageResult): boolean {
    if (!FINISHED_OUTCOMES.has(result.outcome)) throw new TypeError(`finish(): not a final outcome: ${result.outcome}`);
    const info = this.update.run({
      id,
      outcome: result.outcome,
      error_kind: result.errorKind ?? null,
      error_message: cleanErrorMessage(result.errorMessage),
      relay: result.relay ?? null,
      request_id: result.requestId ?? null,
      size_effective: result.sizeEffective ?? null,
      image_count: result.imageCount ?? null,
      bytes: result.bytes ?? null,
      latency_ms: result.latencyMs ?? null,
      estimated_cost: result.estimatedCost ?? null,
      seed: result.seed ?? null,
      finished_at: result.finishedAt ?? Date.now(),
    });
    return info.changes > 0;
  }

  get(id: number): UsageRow | undefined {
    const row = this.selectById.get(id);
    return row && toRow(row);
  }

  findByInteraction(interactionId: string): UsageRow | undefined {
    const row = this.selectByInteraction.get(interactionId);
    return row && toRow(row);
  }

  /** Remembers where the result was posted, so its buttons can find the attempt after a restart. */
  setDelivered(id: number, where: { messageId: string; channelId: string }): boolean {
    requireId('messageId', where.messageId, false);
    requireId('channelId', where.channelId, false);
    return this.updateDelivered.run(where.messageId, where.channelId, id).changes > 0;
  }

  /** The owner deleted the result message. The row stays: it is still a billed attempt. */
  markDeleted(id: number, at: number = Date.now()): boolean {
    return this.updateDeleted.run(at, id).changes > 0;
  }

  /**
   * At start-up: every row still `pending` was left by a process that stopped mid-attempt; mark it
   * `interrupted`. Returns how many. Call it from the bot only (optionally with `source: 'discord'`):
   * a CLI run starting while the bot works must not close the bot's live attempts.
   */
  interruptPending(options: { now?: number; source?: UsageSource } = {}): number {
    return this.updateInterrupted.run({ now: options.now ?? Date.now(), source: options.source ?? null }).changes;
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
    for (const row of this.selectGuildRows.iterate(guildParams(query))) yield tupleToRow(row);
  }
}
