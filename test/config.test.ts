// Configuration as an operator meets it: `.env` under the process environment, the NEW_API_*
// aliases of existing generate_image.py set-ups, one-line errors that name the variable, IMAGE_MODELS,
// and PROVIDERS_FILE for several relays.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type AppConfig, type LoadOptions } from '../src/config/index.js';
import { ImagePipeline } from '../src/pipeline/imagePipeline.js';
import { makeTempDir, removeTempDirs, writeTempFile } from './helpers/tempFiles.js';

afterAll(removeTempDirs);

/** A path where no `.env` exists, so only `processEnv` counts. */
function noEnvFile(): string {
  return join(makeTempDir(), '.env');
}

function envFile(text: string): string {
  return writeTempFile(makeTempDir(), '.env', text);
}

function load(processEnv: NodeJS.ProcessEnv, options: Omit<LoadOptions, 'processEnv'> = {}): AppConfig {
  return loadConfig({ envFile: noEnvFile(), ...options, processEnv });
}

/** The message of the ConfigError `run` throws; fails the test when it throws nothing or something else. */
function configError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toMatch(/[\r\n]/);
    return message;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

const RELAY = { IMAGE_API_BASE_URL: 'https://relay.example.com/v1', IMAGE_API_KEY: 'sk-test-key-abcdefgh' };

describe('.env and the process environment', () => {
  it('reads .env, and a variable set in the process environment wins over it', () => {
    const file = envFile(
      [
        'IMAGE_API_BASE_URL=https://from-dotenv.example.com/v1',
        'IMAGE_API_KEY=sk-from-dotenv-0000000',
        'IMAGE_SIZE=1024x1536',
        'REQUEST_TIMEOUT=120',
      ].join('\n'),
    );
    const fromFile = loadConfig({ require: ['relay'], envFile: file, processEnv: {} });
    expect(fromFile.relays).toHaveLength(1);
    expect(fromFile.relays[0]).toMatchObject({ baseUrl: 'https://from-dotenv.example.com/v1', apiKey: 'sk-from-dotenv-0000000' });
    expect(fromFile.env.defaultSize).toBe('1024x1536');
    expect(fromFile.env.requestTimeoutMs).toBe(120_000);

    const overridden = loadConfig({
      require: ['relay'],
      envFile: file,
      processEnv: { IMAGE_API_KEY: 'sk-from-process-1111111', REQUEST_TIMEOUT: '30' },
    });
    expect(overridden.relays[0]).toMatchObject({ baseUrl: 'https://from-dotenv.example.com/v1', apiKey: 'sk-from-process-1111111' });
    expect(overridden.env.requestTimeoutMs).toBe(30_000);
  });

  it('takes an existing generate_image.py .env as it is (NEW_API_BASE_URL / NEW_API_KEY, CRLF line ends)', () => {
    const file = envFile(
      [
        'NEW_API_BASE_URL=https://image.fluapi.com/v1',
        'NEW_API_KEY=sk-flu-api-key-123456',
        'IMAGE_MODEL=gpt-image-2',
        'IMAGE_SIZE=1024x1024',
        'IMAGE_N=1',
        'REQUEST_TIMEOUT=300',
        '',
      ].join('\r\n'),
    );
    const config = loadConfig({ require: ['relay'], envFile: file, processEnv: {} });
    expect(config.relays[0]).toMatchObject({ baseUrl: 'https://image.fluapi.com/v1', apiKey: 'sk-flu-api-key-123456' });
    expect(config.defaultModel.id).toBe('gpt-image-2');
    expect(config.env).toMatchObject({ defaultSize: '1024x1024', defaultN: 1, requestTimeoutMs: 300_000 });
  });

  it('reads a .env saved with a UTF-8 byte-order mark (Windows editors) without losing its first line', () => {
    const file = envFile('\uFEFFNEW_API_BASE_URL=https://image.fluapi.com/v1\r\nNEW_API_KEY=sk-flu-api-key-123456\r\n');
    const config = loadConfig({ require: ['relay'], envFile: file, processEnv: {} });
    expect(config.relays[0]?.baseUrl).toBe('https://image.fluapi.com/v1');
  });

  it('prefers IMAGE_API_* over the NEW_API_* aliases when both are set', () => {
    const config = load({
      ...RELAY,
      NEW_API_BASE_URL: 'https://alias.example.com/v1',
      NEW_API_KEY: 'sk-alias-key-99999999',
    });
    expect(config.relays[0]).toMatchObject({ baseUrl: RELAY.IMAGE_API_BASE_URL, apiKey: RELAY.IMAGE_API_KEY });
  });

  it('accepts an http:// base URL (a relay on the local network) and drops a trailing slash', () => {
    const config = load({ IMAGE_API_BASE_URL: 'http://192.168.1.20:3000/v1/', IMAGE_API_KEY: 'sk-local' }, { require: ['relay'] });
    expect(config.relays[0]?.baseUrl).toBe('http://192.168.1.20:3000/v1');
  });

  it('fills the defaults of CONTRACT.md when nothing else is set', () => {
    const config = load(RELAY);
    expect(config.defaultModel.id).toBe('gpt-image-2');
    expect(config.env).toMatchObject({
      defaultSize: '1024x1024',
      defaultN: 1,
      requestTimeoutMs: 300_000,
      databasePath: 'data/bot.sqlite',
      discordApiBaseUrl: 'https://discord.com/api',
    });
    const offered = config.offeredModels.map((model) => model.id);
    for (const id of ['gpt-image-2', 'gpt-image-1', 'flux-2-max', 'flux-2-pro', 'flux-2-flex', 'flux-2-klein-9b', 'flux-2-klein-4b', 'flux-pro-1.1-ultra', 'flux-pro-1.1', 'flux-pro', 'flux-dev', 'flux-kontext-pro', 'flux-kontext-max']) {
      expect(offered).toContain(id);
    }
  });
});

