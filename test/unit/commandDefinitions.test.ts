// The JSON `npm run register` sends (commandDefinitions, the body of its one PUT) is pinned byte for
// byte, key order included, for three configurations: every catalog model (choices), a short
// IMAGE_MODELS list (choices), and more offered models than Discord allows as choices (autocomplete).
// The snapshot was taken before the definitions became `as const` data; it must not move.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandDefinitions } from '../../commands/index.js';
import { loadConfig } from '../../src/config/index.js';
import { makeTempDir, removeTempDirs, writeTempFile } from '../helpers/tempFiles.js';

afterAll(removeTempDirs);

function load(processEnv: NodeJS.ProcessEnv) {
  return loadConfig({ envFile: join(makeTempDir(), '.env'), processEnv });
}

/** 30 declared models besides the catalog: more than the 25 choices an option may have. */
function manyModels(): NodeJS.ProcessEnv {
  const ids = Array.from({ length: 30 }, (_, index) => `flux-extra-${index + 1}`);
  const file = writeTempFile(
    makeTempDir(),
    'providers.json',
    JSON.stringify({
      relays: [{ name: 'main', baseUrl: 'https://main.example.com/v1', apiKey: 'sk-a' }],
      models: ids.map((id) => ({ id, dialect: 'flux', price: 0.02, description: `Extra ${id}` })),
    }),
  );
  return { PROVIDERS_FILE: file, IMAGE_MODELS: ['gpt-image-2', ...ids].join(',') };
}

describe('npm run register: the command JSON', () => {
  it.each([
    ['catalog', () => ({})],
    ['short-list', () => ({ IMAGE_MODELS: 'flux-2-pro,gpt-image-2', IMAGE_MODEL: 'flux-2-pro' })],
    ['many-models', manyModels],
  ] as const)('stays the same (%s)', async (name, env) => {
    const json = JSON.stringify(commandDefinitions(load(env())), null, 2);
    await expect(`${json}\n`).toMatchFileSnapshot(`./__snapshots__/commandDefinitions.${name}.json`);
  });
});
