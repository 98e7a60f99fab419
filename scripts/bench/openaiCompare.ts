// Our relay client (the bot's ImagePipeline) side by side with the official `openai` npm package,
// against the same relay fake: N b64 images each, sequentially (one request at a time, the same for
// both), each client in its own child process (clientChild.ts) so peak RSS compares like with like.
// The relay fake runs here, in the parent, with no added latency: what remains of the wall time is
// the fake painting and encoding a 1024x1024 PNG (the same for both) plus each client's own work,
// so the CPU time of each child is the cleaner comparison of the clients themselves.
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
  });
  const line = await child.firstLine;
  const code = await child.exited;
  if (code !== 0) throw new Error(`the ${client} client run failed (${code}):\n${child.stderrTail()}`);
  return JSON.parse(line) as ChildReport;
}

const mibOf = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;

async function run({ quick, say }: BenchOptions): Promise<Row[]> {
  const count = quick ? 20 : 100;
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
      say(`openai: ${count} ${kind} images through our pipeline`);
      const ours = await runChild('ours', relay.url, count);
      say(`openai: ${count} ${kind} images through the openai package`);
      const openai = await runChild('openai', relay.url, count);
      const size = mib(ours.imageBytes / count);
      const label = `${count} b64 1024x1024 ${kind} PNGs (${size} each), ${CONCURRENCY === 1 ? 'sequential' : `${CONCURRENCY} at a time`}`;
      rows.push(
        { bench: 'openai', figure: `${label}: wall time (ours / openai)`, value: `${ms(ours.wallMs)} / ${ms(openai.wallMs)} = ${ratio(ours.wallMs, openai.wallMs)}` },
        { bench: 'openai', figure: '  per image (ours / openai)', value: `${ms(ours.wallMs / count)} / ${ms(openai.wallMs / count)}` },
        { bench: 'openai', figure: '  client CPU time (ours / openai)', value: `${ms(ours.cpuMs)} / ${ms(openai.cpuMs)} = ${ratio(ours.cpuMs, openai.cpuMs)}` },
        { bench: 'openai', figure: '  peak RSS (ours / openai)', value: `${mibOf(ours.peakRssKiB)} / ${mibOf(openai.peakRssKiB)} = ${ratio(ours.peakRssKiB, openai.peakRssKiB)}` },
        { bench: 'openai', figure: '  peak RSS after the first request (ours / openai)', value: `${mibOf(ours.baselineRssKiB)} / ${mibOf(openai.baselineRssKiB)}` },
      );
    }
    return rows;
  } finally {
    await relay.close();
  }
}

export const openaiBenchmark: Benchmark = { name: 'openai', title: 'our client vs the openai package', run };