describe('the chat model of a single relay', () => {
  it('is IMAGE_CHAT_MODEL on the IMAGE_API_* relay (gpt-4o-mini at $0.002 by default); none leaves chat unset', () => {
    const config = load(RELAY, { require: ['relay'] });
    expect(config.chat).toEqual({ relay: config.relays[0], model: 'gpt-4o-mini', pricePerCall: 0.002 });
    const chosen = load({ ...RELAY, IMAGE_CHAT_MODEL: 'gpt-4o', IMAGE_CHAT_PRICE: '0.01' }, { require: ['relay'] });
    expect(chosen.chat).toMatchObject({ model: 'gpt-4o', pricePerCall: 0.01 });
    expect(load({ ...RELAY, IMAGE_CHAT_MODEL: 'None' }).chat).toBeUndefined();
    // No relay, no chat.
    expect(load({}).chat).toBeUndefined();
  });
});

describe('one-line errors that name the variable', () => {
  it('a missing IMAGE_API_BASE_URL', () => {
    const message = configError(() => load({ IMAGE_API_KEY: 'sk-test-key-abcdefgh' }, { require: ['relay'] }));
    expect(message).toContain('IMAGE_API_BASE_URL');
    expect(message).toMatch(/\/v1/);
  });

  it('a missing IMAGE_API_KEY', () => {
    const message = configError(() => load({ IMAGE_API_BASE_URL: RELAY.IMAGE_API_BASE_URL }, { require: ['relay'] }));
    expect(message).toContain('IMAGE_API_KEY');
  });

  it('a REQUEST_TIMEOUT that is not a number, or zero', () => {
    expect(configError(() => load({ ...RELAY, REQUEST_TIMEOUT: 'five minutes' }))).toMatch(/^REQUEST_TIMEOUT .*whole number/);
    expect(configError(() => load({ ...RELAY, REQUEST_TIMEOUT: '0' }))).toMatch(/^REQUEST_TIMEOUT /);
  });

  it('a base URL without /v1, with the corrected URL as a hint', () => {
    const message = configError(() => load({ ...RELAY, IMAGE_API_BASE_URL: 'https://image.fluapi.com' }));
    expect(message).toContain('IMAGE_API_BASE_URL');
    expect(message).toContain('https://image.fluapi.com/v1');
    const alias = configError(() => load({ NEW_API_BASE_URL: 'https://image.fluapi.com/', NEW_API_KEY: 'sk-x' }));
    expect(alias).toContain('NEW_API_BASE_URL');
  });

  it('a base URL that is not a URL at all', () => {
    expect(configError(() => load({ ...RELAY, IMAGE_API_BASE_URL: 'image.fluapi.com/v1' }))).toMatch(/^IMAGE_API_BASE_URL .*http/);
  });
});

