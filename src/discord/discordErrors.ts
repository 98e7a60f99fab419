// Discord's own failures, sorted by what the bot does next. The codes are from discord-api-docs.
import { DiscordAPIError, HTTPError } from 'discord.js';

const TOKEN_GONE_CODES = new Set([
  10062, // Unknown interaction (acknowledged too late, or already gone)
  50027, // Invalid Webhook Token (the 15 minutes are over)
  10015, // Unknown webhook
  10008, // Unknown message (the original reply was deleted)
]);

/** The interaction token can no longer carry the result: deliver through the channel instead. */
export function isTokenGone(error: unknown): boolean {
  if (!(error instanceof DiscordAPIError)) return false;
  return TOKEN_GONE_CODES.has(Number(error.code)) || error.status === 401 || error.status === 404;
}

/** The upload was over the size limit (413 / 40005 request too large, 50045 file too large). */
export function isTooLarge(error: unknown): boolean {
  if (!(error instanceof DiscordAPIError)) return false;
  return error.status === 413 || Number(error.code) === 40005 || Number(error.code) === 50045;
}

/** Discord kept failing (5xx after @discordjs/rest's own retries, or an aborted request). */
export function isDiscordUnavailable(error: unknown): boolean {
  // @discordjs/rest throws HTTPError (not DiscordAPIError) once its retries of a 5xx are spent.
  if (error instanceof DiscordAPIError || error instanceof HTTPError) return error.status >= 500;
  return error instanceof Error && (error.name === 'AbortError' || /ECONNRESET|ECONNREFUSED|socket|timeout/i.test(error.message));
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
