// `npm run demo`: no accounts needed. Starts the local Discord and relay stand-ins, runs the real bot
// against them, performs one /imagine as a user would, saves the delivered attachment under
// outputs/ and prints its path on stdout. What happens along the way goes to stderr.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BUTTON_HANDLERS, MESSAGE_COMMANDS, MODAL_HANDLERS, SELECT_HANDLERS, SLASH_COMMANDS } from '../commands/index.js';
import { loadConfig } from '../src/config/index.js';
import { startBot } from '../src/discord/bot.js';
import { parseLogLevel, setLogLevel } from '../src/log.js';
import { startDiscordFake } from '../test/fakes/discord/index.js';
import { startRelayFake } from '../test/fakes/relay/index.js';

const say = (line: string) => process.stderr.write(`demo: ${line}\n`);

async function main(): Promise<void> {
  // Quiet unless asked otherwise: the demo's own lines say what happens.
  setLogLevel(parseLogLevel(process.env.LOG_LEVEL ?? '') ?? 'warn');
  const prompt = process.argv.slice(2).join(' ').trim() || 'a lighthouse on a cliff at dusk, warm light';
  const relay = await startRelayFake({ latencyMs: 1200 });
  const discord = await startDiscordFake();
  const dataDir = await mkdtemp(join(tmpdir(), 'imagine-demo-'));
  say(`local relay at ${relay.url}, local Discord at ${discord.apiBase}`);

  const config = loadConfig({
    require: ['discord', 'relay'],
    envFile: join(dataDir, 'no.env'), // the demo ignores your .env on purpose
    processEnv: {
      DISCORD_TOKEN: discord.token,
      DISCORD_API_BASE_URL: discord.apiBase,
      IMAGE_API_BASE_URL: relay.url,
      IMAGE_API_KEY: relay.apiKey,
      DATABASE_PATH: join(dataDir, 'demo.sqlite'),
    },
  });
  const bot = await startBot(config, { slash: SLASH_COMMANDS, buttons: BUTTON_HANDLERS, messages: MESSAGE_COMMANDS, modals: MODAL_HANDLERS, selects: SELECT_HANDLERS });
  await discord.waitForReady();
  say(`the bot is online as ${bot.client.user.tag}; sending /imagine prompt:"${prompt}"`);

  try {
    const handle = discord.interact({
      name: 'imagine',
      options: [
        { name: 'prompt', type: 3, value: prompt },
        { name: 'model', type: 3, value: 'gpt-image-2' },
        { name: 'size', type: 3, value: '1536x1024' },
      ],
    });
    const ack = await handle.waitForCallback(3000);
    say(`acknowledged with callback type ${ack.type} in ${ack.at - handle.dispatchedAt} ms`);
    await handle.waitFor((state) => (state.original?.attachments.length ?? 0) > 0 || (state.original?.embeds.length ?? 0) > 0, 60_000);
    const message = handle.original()!;
    const attachment = message.attachments[0];
    if (!attachment) throw new Error(`the bot answered without an image: ${JSON.stringify(message.embeds)}`);
    const embed = message.embeds[0] as { fields?: Array<{ name: string; value: string }> } | undefined;
    for (const field of embed?.fields ?? []) say(`  ${field.name}: ${field.value}`);
    const outDir = resolve('outputs');
    await mkdir(outDir, { recursive: true });
    const path = join(outDir, `demo-${Date.now()}-${attachment.filename}`);
    await writeFile(path, attachment.bytes);
    say(`the bot delivered ${attachment.filename} (${attachment.size} bytes) with buttons: ${JSON.stringify(message.components).match(/"label":"[^"]+"/g)?.join(' ') ?? 'none'}`);
    process.stdout.write(`${path}\n`);
  } finally {
    await bot.stop();
    await discord.close();
    await relay.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
