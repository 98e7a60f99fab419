// One test world: the relay fake, the Discord fake, a temp folder with the SQLite file, and the real
// bot process connected to both. `restartBot()` stops (or kills) it and starts a fresh process on the
// same database, as an operator restarting the service would.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startDiscordFake, type DiscordFake, type DiscordFakeOptions } from '../fakes/discord/index.js';
import { startRelayFake, type RelayFake, type RelayFakeOptions } from '../fakes/relay/index.js';
import { startBotProcess, type BotProcess } from './botProcess.js';

export interface WorldOptions {
  relay?: RelayFakeOptions;
  discord?: DiscordFakeOptions;
  /** Extra environment for the bot (REQUEST_TIMEOUT, IMAGE_MODELS, …). */
  env?: Record<string, string>;
}

export interface World {
  relay: RelayFake;
  discord: DiscordFake;
  bot: BotProcess;
  dir: string;
  dbPath: string;
  env: Record<string, string>;
  /** Rows of the usage log (read through a separate connection, as an operator would). */
  usageRows(): Array<Record<string, unknown>>;
  restartBot(how?: 'SIGTERM' | 'SIGKILL'): Promise<BotProcess>;
  close(): Promise<void>;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const relay = await startRelayFake(options.relay);
  const discord = await startDiscordFake(options.discord);
  const dir = await mkdtemp(join(tmpdir(), 'imagine-e2e-'));
  const dbPath = join(dir, 'data', 'bot.sqlite');
  const env = {
    DISCORD_TOKEN: discord.token,
    DISCORD_API_BASE_URL: discord.apiBase,
    IMAGE_API_BASE_URL: relay.url,
    IMAGE_API_KEY: relay.apiKey,
    DATABASE_PATH: dbPath,
    ...options.env,
  };
  const launch = async () => {
    const bot = startBotProcess(env, dir);
    await bot.waitForLog(/bot is online/);
    await discord.waitForReady();
    return bot;
  };
  const world: World = {
    relay,
    discord,
    bot: await launch(),
    dir,
    dbPath,
    env,
    usageRows() {
      const db = new Database(dbPath, { readonly: true });
      try {
        return db.prepare('SELECT * FROM usage ORDER BY id').all() as Array<Record<string, unknown>>;
      } finally {
        db.close();
      }
    },
    async restartBot(how = 'SIGTERM') {
      await world.bot.stop(how);
      world.bot = await launch();
      return world.bot;
    },
    async close() {
      await world.bot.stop('SIGTERM');
      await discord.close();
      await relay.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
}
