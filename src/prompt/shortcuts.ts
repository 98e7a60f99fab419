// A member's shortcuts (Midjourney's `/prefer option`): `--portrait` in a prompt stands for the value
// they saved, e.g. `--ar 2:3 --q high`. Expansion comes before parsing, so the value's parameters are
// read like typed ones.
import { KNOWN_PARAMETER_NAMES, parameterNamePattern } from './inlineParameters.js';

const SHORTCUT_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
const KNOWN = new Set(KNOWN_PARAMETER_NAMES);

/**
 * 1 to 32 of a-z, 0-9, `_` and `-` (compared lowercased), starting with a letter or digit (a leading
 * dash would read as more dashes), and not a parameter the parser knows: `--ar` stays `--ar`.
 */
export function validShortcutName(name: string): boolean {
  const lower = name.toLowerCase();
  return SHORTCUT_NAME.test(lower) && !KNOWN.has(lower);
}

export interface ExpandedShortcuts {
  prompt: string;
  /** The shortcuts used, as `--name`, each once, in the order they appear. */
  expanded: string[];
}

/**
 * Replaces each `--name` of a shortcut by its value. Names are case-insensitive. One level only: a
 * value's own `--x` is not expanded again, so shortcuts cannot loop. A built-in parameter's name is
 * never a shortcut, even one saved before the parser learned it.
 */
export function expandShortcuts(prompt: string, shortcuts: ReadonlyMap<string, string>): ExpandedShortcuts {
  const values = new Map<string, string>();
  for (const [name, value] of shortcuts) {
    const lower = name.toLowerCase();
    if (!KNOWN.has(lower)) values.set(lower, value.trim());
  }
  const expanded: string[] = [];
  if (values.size === 0) return { prompt, expanded };
  const expandedPrompt = prompt.replace(parameterNamePattern('[a-z0-9_-]+'), (whole: string, ...rest: unknown[]) => {
    const groups = rest.at(-1) as { lead: string; name: string };
    const name = groups.name.toLowerCase();
    const value = values.get(name);
    if (value === undefined) return whole;
    if (!expanded.includes(`--${name}`)) expanded.push(`--${name}`);
    return groups.lead + value;
  });
  return { prompt: expandedPrompt, expanded };
}
