// PROVIDERS_FILE: several relays at once (routing by model, failover) and models the catalog lacks.
// The schema is the project's own; README.md documents it with an example.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { PROFILE_NAMES } from '../providers/profiles/types.js';
import { ConfigError } from './errors.js';

const RelaySchema = z
  .object({
    name: z.string().regex(/^[\w.-]{1,40}$/, 'must be 1-40 letters, digits, dots, dashes or underscores'),
    baseUrl: z
      .string()
      .regex(/^https?:\/\/\S+\/v\d+\/?$/i, 'must be an http(s) URL ending in the API version, e.g. https://api.example.com/v1')
      .transform((url) => url.replace(/\/+$/, '')),
    /** The key itself; prefer apiKeyEnv so the file holds no secret. */
    apiKey: z.string().min(1).optional(),
    /** Name of the environment variable that holds the key. */
    apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
    models: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]).default('*'),
    /** What the relay accepts; picked from the base URL's host when absent. */
    profile: z.enum(PROFILE_NAMES).optional(),
    priority: z.number().int().default(100),
    strictAspectRatios: z.boolean().default(false),
    maxPromptChars: z.number().int().positive().optional(),
    streaming: z.boolean().default(false),
    prices: z.record(z.string(), z.number().nonnegative()).default({}),
    maxConcurrency: z.number().int().positive().max(64).default(4),
    /** The chat model asked on this relay (/describe, prompt help); null: this relay serves no chat. Absent: IMAGE_CHAT_MODEL. */
    chatModel: z.string().regex(/^\S{1,100}$/, 'must be a chat model id such as gpt-4o-mini (no spaces), or null for no chat').nullable().optional(),
    /** USD per chat call on this relay. Absent: IMAGE_CHAT_PRICE. */
    chatPrice: z.number().nonnegative().optional(),
  })
  .strict()
  .refine((relay) => relay.apiKey !== undefined || relay.apiKeyEnv !== undefined, {
    message: 'needs apiKey or apiKeyEnv',
  });

const ModelSchema = z
  .object({
    id: z.string().min(1).max(100),
    dialect: z.enum(['gpt-image', 'flux', 'kontext']),
    price: z.number().nonnegative().optional(),
    description: z.string().max(100).optional(),
  })
  .strict();

const ProvidersFileSchema = z
  .object({
    relays: z.array(RelaySchema).min(1),
    models: z.array(ModelSchema).default([]),
  })
  .strict();

export type ProvidersFile = z.infer<typeof ProvidersFileSchema>;
export type RelayEntry = z.infer<typeof RelaySchema>;
export type ModelEntry = z.infer<typeof ModelSchema>;

export function readProvidersFile(path: string): ProvidersFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`PROVIDERS_FILE ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): fix the path or unset PROVIDERS_FILE`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`PROVIDERS_FILE ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ProvidersFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new ConfigError(`PROVIDERS_FILE ${path}: ${where} ${issue.message}`);
  }
  return parsed.data;
}
