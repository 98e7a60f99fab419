// `npm run register`: registers the slash commands with one bulk overwrite (PUT), to
// DISCORD_GUILD_ID when set (instant) or globally. Safe to repeat; `npm start` never does this.
import { REST, Routes, type APIApplication } from 'discord.js';
import { commandDefinitions } from '../commands/index.js';
import { ConfigError, loadConfig } from './config/index.js';

async function main(): Promise<void> {
  const config = loadConfig({ require: ['discord'] });
  const rest = new REST({ api: config.env.discordApiBaseUrl }).setToken(config.env.discordToken!);
  const applicationId = config.env.discordApplicationId ?? ((await rest.get(Routes.currentApplication())) as APIApplication).id;
  const body = commandDefinitions(config);
  const guildId = config.env.discordGuildId;
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const saved = (await rest.put(route, { body })) as Array<{ name: string; type?: number }>;
  // Slash commands read /name; message context menus (type 3, such as Remix) are shown by name.
  const names = saved.map((command) => ((command.type ?? 1) === 1 ? `/${command.name}` : command.name));
  process.stdout.write(`registered ${names.join(', ')} ${guildId ? `to guild ${guildId}` : 'globally (may take a while to appear)'}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? error.message : `registering failed: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
