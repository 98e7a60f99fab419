// Idle memory: the resident set of the bot once it is connected and has had a few seconds to
// settle, beside the bare discord.js client with the same intents (bareClient.ts), against the same
// fakes, in the same run. What the bot holds beyond the bare client is what it loaded or opened at
// start-up: its code, SQLite, and any library a feature needs only when it is used.
import { startBenchWorld, type BenchClient } from './benchWorld.js';
import { residentOf } from './children.js';
import type { Benchmark, BenchOptions, Row } from './report.js';
import { mib, ratio, summarise } from './stats.js';

const TARGET_RATIO = 1.15;
/** After READY: discord.js has built its caches from GUILD_CREATE, and start-up garbage has had time to go. */
const SETTLE_MS = 5_000;
const TRIALS = 3;

type Resident = ReturnType<typeof residentOf>;

async function idleResident(client: BenchClient, settleMs: number): Promise<Resident> {
  const world = await startBenchWorld({ name: 'idle', client, relayLatencyMs: 1_000 });
  try {
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    return residentOf(world.bot.child.pid!);
  } finally {
    await world.close();
  }
}

/** The trial with the median RSS, whole (its anonymous and file-backed parts belong together). */
function medianTrial(samples: Resident[]): Resident {
  const rss = summarise(samples.map((s) => s.rss)).p50;
  return samples.find((s) => s.rss === rss) as Resident;
}

async function run({ quick, say }: BenchOptions): Promise<Row[]> {
  const samples: Record<BenchClient, Resident[]> = { bot: [], bare: [] };
  const trials = quick ? 1 : TRIALS;
  for (let i = 0; i < trials; i++) {
    for (const client of ['bot', 'bare'] as const) {
      say(`idle: ${client === 'bot' ? 'the bot' : 'the bare client'}, trial ${i + 1} of ${trials}`);
      samples[client].push(await idleResident(client, quick ? 2_000 : SETTLE_MS));
    }
  }
  const bot = medianTrial(samples.bot);
  const bare = medianTrial(samples.bare);
  const each = (client: BenchClient) => samples[client].map((s) => mib(s.rss)).join(' / ');
  return [
    { bench: 'idle', figure: `bot RSS, connected and idle for ${(SETTLE_MS / 1000).toFixed(0)} s (median of ${trials})`, value: mib(bot.rss) },
    { bench: 'idle', figure: '  each trial', value: each('bot') },
    { bench: 'idle', figure: '  anonymous (heaps) / file-backed (code, libraries)', value: `${mib(bot.anon)} / ${mib(bot.file)}` },
    { bench: 'idle', figure: 'bare discord.js client RSS, same intents, same wait', value: mib(bare.rss) },
    { bench: 'idle', figure: '  each trial', value: each('bare') },
    { bench: 'idle', figure: '  anonymous (heaps) / file-backed (code, libraries)', value: `${mib(bare.anon)} / ${mib(bare.file)}` },
    {
      bench: 'idle',
      figure: 'bot / bare client',
      value: `${mib(bot.rss)} / ${mib(bare.rss)} = ${ratio(bot.rss, bare.rss)}`,
      target: `<= ${TARGET_RATIO}x`,
      pass: bot.rss <= TARGET_RATIO * bare.rss,
    },
  ];
}

export const idleBenchmark: Benchmark = { name: 'idle', title: 'idle memory, beside a bare discord.js client', run };
