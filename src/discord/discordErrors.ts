// Discord's own failures, sorted by what the bot does next. The codes are from discord-api-docs.
import { DiscordAPIError, HTTPError } from 'discord.js';

/**
 * The message is already gone: Unknown Message (10008), or Unknown Channel (10003: it went with its
 * channel), or any 404 on a message route. For a deletion, that is what was wanted.
 */
export function isUnknownMessage(error: unknown): boolean {
  return error instanceof DiscordAPIError && (error.status === 404 || Number(error.code) === 10008 || Number(error.code) === 10003);
}

/** The upload was over the size limit (413 / 40005 request too large, 50045 file too large). */
export function isTooLarge(error: unknown): boolean {
  if (!(error instanceof DiscordAPIError)) return false;
  return error.status === 413 || Number(error.code) === 40005 || Number(error.code) === 50045;
}

/** Interaction tokens are credentials for 15 minutes: keep them out of the logs. */
function withoutToken(url: string | undefined): string | undefined {
  return url?.replace(/\/webhooks\/(\d+)\/[^/]+/, '/webhooks/$1/[token]').replace(/\/interactions\/(\d+)\/[^/]+/, '/interactions/$1/[token]');
}

export function describeDiscordError(error: unknown): Record<string, unknown> {
  if (error instanceof DiscordAPIError) return { status: error.status, code: error.code, message: error.message, url: withoutToken(error.url) };
  if (error instanceof HTTPError) return { status: error.status, method: error.method, message: error.message, url: withoutToken(error.url) };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { message: String(error) };
}
