import { describe, expect, it } from 'vitest';
import { extractInlineParameters } from '../../src/prompt/inlineParameters.js';

describe('extractInlineParameters', () => {
  it('takes Midjourney parameters out of the prompt', () => {
    const parsed = extractInlineParameters('a red fox in snow --ar 16:9 --seed 42 --quality high --model flux-2-pro');
    expect(parsed.prompt).toBe('a red fox in snow');
    expect(parsed.found).toEqual({ size: '16:9', seed: 42, quality: 'high', model: 'flux-2-pro' });
    expect(parsed.unknown).toEqual([]);
  });

  it('accepts the em dash phones type and short aliases', () => {
    const parsed = extractInlineParameters('城市夜景 —ar 9:16 --q low');
    expect(parsed.prompt).toBe('城市夜景');
    expect(parsed.found).toEqual({ size: '9:16', quality: 'low' });
  });

  it('leaves unknown or malformed parameters in the prompt and reports them', () => {
    const parsed = extractInlineParameters('a cat --stylize 500 --seed abc');
    expect(parsed.prompt).toBe('a cat --stylize 500 --seed abc');
    expect(parsed.unknown).toEqual(['--stylize', '--seed abc']);
    expect(parsed.found).toEqual({});
  });

  it('does not touch hyphens inside words or negative-looking text', () => {
    const parsed = extractInlineParameters('a well-known sci-fi scene');
    expect(parsed.prompt).toBe('a well-known sci-fi scene');
    expect(parsed.found).toEqual({});
  });
});
