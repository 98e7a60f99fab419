import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeLoopbackServers, listenOnLoopback } from '../helpers/loopbackServer.js';
import type { ModelSpec } from '../../src/catalog/types.js';
import type { RelayConfig } from '../../src/config/relay.js';
import {
  ContentPolicyError,
  InvalidInputError,
  RelayAuthError,
  RelayBadRequestError,
  RelayTimeoutError,
  UpstreamError,
  type ImagineError,
} from '../../src/providers/errors.js';
import { closeAgents } from '../../src/providers/http.js';
import type { RelayGeneration, generateOnRelay } from '../../src/providers/relayClient.js';
import { RelayRouter, isFailoverSafe } from '../../src/providers/router.js';
import type { PlannedRequest } from '../../src/providers/types.js';

// --- a small local relay on loopback (no dependency on test/fakes) ---
type Reply = (req: IncomingMessage, res: ServerResponse) => void;
interface TestRelay {
  url: string;
  hits: number;
  close(): Promise<void>;
}
async function startRelay(reply: Reply): Promise<TestRelay> {
  const server = await listenOnLoopback((req, res) => {
    req.resume();
    req.on('end', () => {
      test.hits++;
      reply(req, res);
    });
  });
  const test: TestRelay = { url: server.url, hits: 0, close: server.close };
  return test;
}
afterEach(closeLoopbackServers);
afterAll(closeAgents);

let png: Buffer;
beforeAll(async () => {
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).png().toBuffer();
});

const json =
  (status: number, body: unknown): Reply =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
const ok = (): Reply => json(200, { data: [{ b64_json: png.toString('base64') }] });

function relay(name: string, url: string, extra: Partial<RelayConfig> = {}): RelayConfig {
  return {
    name,
    baseUrl: `${url}/v1`,
    apiKey: `key-${name}-0123456789`,
    models: '*',
    priority: 0,
    strictAspectRatios: false,
    streaming: false,
    prices: {},
    maxConcurrency: 2,
    ...extra,
  };
}
const planFor = (r: RelayConfig): PlannedRequest => ({
  model: { id: 'flux-2-pro' } as ModelSpec,
  path: '/images/generations',
  body: { model: 'flux-2-pro', prompt: `for ${r.name}` },
  effectiveSize: '1024x1024',
  n: 1,
  adjustments: [],
});
const noSleep = async (): Promise<void> => {};

describe('RelayRouter over real HTTP', () => {
  it('fails over to the next relay on a 503 JSON error', async () => {
    const a = await startRelay(json(503, { error: { message: 'no upstream', type: 'upstream_error' } }));
    const b = await startRelay(ok());
    const router = new RelayRouter([relay('b', b.url, { priority: 2 }), relay('a', a.url, { priority: 1 })]);
    const failovers: string[] = [];
    const result = await router.generate('flux-2-pro', planFor, {
      timeoutMs: 5_000,
      sleep: noSleep,
      onFailover: (info) => failovers.push(`${info.from}->${info.to}`),
    });
    expect(result.relay.name).toBe('b');
    expect(result.plan.body.prompt).toBe('for b');
    expect(result.failovers.map((f) => f.relay)).toEqual(['a']);
    expect(failovers).toEqual(['a->b']);
    expect(a.hits).toBe(3); // the first relay's own retries came first
    expect(b.hits).toBe(1);
  });

  it('fails over when the first relay refuses connections', async () => {
    const dead = await startRelay(ok());
    const deadRelay = relay('dead', dead.url, { priority: 1 });
    await dead.close();
    const b = await startRelay(ok());
    const router = new RelayRouter([deadRelay, relay('b', b.url, { priority: 2 })]);
    const result = await router.generate('flux-2-pro', planFor, { timeoutMs: 5_000, sleep: noSleep });
    expect(result.relay.name).toBe('b');
  });

  it('never fails over after a timeout (the first relay may bill)', async () => {
    const a = await startRelay(() => {});
    const b = await startRelay(ok());
    const router = new RelayRouter([relay('a', a.url, { priority: 1 }), relay('b', b.url, { priority: 2 })]);
    await expect(router.generate('flux-2-pro', planFor, { timeoutMs: 300, sleep: noSleep })).rejects.toBeInstanceOf(
      RelayTimeoutError,
    );
    expect(a.hits).toBe(1);
    expect(b.hits).toBe(0);
  });

  it('never fails over on a content policy block', async () => {
    const a = await startRelay(json(400, { error: { message: 'blocked', code: 'moderation_blocked' } }));
    const b = await startRelay(ok());
    const router = new RelayRouter([relay('a', a.url, { priority: 1 }), relay('b', b.url, { priority: 2 })]);
    await expect(router.generate('flux-2-pro', planFor, { timeoutMs: 5_000 })).rejects.toBeInstanceOf(ContentPolicyError);
    expect(b.hits).toBe(0);
  });
});

