// One test world: the relay fake, the Discord fake, a temp folder with the SQLite file, and the real
// bot process connected to both. `restartBot()` stops (or kills) it and starts a fresh process on the
// same database, as an operator restarting the service would.
//
// Every world gives the relay a distinctive key (unless a test sets its own) and, on close, searches
// for it everywhere it must never be: every log and stdout line of every bot process, everything
// the bot sent to Discord and the messages it made there, the usage rows, and the SQLite files
// (with -wal and -shm). A leak fails the test file that leaked it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startDiscordFake, type DiscordFake, type DiscordFakeOptions, type InteractionHandle } from '../fakes/discord/index.js';
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

/** What a key search reads besides the world itself. */
export interface KeySearch {
  /** Every stderr (log) line of every bot process. */
  logs: readonly string[];
  /** Every stdout line of every bot process. */
  stdout?: readonly string[];
  /** Interactions whose replies, follow-ups, callbacks and their users' DMs are searched too. */
  handles?: readonly InteractionHandle[];
}

/** What of a world a key search reads. */
export type KeyPlaces = Pick<World, 'discord' | 'dbPath' | 'usageRows'>;

/** Every place the key must never reach, each with its text: [place, text]. */
export function keyHaystacks(world: KeyPlaces, search: KeySearch): Array<[string, string]> {
  const { discord, dbPath } = world;
  const handles = search.handles ?? [];
  const users = new Set([discord.defaultUser.id, ...handles.map((handle) => handle.user.id)]);
  const messages: unknown[] = [
    ...discord.channelMessages(),
    ...discord.channelMessages(discord.nsfwChannelId),
    ...[...users].flatMap((userId) => discord.dmMessages(userId)),
    ...handles.flatMap((handle) => [handle.original(), ...handle.followups(), handle.callbacks]),
  ];
  const places: Array<[string, string]> = [
    ['bot logs', search.logs.join('\n')],
    ['bot stdout', (search.stdout ?? []).join('\n')],
    ['requests to Discord', JSON.stringify(discord.requests)],
    ['Discord messages', JSON.stringify(messages)],
  ];
  // The files as bytes (latin1 keeps every byte), then the rows decoded: a value that spans
  // SQLite's overflow pages is whole only there.
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(dbPath + suffix)) places.push([`database${suffix}`, readFileSync(dbPath + suffix).toString('latin1')]);
  }
  if (existsSync(dbPath)) places.push(['usage rows', JSON.stringify(world.usageRows())]);
  return places;
}

/**
 * The texts that would betray the key: the key, its secret part alone, and each long piece of that
 * (a redaction that kept the tail would still leak it).
 */
export function keyNeedles(key: string): string[] {
  const secret = key.replace(/^sk-/, '');
  return [...new Set([key, secret, ...secret.split(/[^A-Za-z0-9]+/)])].filter((needle) => needle.length >= 16);
}

/** Where the key was found, or an empty list. */
export function keyLeaks(world: KeyPlaces, key: string, search: KeySearch): string[] {
  const needles = keyNeedles(key);
  return keyHaystacks(world, search)
    .filter(([, text]) => needles.some((needle) => text.includes(needle)))
    .map(([place]) => place);
}

/**
 * Waits until the request of `interactionId` is settled: its job row is final (or it has none). The
 * bot settles a delivered request right after Discord confirms the delivery, so a test that has just
 * seen the image may otherwise read the rows a moment too early.
 */
