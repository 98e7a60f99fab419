// A server's blocked words, compiled once and matched against prompts.
//
// An entry is either a word or phrase, or a regular expression written `/pattern/flags`.
// - Words are normalised like the prompt (normalize.ts) and matched on whole words for Latin-script
//   text, so `ass` does not match `class`; a stretched letter ("nsfwww"), i written as l or 1, and a
//   plural s/es still match. A phrase's spaces are optional ("big ass" also matches "bigass").
//   Chinese, Japanese and Korean entries match anywhere (those scripts have no spaces), and a Latin
//   word next to CJK text counts as a whole word ("av女优" contains "av").
// - Regular expressions run on the prompt as typed and on both normalised views. They are checked
//   when added: length cap, allowed flags, no repeated group that itself repeats or branches (the
//   shapes that backtrack exponentially), at most one open-ended wildcard (two are cubic), and they
//   must not match an empty prompt. A long prompt is matched in overlapping windows, which bounds
//   what even a quadratic pattern can cost: matching is synchronous and must never stall the bot.
import type { Localized } from '../i18n/locale.js';
import { moderationText } from './messages.js';
import { isCjk, LETTER_ALTERNATIVES, matchingViews, normalizeForMatching } from './normalize.js';

export const MAX_WORD_ENTRY_CHARS = 100;
export const MAX_REGEX_ENTRY_CHARS = 200;
const ALLOWED_REGEX_FLAGS = 'imsu';
/** At most this many open-ended wildcards (`.*`, `\w+`) per regex entry: two make matching cubic. */
const MAX_OPEN_WILDCARDS = 1;
/**
 * Regex entries run on a long prompt in windows of this many characters (overlapping by
 * REGEX_WINDOW_OVERLAP), so even a quadratic pattern costs little on a 32,000-character prompt. A
 * match longer than the overlap that straddles two windows is missed; blocked patterns are short.
 */
export const REGEX_WINDOW_CHARS = 1_000;
const REGEX_WINDOW_OVERLAP = 200;

export type BlockedEntryKind = 'word' | 'regex';

export type EntryCheck =
  | {
      ok: true;
      /** The entry as it should be stored (trimmed). */
      entry: string;
      kind: BlockedEntryKind;
      /** Two entries with the same key block the same prompts (`NSFW` and `n.s.f.w`): store one. */
      key: string;
    }
  | { ok: false; problem: Localized };

export interface WordMatch {
  /** The entry that matched: for admins and logs only, never shown to the user. */
  entry: string;
}

export interface WordFilter {
  /** The entries in force, in the order given. */
  readonly entries: readonly string[];
  /** Entries given but not usable (they fail `checkBlockedEntry`); ignored. */
  readonly skipped: readonly string[];
  /** The first entry (in list order) the prompt contains, or undefined. */
  match(prompt: string): WordMatch | undefined;
}

const REGEX_ENTRY = /^\/(.+)\/([a-z]*)$/s;

/** The CJK characters as a regex class body, shared with normalize.ts's notion of CJK. */
const CJK_CLASS = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}\\p{sc=Bopomofo}\\u3005\\u30fc';
/**
 * Normalised text holds only letters, digits, CJK and single spaces, so "a word boundary" is: the
 * neighbour is absent, a space, or a CJK character.
 */
const NOT_AFTER_WORD = `(?<![^ ${CJK_CLASS}])`;
const NOT_BEFORE_WORD = `(?![^ ${CJK_CLASS}])`;
const LATIN_LETTER = /\p{L}/u;
const DIGIT = /\p{N}/u;

