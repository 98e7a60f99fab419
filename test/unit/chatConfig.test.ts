// The chat model's settings (src/config/chat.ts, env.ts): IMAGE_CHAT_MODEL and IMAGE_CHAT_PRICE as
// an operator writes them, and which relay answers chat when PROVIDERS_FILE lists several.
import { describe, expect, it } from 'vitest';
import { pickChatConfig, type ChatCandidate } from '../../src/config/chat.js';
import { parseEnv } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';
import type { RelayConfig } from '../../src/config/relay.js';

function relay(name: string, priority: number): RelayConfig {
  return {
    name,
    baseUrl: `https://${name}.example.com/v1`,
    apiKey: `sk-${name}`,
    models: '*',
    priority,
    strictAspectRatios: false,
    streaming: false,
    prices: {},
    maxConcurrency: 4,
  };
}

/** The one-line message of the ConfigError parseEnv throws for `env`. */
function envError(env: Record<string, string>): string {
  try {
    parseEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).not.toMatch(/[\r\n]/);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('IMAGE_CHAT_MODEL and IMAGE_CHAT_PRICE', () => {
  it('default to gpt-4o-mini at $0.002 a call; blank counts as unset', () => {
    expect(parseEnv({})).toMatchObject({ chatModel: 'gpt-4o-mini', chatPricePerCall: 0.002 });
    expect(parseEnv({ IMAGE_CHAT_MODEL: ' ', IMAGE_CHAT_PRICE: '' })).toMatchObject({ chatModel: 'gpt-4o-mini', chatPricePerCall: 0.002 });
  });

  it('take a model id and a price, 0 included', () => {
    expect(parseEnv({ IMAGE_CHAT_MODEL: ' gpt-4.1-mini ', IMAGE_CHAT_PRICE: '0.01' })).toMatchObject({ chatModel: 'gpt-4.1-mini', chatPricePerCall: 0.01 });
    expect(parseEnv({ IMAGE_CHAT_PRICE: '0' }).chatPricePerCall).toBe(0);
  });

  it('none or off, in any case, switch chat off', () => {
    for (const value of ['none', 'off', 'NONE', 'Off']) expect(parseEnv({ IMAGE_CHAT_MODEL: value }).chatModel).toBeUndefined();
  });

  it('a bad value is one line naming the variable', () => {
    for (const price of ['-1', 'cheap', '1,5']) {
      const message = envError({ IMAGE_CHAT_PRICE: price });
      expect(message).toMatch(/^IMAGE_CHAT_PRICE .*\.env/);
      expect(message).toContain('0.002');
    }
    expect(envError({ IMAGE_CHAT_MODEL: 'gpt 4o' })).toMatch(/^IMAGE_CHAT_MODEL .*none/);
  });
});

describe('the chat relay', () => {
  const fallback = { model: 'gpt-4o-mini', pricePerCall: 0.002 };

  it('is the first relay by priority, with IMAGE_CHAT_MODEL and IMAGE_CHAT_PRICE unless it names its own', () => {
    const candidates: ChatCandidate[] = [{ relay: relay('backup', 20) }, { relay: relay('main', 10) }];
    expect(pickChatConfig(candidates, fallback)).toEqual({ relay: relay('main', 10), model: 'gpt-4o-mini', pricePerCall: 0.002 });
    const own: ChatCandidate[] = [{ relay: relay('main', 10), chatModel: 'gpt-4o', chatPrice: 0.005 }];
    expect(pickChatConfig(own, fallback)).toMatchObject({ model: 'gpt-4o', pricePerCall: 0.005 });
    expect(pickChatConfig([{ relay: relay('main', 10), chatPrice: 0 }], fallback)?.pricePerCall).toBe(0);
  });

  it('skips a relay whose chatModel is null, and one with no model when IMAGE_CHAT_MODEL is none', () => {
    const candidates: ChatCandidate[] = [
      { relay: relay('images-only', 0), chatModel: null },
      { relay: relay('inherits', 5) },
      { relay: relay('names-one', 9), chatModel: 'gpt-4.1-mini' },
    ];
    expect(pickChatConfig(candidates, fallback)?.relay.name).toBe('inherits');
    expect(pickChatConfig(candidates, { pricePerCall: 0.002 })).toMatchObject({ relay: { name: 'names-one' }, model: 'gpt-4.1-mini' });
    expect(pickChatConfig(candidates.slice(0, 2), { pricePerCall: 0.002 })).toBeUndefined();
    expect(pickChatConfig([], fallback)).toBeUndefined();
  });
});
