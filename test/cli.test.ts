// The `imagine` command line as a user runs it: the compiled CLI in a child process, in an empty
// folder (no stray .env), against the relay fake over real HTTP. stdout must carry only the saved
// paths; every failure is one line on stderr that says what to do, and a non-zero exit.
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelayFake, type RelayFake } from './fakes/relay/index.js';
import { REPO_ROOT } from './helpers/botProcess.js';
import { CLI, cleanEnvironment, runCli, spawnAndCollect, type Run } from './helpers/cliRun.js';
import { makeTempDir, removeTempDirs, writeTempFile } from './helpers/tempFiles.js';


let fake: RelayFake;

beforeAll(async () => {
  fake = await startRelayFake({ latencyMs: 5 });
});

afterEach(() => {
  fake.reset();
});

afterAll(async () => {
  await fake.close();
  removeTempDirs();
});

/** `node dist/src/cli/imagine.js …` in a fresh empty folder, configured for the relay fake. */
function imagine(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCli(fake, args, makeTempDir('imagine-cli-'), env);
}

/** stdout holds exactly one absolute path per line and nothing else; returns the paths. */
function savedPaths(run: Run, count = 1): string[] {
  expect(run.stdout.endsWith('\n')).toBe(true);
  const lines = run.stdout.slice(0, -1).split('\n');
  expect(lines).toHaveLength(count);
  for (const line of lines) {
    expect(isAbsolute(line)).toBe(true);
    expect(line).toBe(line.trim());
    expect(existsSync(line)).toBe(true);
  }
  return lines;
}

/** stderr after trimming is one line; returns it. */
function oneLine(stderr: string): string {
  const text = stderr.trim();
  expect(text).not.toBe('');
  expect(text).not.toMatch(/[\r\n]/);
  return text;
}

/** `YYYYMMDD-HHMMSS-<model>-<slug>.<ext>`, with the time close to now. */
function expectName(path: string, model: string, slug: string, extension: string): void {
  const name = basename(path);
  const match = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-(.+)\.(\w+)$/.exec(name);
  expect(match, name).not.toBeNull();
  const [, y, mo, d, h, mi, s, rest, ext] = match!;
  const when = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)).getTime();
  expect(Math.abs(Date.now() - when)).toBeLessThan(5 * 60_000);
  expect(rest).toBe(`${model}-${slug}`);
  expect(ext).toBe(extension);
}

async function metadata(path: string): Promise<{ width?: number; height?: number; format?: string }> {
  const { width, height, format } = await sharp(path).metadata();
  return { width, height, format };
}

