// Text normalisation for word filters: the prompt and every blocked entry go through the same steps,
// so the tricks people use to slip a word past a list (case, full-width letters, accents, look-alike
// letters, leetspeak, dots or zero-width characters between letters, stretched letters) all land on
// the same spelling. Chinese, Japanese and Korean text is kept as it is (apart from NFKC, which folds
// half-width katakana and compatibility ideographs), so 敏感词 lists match too.
//
// The output is lowercase text of letters, digits and CJK characters separated by single spaces.
// Two views come out of one prompt: `compact` (punctuation inside a word dropped, spelled-out letters
// joined: "n.s.f.w" → "nsfw") and `spaced` (every separator a space: "sex-toy" → "sex toy"). The
// filter tries both, because dropping punctuation joins compounds ("sextoy") that word boundaries
// would then miss.

/** Scripts written without spaces: matched as substrings, never split into words. */
const CJK = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\p{sc=Bopomofo}\u3005\u30fc]/u;
const LETTER = /\p{L}/u;
const DIGIT = /\p{N}/u;
const SPACE = /[\s\p{Z}]/u;

/**
 * Combining marks to strip after NFD (accents), except the kana voicing marks: removing those would
 * turn が into か.
 */
const COMBINING_MARKS = /(?![\u3099\u309a])\p{M}/gu;

/**
 * Invisible characters used to split a word without showing it: format characters (zero-width
 * space/joiners, soft hyphen, word joiner, BOM, bidi marks) and blank-looking letters (Hangul
 * fillers, braille blank).
 */
const INVISIBLE = /[\p{Cf}\u115f\u1160\u3164\uffa0\u2800]/gu;

/** Latin letters NFD does not decompose, and look-alike Cyrillic and Greek letters. */
const LETTER_FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  đ: 'd',
  ð: 'd',
  ł: 'l',
  ı: 'i',
  ħ: 'h',
  ŧ: 't',
  // Cyrillic
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ј: 'j',
  ԁ: 'd',
  ӏ: 'l',
  // Greek
  α: 'a',
  ο: 'o',
  ρ: 'p',
  ν: 'v',
  ι: 'i',
  κ: 'k',
  υ: 'u',
  χ: 'x',
  τ: 't',
};
const LETTER_FOLD_PATTERN = new RegExp(`[${Object.keys(LETTER_FOLDS).join('')}]`, 'gu');

/**
 * Leetspeak digits, mapped only inside a word that also has a letter, so numbers ("1024", "18",
 * "2025") stay numbers. 1 becomes i; the filter treats i and l as one letter, so "he11" still
 * matches "hell". 8 → b is left out on purpose: "r18" would become "rib".
 */
const LEET_DIGITS: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't' };
/** Leetspeak symbols; like the digits, only inside a word with a letter ("n$fw", "a$$", "sh!t"). */
const LEET_SYMBOLS: Readonly<Record<string, string>> = { '@': 'a', $: 's', '!': 'i', '|': 'l' };

type Kind = 'letter' | 'digit' | 'cjk' | 'leet' | 'space' | 'punct';

interface Char {
  c: string;
  kind: Kind;
}

/** The letters a single letter of a blocked word may be written as, after normalisation. */
export const LETTER_ALTERNATIVES: Readonly<Record<string, string>> = { i: 'il', l: 'il' };

export function isCjk(char: string): boolean {
  return CJK.test(char);
}

function kindOf(c: string): Kind {
  if (CJK.test(c)) return 'cjk';
  if (LETTER.test(c)) return 'letter';
  if (DIGIT.test(c)) return 'digit';
  if (c in LEET_SYMBOLS) return 'leet';
  if (SPACE.test(c)) return 'space';
  return 'punct';
}

function isWord(kind: Kind): boolean {
  return kind === 'letter' || kind === 'digit' || kind === 'cjk';
}

/** Case, width, accents, invisible characters and look-alike letters; nothing that moves text. */
function fold(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .normalize('NFD')
    .replace(COMBINING_MARKS, '')
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(LETTER_FOLD_PATTERN, (c) => LETTER_FOLDS[c] ?? c);
}

/**
 * Resolves leetspeak inside each run of letters, digits and leet symbols. A run with no letter keeps
 * its digits, and its symbols become punctuation ("$5", "!!!"). A `!` counts as a letter only
 * between two other characters of the run ("sh!t"), never at its end ("wow!").
 */
