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

describe('switches and the FLUX / dall-e-3 parameters', () => {
  it('--upsample alone turns prompt upsampling on without taking the next word', () => {
    const parsed = extractInlineParameters('a palette --upsample with six pans --format png');
    expect(parsed.prompt).toBe('a palette with six pans');
    expect(parsed.found).toEqual({ promptUpsampling: true, outputFormat: 'png' });
    expect(parsed.unknown).toEqual([]);
    expect(extractInlineParameters('--upsample a fox').prompt).toBe('a fox');
    expect(extractInlineParameters('a fox --upsample').found).toEqual({ promptUpsampling: true });
    expect(extractInlineParameters('a fox --upsample, at night').prompt).toBe('a fox, at night');
  });

  it('--upsample false/off/true/on and = forms', () => {
    expect(extractInlineParameters('a fox --upsample false').found).toEqual({ promptUpsampling: false });
    expect(extractInlineParameters('a fox --upsample off --seed 3')).toEqual({ prompt: 'a fox', found: { promptUpsampling: false, seed: 3 }, unknown: [] });
    expect(extractInlineParameters('a fox --upsample=OFF').found).toEqual({ promptUpsampling: false });
    expect(extractInlineParameters('a fox --upsample true').found).toEqual({ promptUpsampling: true });
    expect(extractInlineParameters('a fox --upsample false in snow')).toMatchObject({ prompt: 'a fox in snow', found: { promptUpsampling: false } });
    expect(extractInlineParameters('a fox --prompt-upsampling on').found).toEqual({ promptUpsampling: true });
  });

  it('on/off after --upsample are the prompt’s words unless the line ends there', () => {
    expect(extractInlineParameters('a fox --upsample on a hill')).toEqual({ prompt: 'a fox on a hill', found: { promptUpsampling: true }, unknown: [] });
    expect(extractInlineParameters('a boat --upsample off the coast')).toEqual({ prompt: 'a boat off the coast', found: { promptUpsampling: true }, unknown: [] });
    expect(extractInlineParameters('a boat --upsample off\nat dawn')).toEqual({ prompt: 'a boat\nat dawn', found: { promptUpsampling: false }, unknown: [] });
  });

  it('a word that merely starts like a switch is unknown, and --upsample=maybe is refused', () => {
    const parsed = extractInlineParameters('a fox --upsampled --upsample=maybe');
    expect(parsed.found).toEqual({});
    expect(parsed.unknown).toEqual(['--upsampled', '--upsample maybe']);
    expect(parsed.prompt).toBe('a fox --upsampled --upsample=maybe');
  });

  it('--format png|jpeg|jpg|webp, --output-format, anything else unknown', () => {
    expect(extractInlineParameters('x --format JPG').found).toEqual({ outputFormat: 'jpeg' });
    expect(extractInlineParameters('x --output-format webp').found).toEqual({ outputFormat: 'webp' });
    expect(extractInlineParameters('x --format gif')).toEqual({ prompt: 'x --format gif', found: {}, unknown: ['--format gif'] });
  });

  it('--steps takes a whole number, --guidance a decimal', () => {
    expect(extractInlineParameters('a sign that says OPEN --steps 30 --guidance 4.5')).toEqual({
      prompt: 'a sign that says OPEN',
      found: { steps: 30, guidance: 4.5 },
      unknown: [],
    });
    expect(extractInlineParameters('x --guidance 7').found).toEqual({ guidance: 7 });
    const bad = extractInlineParameters('x --steps 2.5 --guidance high');
    expect(bad.found).toEqual({});
    expect(bad.unknown).toEqual(['--steps 2.5', '--guidance high']);
    expect(bad.prompt).toBe('x --steps 2.5 --guidance high');
  });

  it('--style vivid|natural is dall-e-3’s; --style raw (Midjourney) stays in the prompt as unknown', () => {
    expect(extractInlineParameters('a lake --style Natural')).toEqual({ prompt: 'a lake', found: { style: 'natural' }, unknown: [] });
    expect(extractInlineParameters('a lake --style vivid').found).toEqual({ style: 'vivid' });
    expect(extractInlineParameters('a lake --style raw')).toEqual({ prompt: 'a lake --style raw', found: {}, unknown: ['--style raw'] });
  });

  it('works after Chinese text with no space, and with full-width punctuation', () => {
    expect(extractInlineParameters('调色盘--upsample，六色 ——format png')).toEqual({
      prompt: '调色盘，六色',
      found: { promptUpsampling: true, outputFormat: 'png' },
      unknown: [],
    });
  });
});

describe('the prompt keeps its lines', () => {
  it('line breaks and indentation survive; only the spaces where a parameter was are tidied', () => {
    const json = '{\n  "scene": "eyeshadow palette",\n  "colors": ["#B76E79", "#E8D5B7"],\n\t"style": "studio --seed 4 light"\n}';
    const parsed = extractInlineParameters(`${json}\n--upsample --format png`);
    expect(parsed.prompt).toBe(json.replace(' --seed 4', ''));
    expect(parsed.found).toEqual({ seed: 4, promptUpsampling: true, outputFormat: 'png' });
  });

  it('a line holding only parameters goes away; a parameter at a line start keeps the indentation', () => {
    expect(extractInlineParameters('first line\n  --ar 16:9 --seed 2\nsecond line').prompt).toBe('first line\nsecond line');
    expect(extractInlineParameters('first line\n  --seed 2 second line').prompt).toBe('first line\n  second line');
    expect(extractInlineParameters('a fox --ar 16:9\r\nin snow').prompt).toBe('a fox\r\nin snow');
  });

  it('a value is never taken from the next line', () => {
    const parsed = extractInlineParameters('a fox --q\nhigh contrast');
    expect(parsed.prompt).toBe('a fox --q\nhigh contrast');
    expect(parsed.found).toEqual({});
    expect(parsed.unknown).toEqual(['--q']);
  });

  it('spaces the user typed elsewhere are left alone', () => {
    expect(extractInlineParameters('a  fox\n\n  in   snow --seed 1').prompt).toBe('a  fox\n\n  in   snow');
  });
});
