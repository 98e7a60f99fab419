// The command line's model knobs (--format, --upsample, --steps, --guidance, --style) and the same
// keys in batch lines; the contract's options keep parsing as before.
import { describe, expect, it } from 'vitest';
import { parseCliArgs, USAGE, UsageError } from '../../src/cli/args.js';
import { parseBatchFile } from '../../src/cli/batchFile.js';

describe('CLI: the contract options', () => {
  it('--prompt --model --size --quality --seed --safety-tolerance --timeout --out parse as before, new knobs unset', () => {
    const options = parseCliArgs([
      '--prompt', 'a fox', '--model', 'flux-2-pro', '--size', '1024x1536', '--quality', 'high', '--seed', '7',
      '--safety-tolerance', '2', '--timeout', '30', '--out', 'here',
    ]);
    expect(options.request).toEqual({
      prompt: 'a fox',
      model: 'flux-2-pro',
      size: '1024x1536',
      quality: 'high',
      seed: 7,
      safetyTolerance: 2,
      n: undefined,
      outputFormat: undefined,
      promptUpsampling: undefined,
      steps: undefined,
      guidance: undefined,
      style: undefined,
    });
    expect(options).toMatchObject({ timeoutSeconds: 30, outDir: 'here', help: false });
  });

  it('a prompt keeps its line breaks', () => {
    expect(parseCliArgs(['--prompt', '{\n  "scene": "a palette"\n}\n']).request.prompt).toBe('{\n  "scene": "a palette"\n}');
  });
});

describe('CLI: --upsample, --format, --steps, --guidance, --style', () => {
  it('are read into the request', () => {
    const options = parseCliArgs(['--prompt', 'x', '--model', 'flux-2-flex', '--upsample', '--format', 'PNG', '--steps', '30', '--guidance', '4.5']);
    expect(options.request).toMatchObject({ promptUpsampling: true, outputFormat: 'png', steps: 30, guidance: 4.5 });
    expect(parseCliArgs(['--prompt', 'x', '--style', 'natural']).request.style).toBe('natural');
    expect(parseCliArgs(['--prompt', 'x', '--guidance=7']).request.guidance).toBe(7);
  });

  it('--output-format is --format; both given must agree', () => {
    expect(parseCliArgs(['--prompt', 'x', '--output-format', 'jpg']).request.outputFormat).toBe('jpeg');
    expect(parseCliArgs(['--prompt', 'x', '--output-format', 'webp', '--format', 'webp']).request.outputFormat).toBe('webp');
    expect(() => parseCliArgs(['--prompt', 'x', '--output-format', 'png', '--format', 'jpeg'])).toThrow(/disagree/);
  });

  it('refuses values that are no such thing, naming the option', () => {
    expect(() => parseCliArgs(['--prompt', 'x', '--steps', '2.5'])).toThrow(/--steps must be a whole number/);
    expect(() => parseCliArgs(['--prompt', 'x', '--steps', '0'])).toThrow(/--steps must be between 1/);
    expect(() => parseCliArgs(['--prompt', 'x', '--guidance', 'high'])).toThrow(/--guidance must be a positive number/);
    expect(() => parseCliArgs(['--prompt', 'x', '--guidance', '0'])).toThrow(UsageError);
    expect(() => parseCliArgs(['--prompt', 'x', '--style', 'raw'])).toThrow(/--style must be vivid or natural/);
    expect(() => parseCliArgs(['--prompt', 'x', '--format', 'gif'])).toThrow(/--format must be png, jpeg or webp/);
    expect(() => parseCliArgs(['--prompt', 'x', '--output-format', 'gif'])).toThrow(/--output-format must be png, jpeg or webp/);
    expect(() => parseCliArgs(['--prompt', 'x', '--upsample=yes'])).toThrow(UsageError);
  });

  it('--help lists them, and its first line is still the contract’s usage', () => {
    expect(USAGE.split('\n')[0]).toMatch(/^Usage: npm run imagine -- --prompt TEXT \[--model M\] \[--size /);
    for (const option of ['--upsample', '--format', '--output-format', '--steps N', '--guidance X', '--style vivid|natural', '--safety-tolerance N', '--timeout SECONDS', '--out DIR']) {
      expect(USAGE).toContain(option);
    }
    expect(parseCliArgs(['--help']).help).toBe(true);
  });
});

describe('batch lines take the same knobs', () => {
  const defaults = { request: { model: 'flux-2-flex', promptUpsampling: true }, imagePaths: [] };

  it('upsample, format/output_format, steps, guidance, style; the command line’s values are the defaults', () => {
    const items = parseBatchFile(
      [
        'a plain line',
        '{"prompt": "a sign", "upsample": false, "steps": 20, "guidance": 3.5, "output_format": "png"}',
        '{"prompt": "a lake", "model": "dall-e-3", "style": "vivid", "format": "png"}',
        '{"prompt": "{\\n  \\"scene\\": \\"json\\"\\n}"}',
      ].join('\n'),
      '/',
      defaults,
    );
    expect(items.map((item) => item.error)).toEqual([undefined, undefined, undefined, undefined]);
    expect(items[0]!.request).toEqual({ model: 'flux-2-flex', promptUpsampling: true, prompt: 'a plain line' });
    expect(items[1]!.request).toEqual({ model: 'flux-2-flex', promptUpsampling: false, prompt: 'a sign', steps: 20, guidance: 3.5, outputFormat: 'png' });
    expect(items[2]!.request).toMatchObject({ model: 'dall-e-3', style: 'vivid', outputFormat: 'png' });
    expect(items[3]!.request.prompt).toBe('{\n  "scene": "json"\n}');
  });

  it('a bad value fails its line alone, naming the key', () => {
    const items = parseBatchFile(
      ['{"prompt": "x", "steps": 2.5}', '{"prompt": "x", "guidance": -1}', '{"prompt": "x", "upsample": "yes"}', '{"prompt": "x", "style": "raw"}', 'fine'].join('\n'),
      '/',
      defaults,
    );
    expect(items.map((item) => item.error)).toEqual([
      expect.stringContaining('"steps"'),
      expect.stringContaining('"guidance"'),
      expect.stringContaining('"upsample"'),
      expect.stringContaining('"style" must be vivid or natural'),
      undefined,
    ]);
  });
});
