// Peak memory with a long queue: the real bot process with QUEUE_MAX_RUNNING=16 against the Discord
// fake and a relay fake (own process) that answers every request with a ~4.5 MiB b64 PNG (1024x1536
// noise). Two phases on one bot: 16 jobs (16 running, none queued), then 500 at once (16 running, up
// to 484 queued). The bot's RSS is sampled from /proc/<pid>/status every 25 ms in each phase.
//
// A queued job holds only its request (prompt, options) and a few closures: images exist only for
// running jobs. So the second phase's peak should match the first's, and the per-queued-job cost
// should be kilobytes, not the image's megabytes.
import type { FakeUser, InteractionHandle } from '../../test/fakes/discord/index.js';
import { startBenchWorld } from './benchWorld.js';
import { residentOf } from './children.js';
import type { Benchmark, BenchOptions, Row } from './report.js';
import { mib } from './stats.js';

const RUNNING = 16;
const RELAY_LATENCY_MS = 1_500;

function member(index: number): FakeUser {
  return { id: String(310_000_000_000_000_000n + BigInt(index)), username: `mem${index}` };
}

/** Resident set of a process in bytes (Linux); 0 where /proc is missing. */
const rssOf = (pid: number): number => residentOf(pid).rss;

/** Samples RSS until `done` resolves; returns the highest sample. */
async function peakWhile(pid: number, done: Promise<unknown>): Promise<number> {
  let peak = rssOf(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 25);
  try {
    await done;
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, rssOf(pid));
}

const delivered = (handle: InteractionHandle) => handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0, 300_000);

async function run({ quick, say }: BenchOptions): Promise<Row[]> {
  const total = quick ? 100 : 500;
  /** Phase two ends after this many deliveries: the queue is still long (total - 4 × 16 waiting). */
  const observed = RUNNING * 4;
  const world = await startBenchWorld({
    name: 'memory',
    relayLatencyMs: RELAY_LATENCY_MS,
    env: {
      IMAGE_MODEL: 'gpt-image-2',
      IMAGE_SIZE: '1024x1536',
      QUEUE_MAX_RUNNING: String(RUNNING),
      IMAGE_API_MAX_CONCURRENCY: String(RUNNING),
      QUEUE_MAX_QUEUED: '10000',
    },
  });
  const { discord, bot } = world;
  try {
    const pid = bot.child.pid!;
    const idle = rssOf(pid);
    // "noise" in the prompt: the relay fake paints incompressible noise, a ~4.5 MiB PNG at 1024x1536.
    const send = (index: number) =>
      discord.interact({ name: 'imagine', options: [{ name: 'prompt', type: 3, value: `noise study ${index}` }], user: member(index) });

    say(`memory: ${RUNNING} jobs, none queued`);
    const first = Array.from({ length: RUNNING }, (_, i) => send(i));
    const peakRunning = await peakWhile(pid, Promise.all(first.map(delivered)));

    say(`memory: ${total} jobs at once (${RUNNING} running, the rest queued); watching the first ${observed} deliveries`);
    const burst = Array.from({ length: total }, (_, i) => send(1000 + i));
    let deliveredCount = 0;
    const firstDeliveries = new Promise<void>((resolve) => {
      for (const handle of burst) {
        void delivered(handle).then(() => {
          if (++deliveredCount === observed) resolve();
        });
      }
    });
    const peakQueued = await peakWhile(pid, firstDeliveries);
    const perQueued = (peakQueued - peakRunning) / (total - RUNNING);
    return [
      { bench: 'memory', figure: 'bot RSS idle (connected, nothing to do)', value: mib(idle) },
      { bench: 'memory', figure: `peak RSS, ${RUNNING} running, 0 queued (~4.5 MiB b64 PNG each)`, value: mib(peakRunning) },
      { bench: 'memory', figure: `peak RSS, ${RUNNING} running, up to ${total - RUNNING} queued`, value: mib(peakQueued) },
      {
        bench: 'memory',
        figure: 'queued / running-only peak',
        value: `${(peakQueued / peakRunning).toFixed(2)}x`,
        target: '≈ 1x (follows running)',
        pass: peakQueued / peakRunning < 1.25,
      },
      { bench: 'memory', figure: '  per queued job', value: `${(perQueued / 1024).toFixed(1)} KiB` },
    ];
  } finally {
    // The rest of the queue is of no interest: stop at once.
    await world.close('SIGKILL');
  }
}

export const memoryBenchmark: Benchmark = { name: 'memory', title: 'peak memory with a long queue', run };
