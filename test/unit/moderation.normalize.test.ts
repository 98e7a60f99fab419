import { describe, expect, it } from 'vitest';
import { matchingViews, normalizeForMatching } from '../../src/moderation/normalize.js';

describe('normalizeForMatching', () => {
  it.each([
    // case and width
    ['NSFW', 'nsfw'],
    ['Ｎｓｆｗ', 'nsfw'],
    ['ＮＳＦＷ', 'nsfw'],
    // accents and letters NFD cannot split
    ['Ñsfw', 'nsfw'],
    ['café crème', 'cafe creme'],
    ['straße', 'strasse'],
    ['İstanbul', 'istanbul'],
    // look-alike Cyrillic letters
    ['ѕех', 'sex'],
    // leetspeak inside words
    ['n$fw', 'nsfw'],
    ['p0rn', 'porn'],
    ['s3x', 'sex'],
    ['a$$', 'ass'],
    ['@ss', 'ass'],
    ['sh!t', 'shit'],
    ['5ex', 'sex'],
    ['7it', 'tit'],
    ['k1ll', 'kill'],
    ['he||', 'hell'],
    // separators and invisible characters inside a word
    ['n.s.f.w', 'nsfw'],
    ['n-s-f-w', 'nsfw'],
    ['n_s_f_w', 'nsfw'],
    ['ns.fw', 'nsfw'],
    ['n s f w', 'nsfw'],
    ['n . s . f . w', 'nsfw'],
    ['n 5 f w', 'nsfw'],
    ['n\u200bs\u200cf\u200dw', 'nsfw'],
    ['ns\u00adfw', 'nsfw'],
    ['n\ufeffsfw', 'nsfw'],
    // stretched letters: three or more become two
    ['nsfwwww', 'nsfww'],
    ['fuuuuuck', 'fuuck'],
    // ordinary text stays readable
    ['Hello, World!', 'hello world'],
    ['I am a cat', 'i am a cat'],
    ['a b', 'a b'],
    ['kill the book', 'kill the book'],
    ['wow!', 'wow'],
    ['   spaced    out   ', 'spaced out'],
    // numbers without letters stay numbers
    ['18+ 2025 $5', '18 2025 5'],
    ['r18', 'ri8'],
    // CJK kept, separators between CJK characters dropped
    ['敏感词', '敏感词'],
    ['敏.感.词', '敏感词'],
    ['敏 感 词', '敏感词'],
    ['敏\u200b感词', '敏感词'],
    ['ｎｓｆｗ敏感', 'nsfw敏感'],
    ['が', 'が'],
    ['ｶﾞ', 'ガ'],
    ['哈哈哈哈', '哈哈'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeForMatching(input)).toBe(expected);
  });

  it('keeps hyphenated compounds apart in the spaced view', () => {
    expect(matchingViews('sex-toy')).toEqual({ compact: 'sextoy', spaced: 'sex toy' });
    expect(matchingViews('n.s.f.w')).toEqual({ compact: 'nsfw', spaced: 'n s f w' });
  });

  it('gives the same spelling for every disguise of one word', () => {
    const disguises = ['NSFW', 'Ｎｓｆｗ', 'n.s.f.w', 'n$fw', 'N S F W', 'ｎ．ｓ．ｆ．ｗ', 'n\u200bsfw'];
    expect(new Set(disguises.map(normalizeForMatching))).toEqual(new Set(['nsfw']));
  });
});