export async function waitSettled(world: Pick<World, 'dbPath'>, interactionId: string, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const db = new Database(world.dbPath, { readonly: true });
    let open: unknown;
    try {
      open = db.prepare("SELECT 1 FROM jobs WHERE interaction_id = ? AND state IN ('queued', 'running')").get(interactionId);
    } finally {
      db.close();
    }
    if (!open) return;
    if (Date.now() > end) throw new Error(`request ${interactionId} was not settled within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  // Built at run time: a key-shaped literal in the source would itself be a leak.
  const key = options.relay?.apiKey ?? `sk-canary${randomBytes(16).toString('hex')}`;
  const relay = await startRelayFake({ ...options.relay, apiKey: key });
  const discord = await startDiscordFake(options.discord);
  const dir = await mkdtemp(join(tmpdir(), 'imagine-e2e-'));
  const dbPath = join(dir, 'data', 'bot.sqlite');
  const env = {
    DISCORD_TOKEN: discord.token,
    DISCORD_API_BASE_URL: discord.apiBase,
    IMAGE_API_BASE_URL: relay.url,
    IMAGE_API_KEY: key,
    DATABASE_PATH: dbPath,
    ...options.env,
  };
  const launch = async () => {
    const bot = startBotProcess(env, dir);
    await bot.waitForLog(/bot is online/);
    await discord.waitForReady();
    return bot;
  };
  const earlierLogs: string[] = [];
  const earlierStdout: string[] = [];
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
      earlierLogs.push(...world.bot.logs);
      earlierStdout.push(...world.bot.stdout);
      world.bot = await launch();
      return world.bot;
    },
    async close() {
      await world.bot.stop('SIGTERM');
      const leaks = keyLeaks(world, key, { logs: [...earlierLogs, ...world.bot.logs], stdout: [...earlierStdout, ...world.bot.stdout] });
      await discord.close();
      await relay.close();
      await rm(dir, { recursive: true, force: true });
      if (leaks.length > 0) throw new Error(`the relay key leaked into: ${leaks.join(', ')}`);
    },
  };
  return world;
}

/** Several bot processes sharing one database (PostgreSQL): README "Scale". */
export interface SharedWorldOptions {
  relay?: RelayFakeOptions;
  discord?: DiscordFakeOptions;
  /** The environment of every process: DATABASE_URL, SHARD_COUNT, the caps … */
  env: Record<string, string>;
  /** One process per entry, with its own environment on top (SHARD_IDS, PROCESS_NAME …). */
  processes: ReadonlyArray<Record<string, string>>;
  /** The relay URL the bots get instead of the fake's own (a meter in front of it), from the fake. */
  relayUrl?: (relay: RelayFake) => Promise<string>;
  /** The shared database as text, searched for the key on close (there are no files to read). */
  databaseText?: () => Promise<string>;
}

export interface SharedWorld {
  relay: RelayFake;
  discord: DiscordFake;
  /** The processes, in the order of `processes`; a stopped one stays in its place. */
  bots: BotProcess[];
  dir: string;
  /** Starts process `index` again (after it stopped or was killed) and resolves once every guild is covered again. */
  relaunch(index: number): Promise<BotProcess>;
  close(): Promise<void>;
}

/**
 * Starts the fakes and every process at once, and resolves when each is online and, together, they
 * cover every guild (each runs only its own shards). Close searches every process's logs, Discord
 * and the database for the relay key, as startWorld's does.
 */
export async function startSharedWorld(options: SharedWorldOptions): Promise<SharedWorld> {
  const key = options.relay?.apiKey ?? `sk-canary${randomBytes(16).toString('hex')}`;
  const relay = await startRelayFake({ ...options.relay, apiKey: key });
  const discord = await startDiscordFake(options.discord);
  const dir = await mkdtemp(join(tmpdir(), 'imagine-e2e-shared-'));
  const relayUrl = options.relayUrl ? await options.relayUrl(relay) : relay.url;
  const base = { DISCORD_TOKEN: discord.token, DISCORD_API_BASE_URL: discord.apiBase, IMAGE_API_BASE_URL: relayUrl, IMAGE_API_KEY: key, ...options.env };
  const bots = options.processes.map((own) => startBotProcess({ ...base, ...own }, dir));
  const earlier: BotProcess[] = [];
  const world: SharedWorld = {
    relay,
    discord,
    bots,
    dir,
    async relaunch(index) {
      const previous = bots[index]!;
      await previous.stop('SIGTERM');
      earlier.push(previous);
      const bot = startBotProcess({ ...base, ...options.processes[index] }, dir);
      bots[index] = bot;
      await bot.waitForLog(/bot is online/, 30_000);
      await discord.waitForReady();
      return bot;
    },
    async close() {
      await Promise.all(bots.map((bot) => bot.stop('SIGTERM')));
      const logs = [...earlier, ...bots].flatMap((bot) => bot.logs);
      const stdout = [...earlier, ...bots].flatMap((bot) => bot.stdout);
      // No SQLite file: the Discord side is searched as usual, the database through its text.
      const leaks = keyLeaks({ discord, dbPath: join(dir, 'no-sqlite-file'), usageRows: () => [] }, key, { logs, stdout });
      const text = (await options.databaseText?.()) ?? '';
      if (keyNeedles(key).some((needle) => text.includes(needle))) leaks.push('the shared database');
      await discord.close();
      await relay.close();
      await rm(dir, { recursive: true, force: true });
      if (leaks.length > 0) throw new Error(`the relay key leaked into: ${leaks.join(', ')}`);
    },
  };
  try {
    await Promise.all(bots.map((bot) => bot.waitForLog(/bot is online/, 30_000)));
    await discord.waitForReady();
  } catch (error) {
    await Promise.all(bots.map((bot) => bot.stop('SIGKILL')));
    await discord.close();
    await relay.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return world;
}