describe('IMAGE_MODELS and IMAGE_MODEL', () => {
  it('IMAGE_MODELS restricts the offered models, in order, with the default first', () => {
    const config = load({ ...RELAY, IMAGE_MODELS: ' flux-2-pro, gpt-image-2 ,flux-kontext-pro' });
    expect(config.offeredModels.map((model) => model.id)).toEqual(['gpt-image-2', 'flux-2-pro', 'flux-kontext-pro']);
    const pipeline = new ImagePipeline(config);
    expect(() => pipeline.prepare({ prompt: 'a fox', model: 'flux-2-max' })).toThrow(/not offered/);
  });

  it('without IMAGE_MODEL, the first of IMAGE_MODELS is the default', () => {
    const config = load({ ...RELAY, IMAGE_MODELS: 'flux-2-pro,flux-kontext-pro' });
    expect(config.defaultModel.id).toBe('flux-2-pro');
  });

  it('an unknown name in IMAGE_MODELS is refused, naming it', () => {
    const message = configError(() => load({ ...RELAY, IMAGE_MODELS: 'gpt-image-2,flux-3-ultra' }));
    expect(message).toContain('IMAGE_MODELS');
    expect(message).toContain('flux-3-ultra');
  });

  it('an IMAGE_MODEL not among IMAGE_MODELS is refused, listing the offered ones', () => {
    const message = configError(() => load({ ...RELAY, IMAGE_MODELS: 'flux-2-pro,flux-kontext-pro', IMAGE_MODEL: 'gpt-image-2' }));
    expect(message).toContain('IMAGE_MODEL');
    expect(message).toContain('gpt-image-2');
    expect(message).toContain('flux-2-pro, flux-kontext-pro');
  });

  it('IMAGE_MODEL picks the default model', () => {
    expect(load({ ...RELAY, IMAGE_MODEL: 'flux-kontext-max' }).defaultModel.id).toBe('flux-kontext-max');
    expect(load({ ...RELAY, IMAGE_MODEL: 'flux-kontext-max' }).offeredModels[0]?.id).toBe('flux-kontext-max');
  });
});

