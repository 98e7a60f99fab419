// An interaction token lives 15 minutes from the interaction's creation, which is encoded in its id
// (a snowflake: milliseconds since the Discord epoch in the top 42 bits). Work that ends later must be
// delivered another way, so every delivery asks here first.
const DISCORD_EPOCH = 1_420_070_400_000n;
export const TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** Margin kept before expiry: an upload of several MiB must finish before the token dies. */
export const TOKEN_SAFETY_MARGIN_MS = 60 * 1000;

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export function tokenMsLeft(interactionId: string, now = Date.now()): number {
  return snowflakeTime(interactionId) + TOKEN_LIFETIME_MS - now;
}

/** True while the token can still be trusted for an edit or follow-up (with a safety margin). */
export function tokenUsable(interactionId: string, now = Date.now()): boolean {
  return tokenMsLeft(interactionId, now) > TOKEN_SAFETY_MARGIN_MS;
}