describe('imagine: success', () => {
  it('gpt-image-2 (b64): saves a PNG of the asked size under outputs/ and prints only its path', async () => {
    const run = await imagine(['--prompt', 'A red fox in snow!', '--size', '1536x1024', '--quality', 'low']);
    expect(run.code, run.stderr).toBe(0);
    const [path] = savedPaths(run);
    expect(dirname(path!)).toBe(join(run.cwd, 'outputs'));
    expectName(path!, 'gpt-image-2', 'a-red-fox-in-snow', 'png');
    expect(await metadata(path!)).toEqual({ width: 1536, height: 1024, format: 'png' });
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.body).toMatchObject({ model: 'gpt-image-2', size: '1536x1024', quality: 'low' });
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
  });

  it('flux-2-pro (URL): downloads the image and saves the JPEG', async () => {
    const run = await imagine(['--prompt', 'a lighthouse at dusk', '--model', 'flux-2-pro', '--size', '1024x1536', '--seed', '7', '--safety-tolerance', '4']);
    expect(run.code, run.stderr).toBe(0);
    const [path] = savedPaths(run);
    expectName(path!, 'flux-2-pro', 'a-lighthouse-at-dusk', 'jpg');
    expect(await metadata(path!)).toEqual({ width: 1024, height: 1536, format: 'jpeg' });
    expect(fake.downloads).toHaveLength(1);
    expect(fake.requests[0]?.body).toMatchObject({ model: 'flux-2-pro', seed: 7, safety_tolerance: 4, width: 1024, height: 1536 });
  });

  it('flux-kontext-pro --size 16:9: a landscape image of about 1 MP', async () => {
    const run = await imagine(['--prompt', 'a wide valley', '--model', 'flux-kontext-pro', '--size', '16:9']);
    expect(run.code, run.stderr).toBe(0);
    const [path] = savedPaths(run);
    expectName(path!, 'flux-kontext-pro', 'a-wide-valley', 'jpg');
    const { width = 0, height = 0 } = await metadata(path!);
    expect(width / height).toBeCloseTo(16 / 9, 1);
    expect(Math.abs(width * height - 1024 * 1024) / (1024 * 1024)).toBeLessThan(0.1);
    expect(fake.requests[0]?.body).toMatchObject({ aspect_ratio: '16:9' });
  });

  it('flux-2-flex --upsample --format png --steps --guidance: the relay gets the FLUX fields and a PNG is saved', async () => {
    const run = await imagine(['--prompt', 'an open sign', '--model', 'flux-2-flex', '--upsample', '--format', 'png', '--steps', '30', '--guidance', '6']);
    expect(run.code, run.stderr).toBe(0);
    const [path] = savedPaths(run);
    expectName(path!, 'flux-2-flex', 'an-open-sign', 'png');
    expect((await metadata(path!)).format).toBe('png');
    expect(fake.requests[0]?.body).toMatchObject({ model: 'flux-2-flex', prompt_upsampling: true, output_format: 'png', steps: 30, guidance: 6 });
  });

  it('--out DIR is honoured, and --n 2 prints two paths', async () => {
    const out = join(makeTempDir(), 'nested', 'images');
    const run = await imagine(['--prompt', 'two foxes', '--n', '2', '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    const paths = savedPaths(run, 2);
    for (const path of paths) expect(dirname(path)).toBe(out);
    expect(new Set(paths).size).toBe(2);
    expect(existsSync(join(run.cwd, 'outputs'))).toBe(false);
  });

  it('a Chinese prompt, or one that looks like a path, still gives a safe file name in the output folder', async () => {
    for (const prompt of ['一只在雪地里的红狐狸', '../../etc/passwd', 'a/b\\c:*?"<>|']) {
      const run = await imagine(['--prompt', prompt, '--out', 'here']);
      expect(run.code, run.stderr).toBe(0);
      const [path] = savedPaths(run);
      expect(dirname(path!)).toBe(join(run.cwd, 'here'));
      expect(basename(path!)).toMatch(/^[a-z0-9-]+\.png$/);
      expect(await metadata(path!)).toMatchObject({ format: 'png' });
    }
  });
});

describe('imagine: failures are one line on stderr', () => {
  it('a wrong key: non-zero exit, names IMAGE_API_KEY as the thing to check, never shows the key', async () => {
    const key = 'relaykey-Zq8wX2vN5mP0tR7y';
    const run = await imagine(['--prompt', 'a fox'], { IMAGE_API_KEY: key });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    const line = oneLine(run.stderr);
    expect(line).toMatch(/rejected the key/i);
    expect(line).toContain('IMAGE_API_KEY');
    expect(run.stderr).not.toContain(key);
    expect(fake.requests).toHaveLength(1);
  });

  it('LANG=zh_CN.UTF-8 gives the message in Chinese', async () => {
    const run = await imagine(['--prompt', 'a fox'], { IMAGE_API_KEY: 'relaykey-Zq8wX2vN5mP0tR7y', LANG: 'zh_CN.UTF-8' });
    expect(run.code).not.toBe(0);
    const line = oneLine(run.stderr);
    expect(line).toContain('密钥');
    expect(line).not.toMatch(/rejected/);
  });

  it('no --prompt: exit 2 with a usage line, nothing sent', async () => {
    const run = await imagine([]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const line = oneLine(run.stderr);
    expect(line).toContain('--prompt');
    expect(line).toContain('npm run imagine');
    expect(fake.requests).toHaveLength(0);
  });

  it('an unknown option: exit 2 with the usage', async () => {
    const run = await imagine(['--prompt', 'a fox', '--colour', 'red']);
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toMatch(/--colour.*Usage: npm run imagine -- --prompt/);
  });

  it('an impossible size: non-zero, names the valid sizes, and the relay received nothing', async () => {
    const run = await imagine(['--prompt', 'a fox', '--model', 'gpt-image-1', '--size', '4000x10']);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    const line = oneLine(run.stderr);
    expect(line).toContain('4000x10');
    expect(line).toMatch(/Valid: .*1024x1024, 1024x1536, 1536x1024/);
    expect(fake.requests).toHaveLength(0);
  });

  it('a model that is not offered: names the offered ones, nothing sent', async () => {
    const run = await imagine(['--prompt', 'a fox', '--model', 'flux-9-mega'], { IMAGE_MODELS: 'gpt-image-2,flux-2-pro' });
    expect(run.code).not.toBe(0);
    expect(oneLine(run.stderr)).toMatch(/flux-9-mega.*gpt-image-2, flux-2-pro/);
    expect(fake.requests).toHaveLength(0);
  });

  it('--timeout 1 against a relay that never answers: fails within a few seconds, saying it timed out', async () => {
    fake.failNext({ kind: 'hang' });
    const run = await imagine(['--prompt', 'a fox', '--timeout', '1']);
    expect(run.code).not.toBe(0);
    expect(run.ms).toBeLessThan(5_000);
    expect(run.stdout).toBe('');
    const line = oneLine(run.stderr);
    expect(line).toMatch(/did not answer in time|timed out/i);
    expect(line).toMatch(/charged/);
    expect(fake.requests).toHaveLength(1);
  });

  it('no relay configured: a one-line configuration error naming IMAGE_API_BASE_URL', async () => {
    const run = await imagine(['--prompt', 'a fox'], { IMAGE_API_BASE_URL: '', IMAGE_API_KEY: '' });
    expect(run.code).toBe(2);
    expect(oneLine(run.stderr)).toContain('IMAGE_API_BASE_URL');
  });

  it('reads IMAGE_API_BASE_URL and the key from .env in the current folder', async () => {
    const cwd = makeTempDir('imagine-cli-');
    writeTempFile(cwd, '.env', `NEW_API_BASE_URL=${fake.url}\nNEW_API_KEY=${fake.apiKey}\nIMAGE_MODEL=flux-2-pro\n`);
    const run = await spawnAndCollect(process.execPath, [CLI, '--prompt', 'a fox from dotenv'], cwd, { ...cleanEnvironment(), LANG: 'en_US.UTF-8' });
    expect(run.code, run.stderr).toBe(0);
    const [path] = savedPaths(run);
    expectName(path!, 'flux-2-pro', 'a-fox-from-dotenv', 'jpg');
  });
});

describe('npm run imagine', () => {
  it('works through npm itself (the script wiring), printing only the path', async () => {
    expect(existsSync(join(REPO_ROOT, '.env')), 'this test assumes the repository has no .env').toBe(false);
    const out = makeTempDir('imagine-npm-');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const run = await spawnAndCollect(
      npm,
      ['run', '-s', 'imagine', '--', '--prompt', 'a fox via npm', '--model', 'flux-2-klein-4b', '--out', out],
      REPO_ROOT,
      { ...cleanEnvironment(), LANG: 'en_US.UTF-8', IMAGE_API_BASE_URL: fake.url, IMAGE_API_KEY: fake.apiKey },
      60_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const [path] = savedPaths(run);
    expect(dirname(path!)).toBe(out);
    expectName(path!, 'flux-2-klein-4b', 'a-fox-via-npm', 'jpg');
    expect(fake.requests).toHaveLength(1);
  }, 60_000);
});
