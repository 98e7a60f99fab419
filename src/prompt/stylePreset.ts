// A server's style preset wraps the member's prompt: `prefix, prompt, suffix`. Admins and members
// type their own commas and periods at the edges, so those are trimmed where the pieces meet.

export interface PresetText {
  prefix: string;
  suffix: string;
}

/** Separators at the edge of a piece that meets another: `cinematic,` + `, a fox` must not give `,,`. */
const TRAILING_JOIN = /[\s,;，；、.。]+$/u;
const LEADING_JOIN = /^[\s,;，；、]+/u;

/** `prefix, prompt, suffix`, leaving out the empty ones. */
export function applyStylePreset(prompt: string, preset: PresetText): string {
  const pieces = [preset.prefix, prompt, preset.suffix].map((piece) => piece.trim()).filter(Boolean);
  return pieces
    .map((piece, index) => {
      let joined = piece;
      if (index > 0) joined = joined.replace(LEADING_JOIN, '');
      if (index < pieces.length - 1) joined = joined.replace(TRAILING_JOIN, '');
      return joined;
    })
    .filter(Boolean)
    .join(', ');
}
