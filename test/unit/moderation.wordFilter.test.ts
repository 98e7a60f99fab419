import { describe, expect, it } from 'vitest';
import { checkBlockedEntry, compileWordFilter, hasRiskyRepetition, MAX_REGEX_ENTRY_CHARS, regexShape } from '../../src/moderation/wordFilter.js';

function matches(entries: string[], prompt: string): string | undefined {
  return compileWordFilter(entries).match(prompt)?.entry;
}

describe('word entries', () => {
  it.each([
    'nsfw',
    'NSFW art',
    'Ｎｓｆｗ',
    'n.s.f.w please',
    'n$fw',
    'nsfwwww',
    'N S F W',
    'n\u200bsfw',
    'ns-fw',
    'an nsfw.com banner',
    'nsfws',
  ])('"nsfw" matches %j', (prompt) => {
    expect(matches(['nsfw'], prompt)).toBe('nsfw');
  });

  it.each(['a classic class', 'a glass of water', 'assassin', 'bass guitar', 'passage', 'compass'])(
    '"ass" does not match inside the word in %j',
    (prompt) => {
      expect(matches(['ass'], prompt)).toBeUndefined();
    },
  );

  it.each(['nice ass', 'a$$', 'ASS!', 'a s s', 'asses', 'asssss'])('"ass" matches %j', (prompt) => {
    expect(matches(['ass'], prompt)).toBe('ass');
  });

  it('does not shorten a double letter: "ass" does not match "as"', () => {
    expect(matches(['ass'], 'as good as it gets')).toBeUndefined();
  });

  it('treats i and l (and 1) as one letter', () => {
    expect(matches(['hell'], 'he11 yeah')).toBe('hell');
    expect(matches(['kill'], 'k1ll it')).toBe('kill');
    expect(matches(['hell'], 'hello there')).toBeUndefined();
  });

  it('matches a hyphenated compound through the spaced view', () => {
    expect(matches(['sex'], 'a sex-toy ad')).toBe('sex');
    expect(matches(['sex'], 'sextant and sussex')).toBeUndefined();
  });

  it('matches phrases with or without their spaces', () => {
    expect(matches(['big ass'], 'a BIG   ass')).toBe('big ass');
    expect(matches(['big ass'], 'bigass')).toBe('big ass');
    expect(matches(['big ass'], 'big bass')).toBeUndefined();
  });

  it('matches digits exactly', () => {
    expect(matches(['18'], 'under 18 only')).toBe('18');
    expect(matches(['18'], 'age 18+')).toBe('18');
    expect(matches(['18'], 'year 2018, 188 cm')).toBeUndefined();
  });

  it('matches CJK entries anywhere, through separators and width', () => {
    expect(matches(['敏感词'], '这里有敏感词吗')).toBe('敏感词');
    expect(matches(['敏感词'], '这里有敏.感.词吗')).toBe('敏感词');
    expect(matches(['敏感词'], '这里有敏 感 词吗')).toBe('敏感词');
    expect(matches(['敏感词'], '敏感的词')).toBeUndefined();
    expect(matches(['色情'], 'a 色情 picture')).toBe('色情');
  });

  it('counts CJK next to a Latin word as a word boundary', () => {
    expect(matches(['av'], '一部av女优的照片')).toBe('av');
    expect(matches(['av'], 'avocado')).toBeUndefined();
  });

  it('reports the first entry in list order', () => {
    expect(matches(['gore', 'nsfw'], 'nsfw gore')).toBe('gore');
  });

  it('an empty filter blocks nothing', () => {
    expect(matches([], 'anything at all')).toBeUndefined();
  });
});

