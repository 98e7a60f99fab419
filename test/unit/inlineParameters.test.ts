import { describe, expect, it } from 'vitest';
import { extractInlineParameters, KNOWN_PARAMETER_NAMES } from '../../src/prompt/inlineParameters.js';

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
    const parsed = extractInlineParameters('a cat --sharpness 500 --seed abc');
    expect(parsed.prompt).toBe('a cat --sharpness 500 --seed abc');
    expect(parsed.unknown).toEqual(['--sharpness', '--seed abc']);
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
    expect(extractInlineParameters('a fox --upsample off --seed 3')).toEqual({ prompt: 'a fox', found: { promptUpsampling: false, seed: 3 }, unknown: [], ignored: [] });
    expect(extractInlineParameters('a fox --upsample=OFF').found).toEqual({ promptUpsampling: false });
    expect(extractInlineParameters('a fox --upsample true').found).toEqual({ promptUpsampling: true });
    expect(extractInlineParameters('a fox --upsample false in snow')).toMatchObject({ prompt: 'a fox in snow', found: { promptUpsampling: false } });
    expect(extractInlineParameters('a fox --prompt-upsampling on').found).toEqual({ promptUpsampling: true });
  });

  it('on/off after --upsample are the prompt’s words unless the line ends there', () => {
    expect(extractInlineParameters('a fox --upsample on a hill')).toEqual({ prompt: 'a fox on a hill', found: { promptUpsampling: true }, unknown: [], ignored: [] });
    expect(extractInlineParameters('a boat --upsample off the coast')).toEqual({ prompt: 'a boat off the coast', found: { promptUpsampling: true }, unknown: [], ignored: [] });
    expect(extractInlineParameters('a boat --upsample off\nat dawn')).toEqual({ prompt: 'a boat\nat dawn', found: { promptUpsampling: false }, unknown: [], ignored: [] });
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
    expect(extractInlineParameters('x --format gif')).toEqual({ prompt: 'x --format gif', found: {}, unknown: ['--format gif'], ignored: [] });
  });

  it('--steps takes a whole number, --guidance a decimal', () => {
    expect(extractInlineParameters('a sign that says OPEN --steps 30 --guidance 4.5')).toEqual({
      prompt: 'a sign that says OPEN',
      found: { steps: 30, guidance: 4.5 },
      unknown: [],
      ignored: [],
    });
    expect(extractInlineParameters('x --guidance 7').found).toEqual({ guidance: 7 });
    const bad = extractInlineParameters('x --steps 2.5 --guidance high');
    expect(bad.found).toEqual({});
    expect(bad.unknown).toEqual(['--steps 2.5', '--guidance high']);
    expect(bad.prompt).toBe('x --steps 2.5 --guidance high');
  });

  it('--style vivid|natural is dall-e-3’s; --style raw (Midjourney) is taken out and listed as ignored', () => {
    expect(extractInlineParameters('a lake --style Natural')).toEqual({ prompt: 'a lake', found: { style: 'natural' }, unknown: [], ignored: [] });
    expect(extractInlineParameters('a lake --style vivid').found).toEqual({ style: 'vivid' });
    expect(extractInlineParameters('a lake --style raw')).toEqual({ prompt: 'a lake', found: {}, unknown: [], ignored: ['--style raw'] });
    expect(extractInlineParameters('a lake --style cute, at dawn')).toEqual({ prompt: 'a lake, at dawn', found: {}, unknown: [], ignored: ['--style cute'] });
  });

  it('works after Chinese text with no space, and with full-width punctuation', () => {
    expect(extractInlineParameters('调色盘--upsample，六色 ——format png')).toEqual({
      prompt: '调色盘，六色',
      found: { promptUpsampling: true, outputFormat: 'png' },
      unknown: [],
      ignored: [],
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

describe('--no (Midjourney’s negative prompt)', () => {
  it('takes a list up to the next parameter, and the prompt goes on after it', () => {
    expect(extractInlineParameters('a street at night --no cars, trees --ar 16:9')).toEqual({
      prompt: 'a street at night',
      found: { negative: 'cars, trees', size: '16:9' },
      unknown: [],
      ignored: [],
    });
  });

  it('runs to the end of the line when it is last, without the closing punctuation', () => {
    expect(extractInlineParameters('a street at night --no cars, trees.').found).toEqual({ negative: 'cars, trees' });
    expect(extractInlineParameters('a street --no cars\nat night')).toMatchObject({ prompt: 'a street\nat night', found: { negative: 'cars' } });
  });

  it('several --no are joined; the em dash and Chinese text work too', () => {
    expect(extractInlineParameters('a fox —no people --seed 3 --no snow').found).toEqual({ negative: 'people, snow', seed: 3 });
    expect(extractInlineParameters('城市夜景--no 汽车，行人——ar 9:16')).toEqual({
      prompt: '城市夜景',
      found: { negative: '汽车，行人', size: '9:16' },
      unknown: [],
      ignored: [],
    });
  });

  it('--no with nothing after it stays in the prompt and is reported', () => {
    expect(extractInlineParameters('a fox --no')).toEqual({ prompt: 'a fox --no', found: {}, unknown: ['--no'], ignored: [] });
    expect(extractInlineParameters('a fox --no --ar 1:1')).toEqual({ prompt: 'a fox --no', found: { size: '1:1' }, unknown: ['--no'], ignored: [] });
  });

  it('words that merely start with "no" are not --no', () => {
    expect(extractInlineParameters('a fox --noise 5').unknown).toEqual(['--noise']);
    expect(extractInlineParameters('no cars, a quiet street').found).toEqual({});
  });
});

describe('Midjourney-only parameters', () => {
  it('are taken out of the prompt and listed as typed', () => {
    const parsed = extractInlineParameters(
      'a lake --v 6.1 --niji --stylize 250 --chaos 20 --weird 1000 --tile --iw 0.5 --relax --fast --turbo --repeat 2 --style raw',
    );
    expect(parsed.prompt).toBe('a lake');
    expect(parsed.found).toEqual({});
    expect(parsed.unknown).toEqual([]);
    expect(parsed.ignored).toEqual([
      '--v 6.1', '--niji', '--stylize 250', '--chaos 20', '--weird 1000', '--tile', '--iw 0.5', '--relax', '--fast', '--turbo', '--repeat 2', '--style raw',
    ]);
  });

  it('short forms: --s, --c, --w, --r, --version, and --niji with its version', () => {
    const parsed = extractInlineParameters('a cat --s 750 --c 5 --w 10 --r 4 --version 7 --niji 6, in a garden');
    expect(parsed.prompt).toBe('a cat, in a garden');
    expect(parsed.ignored).toEqual(['--s 750', '--c 5', '--w 10', '--r 4', '--version 7', '--niji 6']);
  });

  it('--s and --c take only numbers: the word after them stays the prompt’s', () => {
    expect(extractInlineParameters('a portrait --s cat')).toEqual({ prompt: 'a portrait --s cat', found: {}, unknown: ['--s'], ignored: [] });
    expect(extractInlineParameters('a fox --c quietly --seed 2')).toEqual({ prompt: 'a fox --c quietly', found: { seed: 2 }, unknown: ['--c'], ignored: [] });
  });

  it('switches take no value: the next word is the prompt’s', () => {
    expect(extractInlineParameters('a pattern --tile of leaves')).toEqual({ prompt: 'a pattern of leaves', found: {}, unknown: [], ignored: ['--tile'] });
    expect(extractInlineParameters('一只猫--niji 在花园里').prompt).toBe('一只猫 在花园里');
  });
});

describe('--enhance and --raw', () => {
  it('ask for the chat model’s rewrite or refuse it', () => {
    expect(extractInlineParameters('a fox --enhance')).toEqual({ prompt: 'a fox', found: { enhance: true }, unknown: [], ignored: [] });
    expect(extractInlineParameters('a fox --raw in snow')).toEqual({ prompt: 'a fox in snow', found: { enhance: false }, unknown: [], ignored: [] });
  });

  it('--raw is not --style raw', () => {
    expect(extractInlineParameters('a fox --style raw').found).toEqual({});
  });
});

describe('KNOWN_PARAMETER_NAMES', () => {
  it('names the built-in, Midjourney and our own parameters', () => {
    for (const name of ['ar', 'seed', 'q', 'upsample', 'style', 'no', 'v', 's', 'c', 'niji', 'tile', 'iw', 'enhance', 'raw']) {
      expect(KNOWN_PARAMETER_NAMES).toContain(name);
    }
    expect(KNOWN_PARAMETER_NAMES).not.toContain('portrait');
  });
});