describe('PROVIDERS_FILE', () => {
  const providers = (content: unknown): string =>
    writeTempFile(makeTempDir(), 'providers.json', typeof content === 'string' ? content : JSON.stringify(content, null, 2));

  it('reads two relays with keys from the environment, sorted by priority', () => {
    const file = providers({
      relays: [
        { name: 'backup', baseUrl: 'https://backup.example.com/v1', apiKeyEnv: 'BACKUP_KEY', priority: 20, models: ['flux-2-pro'] },
        { name: 'main', baseUrl: 'http://main.example.com:3000/v1/', apiKeyEnv: 'MAIN_KEY', priority: 10, strictAspectRatios: true },
      ],
    });
    const dotenv = envFile('BACKUP_KEY=sk-backup-from-dotenv\n');
    const config = loadConfig({
      require: ['relay'],
      envFile: dotenv,
      processEnv: { PROVIDERS_FILE: file, MAIN_KEY: 'sk-main-from-env' },
    });
    expect(config.relays.map((relay) => relay.name)).toEqual(['main', 'backup']);
    expect(config.relays[0]).toMatchObject({
      baseUrl: 'http://main.example.com:3000/v1',
      apiKey: 'sk-main-from-env',
      models: '*',
      strictAspectRatios: true,
    });
    expect(config.relays[1]).toMatchObject({ apiKey: 'sk-backup-from-dotenv', models: ['flux-2-pro'], strictAspectRatios: false });
  });

  it('a relay whose apiKeyEnv is unset is refused, naming the relay', () => {
    const file = providers({ relays: [{ name: 'main', baseUrl: 'https://main.example.com/v1', apiKeyEnv: 'MAIN_KEY' }] });
    const message = configError(() => load({ PROVIDERS_FILE: file }, { require: ['relay'] }));
    expect(message).toContain('"main"');
    expect(message).toContain('apiKeyEnv');
  });

  it('a bad field is one line naming the file and the path of the field', () => {
    const file = providers({
      relays: [
        { name: 'main', baseUrl: 'https://main.example.com/v1', apiKey: 'sk-a' },
        { name: 'backup', baseUrl: 'https://backup.example.com', apiKey: 'sk-b' },
      ],
    });
    const message = configError(() => load({ PROVIDERS_FILE: file }));
    expect(message).toContain(file);
    expect(message).toContain('relays.1.baseUrl');
    expect(message).toMatch(/\/v1/);

    const typo = providers({ relays: [{ name: 'main', baseUrl: 'https://main.example.com/v1', apiKey: 'sk-a', priorty: 1 }] });
    expect(configError(() => load({ PROVIDERS_FILE: typo }))).toContain('priorty');
  });

  it('a file that is missing or not JSON is one line naming the file', () => {
    const missing = join(makeTempDir(), 'nope.json');
    expect(configError(() => load({ PROVIDERS_FILE: missing }))).toContain(missing);
    const broken = providers('{ "relays": [ ');
    expect(configError(() => load({ PROVIDERS_FILE: broken }))).toMatch(/not valid JSON/);
  });

  it('a model declared with its dialect becomes offerable and is planned in that dialect', () => {
    const file = providers({
      relays: [{ name: 'main', baseUrl: 'https://main.example.com/v1', apiKey: 'sk-a' }],
      models: [{ id: 'flux-2-turbo', dialect: 'flux', price: 0.02 }],
    });
    const config = load({ PROVIDERS_FILE: file, IMAGE_MODELS: 'flux-2-turbo,gpt-image-2' }, { require: ['relay'] });
    // gpt-image-2 stays the default (IMAGE_MODEL's default); the declared model is offered beside it.
    expect(config.offeredModels.map((model) => model.id)).toEqual(['gpt-image-2', 'flux-2-turbo']);
    const pipeline = new ImagePipeline(config);
    const prepared = pipeline.prepare({ prompt: 'a fox', model: 'flux-2-turbo', size: '1024x1536', seed: 7 });
    expect(prepared.plan.body).toMatchObject({ model: 'flux-2-turbo', width: 1024, height: 1536, seed: 7 });
    expect(pipeline.pricePerImage(prepared.model)).toBe(0.02);

    // Without the declaration the same IMAGE_MODELS is refused.
    const bare = providers({ relays: [{ name: 'main', baseUrl: 'https://main.example.com/v1', apiKey: 'sk-a' }] });
    expect(configError(() => load({ PROVIDERS_FILE: bare, IMAGE_MODELS: 'flux-2-turbo' }))).toContain('flux-2-turbo');
  });

  it('chat goes to the first relay by priority that serves it: chatModel null opts a relay out, chatModel and chatPrice override', () => {
    const file = providers({
      relays: [
        { name: 'images', baseUrl: 'https://images.example.com/v1', apiKey: 'sk-a', priority: 1, chatModel: null },
        { name: 'cheap', baseUrl: 'https://cheap.example.com/v1', apiKey: 'sk-b', priority: 5, chatPrice: 0.001 },
        { name: 'vision', baseUrl: 'https://vision.example.com/v1', apiKey: 'sk-c', priority: 9, chatModel: 'gpt-4o' },
      ],
    });
    const config = load({ PROVIDERS_FILE: file, IMAGE_CHAT_MODEL: 'gpt-4.1-mini' }, { require: ['relay'] });
    expect(config.chat).toMatchObject({ relay: { name: 'cheap', apiKey: 'sk-b' }, model: 'gpt-4.1-mini', pricePerCall: 0.001 });
    // With IMAGE_CHAT_MODEL off, only a relay that names its own model serves chat, at IMAGE_CHAT_PRICE.
    const off = load({ PROVIDERS_FILE: file, IMAGE_CHAT_MODEL: 'off', IMAGE_CHAT_PRICE: '0.004' }, { require: ['relay'] });
    expect(off.chat).toMatchObject({ relay: { name: 'vision' }, model: 'gpt-4o', pricePerCall: 0.004 });
  });

  it('a bad chatModel or chatPrice is one line naming the field', () => {
    const empty = providers({ relays: [{ name: 'main', baseUrl: 'https://main.example.com/v1', apiKey: 'sk-a', chatModel: '' }] });
    expect(configError(() => load({ PROVIDERS_FILE: empty }))).toContain('relays.0.chatModel');
    const negative = providers({ relays: [{ name: 'main', baseUrl: 'https://main.example.com/v1', apiKey: 'sk-a', chatPrice: -0.5 }] });
    expect(configError(() => load({ PROVIDERS_FILE: negative }))).toContain('relays.0.chatPrice');
  });
});

describe('loadConfig: friendlier matching', () => {
  it('an empty variable in the environment does not hide the value in .env', () => {
    const envFile = writeTempFile(makeTempDir(), '.env', 'IMAGE_API_BASE_URL=https://relay.example/v1\nIMAGE_API_KEY=from-file-key\n');
    const config = loadConfig({ require: ['relay'], envFile, processEnv: { IMAGE_API_KEY: '' } });
    expect(config.relays[0]?.apiKey).toBe('from-file-key');
  });

  it('IMAGE_MODELS and IMAGE_MODEL match model names regardless of case', () => {
    const config = loadConfig({
      envFile: join(makeTempDir(), 'none.env'),
      processEnv: { IMAGE_MODELS: 'FLUX-2-PRO, gpt-image-2', IMAGE_MODEL: 'Flux-2-Pro' },
    });
    expect(config.offeredModels.map((model) => model.id)).toEqual(['flux-2-pro', 'gpt-image-2']);
    expect(config.defaultModel.id).toBe('flux-2-pro');
  });
});
