import type { ProfileName } from '../providers/profiles/types.js';

/** One OpenAI-compatible relay the bot can send requests to (from the environment or PROVIDERS_FILE). */
export interface RelayConfig {
  /** Short name for logs and the usage log ("default", "apiyi", …). Never the key. */
  name: string;
  /** Base URL including `/v1`, without a trailing slash. */
  baseUrl: string;
  apiKey: string;
  /** Models this relay serves; `'*'` for all catalog models. */
  models: readonly string[] | '*';
  /**
   * What the relay accepts (src/providers/profiles): IMAGE_API_PROFILE or `"profile"`, else picked
   * from the base URL's host (a seed relay's), else `new-api`. Absent (hand-made configs): `new-api`.
   */
  profile?: ProfileName;
  /** Lower is tried first. */
  priority: number;
  /** The relay accepts only the nine-value aspect-ratio enum for Kontext/Ultra. */
  strictAspectRatios: boolean;
  /** The relay caps prompt length below the model's own limit. */
  maxPromptChars?: number;
  /** The relay supports `stream: true` with `partial_images` for GPT image models. */
  streaming: boolean;
  /** USD per image by model, overriding the catalog. */
  prices: Readonly<Record<string, number>>;
  /** Most concurrent requests to this relay (the queue honours it). */
  maxConcurrency: number;
}
