// Runs the relay fake on its own: `node dist/test/fakes/relay/main.js [--port N] [--key K] [--host H]
// [--latency MS] [--strict-aspect-ratios] [--drop-unknown-fields] [--max-prompt-chars N]
// [--profile new-api|flu|apiyi|quickrouter|anyapi] [--reject-unknown-params]`.
// Prints the base URL (ending in /v1) as the only line on stdout, so a parent process can read it,
// and runs until SIGINT or SIGTERM.
import { parseArgs } from 'node:util';
import { startRelayFake } from './server.js';
import { DEFAULT_API_KEY } from './settings.js';
import type { RelayFakeOptions, RelayProfile } from './types.js';

const PROFILES: readonly RelayProfile[] = ['new-api', 'flu', 'apiyi', 'quickrouter', 'anyapi'];

function profile(value: string | undefined): RelayProfile | undefined {
  if (value === undefined) return undefined;
  if (!(PROFILES as readonly string[]).includes(value)) throw new Error(`--profile needs one of ${PROFILES.join(', ')}, got '${value}'`);
  return value as RelayProfile;
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`--${name} needs a whole number, got '${value}'`);
  return number;
}

function readOptions(): RelayFakeOptions {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      key: { type: 'string' },
      latency: { type: 'string' },
      'max-prompt-chars': { type: 'string' },
      'strict-aspect-ratios': { type: 'boolean' },
      'drop-unknown-fields': { type: 'boolean' },
      profile: { type: 'string' },
      'reject-unknown-params': { type: 'boolean' },
    },
    strict: true,
  });
  const options: RelayFakeOptions = {
    strictAspectRatios: values['strict-aspect-ratios'] === true,
    dropUnknownFields: values['drop-unknown-fields'] === true,
    rejectUnknownParams: values['reject-unknown-params'] === true,
  };
  const chosen = profile(values.profile);
  if (chosen !== undefined) options.profile = chosen;
  const port = integer('port', values.port);
  const latencyMs = integer('latency', values.latency);
  const maxPromptChars = integer('max-prompt-chars', values['max-prompt-chars']);
  if (port !== undefined) options.port = port;
  if (latencyMs !== undefined) options.latencyMs = latencyMs;
  if (maxPromptChars !== undefined) options.maxPromptChars = maxPromptChars;
  if (values.host !== undefined) options.host = values.host;
  if (values.key !== undefined) options.apiKey = values.key;
  return options;
}

async function main(): Promise<void> {
  const fake = await startRelayFake(readOptions());
  process.stdout.write(`${fake.url}\n`);
  // The default key is public; a key given with --key is not echoed.
  const key = fake.apiKey === DEFAULT_API_KEY ? fake.apiKey : '(the --key value)';
  process.stderr.write(`fake relay listening; send Authorization: Bearer ${key}\n`);
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`fake relay: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
