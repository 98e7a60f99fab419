// Everything the bot and the CLI need to know from their surroundings, checked once at start-up.
import type { ModelSpec } from '../catalog/types.js';
import { CATALOG, findModel, modelForDialect } from '../catalog/models.js';
import { profileForBaseUrl } from '../providers/profiles/rules.js';
import { registerSecret } from '../providers/redact.js';
import { pickChatConfig, type ChatCandidate, type ChatConfig } from './chat.js';
import { readEnvironment } from './dotenv.js';
import { parseEnv, type Env } from './env.js';
import { ConfigError } from './errors.js';
import { readProvidersFile, type ProvidersFile } from './providersFile.js';
import type { RelayConfig } from './relay.js';

export { ConfigError } from './errors.js';
export { DEFAULT_CHAT_MODEL, DEFAULT_CHAT_PRICE, type ChatConfig } from './chat.js';
export type { Env } from './env.js';
export type { RelayConfig } from './relay.js';

export interface AppConfig {
  env: Env;
  relays: RelayConfig[];
  /** Catalog models plus those declared in PROVIDERS_FILE. */
  knownModels: ModelSpec[];
  /** The models users may pick (IMAGE_MODELS, else every known model), the default first. */
  offeredModels: ModelSpec[];
  defaultModel: ModelSpec;
  /** The chat model for /describe and prompt help; absent when no relay serves one (IMAGE_CHAT_MODEL=none). */
  chat?: ChatConfig;
}

export interface LoadOptions {
  /** `discord` needs DISCORD_TOKEN; `relay` needs a relay URL and key. */
  require?: ReadonlyArray<'discord' | 'relay'>;
  envFile?: string;
  processEnv?: NodeJS.ProcessEnv;
}

export function loadConfig(options: LoadOptions = {}): AppConfig {
  // .env under the process environment, read and parsed once for everything below.
  const environment = readEnvironment(options.envFile, options.processEnv ?? process.env);
  const env = parseEnv(environment);
  const required = options.require ?? [];
  const file = env.providersFile ? readProvidersFile(env.providersFile) : undefined;

  if (required.includes('discord') && !env.discordToken) {
    throw new ConfigError(
      'DISCORD_TOKEN is not set: put your bot token (Discord Developer Portal → your app → Bot → Reset Token) in .env — or try `npm run demo`, which needs no account',
    );
  }

  const knownModels = [...CATALOG, ...declaredModels(file)];
  const candidates = file ? relaysFromFile(file, environment) : relayFromEnv(env);
  const relays = candidates.map((candidate) => candidate.relay);
  if (required.includes('relay')) {
    if (relays.length === 0) {
      throw new ConfigError(
        'IMAGE_API_BASE_URL is not set: put your relay base URL including /v1 in .env, e.g. IMAGE_API_BASE_URL=https://image.fluapi.com/v1 (NEW_API_BASE_URL works too)',
      );
    }
    const keyless = relays.find((relay) => !relay.apiKey);
    if (keyless) {
      throw new ConfigError(
        keyless.name === 'default'
          ? 'IMAGE_API_KEY is not set: put your relay key (sk-…) in .env as IMAGE_API_KEY=… (NEW_API_KEY works too)'
          : `PROVIDERS_FILE relay "${keyless.name}" has no key: set the variable its apiKeyEnv names`,
      );
    }
  }
  for (const relay of relays) registerSecret(relay.apiKey);
  // DATABASE_URL's password, wherever a driver's error might echo the URL.
  registerSecret(databasePassword(env.databaseUrl));

  const offeredModels = pickOfferedModels(env, knownModels);
  const defaultModel =
    offeredModels.find((model) => model.id === findModel(env.defaultModel, knownModels)?.id) ??
    (environment.IMAGE_MODEL?.trim() ? undefined : offeredModels[0]);
  if (!defaultModel) {
    throw new ConfigError(
      `IMAGE_MODEL ${env.defaultModel} is not among the offered models: use one of ${offeredModels.map((m) => m.id).join(', ')}`,
    );
  }
  const chat = pickChatConfig(candidates, { model: env.chatModel, pricePerCall: env.chatPricePerCall });
  return {
    env,
    relays,
    knownModels,
    offeredModels: [defaultModel, ...offeredModels.filter((model) => model !== defaultModel)],
    defaultModel,
    ...(chat === undefined ? {} : { chat }),
  };
}

function declaredModels(file: ProvidersFile | undefined): ModelSpec[] {
  return (file?.models ?? []).map((entry) => {
    const base = findModel(entry.id) ?? modelForDialect(entry.id, entry.dialect);
    return {
      ...base,
      ...(entry.price === undefined ? {} : { pricePerImage: entry.price }),
      ...(entry.description === undefined ? {} : { description: { en: entry.description, zh: entry.description } }),
    };
  });
}

function pickOfferedModels(env: Env, known: ModelSpec[]): ModelSpec[] {
  if (!env.offeredModels) return known;
  return env.offeredModels.map((id) => {
    const model = findModel(id, known);
    if (!model) {
      throw new ConfigError(
        `IMAGE_MODELS names an unknown model "${id}": use catalog models (${CATALOG.map((m) => m.id).join(', ')}) or declare it under "models" in PROVIDERS_FILE`,
      );
    }
    return model;
  });
}

/** The single relay of IMAGE_API_*, whose chat model is IMAGE_CHAT_MODEL. */
function relayFromEnv(env: Env): ChatCandidate[] {
  if (!env.relayBaseUrl) return [];
  const relay: RelayConfig = {
    name: 'default',
    baseUrl: env.relayBaseUrl,
    apiKey: env.relayApiKey ?? '',
    models: '*',
    profile: env.relayProfile ?? profileForBaseUrl(env.relayBaseUrl),
    priority: 0,
    strictAspectRatios: env.relayStrictAspectRatios,
    maxPromptChars: env.relayMaxPromptChars,
    streaming: env.relayStreaming,
    prices: {},
    maxConcurrency: env.relayMaxConcurrency,
  };
  return [{ relay }];
}

/** PROVIDERS_FILE's relays by priority, each with what the file says of its chat. */
function relaysFromFile(file: ProvidersFile, environment: Record<string, string | undefined>): ChatCandidate[] {
  return file.relays
    .map((entry) => ({
      relay: {
        name: entry.name,
        baseUrl: entry.baseUrl,
        apiKey: entry.apiKey ?? environment[entry.apiKeyEnv ?? '']?.trim() ?? '',
        models: entry.models,
        profile: entry.profile ?? profileForBaseUrl(entry.baseUrl),
        priority: entry.priority,
        strictAspectRatios: entry.strictAspectRatios,
        maxPromptChars: entry.maxPromptChars,
        streaming: entry.streaming,
        prices: entry.prices,
        maxConcurrency: entry.maxConcurrency,
      },
      chatModel: entry.chatModel,
      chatPrice: entry.chatPrice,
    }))
    .sort((a, b) => a.relay.priority - b.relay.priority);
}

function databasePassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
