// The environment of CONTRACT.md, validated with zod. Every problem becomes one line that names the
// variable and says what to put there; no stack traces for configuration mistakes.
import { hostname } from 'node:os';
import { z } from 'zod';
import { parseLogLevel, type LogLevel } from '../log.js';
import { PROFILE_NAMES, type ProfileName } from '../providers/profiles/types.js';
import { DEFAULT_CHAT_MODEL, DEFAULT_CHAT_PRICE } from './chat.js';
import { ConfigError } from './errors.js';

const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : typeof value === 'string' ? value.trim() : value;

const optionalText = z.preprocess(blankToUndefined, z.string().optional());

const httpUrl = (example: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .refine((value) => /^https?:\/\/[^\s/]+/i.test(value), { message: `must be an http(s) URL such as ${example}` })
      .transform((value) => value.replace(/\/+$/, ''))
      .optional(),
  );

const positiveInt = (max: number) =>
  z.preprocess(
    blankToUndefined,
    z.coerce
      .number({ message: 'must be a whole number' })
      .int({ message: 'must be a whole number' })
      .min(1, { message: `must be between 1 and ${max}` })
      .max(max, { message: `must be between 1 and ${max}` })
      .optional(),
  );

const snowflake = z.preprocess(
  blankToUndefined,
  z.string().regex(/^\d{15,22}$/, { message: 'must be a Discord id (a long number; enable Developer Mode and use Copy ID)' }).optional(),
);

const flag = z.preprocess(
  blankToUndefined,
  z
    .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], { message: 'must be true or false' })
    .transform((value) => ['1', 'true', 'yes', 'on'].includes(value))
    .optional(),
);

/**
 * SHARD_COUNT: `auto` (the count Discord recommends) or a number of gateway shards, all run by this
 * process. At most 1000: a bot's whole daily allowance of session starts (IDENTIFYs).
 */
const SHARD_HINT = { message: 'must be auto or a whole number of shards from 1 to 1000' };
const shardCount = z.preprocess(
  blankToUndefined,
  z
    .string()
    .regex(/^(auto|[1-9]\d{0,2}|1000)$/i, SHARD_HINT)
    .transform((value): number | 'auto' => (value.toLowerCase() === 'auto' ? 'auto' : Number(value)))
    .optional(),
);

/**
 * SHARD_IDS: the shards this process runs when several processes share the gateway, as a list and
 * ranges (`0,1`, `0-3`, `0-3,8`). Checked against SHARD_COUNT in parseEnv (every process must name
 * the same total).
 */
const SHARD_IDS_HINT = { message: 'must list shard ids and ranges such as 0,1 or 0-3 (this process\'s shards of SHARD_COUNT)' };
const shardIds = z.preprocess(
  blankToUndefined,
  z
    .string()
    .regex(/^\d{1,3}(-\d{1,3})?(\s*,\s*\d{1,3}(-\d{1,3})?)*$/, SHARD_IDS_HINT)
    .transform((value, context): number[] => {
      const ids: number[] = [];
      for (const part of value.split(',')) {
        const [from, to = from] = part.trim().split('-').map(Number) as [number, number?];
        if (to < from) {
          context.addIssue({ code: 'custom', message: `has the range ${part.trim()} backwards: write the lower id first` });
          return z.NEVER;
        }
        for (let id = from; id <= to; id++) ids.push(id);
      }
      return [...new Set(ids)].sort((a, b) => a - b);
    })
    .optional(),
);

/**
 * DATABASE_URL: PostgreSQL for several processes sharing one community's state. Only postgres:// or
 * postgresql://; the message never repeats the value (it holds the password).
 */
const databaseUrl = z.preprocess(
  blankToUndefined,
  z
    .string()
    .refine((value) => /^postgres(ql)?:\/\/[^\s]+$/i.test(value), {
      message: 'must be a PostgreSQL URL such as postgres://bot:secret@db.example:5432/imagine (leave it empty for SQLite at DATABASE_PATH)',
    })
    .optional(),
);

/** How this process names itself in the shared job table (who claimed a job): printable, no spaces. */
const processName = z.preprocess(
  blankToUndefined,
  z.string().regex(/^[\w.:@/-]{1,100}$/, { message: 'must be up to 100 letters, digits and . : @ / - _ (no spaces)' }).optional(),
);