describe('regex entries', () => {
  it('match the prompt as typed and its normalised views', () => {
    expect(matches(['/n[s5]fw/i'], 'NSFW')).toBe('/n[s5]fw/i');
    expect(matches(['/^cat/'], 'Cat')).toBe('/^cat/');
    expect(matches(['/\\bnsfw\\b/'], 'n.s.f.w')).toBe('/\\bnsfw\\b/');
    expect(matches(['/dog\\d+/'], 'a cat')).toBeUndefined();
  });

  it('keep their flags: without i, an uppercase pattern matches only the prompt as typed', () => {
    expect(matches(['/CAT/'], 'a CAT')).toBe('/CAT/');
    expect(matches(['/CAT/'], 'a cat')).toBeUndefined();
    expect(matches(['/CAT/i'], 'a cat')).toBe('/CAT/i');
  });

  it.each([
    ['/(a+)+$/', 'risky'],
    ['/(\\w*)*x/', 'risky'],
    ['/(a|aa)*b/', 'risky'],
    ['/(?:\\w+\\s?){2,}z/', 'risky'],
    ['/((ab)+)+/', 'risky'],
    ['/a.*b.*c/', 'two wildcards'],
    ['/\\w+ and \\S+/', 'two wildcards'],
    ['/[a-z]+x[^y]*/', 'two wildcards'],
    ['/a*/', 'empty'],
    ['/(/', 'invalid'],
    ['/cat/g', 'flags'],
    ['/cat/ii', 'flags'],
    [`/${'a'.repeat(MAX_REGEX_ENTRY_CHARS)}/`, 'length'],
  ])('refuses %s (%s)', (entry) => {
    const check = checkBlockedEntry(entry);
    expect(check.ok).toBe(false);
    if (!check.ok) {
      expect(check.problem.en.length).toBeGreaterThan(10);
      expect(check.problem.zh.length).toBeGreaterThan(5);
    }
  });

  it.each(['/n[s5]fw/i', '/(?:cat|dog)s?/', '/\\p{sc=Han}{2}色/u', '/a{1,3}b/', '/(ab){2}/', '/[(+*)]x/', '/\\bsex\\w*/', '/色.{0,3}情/', '/fu+ck+/'])('accepts %s', (entry) => {
    expect(checkBlockedEntry(entry)).toMatchObject({ ok: true, kind: 'regex', entry });
  });

  it('spots repeated groups that repeat or branch, and only those', () => {
    expect(hasRiskyRepetition('(a+)+')).toBe(true);
    expect(hasRiskyRepetition('(a+){2,}')).toBe(true);
    expect(hasRiskyRepetition('(?<w>a|b)*')).toBe(true);
    expect(hasRiskyRepetition('(a+)?')).toBe(false);
    expect(hasRiskyRepetition('(a+)')).toBe(false);
    expect(hasRiskyRepetition('\\(a+\\)+')).toBe(false);
    expect(hasRiskyRepetition('[(a+)]+')).toBe(false);
    expect(hasRiskyRepetition('\\p{L}+')).toBe(false);
  });

  it('counts open-ended wildcards, not bounded or literal repetition', () => {
    expect(regexShape('a.*b.*c')).toEqual({ nestedRepetition: false, openWildcards: 2 });
    expect(regexShape('a.{0,9}b\\w{2,}c')).toEqual({ nestedRepetition: false, openWildcards: 1 });
    expect(regexShape('fu+ck+[s5]*')).toEqual({ nestedRepetition: false, openWildcards: 0 });
    expect(regexShape('\\p{L}+[^x]*')).toEqual({ nestedRepetition: false, openWildcards: 2 });
  });

  it('stays fast on a long prompt built to make a pattern backtrack, and still finds late matches', () => {
    const filter = compileWordFilter(['/a.*b/', '/a\\w*z/']);
    const started = performance.now();
    expect(filter.match('a'.repeat(32_000))).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(filter.match(`${'x '.repeat(10_000)}a then b`)).toEqual({ entry: '/a.*b/' });
  });

  it('skips unusable entries instead of failing the whole filter', () => {
    const filter = compileWordFilter(['nsfw', '/(a+)+/', 'x', '   ']);
    expect(filter.entries).toEqual(['nsfw']);
    expect(filter.skipped).toEqual(['/(a+)+/', 'x', '   ']);
    expect(filter.match('nsfw')).toEqual({ entry: 'nsfw' });
  });
});

describe('checkBlockedEntry', () => {
  it('gives disguises of one word the same key', () => {
    const keys = ['NSFW', 'n.s.f.w', 'n$fw', 'Ｎｓｆｗ'].map((entry) => {
      const check = checkBlockedEntry(entry);
      return check.ok ? check.key : undefined;
    });
    expect(new Set(keys)).toEqual(new Set(['nsfw']));
  });

  it('trims the stored entry', () => {
    expect(checkBlockedEntry('  gore  ')).toEqual({ ok: true, entry: 'gore', kind: 'word', key: 'gore' });
  });

  it('refuses entries that could never match or would match everything', () => {
    expect(checkBlockedEntry('').ok).toBe(false);
    expect(checkBlockedEntry('!!!').ok).toBe(false);
    expect(checkBlockedEntry('a').ok).toBe(false);
    expect(checkBlockedEntry('x'.repeat(101)).ok).toBe(false);
    // A single CJK character is a real entry.
    expect(checkBlockedEntry('屌')).toMatchObject({ ok: true, key: '屌' });
  });
});