function escapeRegex(char: string): string {
  return char.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function isLatinish(char: string | undefined): boolean {
  return char !== undefined && !isCjk(char) && (LATIN_LETTER.test(char) || DIGIT.test(char));
}

/** The regex source for a normalised word or phrase. */
function wordPattern(normalized: string): string {
  const chars = [...normalized];
  let body = '';
  let i = 0;
  while (i < chars.length) {
    const c = chars[i] as string;
    if (c === ' ') {
      body += ' ?';
      i++;
      continue;
    }
    if (DIGIT.test(c) && !LATIN_LETTER.test(c)) {
      // Digits match exactly: "18" must not match "188".
      body += escapeRegex(c);
      i++;
      continue;
    }
    // A letter: a run of the same letter (i and l count as one) may be stretched, never shortened.
    const alternatives = LETTER_ALTERNATIVES[c] ?? c;
    let run = 1;
    while (i + run < chars.length && (LETTER_ALTERNATIVES[chars[i + run] as string] ?? chars[i + run]) === alternatives) run++;
    const atom = alternatives.length > 1 ? `[${[...alternatives].map(escapeRegex).join('')}]` : escapeRegex(c);
    body += run === 1 ? `${atom}+` : `${atom}{${run},}`;
    i += run;
  }
  const first = chars[0];
  const last = chars.at(-1);
  const before = isLatinish(first) ? NOT_AFTER_WORD : '';
  const plural = last !== undefined && !isCjk(last) && LATIN_LETTER.test(last) ? '(?:e?s)?' : '';
  const after = isLatinish(last) ? NOT_BEFORE_WORD : '';
  return `${before}${body}${plural}${after}`;
}

export interface RegexShape {
  /** A group containing a quantifier or an alternation is itself repeated without bound: (a+)+, (a|aa)*. */
  nestedRepetition: boolean;
  /**
   * Unbounded quantifiers on atoms that match many characters (`.`, `\w`, `\S`, `\p{…}`, a class
   * with a range or a negation): each one multiplies the work on a prompt that almost matches, so
   * two of them (`a.*b.*c`) are cubic.
   */
  openWildcards: number;
}

/** Scans a regex source for the shapes that make matching slow. Escapes and classes are skipped. */
export function regexShape(source: string): RegexShape {
  const stack: boolean[] = [false];
  const markInner = (): void => {
    stack[stack.length - 1] = true;
  };
  let nestedRepetition = false;
  let openWildcards = 0;
  /** Length of the quantifier at `at` (0 when none), whether it repeats, and whether without bound. */
  const quantifierAt = (at: number): { length: number; repeats: boolean; unbounded: boolean } => {
    const c = source[at];
    let length = 0;
    let repeats = false;
    let unbounded = false;
    if (c === '*' || c === '+') {
      length = 1;
      repeats = true;
      unbounded = true;
    } else if (c === '?') {
      length = 1;
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
      if (m) {
        length = m[0].length;
        const max = m[2] === undefined ? Number(m[1]) : m[3] === '' ? Infinity : Number(m[3]);
        repeats = max > 1;
        unbounded = max === Infinity;
      }
    }
    if (length > 0 && source[at + length] === '?') length++; // lazy
    return { length, repeats, unbounded };
  };

  let i = 0;
  while (i < source.length) {
    const c = source[i];
    /** Whether the atom just read matches a wide range of characters. */
    let broad = false;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      const open = source[i + 2];
      if ((next === 'p' || next === 'P' || next === 'u') && open === '{') {
        const close = source.indexOf('}', i + 3);
        i = close === -1 ? source.length : close + 1;
        broad = next !== 'u';
      } else if (next === 'k' && open === '<') {
        const close = source.indexOf('>', i + 3);
        i = close === -1 ? source.length : close + 1;
      } else {
        broad = 'wWsSdD'.includes(next) && next !== '';
        i += 2;
      }
    } else if (c === '[') {
      const start = i;
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
      i++;
      const body = source.slice(start + 1, i - 1);
      broad = body.startsWith('^') || /[^\\]-[^\]]|\\[wWsSdDpP]/.test(body);
    } else if (c === '(') {
      stack.push(false);
      i++;
      if (source[i] === '?') {
        // (?: (?= (?! (?<= (?<! (?<name>
        if (source[i + 1] === '<' && source[i + 2] !== '=' && source[i + 2] !== '!') {
          const close = source.indexOf('>', i);
          i = close === -1 ? source.length : close + 1;
        } else {
          i += source[i + 1] === '<' ? 3 : 2;
        }
      }
      continue;
    } else if (c === ')') {
      const inner = stack.length > 1 ? (stack.pop() as boolean) : false;
      i++;
      const q = quantifierAt(i);
      if (inner && q.repeats) nestedRepetition = true;
      if (inner || q.length > 0) markInner();
      i += q.length;
      continue;
    } else if (c === '|') {
      markInner();
      i++;
      continue;
    } else {
      broad = c === '.';
      i++;
    }
    const q = quantifierAt(i);
    if (q.length > 0) {
      markInner();
      if (broad && q.unbounded) openWildcards++;
      i += q.length;
    }
  }
  return { nestedRepetition, openWildcards };
}

/** True when a group that contains a quantifier or an alternation is itself repeated: (a+)+, (a|aa)*. */
export function hasRiskyRepetition(source: string): boolean {
  return regexShape(source).nestedRepetition;
}