/** QUEUE_LEASE_MS: how long a claimed job stays this process's without a renewal (1 s to 10 min). */
const LEASE_HINT = { message: 'must be a whole number of milliseconds from 1000 to 600000' };
const leaseMs = z.preprocess(
  blankToUndefined,
  z.coerce.number(LEASE_HINT).int(LEASE_HINT).min(1000, LEASE_HINT).max(600_000, LEASE_HINT).optional(),
);

/** A price in USD: a decimal of 0 or more (0 makes the call free to members). */
const PRICE_HINT = { message: 'must be a price in USD of 0 or more, such as 0.002' };
const nonNegativeDecimal = z.preprocess(
  blankToUndefined,
  z.coerce.number(PRICE_HINT).nonnegative(PRICE_HINT).optional(),
);

/**
 * A chat model id (one word, as relays name models), or `none` / `off` for no chat model at all:
 * `null` then, so that "not set" (the default model) and "switched off" stay apart.
 */
const chatModel = z.preprocess(
  blankToUndefined,
  z
    .string()
    .regex(/^\S{1,100}$/, { message: 'must be a chat model id such as gpt-4o-mini (no spaces), or none to switch chat off' })
    .transform((value) => (/^(none|off)$/i.test(value) ? null : value))
    .optional(),
);

/** A TCP port; 0 asks the system for any free one (the bound address is logged). */
const PORT_HINT = { message: 'must be a port number (0-65535; 0 picks a free one)' };
const port = z.preprocess(
  blankToUndefined,
  z.coerce.number(PORT_HINT).int(PORT_HINT).min(0, PORT_HINT).max(65535, PORT_HINT).optional(),
);

/**
 * The shortest USAGE_RETENTION_DAYS: /usage, the admin view's month and week and /gallery top's 30
 * days read usage detail rows, so a month (31 days) and a day's margin for time zones must stay.
 */
export const MIN_USAGE_RETENTION_DAYS = 32;
const RETENTION_HINT = { message: `must be a whole number of days, ${MIN_USAGE_RETENTION_DAYS} or more (this month's reports read the detail), or empty to keep everything` };
const retentionDays = z.preprocess(
  blankToUndefined,
  z.coerce.number(RETENTION_HINT).int(RETENTION_HINT).min(MIN_USAGE_RETENTION_DAYS, RETENTION_HINT).max(36_500, RETENTION_HINT).optional(),
);

/** Unknown names are refused here (one line naming LOG_LEVEL), unlike the logger's silent fallback. */
const logLevel = z.preprocess(
  (value) => {
    const text = blankToUndefined(value);
    return typeof text === 'string' ? parseLogLevel(text) ?? text : text;
  },
  z.enum(['debug', 'info', 'warn', 'error'], { message: 'must be debug, info, warn or error' }).optional(),
);

const EnvSchema = z.object({
  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: snowflake,
  DISCORD_GUILD_ID: snowflake,
  DISCORD_API_BASE_URL: httpUrl('https://discord.com/api'),
  SHARD_COUNT: shardCount,
  SHARD_IDS: shardIds,
  IMAGE_API_BASE_URL: httpUrl('https://image.fluapi.com/v1'),
  IMAGE_API_KEY: optionalText,
  NEW_API_BASE_URL: httpUrl('https://image.fluapi.com/v1'),
  NEW_API_KEY: optionalText,
  IMAGE_MODEL: optionalText,
  IMAGE_SIZE: optionalText,
  IMAGE_N: positiveInt(10),
  REQUEST_TIMEOUT: positiveInt(3600),
  IMAGE_MODELS: optionalText,
  IMAGE_CHAT_MODEL: chatModel,
  IMAGE_CHAT_PRICE: nonNegativeDecimal,
  DATABASE_PATH: optionalText,
  DATABASE_URL: databaseUrl,
  PROCESS_NAME: processName,
  QUEUE_LEASE_MS: leaseMs,
  PROVIDERS_FILE: optionalText,
  IMAGE_API_PROFILE: z.preprocess(
    (value) => (typeof value === 'string' ? blankToUndefined(value.toLowerCase()) : value),
    z.enum(PROFILE_NAMES, { message: `must be one of ${PROFILE_NAMES.join(', ')}` }).optional(),
  ),
  IMAGE_DOWNLOAD_TIMEOUT: positiveInt(3600),
  IMAGE_API_STRICT_ASPECT_RATIOS: flag,
  IMAGE_API_MAX_PROMPT_CHARS: positiveInt(1_000_000),
  IMAGE_API_STREAMING: flag,
  IMAGE_API_MAX_CONCURRENCY: positiveInt(64),
  QUEUE_MAX_RUNNING: positiveInt(256),
  QUEUE_MAX_RUNNING_PER_USER: positiveInt(64),
  QUEUE_MAX_QUEUED_PER_USER: positiveInt(1000),
  QUEUE_MAX_QUEUED: positiveInt(100_000),
  QUEUE_LOCAL_SLOTS: positiveInt(256),
  LOG_LEVEL: logLevel,
  METRICS_PORT: port,
  METRICS_HOST: optionalText,
  USAGE_RETENTION_DAYS: retentionDays,
});

