// One side of the openai comparison, run as its own process so its peak RSS is its own:
//   node dist/scripts/bench/clientChild.js --client openai|ours --url URL --count N --concurrency C
// Generates N b64 images through the chosen client and prints one JSON line: wall time, CPU time,
// and peak RSS after the first request and at the end. Each side loads only its own client (dynamic
// import), so neither pays for the other's modules.
//
// Peak RSS: on Linux, process.resourceUsage().maxRSS of a spawned child starts at its parent's RSS
// (the kernel carries the high-water mark of the forked copy across exec), so a child of a 400 MiB
// bench process reports at least 400 MiB. /proc/self/status VmHWM is the same high-water mark for
// this process's own memory only; it is used where it exists, maxRSS elsewhere.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULT_API_KEY } from '../../test/fakes/relay/settings.js';

export interface ChildReport {
  client: string;
  count: number;
  wallMs: number;
  cpuMs: number;
  /** KiB, peak after loading the client and one request. */
  baselineRssKiB: number;
  /** KiB, the process's peak (VmHWM). */
  peakRssKiB: number;
  /** KiB, process.resourceUsage().maxRSS, for reference (see above). */
  maxRssKiB: number;
  imageBytes: number;
}

/** Peak resident set size of this process, KiB. */
function peakRssKiB(): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match?.[1]) return Number(match[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

/** Generates one image for `prompt` and returns its decoded size in bytes. */
type Generate = (prompt: string) => Promise<number>;

async function openaiClient(baseURL: string): Promise<Generate> {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ apiKey: DEFAULT_API_KEY, baseURL });
  return async (prompt) => {
    const response = await client.images.generate({ model: 'gpt-image-2', prompt, size: '1024x1024' });
    const b64 = response.data?.[0]?.b64_json;
    if (!b64) throw new Error('openai: no b64_json in the answer');
    // Decoded, as any caller must before using the image (our pipeline hands back bytes).
    return Buffer.from(b64, 'base64').length;
  };
}

async function ourClient(baseUrl: string): Promise<Generate> {
  const { loadConfig } = await import('../../src/config/index.js');
  const { ImagePipeline } = await import('../../src/pipeline/imagePipeline.js');
  const config = loadConfig({
    require: ['relay'],
    envFile: join(tmpdir(), 'imagine-bench-no.env'),
    processEnv: { IMAGE_API_BASE_URL: baseUrl, IMAGE_API_KEY: DEFAULT_API_KEY },
  });
  // The bot's path: prepare (defaults, validation, dialect), then generate (send, classify, decode, check).
  const pipeline = new ImagePipeline(config);
  return async (prompt) => {
    const result = await pipeline.generate(pipeline.prepare({ prompt, model: 'gpt-image-2', size: '1024x1024' }));
    return result.images[0]?.bytes.length ?? 0;
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { client: { type: 'string' }, url: { type: 'string' }, count: { type: 'string' }, concurrency: { type: 'string' } },
    strict: true,
  });
  const url = values.url ?? '';
  const count = Number(values.count ?? 100);
  const concurrency = Number(values.concurrency ?? 1);
  const generate = values.client === 'openai' ? await openaiClient(url) : await ourClient(url);
  // One untimed request first: connection set-up and the first JIT are the same for both.
  await generate('warm-up: a small green square');
  const baselineRssKiB = peakRssKiB();

  let next = 0;
  let imageBytes = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      imageBytes += await generate(`a lighthouse on a cliff at dusk, study ${index}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const report: ChildReport = {
    client: values.client ?? 'ours',
    count,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    baselineRssKiB,
    peakRssKiB: peakRssKiB(),
    maxRssKiB: process.resourceUsage().maxRSS,
    imageBytes,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`clientChild: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exit(1);
  },
);
