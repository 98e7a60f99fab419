// None of our models takes a negative prompt, so Midjourney's `--no cars, trees` becomes words in the
// prompt itself. Image models read "without X" imperfectly (naming X can even invite it), which is
// why the result tells the member it was done this way.

/** Han, kana and Hangul: a prompt mostly written in these gets the clause in Chinese. */
const CJK_CHARACTER = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;
const LATIN_WORD = /\p{Script=Latin}+/gu;
/** Punctuation that ends a sentence; a clause may follow it directly. */
const SENTENCE_END = /[.!?。！？…]$/u;
/** Punctuation that should not stand before the clause's period (`a fox,` + `.`). */
const TRAILING_SEPARATORS = /[\s,;:，；：、]+$/u;

/** Whether a prompt is mostly CJK: each CJK character counts about as much as a Latin word. */
export function isMostlyCjk(prompt: string): boolean {
  const cjk = prompt.match(CJK_CHARACTER)?.length ?? 0;
  const latin = prompt.match(LATIN_WORD)?.length ?? 0;
  return cjk > 0 && cjk >= latin;
}

/** The prompt closed as a sentence, so that a clause can follow: `a fox,` → `a fox.`. */
function closeSentence(prompt: string, period: string): string {
  const trimmed = prompt.replace(TRAILING_SEPARATORS, '');
  if (!trimmed) return '';
  return SENTENCE_END.test(trimmed) ? trimmed : trimmed + period;
}

/**
 * The prompt with a best-effort "without X" clause, for models without a negative prompt:
 * `a street. Without cars, trees.`, or for a Chinese prompt `街道。画面中不要出现:汽车,树。`.
 */
export function withoutClause(prompt: string, negative: string): string {
  const words = negative.trim().replace(/[\s,;:.，；：。、]+$/u, '');
  if (!words) return prompt;
  if (isMostlyCjk(prompt || words)) {
    const head = closeSentence(prompt.trim(), '。');
    return `${head}画面中不要出现:${words}。`;
  }
  const head = closeSentence(prompt.trim(), '.');
  return head ? `${head} Without ${words}.` : `Without ${words}.`;
}