export interface Env {
  discordToken?: string;
  discordApplicationId?: string;
  discordGuildId?: string;
  discordApiBaseUrl: string;
  /** SHARD_COUNT: gateway shards in all (this process runs them all unless SHARD_IDS says otherwise), or `auto` for the count GET /gateway/bot recommends. */
  shardCount: number | 'auto';
  /** SHARD_IDS: the shards this process runs, sorted; undefined runs every shard of shardCount. */
  shardIds?: readonly number[];
  /** Single-relay settings (IMAGE_API_* or their NEW_API_* aliases). */
  relayBaseUrl?: string;
  relayApiKey?: string;
  /** IMAGE_API_PROFILE; undefined: picked from the base URL's host. */
  relayProfile?: ProfileName;
  relayStrictAspectRatios: boolean;
  relayMaxPromptChars?: number;
  relayStreaming: boolean;
  relayMaxConcurrency: number;
  defaultModel: string;
  defaultSize: string;
  defaultN: number;
  requestTimeoutMs: number;
  /** IMAGE_DOWNLOAD_TIMEOUT: how long a URL result may take to download once the relay answered. */
  downloadTimeoutMs: number;
  /** From IMAGE_MODELS; undefined means every catalog model. */
  offeredModels?: string[];
  /** IMAGE_CHAT_MODEL: the chat (text and vision) model on the relays; undefined when `none` or `off`. */
  chatModel?: string;
  /** IMAGE_CHAT_PRICE: what one chat call costs a member, in USD. */
  chatPricePerCall: number;
  databasePath: string;
  /**
   * DATABASE_URL: PostgreSQL, shared by every process of the bot (shared mode: the job table is the
   * queue). A credential: shown only through storage's redactUrl(); its password is a registered secret.
   */
  databaseUrl?: string;
  /** How this process is named in the shared job table: PROCESS_NAME, else hostname:pid (each start adds its start time). */
  processName: string;
  providersFile?: string;
  queue: QueueLimits;
  /** LOG_LEVEL; undefined leaves the logger's default (info). */
  logLevel?: LogLevel;
  /** METRICS_PORT: serve /metrics and /healthz there; undefined: no endpoint at all. */
  metricsPort?: number;
  /** METRICS_HOST: the address the endpoint binds (loopback unless the operator opens it up). */
  metricsHost: string;
  /** USAGE_RETENTION_DAYS: prune finished usage detail older than this; undefined keeps everything. */
  usageRetentionDays?: number;
}

/** The job queue's limits (src/queue): how much runs at once and how much may wait. */
export interface QueueLimits {
  /** At once in this bot; with DATABASE_URL, across every process of it. */
  maxRunning: number;
  maxRunningPerUser: number;
  maxQueuedPerUser: number;
  maxQueued: number;
  /** QUEUE_LOCAL_SLOTS (shared mode): at most this many at once in this process; undefined: maxRunning. */
  localSlots?: number;
  /** QUEUE_LEASE_MS (shared mode): how long another process waits before taking over a silent process's job; undefined: the queue's default. */
  leaseMs?: number;
}

