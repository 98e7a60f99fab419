// Acknowledgement latency: a burst of /imagine interactions through the real bot process (the real
// discord.js client, dist/src/main.js) against the Discord fake. Per interaction, the time from the
// fake dispatching INTERACTION_CREATE (`handle.dispatchedAt`) to the fake accepting the deferral
// callback (`callbacks[0].at`), both Date.now() in this process, so 1 ms resolution.
//
// The bot does its whole admission before deferring (policy read, word filter, ledger reservation in
// SQLite), so this is the figure that decides whether Discord's 3-second deadline is ever at risk.
import type { DiscordFake, FakeUser, InteractionHandle } from '../../test/fakes/discord/index.js';
import { startBenchWorld } from './benchWorld.js';
import type { Benchmark, BenchOptions, Row } from './report.js';
import { ms, summarise } from './stats.js';

const TARGET_P99_MS = 100;
/** Discord's own deadline; the fake is given longer so late callbacks are still measured, then counted. */
const DISCORD_DEADLINE_MS = 3_000;
/** Long enough that no generation finishes, and no upload competes with the deferrals, during the burst. */
const RELAY_LATENCY_MS = 60_000;
const WARMUP = 20;
/** Separate bot processes, each with one burst. */
const TRIALS = 3;

/** Distinct members: the bot allows one running job per user, so one user each keeps all admitted. */
function member(index: number): FakeUser {
  return { id: String(300_000_000_000_000_000n + BigInt(index)), username: `bench${index}` };
}

function imagine(discord: DiscordFake, index: number): InteractionHandle {
  return discord.interact({
    name: 'imagine',
    options: [{ name: 'prompt', type: 3, value: `a lighthouse on a cliff at dusk, study ${index}` }],
    user: member(index),
  });
}

interface Trial {
  latencies: number[];
  notDeferred: number;
  missing: number;
  /** First dispatch to last callback. */
  spanMs: number;
}

/** One fresh bot process: warm-up, then the burst. */
async function trial(count: number, say: (line: string) => void): Promise<Trial> {
  // Room for the whole burst in the queue; per-user limits stay at their defaults.
  const world = await startBenchWorld({ name: 'ack', relayLatencyMs: RELAY_LATENCY_MS, env: { QUEUE_MAX_QUEUED: '10000' } });
  const { discord } = world;
  const botExited = world.bot.exited.then((code) => {
    throw new Error(`the bot exited (${code}) during the benchmark:\n${world.bot.stderrTail()}`);
  });
  botExited.catch(() => {});
  try {
    // Interactions one at a time first: the first ones pay for JIT, prepared statements and the
    // REST connection, which a bot that has been running a while has long paid.
    for (let i = 0; i < WARMUP; i++) await imagine(discord, i).waitForCallback(10_000);

    say(`ack: dispatching ${count} /imagine at once`);
    const handles: InteractionHandle[] = [];
    for (let i = 0; i < count; i++) handles.push(imagine(discord, 1000 + i));
    const callbacks = await Promise.race([Promise.allSettled(handles.map((handle) => handle.waitForCallback(20_000))), botExited]);

    const result: Trial = { latencies: [], notDeferred: 0, missing: 0, spanMs: 0 };
    let lastAck = 0;
    callbacks.forEach((outcome, index) => {
      if (outcome.status === 'rejected') {
        result.missing++;
        return;
      }
      if (outcome.value.type !== 5) result.notDeferred++;
      result.latencies.push(outcome.value.at - (handles[index] as InteractionHandle).dispatchedAt);
      lastAck = Math.max(lastAck, outcome.value.at);
    });
    result.spanMs = lastAck - (handles[0]?.dispatchedAt ?? lastAck);
    return result;
  } finally {
    await world.close();
  }
}

async function run({ quick, say }: BenchOptions): Promise<Row[]> {
  const count = quick ? 40 : 200;
  const trials: Trial[] = [];
  for (let i = 0; i < (quick ? 1 : TRIALS); i++) trials.push(await trial(count, say));
  const each = trials.map((t) => summarise(t.latencies));
  const all = summarise(trials.flatMap((t) => t.latencies));
  // The median trial: one burst's p99 swings with GC and scheduling, so the middle of three is the figure.
  const middle = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const p99 = middle(each.map((s) => s.p99));
  const notDeferred = trials.reduce((n, t) => n + t.notDeferred, 0);
  const missing = trials.reduce((n, t) => n + t.missing, 0);
  const late = trials.flatMap((t) => t.latencies).filter((v) => v > DISCORD_DEADLINE_MS).length;
  return [
    { bench: 'ack', figure: `deferral latency p50 (burst of ${count}, median of ${trials.length} bots)`, value: ms(middle(each.map((s) => s.p50))) },
    { bench: 'ack', figure: 'deferral latency p99 (median of trials)', value: ms(p99), target: `< ${TARGET_P99_MS} ms`, pass: p99 < TARGET_P99_MS && missing === 0 },
    { bench: 'ack', figure: '  p99 of each trial', value: each.map((s) => ms(s.p99)).join(' / ') },
    { bench: 'ack', figure: `deferral latency max (all ${all.n})`, value: ms(all.max) },
    { bench: 'ack', figure: 'whole burst acknowledged after (median)', value: ms(middle(trials.map((t) => t.spanMs))) },
    {
      bench: 'ack',
      figure: 'not deferred (type != 5) / no callback / over 3 s',
      value: `${notDeferred} / ${missing} / ${late}`,
      target: '0 / 0 / 0',
      pass: notDeferred === 0 && missing === 0 && late === 0,
    },
  ];
}

export const ackBenchmark: Benchmark = { name: 'ack', title: 'acknowledgement latency', run };
