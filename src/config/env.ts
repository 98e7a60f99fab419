// The environment of CONTRACT.md, validated with zod. Every problem becomes one line that names the
// variable and says what to put there; no stack traces for configuration mistakes.
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
  /** SHARD_COUNT: gateway shards in this process, or `auto` for the count GET /gateway/bot recommends. */
  shardCount: number | 'auto';
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
  maxRunning: number;
  maxRunningPerUser: number;
  maxQueuedPerUser: number;
  maxQueued: number;
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
  const offered = env.IMAGE_MODELS?.split(',')
    .map((model) => model.trim())
    .filter(Boolean);
  return {
    discordToken: env.DISCORD_TOKEN,
    discordApplicationId: env.DISCORD_APPLICATION_ID,
    discordGuildId: env.DISCORD_GUILD_ID,
    discordApiBaseUrl: discordApi,
    shardCount: env.SHARD_COUNT ?? 1,
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
    providersFile: env.PROVIDERS_FILE,
    queue: {
      maxRunning: env.QUEUE_MAX_RUNNING ?? 4,
      maxRunningPerUser: env.QUEUE_MAX_RUNNING_PER_USER ?? 1,
      maxQueuedPerUser: env.QUEUE_MAX_QUEUED_PER_USER ?? 5,
      maxQueued: env.QUEUE_MAX_QUEUED ?? 500,
    },
    logLevel: env.LOG_LEVEL,
    metricsPort: env.METRICS_PORT,
    metricsHost: env.METRICS_HOST ?? '127.0.0.1',
    usageRetentionDays: env.USAGE_RETENTION_DAYS,
  };
}