export function parseEnv(raw: Record<string, string | undefined>): Env {
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`${variable} ${issue.message} (set it in .env or the environment; see .env.example)`);
  }
  const env = parsed.data;
  const baseUrl = env.IMAGE_API_BASE_URL ?? env.NEW_API_BASE_URL;
  if (baseUrl && !/\/v\d+$/.test(baseUrl)) {
    const variable = env.IMAGE_API_BASE_URL ? 'IMAGE_API_BASE_URL' : 'NEW_API_BASE_URL';
    throw new ConfigError(`${variable} must end with the API version, e.g. ${baseUrl}/v1 (the relay's base URL including /v1)`);
  }
  const discordApi = env.DISCORD_API_BASE_URL ?? 'https://discord.com/api';
  if (/\/v\d+$/.test(discordApi)) {
    throw new ConfigError(
      `DISCORD_API_BASE_URL must not include the version: use ${discordApi.replace(/\/v\d+$/, '')} (the bot adds /v10)`,
    );
  }
  checkShardIds(env.SHARD_IDS, env.SHARD_COUNT ?? 1, env.DATABASE_URL !== undefined);
  const offered = env.IMAGE_MODELS?.split(',')
    .map((model) => model.trim())
    .filter(Boolean);
  return {
    discordToken: env.DISCORD_TOKEN,
    discordApplicationId: env.DISCORD_APPLICATION_ID,
    discordGuildId: env.DISCORD_GUILD_ID,
    discordApiBaseUrl: discordApi,
    shardCount: env.SHARD_COUNT ?? 1,
    ...(env.SHARD_IDS ? { shardIds: env.SHARD_IDS } : {}),
    relayBaseUrl: baseUrl,
    relayApiKey: env.IMAGE_API_KEY ?? env.NEW_API_KEY,
    relayProfile: env.IMAGE_API_PROFILE,
    relayStrictAspectRatios: env.IMAGE_API_STRICT_ASPECT_RATIOS ?? false,
    relayMaxPromptChars: env.IMAGE_API_MAX_PROMPT_CHARS,
    relayStreaming: env.IMAGE_API_STREAMING ?? false,
    relayMaxConcurrency: env.IMAGE_API_MAX_CONCURRENCY ?? 4,
    defaultModel: env.IMAGE_MODEL ?? 'gpt-image-2',
    defaultSize: env.IMAGE_SIZE ?? '1024x1024',
    defaultN: env.IMAGE_N ?? 1,
    requestTimeoutMs: (env.REQUEST_TIMEOUT ?? 300) * 1000,
    downloadTimeoutMs: (env.IMAGE_DOWNLOAD_TIMEOUT ?? 60) * 1000,
    offeredModels: offered && offered.length > 0 ? offered : undefined,
    chatModel: env.IMAGE_CHAT_MODEL === null ? undefined : env.IMAGE_CHAT_MODEL ?? DEFAULT_CHAT_MODEL,
    chatPricePerCall: env.IMAGE_CHAT_PRICE ?? DEFAULT_CHAT_PRICE,
    databasePath: env.DATABASE_PATH ?? 'data/bot.sqlite',
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    processName: env.PROCESS_NAME ?? `${hostname()}:${process.pid}`,
    providersFile: env.PROVIDERS_FILE,
    queue: {
      maxRunning: env.QUEUE_MAX_RUNNING ?? 4,
      maxRunningPerUser: env.QUEUE_MAX_RUNNING_PER_USER ?? 1,
      maxQueuedPerUser: env.QUEUE_MAX_QUEUED_PER_USER ?? 5,
      maxQueued: env.QUEUE_MAX_QUEUED ?? 500,
      ...(env.QUEUE_LEASE_MS === undefined ? {} : { leaseMs: env.QUEUE_LEASE_MS }),
      ...(env.QUEUE_LOCAL_SLOTS === undefined ? {} : { localSlots: env.QUEUE_LOCAL_SLOTS }),
    },
    logLevel: env.LOG_LEVEL,
    metricsPort: env.METRICS_PORT,
    metricsHost: env.METRICS_HOST ?? '127.0.0.1',
    usageRetentionDays: env.USAGE_RETENTION_DAYS,
  };
}

/**
 * SHARD_IDS names shards of SHARD_COUNT: a fixed count (every process must agree on the total, which
 * `auto` cannot promise), ids below it. Running only some shards leaves the others to other
 * processes, which must share the queue and the ledger: PostgreSQL (DATABASE_URL).
 */
function checkShardIds(ids: readonly number[] | undefined, count: number | 'auto', shared: boolean): void {
  if (!ids) return;
  const hint = '(set it in .env or the environment; see .env.example)';
  if (count === 'auto') throw new ConfigError(`SHARD_IDS needs SHARD_COUNT as a number, the total across every process (auto may differ from one start to the next) ${hint}`);
  const outside = ids.find((id) => id >= count);
  if (outside !== undefined) {
    throw new ConfigError(`SHARD_IDS names shard ${outside}, but SHARD_COUNT is ${count}: shard ids run from 0 to SHARD_COUNT-1, and SHARD_COUNT is the total across every process ${hint}`);
  }
  if (ids.length < count && !shared) {
    throw new ConfigError(`SHARD_IDS runs only some of the ${count} shards here, so other processes run the rest: they must share one database, so set DATABASE_URL (postgres://…) ${hint}`);
  }
}
