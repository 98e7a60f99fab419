// The command line's edits and batches, as a user runs them: the compiled CLI in a child process,
// against the relay fake over real HTTP. `--image PATH` makes an edit; `--batch FILE` runs a file of
// prompts (plain lines or JSON lines), `--concurrency` at a time, printing each saved path on stdout as
// it finishes, a progress line per prompt and a summary on stderr, and exits non-zero if any failed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelayFake, type RelayFake } from './fakes/relay/index.js';
import { runCli, type Run } from './helpers/cliRun.js';
import { makeTempDir, removeTempDirs, writeTempFile } from './helpers/tempFiles.js';


let fake: RelayFake;

beforeAll(async () => {
  fake = await startRelayFake({ latencyMs: 5 });
});

afterEach(() => {
  fake.reset();
  fake.configure({ latencyMs: 5 });
});

afterAll(async () => {
  await fake.close();
  removeTempDirs();
});

/** `node dist/src/cli/imagine.js …` in `cwd`, configured for the relay fake. */
function imagine(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCli(fake, args, cwd, env, 30_000);
}

async function writeImage(dir: string, name: string, rgb: [number, number, number]): Promise<string> {
  const path = join(dir, name);
  await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } }).png().toFile(path);
  return path;
}

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

describe('imagine --image', () => {
  it('edits a local file: the relay gets it as input_image and the result is made from it', async () => {
    const cwd = makeTempDir('imagine-edit-');
    await writeImage(cwd, 'red.png', [255, 0, 0]);
    const run = await imagine(['--prompt', 'make it cyan', '--model', 'flux-2-pro', '--image', 'red.png'], cwd);
    expect(run.code, run.stderr).toBe(0);
    const [path] = lines(run.stdout);
    expect(existsSync(path!)).toBe(true);
    const body = fake.requests[0]!.body as Record<string, unknown>;
    expect(Object.keys(body).filter((key) => key.startsWith('input_image'))).toEqual(['input_image']);
    // 48x32 is 3:2, so the output keeps that shape.
    expect(body.size).toBe('1248x832');
    const { data } = await sharp(path!).resize(1, 1).raw().toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeLessThan(40);
    expect(data[1]).toBeGreaterThan(215);
  });

  it('repeatable, and GPT image models get a multipart edit with a mask', async () => {
    const cwd = makeTempDir('imagine-edit-');
    await writeImage(cwd, 'a.png', [255, 0, 0]);
    await writeImage(cwd, 'b.png', [0, 0, 255]);
    await sharp({ create: { width: 48, height: 32, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png().toFile(join(cwd, 'mask.png'));
    const run = await imagine(['--prompt', 'blend', '--model', 'gpt-image-1', '--image', 'a.png', '--image', 'b.png', '--mask', 'mask.png'], cwd);
    expect(run.code, run.stderr).toBe(0);
    expect(fake.requests[0]!.path).toBe('/v1/images/edits');
    expect(fake.requests[0]!.files?.map((file) => [file.field, file.filename])).toEqual([
      ['image[]', 'a.png'],
      ['image[]', 'b.png'],
      ['mask', 'mask.png'],
    ]);
  });

  it('a missing file, a file that is not an image, or a text-only model: one line, exit 2, nothing sent', async () => {
    const cwd = makeTempDir('imagine-edit-');
    writeTempFile(cwd, 'notes.png', 'these are notes, not a picture');
    await writeImage(cwd, 'ok.png', [0, 255, 0]);
    for (const [args, pattern] of [
      [['--image', 'missing.png'], /"missing.png" does not exist/],
      [['--image', 'notes.png'], /"notes.png" is not an image/],
      [['--image', 'ok.png', '--model', 'dall-e-3'], /dall-e-3 draws from text only/],
    ] as const) {
      const run = await imagine(['--prompt', 'edit', ...args], cwd);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim()).toMatch(pattern);
      expect(run.stderr.trim()).not.toMatch(/\n/);
    }
    expect(fake.requests).toHaveLength(0);
  });
});

describe('imagine --batch', () => {
  it('mixed successes and failures: paths on stdout, a line per prompt, a summary with the failure classes, exit 1', async () => {
    const cwd = makeTempDir('imagine-batch-');
    await writeImage(cwd, 'red.png', [255, 0, 0]);
    writeTempFile(
      cwd,
      'prompts.txt',
      [
        '# one prompt per line, or JSON lines',
        'a red fox in snow',
        '',
        '{"prompt": "a wide valley", "model": "flux-2-pro", "size": "16:9", "seed": 7}',
        '{"prompt": "make it blue", "model": "flux-kontext-pro", "image": "red.png"}',
        '{"prompt": "broken json"',
        '{"prompt": "an edit on a text-only model", "model": "flux-pro-1.1", "image": "red.png"}',
        '{"prompt": "an unknown field", "colour": "red"}',
      ].join('\n'),
    );
    const run = await imagine(['--batch', 'prompts.txt', '--out', 'out'], cwd);
    expect(run.code).toBe(1);
    const paths = lines(run.stdout);
    expect(paths).toHaveLength(3);
    for (const path of paths) expect(existsSync(path)).toBe(true);
    const err = lines(run.stderr);
    expect(err.filter((line) => /^\[\d\/6\] [✓✗]/.test(line))).toHaveLength(6);
    expect(err.find((line) => line.includes('line 6'))).toMatch(/✗ line 6 invalid_input: the line is invalid: not valid JSON/);
    expect(err.find((line) => line.includes('line 7'))).toMatch(/✗ line 7 invalid_input: .*flux-pro-1.1 draws from text only/);
    expect(err.find((line) => line.includes('line 8'))).toMatch(/✗ line 8 invalid_input/);
    expect(err.at(-1)).toMatch(/^batch done: 3 succeeded, 3 failed \(invalid_input 3\) in \d+\.\d s, estimated cost \$\d+\.\d{3}$/);
    // The URL result (FLUX) was downloaded right away; the edit sent its image.
    expect(fake.downloads.length).toBeGreaterThanOrEqual(2);
    const kontext = fake.requests.find((request) => (request.body as Record<string, unknown>).model === 'flux-kontext-pro');
    expect(kontext?.body).toHaveProperty('input_image');
  });

  it('a relay failure on one prompt does not stop the others; the summary names its class', async () => {
    const cwd = makeTempDir('imagine-batch-');
    writeTempFile(cwd, 'prompts.txt', 'one\ntwo\nthree\n');
    fake.failNext({ kind: 'json', status: 400, body: { error: { message: 'Invalid prompt', type: 'invalid_request_error', param: 'prompt', code: 'invalid_value' } } });
    const run = await imagine(['--batch', 'prompts.txt', '--concurrency', '1', '--model', 'flux-2-klein-4b'], cwd);
    expect(run.code).toBe(1);
    expect(lines(run.stdout)).toHaveLength(2);
    expect(lines(run.stderr).at(-1)).toMatch(/2 succeeded, 1 failed \(bad_request 1\)/);
  });

  it('--concurrency N runs N at once (default 2), and an all-good batch exits 0; Chinese summary with LANG=zh', async () => {
    const cwd = makeTempDir('imagine-batch-');
    writeTempFile(cwd, 'prompts.txt', 'a\nb\nc\nd\n');
    fake.configure({ latencyMs: 400 });
    const run = await imagine(['--batch', 'prompts.txt', '--model', 'flux-2-klein-4b'], cwd, { LANG: 'zh_CN.UTF-8' });
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)).toHaveLength(4);
    const at = fake.requests.map((request) => request.at);
    // Two at a time: the second starts with the first, the third only after one finished.
    expect(at[1]! - at[0]!).toBeLessThan(300);
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(350);
    expect(lines(run.stderr).at(-1)).toMatch(/^批量完成:成功 4 个,失败 0 个,用时/);

    fake.reset();
    const wide = await imagine(['--batch', 'prompts.txt', '--model', 'flux-2-klein-4b', '--concurrency', '4'], cwd);
    expect(wide.code, wide.stderr).toBe(0);
    const starts = fake.requests.map((request) => request.at);
    expect(Math.max(...starts) - Math.min(...starts)).toBeLessThan(300);
  });

  it('--batch with --prompt or --mask, --mask without --image, or a missing file: exit 2 with one line', async () => {
    const cwd = makeTempDir('imagine-batch-');
    const both = await imagine(['--batch', 'x.txt', '--prompt', 'y'], cwd);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--prompt and --batch/);
    // A mask belongs to one edit: with a batch (with or without --image) it would be silently dropped.
    for (const args of [
      ['--batch', 'x.txt', '--mask', 'mask.png'],
      ['--batch', 'x.txt', '--image', 'a.png', '--mask', 'mask.png'],
    ]) {
      const masked = await imagine(args, cwd);
      expect(masked.code).toBe(2);
      expect(masked.stdout).toBe('');
      expect(masked.stderr.trim()).toMatch(/--mask does not go with --batch/);
      expect(masked.stderr.trim()).not.toMatch(/\n/);
    }
    const maskOnly = await imagine(['--prompt', 'y', '--mask', 'mask.png'], cwd);
    expect(maskOnly.code).toBe(2);
    expect(maskOnly.stderr.trim()).toMatch(/--mask needs --image/);
    expect(maskOnly.stderr.trim()).not.toMatch(/\n/);
    const missing = await imagine(['--batch', 'nope.txt'], cwd);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/cannot read the batch file .*nope.txt \(ENOENT\)/);
    expect(fake.requests).toHaveLength(0);
  });
});
