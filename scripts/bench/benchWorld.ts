// One bench world: the relay fake in its own process (its request handling must not share the event
// loop that timestamps dispatches and callbacks), the Discord fake in this one, and the real bot
// process (dist/src/main.js) in a temp folder, so no developer .env is read. `client: 'bare'` starts
// the bare discord.js client (bareClient.ts) in the bot's place, against the same fakes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDiscordFake, type DiscordFake } from '../../test/fakes/discord/index.js';
import { DEFAULT_API_KEY } from '../../test/fakes/relay/settings.js';
import { DIST, spawnNode, type NodeChild } from './children.js';

export interface BenchWorld {
  discord: DiscordFake;
  bot: NodeChild;
  /** Stops the relay first (so requests in flight end at once), then the bot with `botSignal`. */
  close(botSignal?: NodeJS.Signals): Promise<void>;
}

/** What runs against the fakes: the real bot, or the bare discord.js client it is compared with. */
export type BenchClient = 'bot' | 'bare';

export const CLIENT_SCRIPTS: Record<BenchClient, string> = {
  bot: join(DIST, 'src/main.js'),
  bare: join(DIST, 'scripts/bench/bareClient.js'),
};

/** The environment of a bench client: the fakes, a database in `dataDir`, errors-only logs, and `extra`. */
export function clientEnvironment(discord: DiscordFake, relayUrl: string, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    LOG_LEVEL: 'error',
    DISCORD_TOKEN: discord.token,
    DISCORD_API_BASE_URL: discord.apiBase,
    IMAGE_API_BASE_URL: relayUrl,
    IMAGE_API_KEY: DEFAULT_API_KEY,
    DATABASE_PATH: join(dataDir, 'bench.sqlite'),
    ...extra,
  };
}

export async function startBenchWorld(options: {
  name: string;
  relayLatencyMs: number;
  env?: Record<string, string>;
  client?: BenchClient;
  nodeArgs?: string[];
}): Promise<BenchWorld> {
  const dataDir = await mkdtemp(join(tmpdir(), `imagine-bench-${options.name}-`));
  const relay = spawnNode(join(DIST, 'test/fakes/relay/main.js'), ['--latency', String(options.relayLatencyMs)], { env: {} });
  const discord = await startDiscordFake({ ackDeadlineMs: 15_000 });
  let bot: NodeChild | undefined;
  const close = async (botSignal: NodeJS.Signals = 'SIGTERM') => {
    await relay.stop('SIGTERM', 5_000);
    await bot?.stop(botSignal, botSignal === 'SIGKILL' ? 1_000 : 25_000);
    await discord.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const relayUrl = (await relay.firstLine).trim();
    bot = spawnNode(CLIENT_SCRIPTS[options.client ?? 'bot'], [], {
      cwd: dataDir,
      ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
      env: clientEnvironment(discord, relayUrl, dataDir, options.env),
    });
    const started = bot;
    const botExited = started.exited.then((code) => {
      throw new Error(`the bot exited (${code}) during the benchmark:\n${started.stderrTail()}`);
    });
    botExited.catch(() => {});
    await Promise.race([discord.waitForReady(30_000), botExited]);
    return { discord, bot: started, close };
  } catch (error) {
    await close();
    throw error;
  }
}
