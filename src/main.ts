// `npm start`: the bot. Configuration problems end in one line naming the variable; SIGTERM and
// SIGINT stop it gracefully within 20 s.
import { DiscordjsError, DiscordjsErrorCodes } from 'discord.js';
import { ConfigError, loadConfig } from './config/index.js';
import { startBot } from './discord/bot.js';
import { log } from './log.js';

const HARD_EXIT_MS = 19_500;

function die(line: string, code: number): never {
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
  let bot;
  try {
    bot = await startBot(config);
  } catch (error) {
    if (error instanceof DiscordjsError && error.code === DiscordjsErrorCodes.TokenInvalid) {
      die('DISCORD_TOKEN was rejected by Discord: copy the token again from the Developer Portal (Bot → Reset Token)', 2);
    }
    if (error instanceof Error && /DATABASE_PATH|database/i.test(error.message)) die(error.message, 2);
    throw error;
  }
  const shutdown = (signal: string) => {
    log.info('shutting down', { signal });
    setTimeout(() => process.exit(1), HARD_EXIT_MS).unref();
    bot.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

process.on('unhandledRejection', (error) => log.error('unhandled rejection', { error }));
main().catch((error: unknown) => {
  log.error('the bot stopped on an unexpected error', { error });
  process.exit(1);
});