function resolveLeet(chars: Char[]): void {
  let start = 0;
  while (start < chars.length) {
    const kind = chars[start]?.kind;
    if (kind !== 'letter' && kind !== 'digit' && kind !== 'leet') {
      start++;
      continue;
    }
    let end = start;
    while (end < chars.length) {
      const k = chars[end]?.kind;
      if (k !== 'letter' && k !== 'digit' && k !== 'leet') break;
      end++;
    }
    const run = chars.slice(start, end);
    const hasLetter = run.some((ch) => ch.kind === 'letter');
    const firstNotBang = run.findIndex((ch) => ch.c !== '!');
    const lastNotBang = run.findLastIndex((ch) => ch.c !== '!');
    for (let i = 0; i < run.length; i++) {
      const ch = run[i] as Char;
      if (ch.kind === 'leet') {
        const inside = ch.c !== '!' || (firstNotBang !== -1 && firstNotBang < i && i < lastNotBang);
        if (hasLetter && inside) {
          ch.c = LEET_SYMBOLS[ch.c] ?? ch.c;
          ch.kind = 'letter';
        } else {
          ch.kind = 'punct';
        }
      } else if (ch.kind === 'digit' && hasLetter && ch.c in LEET_DIGITS) {
        ch.c = LEET_DIGITS[ch.c] ?? ch.c;
        ch.kind = 'letter';
      }
    }
    start = end;
  }
}

/** Leet digits in a word that has a letter (used again after spelled-out letters are joined). */
function leetDigitsInWord(word: string): string {
  if (![...word].some((c) => LETTER.test(c) && !CJK.test(c))) return word;
  return word.replace(/[013457]/g, (d) => LEET_DIGITS[d] ?? d);
}

/** Three or more of the same letter become two: "nsfwwww" → "nsfww", while "ass" and "kill" stay. */
function collapseRepeats(text: string): string {
  return text.replace(/(\p{L})\1{2,}/gu, '$1$1');
}

/** Every run of separators becomes one space. */
function spacedView(chars: readonly Char[]): string {
  let out = '';
  let pendingSpace = false;
  for (const ch of chars) {
    if (isWord(ch.kind)) {
      if (pendingSpace && out !== '') out += ' ';
      pendingSpace = false;
      out += ch.c;
    } else {
      pendingSpace = true;
    }
  }
  return collapseRepeats(out);
}

/**
 * Separators inside a word vanish: punctuation between two word characters ("n.s.f.w", "ns-fw") and
 * any separator between two CJK characters ("敏 感 词"). Then three or more single letters or digits
 * in a row are joined ("n s f w" → "nsfw"); two are not, so "a b" and "I a" stay apart.
 */
function compactView(chars: readonly Char[]): string {
  const pieces: string[] = [];
  let current = '';
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i] as Char;
    if (isWord(ch.kind)) {
      current += ch.c;
      i++;
      continue;
    }
    let j = i;
    let hasSpace = false;
    while (j < chars.length && !isWord((chars[j] as Char).kind)) {
      if ((chars[j] as Char).kind === 'space') hasSpace = true;
      j++;
    }
    const before = chars[i - 1];
    const after = chars[j];
    const joins =
      before !== undefined &&
      after !== undefined &&
      isWord(before.kind) &&
      (!hasSpace || (before.kind === 'cjk' && after.kind === 'cjk'));
    if (!joins && current !== '') {
      pieces.push(current);
      current = '';
    }
    i = j;
  }
  if (current !== '') pieces.push(current);

  const words: string[] = [];
  let singles: string[] = [];
  const flush = (): void => {
    if (singles.length >= 3) words.push(singles.join(''));
    else words.push(...singles);
    singles = [];
  };
  for (const piece of pieces) {
    if ([...piece].length === 1 && !CJK.test(piece)) {
      singles.push(piece);
    } else {
      flush();
      words.push(piece);
    }
  }
  flush();
  return collapseRepeats(words.map(leetDigitsInWord).join(' '));
}

function classify(text: string): Char[] {
  const chars = [...fold(text)].map((c): Char => ({ c, kind: kindOf(c) }));
  resolveLeet(chars);
  return chars;
}

export interface MatchingViews {
  /** Punctuation inside words dropped and spelled-out letters joined: "n.s.f.w" → "nsfw". */
  compact: string;
  /** Every separator a single space: "sex-toy" → "sex toy". */
  spaced: string;
}

/** Both views of `text`; the word filter matches an entry against each. */
export function matchingViews(text: string): MatchingViews {
  const chars = classify(text);
  return { compact: compactView(chars), spaced: spacedView(chars) };
}

/**
 * The canonical spelling used for matching (the `compact` view): NFKC (full-width → ASCII),
 * lowercase, accents stripped, invisible characters removed, look-alike letters and leetspeak
 * resolved, punctuation inside words dropped, spelled-out letters joined, runs of three or more of
 * one letter cut to two. CJK text is kept.
 *
 *   "Ｎｓｆｗ" → "nsfw"   "n.s.f.w" → "nsfw"   "n$fw" → "nsfw"   "Ñßfw" → "nssfw"   "敏.感.词" → "敏感词"
 */
export function normalizeForMatching(text: string): string {
  return compactView(classify(text));
}
