// `npm start`: the bot. Configuration problems end in one line naming the variable; SIGTERM and
// SIGINT stop it gracefully within 20 s.
import { DiscordjsError, DiscordjsErrorCodes } from 'discord.js';
import { BUTTON_HANDLERS, MESSAGE_COMMANDS, MODAL_HANDLERS, SELECT_HANDLERS, SLASH_COMMANDS } from '../commands/index.js';
import { ConfigError, loadConfig } from './config/index.js';
import { startBot, type RunningBot } from './discord/bot.js';
import { describeDiscordError } from './discord/discordErrors.js';
import type { CommandSet } from './discord/interactionRouter.js';
import { flushLogs, log, setLogLevel } from './log.js';

const HARD_EXIT_MS = 19_500;

/** What users can type, handed down to the interaction router (src/discord never imports commands/). */
const COMMANDS: CommandSet = { slash: SLASH_COMMANDS, buttons: BUTTON_HANDLERS, messages: MESSAGE_COMMANDS, modals: MODAL_HANDLERS, selects: SELECT_HANDLERS };

/** Every exit goes through here, so the last log lines (why it stopped) are written out first. */
function exit(code: number): never {
  flushLogs();
  process.exit(code);
}

function die(line: string, code: number): never {
  flushLogs();
  process.stderr.write(`${line}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig({ require: ['discord', 'relay'] });
  } catch (error) {
    if (error instanceof ConfigError) die(error.message, 2);
    throw error;
  }
  // LOG_LEVEL as validated, so a value in .env counts as much as one in the environment.
  setLogLevel(config.env.logLevel);
  // The handlers go in before the bot starts: a signal during start-up (or right after "bot is
  // online") must not meet Node's default action, which kills the process on the spot.
  let bot: RunningBot | undefined;
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log.info('shutting down', { signal });
    // Still starting: nothing runs yet, so there is nothing to drain.
    if (!bot) exit(0);
    setTimeout(() => exit(1), HARD_EXIT_MS).unref();
    bot.stop().then(
      () => exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { error });
        exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  try {
    bot = await startBot(config, COMMANDS);
  } catch (error) {
    // A setting only start-up could check (METRICS_PORT already taken): one line, like the others.
    if (error instanceof ConfigError) die(error.message, 2);
    if (error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.TokenInvalid) {
      die('DISCORD_TOKEN was rejected by Discord: copy the token again from the Developer Portal (Bot → Reset Token)', 2);
    }
    if (error instanceof Error && /DATABASE_PATH|database/i.test(error.message)) die(error.message, 2);
    const code = (error as NodeJS.ErrnoException).code ?? (error as { cause?: NodeJS.ErrnoException }).cause?.code;
    if (code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|UND_ERR_CONNECT_TIMEOUT)$/.test(code)) {
      die(`Could not reach Discord at ${config.env.discordApiBaseUrl} (${code}): check the network, or DISCORD_API_BASE_URL if you set it`, 1);
    }
    throw error;
  }
  watchNpmParent(() => shutdown('npm exited'));
}

/**
 * Under `npm start`, a SIGTERM sent to npm alone (a service manager or container that signals only
 * its main process) never reaches the bot: npm passes it to the `sh -c` running the script, which
 * dies without passing it on, and the bot is left running as an orphan. When npm started us and
 * our parent goes away, treat that like SIGTERM. (Only under `npm start`: a bot started directly by
 * node is left alone, since `nohup node dist/src/main.js &` must survive its shell.)
 */
function watchNpmParent(onOrphaned: () => void): void {
  if (process.env.npm_lifecycle_event !== 'start') return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, 250);
  timer.unref();
}

// discord.js errors carry the request URL (with interaction tokens) and body (with files): log
// only their description.
process.on('unhandledRejection', (error) => log.error('unhandled rejection', describeDiscordError(error)));
main().catch((error: unknown) => {
  log.error('the bot stopped on an unexpected error', describeDiscordError(error));
  exit(1);
});
