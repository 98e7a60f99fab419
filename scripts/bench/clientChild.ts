// One side of the openai comparison, run as its own process so its memory is its own:
//   node dist/scripts/bench/clientChild.js --client openai|ours --url URL --count N --concurrency C
// Generates N b64 images through the chosen client and prints one JSON line: wall time, CPU time,
// and memory at each stage (after loading the client, after the first request, the peak). Each side
// loads only its own client (dynamic import), so neither pays for the other's modules.
//
// Both sides keep the same data alive: each worker holds the decoded bytes of its latest image
// (as a caller does while it delivers the image) until the next one replaces them, and nothing else.
//
// Peak RSS: on Linux, process.resourceUsage().maxRSS of a spawned child starts at its parent's RSS
// (the kernel carries the high-water mark of the forked copy across exec), so a child of a 400 MiB
// bench process reports at least 400 MiB. /proc/self/status VmHWM is the same high-water mark for
// this process's own memory only; it is used where it exists, maxRSS elsewhere.
import { readFileSync } from 'node:fs';
import Module from 'node:module';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULT_API_KEY } from '../../test/fakes/relay/settings.js';

/** process.memoryUsage() in KiB: RSS, the JS heap (reserved and used), and memory outside it. */
export interface MemoryKiB {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  /** C++ objects bound to JS, including every ArrayBuffer and Buffer. */
  external: number;
  /** Of `external`: ArrayBuffers and Buffers. */
  arrayBuffers: number;
}

export interface ChildReport {
  client: string;
  count: number;
  wallMs: number;
  cpuMs: number;
  /** After importing the client and constructing it, before any request. */
  loaded: MemoryKiB;
  /** After the first (untimed) request. */
  warm: MemoryKiB;
  /** KiB, peak (VmHWM) after loading the client and one request. */
  baselineRssKiB: number;
  /** KiB, the process's peak (VmHWM). */
  peakRssKiB: number;
  /** KiB, the largest value of each figure seen between requests of the timed run. */
  maxBetweenRequests: MemoryKiB;
  /** After the run and a full GC (when the child runs with --expose-gc; else without the GC). */
  end: MemoryKiB;
  /** KiB, process.resourceUsage().maxRSS, for reference (see above). */
  maxRssKiB: number;
  /** Whether sharp (libvips, ~20 MiB of RSS) was loaded by the end. */
  sharpLoaded: boolean;
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

function memory(): MemoryKiB {
  const usage = process.memoryUsage();
  const kib = (bytes: number): number => Math.round(bytes / 1024);
  return { rss: kib(usage.rss), heapTotal: kib(usage.heapTotal), heapUsed: kib(usage.heapUsed), external: kib(usage.external), arrayBuffers: kib(usage.arrayBuffers) };
}

function maxOf(a: MemoryKiB, b: MemoryKiB): MemoryKiB {
  return {
    rss: Math.max(a.rss, b.rss),
    heapTotal: Math.max(a.heapTotal, b.heapTotal),
    heapUsed: Math.max(a.heapUsed, b.heapUsed),
    external: Math.max(a.external, b.external),
    arrayBuffers: Math.max(a.arrayBuffers, b.arrayBuffers),
  };
}

/** Whether sharp (a CommonJS package, so in the require cache when loaded) was loaded. */
function sharpLoaded(): boolean {
  const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
  return Object.keys(cache).some((path) => /[\\/]node_modules[\\/]sharp[\\/]/.test(path));
}

/** Generates one image for `prompt` and returns its decoded bytes. */
type Generate = (prompt: string) => Promise<Buffer>;

async function openaiClient(baseURL: string): Promise<Generate> {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ apiKey: DEFAULT_API_KEY, baseURL });
  return async (prompt) => {
    const response = await client.images.generate({ model: 'gpt-image-2', prompt, size: '1024x1024' });
    const b64 = response.data?.[0]?.b64_json;
    if (!b64) throw new Error('openai: no b64_json in the answer');
    // Decoded, as any caller must before using the image (our pipeline hands back bytes).
    return Buffer.from(b64, 'base64');
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
    const image = result.images[0];
    if (!image) throw new Error('ours: no image in the result');
    return image.bytes;
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
  const gc = (globalThis as { gc?: () => void }).gc;
  const generate = values.client === 'openai' ? await openaiClient(url) : await ourClient(url);
  const loaded = memory();
  // One untimed request first: connection set-up and the first JIT are the same for both.
  let held: Buffer[] = [await generate('warm-up: a small green square')];
  const warm = memory();
  const baselineRssKiB = peakRssKiB();

  let next = 0;
  let imageBytes = 0;
  let maxBetweenRequests = warm;
  held = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const worker = async (slot: number): Promise<void> => {
    while (next < count) {
      const index = next++;
      const bytes = await generate(`a lighthouse on a cliff at dusk, study ${index}`);
      held[slot] = bytes; // the latest image of this worker stays alive until its next one
      imageBytes += bytes.length;
      maxBetweenRequests = maxOf(maxBetweenRequests, memory());
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, slot) => worker(slot)));
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const peak = peakRssKiB();
  held = [];
  gc?.();
  const end = memory();
  const report: ChildReport = {
    client: values.client ?? 'ours',
    count,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    loaded,
    warm,
    baselineRssKiB,
    peakRssKiB: peak,
    maxBetweenRequests,
    end,
    maxRssKiB: process.resourceUsage().maxRSS,
    sharpLoaded: sharpLoaded(),
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
