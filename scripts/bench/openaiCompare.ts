// Our relay client (the bot's ImagePipeline) side by side with the official `openai` npm package,
// against the same relay fake: N b64 images each, sequentially (one request at a time, the same for
// both), each client in its own child process (clientChild.ts) so peak RSS compares like with like.
// The relay fake runs here, in the parent, with no added latency: what remains of the wall time is
// the fake painting and encoding a 1024x1024 PNG (the same for both) plus each client's own work,
// so the CPU time of each child is the cleaner comparison of the clients themselves. Besides the
// peak, each child reports its memory after loading its client and after its first request, so a
// gap can be told apart: what a client loads, or what it keeps per request.
import { join } from 'node:path';
import { startRelayFake } from '../../test/fakes/relay/index.js';
import { DEFAULT_API_KEY } from '../../test/fakes/relay/settings.js';
import { DIST, spawnNode } from './children.js';
import type { ChildReport } from './clientChild.js';
import type { Benchmark, BenchOptions, Row } from './report.js';
import { mib, ms, ratio } from './stats.js';

const CONCURRENCY = 1;

async function runChild(client: 'ours' | 'openai', url: string, count: number): Promise<ChildReport> {
  const child = spawnNode(join(DIST, 'scripts/bench/clientChild.js'), ['--client', client, '--url', url, '--count', String(count), '--concurrency', String(CONCURRENCY)], {
    env: {},
    // So the child can report its memory after a full GC at the end (the peak is not affected).
    nodeArgs: ['--expose-gc'],
  });
  const line = await child.firstLine;
  const code = await child.exited;
  if (code !== 0) throw new Error(`the ${client} client run failed (${code}):\n${child.stderrTail()}`);
  return JSON.parse(line) as ChildReport;
}

/** The median of each numeric figure over several runs of one side (booleans: whether any run had it). */
function medianReport(reports: readonly ChildReport[]): ChildReport {
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  };
  const merge = (values: unknown[]): unknown => {
    const [first] = values;
    if (typeof first === 'number') return median(values as number[]);
    if (typeof first === 'boolean') return values.some(Boolean);
    if (first && typeof first === 'object') {
      return Object.fromEntries(Object.keys(first).map((key) => [key, merge(values.map((value) => (value as Record<string, unknown>)[key]))]));
    }
    return first;
  };
  return merge([...reports]) as ChildReport;
}

const mibOf = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;
/** Two KiB figures as "a / b MiB". */
const pair = (ours: number, theirs: number): string => `${(ours / 1024).toFixed(1)} / ${(theirs / 1024).toFixed(1)} MiB`;
/** The issue's goal: our client no slower and using no more memory than the openai package. */
const GOAL = '<= 1.00x';

async function run({ quick, say }: BenchOptions): Promise<Row[]> {
  const count = quick ? 20 : 100;
  // Peak RSS moves by ±10 MiB from run to run with the GC's timing: each side runs several times,
  // the two alternating (and which goes first alternating too), and each figure is the median.
  const rounds = quick ? 1 : 3;
  const relay = await startRelayFake({ latencyMs: 0 });
  try {
    // Warm the fake (its first paint loads sharp's codecs) so neither client pays for it.
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${relay.url}/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEFAULT_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-image-2', prompt: 'warm-up', size: '1024x1024' }),
      });
      await response.arrayBuffer();
    }
    const rows: Row[] = [];
    // Twice: the fake's default smooth gradient (a PNG far smaller than a real one), then noise,
    // whose ~3 MiB PNG (4 MiB of base64) is the size of a detailed real gpt-image 1024x1024.
    for (const noise of [false, true]) {
      relay.configure({ noise });
      const kind = noise ? 'noise' : 'gradient';
      const runs: Record<'ours' | 'openai', ChildReport[]> = { ours: [], openai: [] };
      for (let round = 0; round < rounds; round++) {
        for (const client of round % 2 === 0 ? (['ours', 'openai'] as const) : (['openai', 'ours'] as const)) {
          say(`openai: ${count} ${kind} images through ${client === 'ours' ? 'our pipeline' : 'the openai package'} (run ${round + 1} of ${rounds})`);
          runs[client].push(await runChild(client, relay.url, count));
        }
      }
      const ours = medianReport(runs.ours);
      const openai = medianReport(runs.openai);
      const size = mib(ours.imageBytes / count);
      const label = `${count} b64 1024x1024 ${kind} PNGs (${size} each), ${CONCURRENCY === 1 ? 'sequential' : `${CONCURRENCY} at a time`}${rounds > 1 ? `, median of ${rounds} runs` : ''}`;
      rows.push(
        { bench: 'openai', figure: `${label}: wall time (ours / openai)`, value: `${ms(ours.wallMs)} / ${ms(openai.wallMs)} = ${ratio(ours.wallMs, openai.wallMs)}`, target: GOAL, pass: ours.wallMs <= openai.wallMs },
        { bench: 'openai', figure: '  per image (ours / openai)', value: `${ms(ours.wallMs / count)} / ${ms(openai.wallMs / count)}` },
        { bench: 'openai', figure: '  client CPU time (ours / openai)', value: `${ms(ours.cpuMs)} / ${ms(openai.cpuMs)} = ${ratio(ours.cpuMs, openai.cpuMs)}`, target: GOAL, pass: ours.cpuMs <= openai.cpuMs },
        { bench: 'openai', figure: '  peak RSS (ours / openai)', value: `${mibOf(ours.peakRssKiB)} / ${mibOf(openai.peakRssKiB)} = ${ratio(ours.peakRssKiB, openai.peakRssKiB)}`, target: GOAL, pass: ours.peakRssKiB <= openai.peakRssKiB },
        // Where the peak comes from: what loading the client costs, what one request adds, and what
        // the JS heap and the memory outside it (Buffers) reach between requests.
        { bench: 'openai', figure: '  RSS after loading the client, before any request (ours / openai)', value: pair(ours.loaded.rss, openai.loaded.rss) },
        { bench: 'openai', figure: '  peak RSS after the first request (ours / openai)', value: pair(ours.baselineRssKiB, openai.baselineRssKiB) },
        { bench: 'openai', figure: '  most JS heap reserved between requests (ours / openai)', value: pair(ours.maxBetweenRequests.heapTotal, openai.maxBetweenRequests.heapTotal) },
        { bench: 'openai', figure: '  most external memory (Buffers) between requests (ours / openai)', value: pair(ours.maxBetweenRequests.external, openai.maxBetweenRequests.external) },
        { bench: 'openai', figure: '  JS heap used after the run and a full GC (ours / openai)', value: pair(ours.end.heapUsed, openai.end.heapUsed) },
        { bench: 'openai', figure: '  sharp (libvips) loaded (ours / openai)', value: `${ours.sharpLoaded ? 'yes' : 'no'} / ${openai.sharpLoaded ? 'yes' : 'no'}` },
      );
    }
    return rows;
  } finally {
    await relay.close();
  }
}

export const openaiBenchmark: Benchmark = { name: 'openai', title: 'our client vs the openai package', run };
