// The floor the bot is measured against: a bare discord.js 14 client with the bot's intents that
// logs in and, for every slash command, only calls deferReply(). No database, no relay, nothing of
// ours: whatever the bot takes beyond this client at start-up, per acknowledgement or in memory is
// the bot's own cost. Reads DISCORD_TOKEN and DISCORD_API_BASE_URL, as the bot does.
import { Client, Events, GatewayIntentBits } from 'discord.js';

const client = new Client({
  // The bot's intents (src/discord/bot.ts): slash commands need no privileged ones.
  intents: [GatewayIntentBits.Guilds],
  rest: { api: process.env.DISCORD_API_BASE_URL ?? 'https://discord.com/api' },
});
client.on(Events.InteractionCreate, (interaction) => {
  if (interaction.isChatInputCommand()) interaction.deferReply().catch(() => {});
});
const stop = () => void client.destroy().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
await client.login(process.env.DISCORD_TOKEN);
