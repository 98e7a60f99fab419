// Checks and decoders shared by the stores: what a value must be to go into a row, and how a
// JSON column comes back out.

/**
 * Throws a TypeError unless `value` is a non-empty string (null/undefined pass when `nullable`).
 * Snowflakes exceed 2^53: one passed as a number has already lost digits, so it is refused rather
 * than stored.
 */
export function requireId(name: string, value: unknown, nullable = false): void {
  if (value === undefined || value === null) {
    if (nullable) return;
    throw new TypeError(`${name} is required`);
  }
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON column holding an object; `{}` when the text is not JSON or not an object. */
export function parseJsonObject(text: string): Record<string, unknown> {
  const value = parseJson(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * A JSON column holding a list of strings; `[]` when the text is anything else (a policy list that
 * cannot be read means "unrestricted" rather than a failure).
 */
export function parseStringList(text: string): string[] {
  const value = parseJson(text);
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? (value as string[]) : [];
}