function checkRegexEntry(entry: string, source: string, flags: string): EntryCheck {
  if (entry.length > MAX_REGEX_ENTRY_CHARS) return { ok: false, problem: moderationText.regexTooLong(MAX_REGEX_ENTRY_CHARS) };
  if ([...flags].some((flag, index) => !ALLOWED_REGEX_FLAGS.includes(flag) || flags.indexOf(flag) !== index)) {
    return { ok: false, problem: moderationText.regexFlags(flags) };
  }
  let regex: RegExp;
  try {
    regex = new RegExp(source, flags);
  } catch (error) {
    return { ok: false, problem: moderationText.regexInvalid(error instanceof Error ? error.message : String(error)) };
  }
  const shape = regexShape(source);
  if (shape.nestedRepetition) return { ok: false, problem: moderationText.regexRisky };
  if (shape.openWildcards > MAX_OPEN_WILDCARDS) return { ok: false, problem: moderationText.regexWildcards };
  if (regex.test('')) return { ok: false, problem: moderationText.regexMatchesEmpty };
  return { ok: true, entry, kind: 'regex', key: entry };
}

/** Whether `raw` can be a blocked entry, and how to store it. Run it before storing an entry. */
export function checkBlockedEntry(raw: string): EntryCheck {
  const entry = raw.trim();
  if (entry === '') return { ok: false, problem: moderationText.entryEmpty };
  const regex = REGEX_ENTRY.exec(entry);
  if (regex) return checkRegexEntry(entry, regex[1] as string, regex[2] as string);
  if ([...entry].length > MAX_WORD_ENTRY_CHARS) return { ok: false, problem: moderationText.entryTooLong(MAX_WORD_ENTRY_CHARS) };
  const key = normalizeForMatching(entry);
  if (key === '') return { ok: false, problem: moderationText.entryNoLetters };
  if ([...key].length === 1 && isLatinish(key)) return { ok: false, problem: moderationText.entryTooShort };
  return { ok: true, entry, kind: 'word', key };
}

/** Whether an entry is written as a regular expression (`/pattern/flags`). */
export function blockedEntryKind(entry: string): BlockedEntryKind {
  return REGEX_ENTRY.test(entry.trim()) ? 'regex' : 'word';
}

interface Compiled {
  entry: string;
  /** Tested against the normalised views. */
  regex: RegExp;
  /** Regex entries are also tested against the prompt as typed. */
  raw: boolean;
}

function compile(check: Extract<EntryCheck, { ok: true }>): Compiled {
  if (check.kind === 'regex') {
    const [, source, flags] = REGEX_ENTRY.exec(check.entry) as RegExpExecArray;
    return { entry: check.entry, regex: new RegExp(source as string, flags), raw: true };
  }
  return { entry: check.entry, regex: new RegExp(wordPattern(check.key), 'u'), raw: false };
}

/** `text` cut into overlapping windows when it is long (for regex entries; see REGEX_WINDOW_CHARS). */
function windows(text: string): string[] {
  if (text.length <= REGEX_WINDOW_CHARS) return [text];
  const step = REGEX_WINDOW_CHARS - REGEX_WINDOW_OVERLAP;
  const out: string[] = [];
  for (let start = 0; start < text.length - REGEX_WINDOW_OVERLAP; start += step) out.push(text.slice(start, start + REGEX_WINDOW_CHARS));
  return out;
}

/** Compiles `entries` (words, phrases, `/regex/flags`); unusable entries are skipped, not thrown. */
export function compileWordFilter(entries: readonly string[]): WordFilter {
  const compiled: Compiled[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    const check = checkBlockedEntry(entry);
    if (check.ok) compiled.push(compile(check));
    else skipped.push(entry);
  }
  return {
    entries: compiled.map((c) => c.entry),
    skipped,
    match(prompt: string): WordMatch | undefined {
      if (compiled.length === 0) return undefined;
      const { compact, spaced } = matchingViews(prompt);
      const views = compact === spaced ? [compact] : [compact, spaced];
      let regexTexts: string[] | undefined;
      for (const c of compiled) {
        if (c.raw) {
          regexTexts ??= [prompt, ...views].flatMap(windows);
          if (regexTexts.some((text) => c.regex.test(text))) return { entry: c.entry };
        } else if (views.some((view) => c.regex.test(view))) {
          return { entry: c.entry };
        }
      }
      return undefined;
    },
  };
}

/** A filter that blocks nothing (no entries). */
export const EMPTY_WORD_FILTER: WordFilter = compileWordFilter([]);
