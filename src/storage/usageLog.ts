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
// Kinds (`kind`): `image` for every attempt that makes pictures (/imagine, Vary, Upscale, Edit);
// `describe` and `enhance` for a chat-model call (/describe, the prompt rewrite). Those make no image
// (image_count stays 0): /history and the gallery skip them, the money reports keep them.
//
// estimated_cost is what the ledger charges the server for the same interaction (ledger.ts has the
// rule per ending): the bot copies Ledger.charged() into it, so the admin report, /usage and the
// budgets add up to the same money.
//
// User, guild, channel and message ids are Discord snowflakes, which exceed 2^53: they are TEXT
// in the database and strings here, never numbers.
import type { ErrorKind } from '../providers/errors.js';
import { redact } from '../providers/redact.js';
import { shorten } from '../shorten.js';
import type { Database } from './database.js';
import { parseJsonObject, requireId } from './rowValues.js';

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

export const USAGE_KINDS = ['image', 'describe', 'enhance'] as const;
/** What the attempt was: pictures, or a chat-model call that makes none. */
export type UsageKind = (typeof USAGE_KINDS)[number];
const KNOWN_KINDS: ReadonlySet<string> = new Set(USAGE_KINDS);

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
  /**
   * Defaults to `image`. A describe or enhance row makes no image: finish it with imageCount 0. It
   * needs an interactionId of its own (interaction_id is UNIQUE): an enhance inside an /imagine must
   * not reuse the /imagine's id, or start() would find the image's row instead.
   */
  kind?: UsageKind;
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
  /** Pictures, or a chat-model call (describe, enhance) that made none. */
  kind: UsageKind;
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
  kind: UsageKind;
}

/**
 * DbRow's columns in table order. Every read of whole rows selects these in raw mode (one array per
 * row instead of an object with 30 keys, about a third of an export's time) and maps the array with
 * usageRowFromTuple: the one place a column becomes a UsageRow field.
 */
export const USAGE_COLUMNS = [
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
  'kind',
] as const satisfies ReadonlyArray<keyof DbRow>;

/** A DbRow as an array, in USAGE_COLUMNS order. */
type Tuple<T extends ReadonlyArray<keyof DbRow>> = { -readonly [I in keyof T]: T[I] extends keyof DbRow ? DbRow[T[I]] : never };
export type UsageTuple = Tuple<typeof USAGE_COLUMNS>;

// Compile-time guard: USAGE_COLUMNS names every column of DbRow (this line fails otherwise).
type AssertAllColumns<T extends never = Exclude<keyof DbRow, (typeof USAGE_COLUMNS)[number]>> = T;

/** The columns of USAGE_COLUMNS, for a SELECT list. */
export const USAGE_COLUMN_LIST = USAGE_COLUMNS.join(', ');

/** A row read in raw mode (USAGE_COLUMN_LIST) as a UsageRow. */
export function usageRowFromTuple(row: UsageTuple): UsageRow {
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
    params: parseJsonObject(row[10]),
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
    kind: row[29],
  };
}

function cleanErrorMessage(message: string | null | undefined): string | null {
  if (message === undefined || message === null) return null;
  // A relay's error body may be binary: PostgreSQL's text cannot hold U+0000 (SQLite's can), and the
  // row must be written on both, so NULs are dropped.
  return shorten(redact(message.replaceAll('\u0000', '')), MAX_ERROR_MESSAGE);
}

/** The journal: writes an attempt's row as it starts, ends and is delivered, and reads one row back. */
export class UsageLog {
  private readonly insert;
  private readonly selectById;
  private readonly selectIdByInteraction;
  private readonly selectByInteraction;
  private readonly update;
  private readonly updateDelivered;
  private readonly updateDeleted;
  private readonly selectPendingChat;

  constructor(db: Database) {
    // `ON CONFLICT … DO NOTHING` reacts only to the interaction id, unlike `INSERT OR IGNORE`,
    // which would also swallow NOT NULL violations. RETURNING yields no row on conflict.
    this.insert = db.prepare<Record<string, unknown>, { id: number }>(`
      INSERT INTO usage (interaction_id, source, user_id, guild_id, channel_id, locale, model,
                         size_requested, size_effective, params, prompt, relay, seed, started_at,
                         is_edit, input_count, kind)
      VALUES (@interaction_id, @source, @user_id, @guild_id, @channel_id, @locale, @model,
              @size_requested, @size_effective, @params, @prompt, @relay, @seed, @started_at,
              @is_edit, @input_count, @kind)
      ON CONFLICT (interaction_id) DO NOTHING
      RETURNING id`);
    this.selectById = db.prepare<[number], UsageTuple>(`SELECT ${USAGE_COLUMN_LIST} FROM usage WHERE id = ?`).raw();
    this.selectIdByInteraction = db
      .prepare<[string], number>('SELECT id FROM usage WHERE interaction_id = ?')
      .pluck();
    this.selectByInteraction = db
      .prepare<[string], UsageTuple>(`SELECT ${USAGE_COLUMN_LIST} FROM usage WHERE interaction_id = ?`)
      .raw();
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
    // A chat call (describe, enhance) has no job row: start-up finds one left open here. The
    // partial index usage_pending keeps this to the few unfinished rows. A call waiting or running
    // in the shared queue has a queue-only row in `jobs` under its key, from the moment its usage
    // row is written until just before it settles: that one is still some live process's.
    this.selectPendingChat = db.prepare<[number], { id: number; interaction_id: string }>(`
      SELECT id, interaction_id FROM usage
      WHERE outcome = 'pending' AND kind <> 'image' AND interaction_id IS NOT NULL AND started_at < ?
        AND NOT EXISTS (SELECT 1 FROM jobs WHERE jobs.interaction_id = usage.interaction_id)`);
    this.updateDeleted = db.prepare<[number, number]>(
      'UPDATE usage SET deleted_at = COALESCE(deleted_at, ?) WHERE id = ?',
    );
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
    const kind = attempt.kind ?? 'image';
    if (!KNOWN_KINDS.has(kind)) throw new TypeError(`unknown kind: ${String(kind)}`);
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
      kind,
    });
    if (inserted) return { id: inserted.id, existing: false };
    // Conflict: only possible with an interaction id, so the row is there (retention deletes only
    // rows weeks old, and a redelivered interaction arrives within seconds).
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

  /**
   * Chat calls (describe, enhance) left unfinished and no queue holds: their rows and ledger keys.
   * `olderThan` (epoch ms; shared mode, where other processes are at work): only calls started before it.
   */
  pendingChatCalls(options: { olderThan?: number } = {}): Array<{ id: number; key: string }> {
    const before = options.olderThan === undefined ? Number.MAX_SAFE_INTEGER : Math.floor(options.olderThan);
    return this.selectPendingChat.all(before).map((row) => ({ id: row.id, key: row.interaction_id }));
  }

  get(id: number): UsageRow | undefined {
    const row = this.selectById.get(id);
    return row && usageRowFromTuple(row);
  }

  findByInteraction(interactionId: string): UsageRow | undefined {
    const row = this.selectByInteraction.get(interactionId);
    return row && usageRowFromTuple(row);
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

}
