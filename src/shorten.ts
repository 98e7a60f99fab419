// Ellipsis truncation for text shown in Discord (embeds, fields, log lines): a leaf, so any layer may use it.

/** `value` cut to at most `max` characters, the last one an ellipsis when anything was cut. */
export function shorten(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}
