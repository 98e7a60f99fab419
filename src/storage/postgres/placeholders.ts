// The one rewrite the adapter makes to store SQL: better-sqlite3's placeholders (`?` positional,
// `@name` named) become PostgreSQL's `$n`. Everything else in the text is passed through unchanged,
// so a query means the same thing on both databases or fails loudly on one (design point 3).

/** Where each `$n` takes its value from: a positional index (0-based) or a named parameter. */
export type Slot = { readonly index: number } | { readonly name: string };

export interface TranslatedSql {
  readonly text: string;
  /** `slots[n - 1]` feeds `$n`. A name used twice maps to one slot. */
  readonly slots: readonly Slot[];
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

/**
 * Rewrites `?` and `@name` to `$1, $2, …`, skipping string literals ('…' with '' escapes),
 * quoted identifiers ("…"), dollar-quoted bodies ($tag$…$tag$), and comments (-- and /* *\/).
 * `@` not followed by a letter or underscore (PostgreSQL's `@>` operator) is left alone.
 */
export function translatePlaceholders(sql: string): TranslatedSql {
  const slots: Slot[] = [];
  const named = new Map<string, number>();
  let text = '';
  let positional = 0;
  let at = 0;
  const copyUntil = (end: number): void => {
    text += sql.slice(at, end);
    at = end;
  };
  while (at < sql.length) {
    const char = sql[at] as string;
    const next = sql[at + 1];
    if (char === "'" || char === '"') {
      let end = at + 1;
      for (;;) {
        end = sql.indexOf(char, end);
        if (end < 0) {
          end = sql.length;
          break;
        }
        if (sql[end + 1] === char) end += 2; // doubled quote: an escaped one, keep scanning
        else {
          end += 1;
          break;
        }
      }
      copyUntil(end);
    } else if (char === '-' && next === '-') {
      const end = sql.indexOf('\n', at);
      copyUntil(end < 0 ? sql.length : end);
    } else if (char === '/' && next === '*') {
      const end = sql.indexOf('*/', at + 2);
      copyUntil(end < 0 ? sql.length : end + 2);
    } else if (char === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(at))) {
      const tag = (/^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(at)) as RegExpExecArray)[0];
      const end = sql.indexOf(tag, at + tag.length);
      copyUntil(end < 0 ? sql.length : end + tag.length);
    } else if (char === '?') {
      slots.push({ index: positional++ });
      text += `$${slots.length}`;
      at += 1;
    } else if (char === '@' && next !== undefined && NAME_START.test(next)) {
      let end = at + 1;
      while (end < sql.length && NAME_PART.test(sql[end] as string)) end += 1;
      const name = sql.slice(at + 1, end);
      let slot = named.get(name);
      if (slot === undefined) {
        slots.push({ name });
        slot = slots.length;
        named.set(name, slot);
      }
      text += `$${slot}`;
      at = end;
    } else {
      text += char;
      at += 1;
    }
  }
  return { text, slots };
}

/** The first keyword, past leading whitespace and comments: `SELECT`, `INSERT`, `WITH`… */
function firstKeyword(sql: string): string {
  const stripped = sql.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, '');
  return (/^[A-Za-z]+/.exec(stripped)?.[0] ?? '').toUpperCase();
}

/**
 * Whether a statement only reads. A statement that may write and runs outside a transaction is
 * wrapped in one that takes the write lock (see pgDatabase.ts), as SQLite takes its write lock for
 * every autocommit write. A WITH counts as a write when its text mentions a writing keyword.
 */
export function isReadOnly(sql: string): boolean {
  const keyword = firstKeyword(sql);
  if (keyword === 'SELECT' || keyword === 'VALUES' || keyword === 'SHOW' || keyword === 'EXPLAIN' || keyword === 'TABLE') {
    return !/\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b/i.test(sql);
  }
  if (keyword === 'WITH') return !/\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(sql);
  return false;
}