/** A scripted stand-in for generateOnRelay: each relay answers from its queue (last one repeats). */
function scripted(script: Record<string, Array<ImagineError | 'ok'>>) {
  const calls: string[] = [];
  const generate = async (r: RelayConfig): Promise<RelayGeneration> => {
    calls.push(r.name);
    const queue = script[r.name] ?? ['ok'];
    const next = queue.length > 1 ? queue.shift()! : queue[0]!;
    if (next === 'ok') return { images: [], qualityDropped: false, elapsedMs: 1, attempts: 1 };
    throw next;
  };
  return { calls, script, generate: generate as typeof generateOnRelay };
}

describe('RelayRouter routing rules', () => {
  const relays = [
    relay('slow', 'http://127.0.0.1:1', { priority: 5 }),
    relay('main', 'http://127.0.0.1:1', { priority: 1 }),
    relay('flux-only', 'http://127.0.0.1:1', { priority: 0, models: ['flux-2-pro'] }),
  ];

  it('orders relays by priority and filters by model', () => {
    const router = new RelayRouter(relays);
    expect(router.relaysFor('flux-2-pro').map((r) => r.name)).toEqual(['flux-only', 'main', 'slow']);
    expect(router.relaysFor('gpt-image-2').map((r) => r.name)).toEqual(['main', 'slow']);
  });

  it('refuses a model no relay serves, before any request', async () => {
    const router = new RelayRouter([relay('x', 'http://127.0.0.1:1', { models: ['flux-dev'] })]);
    await expect(router.generate('gpt-image-2', planFor, { timeoutMs: 1_000 })).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('fails over on auth, billing and model_not_found, not on other bad requests', async () => {
    const fake = scripted({
      'flux-only': [new RelayAuthError('billing', 'no credit')],
      main: [new RelayBadRequestError('no channel', { code: 'model_not_found' })],
    });
    const router = new RelayRouter(relays, { generate: fake.generate });
    const result = await router.generate('flux-2-pro', planFor, { timeoutMs: 1_000 });
    expect(result.relay.name).toBe('slow');
    expect(fake.calls).toEqual(['flux-only', 'main', 'slow']);

    const fake2 = scripted({ main: [new RelayBadRequestError('bad size', { param: 'size' })] });
    const router2 = new RelayRouter(relays, { generate: fake2.generate });
    await expect(router2.generate('gpt-image-2', planFor, { timeoutMs: 1_000 })).rejects.toBeInstanceOf(RelayBadRequestError);
    expect(fake2.calls).toEqual(['main']);
  });

  it('skips a relay whose plan is refused locally and uses the next', async () => {
    const fake = scripted({});
    const router = new RelayRouter(relays, { generate: fake.generate });
    const result = await router.generate(
      'flux-2-pro',
      (r) => {
        if (r.name === 'flux-only') throw new InvalidInputError('prompt_too_long', { model: 'flux-2-pro', length: 1500, limit: 1000 });
        return planFor(r);
      },
      { timeoutMs: 1_000 },
    );
    expect(result.relay.name).toBe('main');
  });

  it('classifies failover safety', () => {
    expect(isFailoverSafe(new UpstreamError('x'))).toBe(true);
    expect(isFailoverSafe(new RelayTimeoutError('x'))).toBe(false);
    expect(isFailoverSafe(new ContentPolicyError('x'))).toBe(false);
    expect(isFailoverSafe(new Error('x'))).toBe(false);
  });
});

describe('circuit breaker', () => {
  it('opens after 5 consecutive failures, half-opens after 30 s, closes on success', async () => {
    let now = 1_000_000;
    const fake = scripted({ a: [new UpstreamError('down')], b: ['ok'] });
    const router = new RelayRouter(
      [relay('a', 'http://127.0.0.1:1', { priority: 1 }), relay('b', 'http://127.0.0.1:1', { priority: 2 })],
      { now: () => now, generate: fake.generate },
    );
    for (let i = 0; i < 5; i++) {
      await router.generate('m', planFor, { timeoutMs: 1_000 });
      now += 1_000;
    }
    expect(router.circuitState('a')).toBe('open');
    expect(router.relaysFor('m').map((r) => r.name)).toEqual(['b']);

    fake.calls.length = 0;
    await router.generate('m', planFor, { timeoutMs: 1_000 });
    expect(fake.calls).toEqual(['b']); // a is skipped while open

    now += 30_000;
    expect(router.circuitState('a')).toBe('half_open');
    expect(router.relaysFor('m').map((r) => r.name)).toEqual(['a', 'b']);

    // The trial fails: open again for another 30 s.
    fake.calls.length = 0;
    await router.generate('m', planFor, { timeoutMs: 1_000 });
    expect(fake.calls).toEqual(['a', 'b']);
    expect(router.circuitState('a')).toBe('open');

    // The next trial succeeds: closed.
    now += 30_000;
    fake.script.a = ['ok'];
    const result = await router.generate('m', planFor, { timeoutMs: 1_000 });
    expect(result.relay.name).toBe('a');
    expect(router.circuitState('a')).toBe('closed');
  });

  it('only counts failures within the window, and ignores request-specific ones', async () => {
    let now = 0;
    const fake = scripted({ a: [new UpstreamError('down')] });
    const router = new RelayRouter([relay('a', 'http://127.0.0.1:1')], { now: () => now, generate: fake.generate });
    for (let i = 0; i < 6; i++) {
      await router.generate('m', planFor, { timeoutMs: 1_000 }).catch(() => {});
      now += 20_000; // spread over 2 minutes: never 5 within 60 s
    }
    expect(router.circuitState('a')).toBe('closed');

    const policy = scripted({ a: [new ContentPolicyError('blocked')] });
    const router2 = new RelayRouter([relay('a', 'http://127.0.0.1:1')], { now: () => now, generate: policy.generate });
    for (let i = 0; i < 10; i++) await router2.generate('m', planFor, { timeoutMs: 1_000 }).catch(() => {});
    expect(router2.circuitState('a')).toBe('closed');
  });

  it('fails fast when every relay is open', async () => {
    let now = 0;
    const fake = scripted({ a: [new UpstreamError('down')] });
    const router = new RelayRouter([relay('a', 'http://127.0.0.1:1')], {
      now: () => now,
      generate: fake.generate,
      breaker: { failureThreshold: 2 },
    });
    await router.generate('m', planFor, { timeoutMs: 1_000 }).catch(() => {});
    await router.generate('m', planFor, { timeoutMs: 1_000 }).catch(() => {});
    expect(router.circuitState('a')).toBe('open');
    fake.calls.length = 0;
    now += 5_000;
    const error = await router.generate('m', planFor, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'circuit_open' });
    expect((error as Error).message).toMatch(/25 s/);
    expect(fake.calls).toEqual([]);
  });

  it('lets only one trial through while half-open', async () => {
    let now = 0;
    let release!: () => void;
    const calls: string[] = [];
    const generate = async (r: RelayConfig): Promise<RelayGeneration> => {
      calls.push(r.name);
      if (calls.length <= 1) throw new UpstreamError('down');
      await new Promise<void>((resolve) => (release = resolve));
      return { images: [], qualityDropped: false, elapsedMs: 1, attempts: 1 };
    };
    const router = new RelayRouter([relay('a', 'http://127.0.0.1:1')], {
      now: () => now,
      generate: generate as typeof generateOnRelay,
      breaker: { failureThreshold: 1 },
    });
    await router.generate('m', planFor, { timeoutMs: 1_000 }).catch(() => {});
    now += 30_000;
    const trial = router.generate('m', planFor, { timeoutMs: 1_000 });
    await expect(router.generate('m', planFor, { timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'circuit_open' });
    release();
    await trial;
    expect(router.circuitState('a')).toBe('closed');
  });
});
