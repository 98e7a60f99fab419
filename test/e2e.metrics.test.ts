// Issue 5, Operations, end to end: the real bot process with METRICS_PORT=0 serves Prometheus
// metrics and a health check; its stderr is pino's JSON, one object per line, with the job's ids
// and the relay's request id on the generation lines; the relay key is in neither.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionHandle, InteractionState } from './fakes/discord/index.js';
import { DEFAULT_API_KEY } from './fakes/relay/index.js';
import { startBotProcess } from './helpers/botProcess.js';
import { startWorld, type World } from './helpers/world.js';

const LOADING = 128;

interface LogLine {
  time: string;
  level: string;
  msg: string;
  [field: string]: unknown;
}

function imagine(world: World, prompt: string, model?: string): InteractionHandle {
  return world.discord.interact({
    name: 'imagine',
    options: [{ name: 'prompt', type: 3, value: prompt }, ...(model ? [{ name: 'model', type: 3, value: model }] : [])],
  });
}

/** The reply once it holds the result or the failure (progress edits carry neither embed nor file). */
async function finalReply(handle: InteractionHandle) {
  expect((await handle.waitForCallback(3000)).type).toBe(5);
  const done = (state: InteractionState) =>
    Boolean(state.original && !(state.original.flags & LOADING) && (state.original.embeds.length > 0 || state.original.attachments.length > 0));
  await handle.waitFor(done, 20_000);
  return handle.original()!;
}

/** `name{labels} value` lines of the text exposition, keyed by everything before the value. */
function samples(exposition: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of exposition.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    found.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return found;
}

/** prom-client writes labels in the order they were declared. */
function series(name: string, labels: Record<string, string> = {}): string {
  const entries = Object.entries(labels);
  return entries.length === 0 ? name : `${name}{${entries.map(([key, value]) => `${key}="${value}"`).join(',')}}`;
}

describe('operations: metrics, health and logs (real bot process)', () => {
  let world: World;
  let base: string;
  let success: InteractionHandle;
  let failure: InteractionHandle;

  const scrape = async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    return { contentType: response.headers.get('content-type') ?? '', body: await response.text() };
  };

  /** Counters move after the user's message lands (the job is timed through its delivery): poll. */
  const scrapeUntil = async (ready: (values: Map<string, number>) => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { body } = await scrape();
      const values = samples(body);
      if (ready(values)) return { body, values };
      if (Date.now() > deadline) throw new Error(`metrics did not settle:\n${body}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  const logLines = (): LogLine[] => world.bot.logs.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    world = await startWorld({ env: { METRICS_PORT: '0' } });
    const listening = JSON.parse(await world.bot.waitForLog(/metrics endpoint listening/)) as { url: string };
    base = listening.url;

    success = imagine(world, 'a lighthouse at dusk', 'flux-2-klein-4b');
    const delivered = await finalReply(success);
    expect(delivered.attachments).toHaveLength(1);

    // A JSON 500 three times: the first request and both retries fail, then the user is told.
    world.relay.failNext(
      { kind: 'json', status: 500, body: { error: { message: 'The server had an error while processing your request.', type: 'server_error', code: 'server_error' } } },
      3,
    );
    failure = imagine(world, 'a red fox in snow');
    const told = await finalReply(failure);
    expect(told.attachments).toHaveLength(0);
  });

  afterAll(async () => {
    await world?.close();
  });

  it('binds loopback on the port the system picked, and logs where', () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(base).port)).toBeGreaterThan(0);
  });

  it('/metrics counts jobs by outcome and model, times them, and counts relay errors by class', async () => {
    const { values, body } = await scrapeUntil(
      (v) => v.get(series('imagine_jobs_total', { outcome: 'upstream', model: 'gpt-image-2' })) === 1 && v.get(series('imagine_jobs_total', { outcome: 'success', model: 'flux-2-klein-4b' })) === 1,
    );
    expect(values.get(series('imagine_generation_seconds_count', { model: 'flux-2-klein-4b' }))).toBe(1);
    // Only successful generations are in the relay-latency histogram.
    expect(values.get(series('imagine_generation_seconds_count', { model: 'gpt-image-2' }))).toBeUndefined();
    expect(values.get(series('imagine_generation_seconds_bucket', { le: '+Inf', model: 'flux-2-klein-4b' }))).toBe(1);
    expect(values.get(series('imagine_job_seconds_count', { outcome: 'success' }))).toBe(1);
    expect(values.get(series('imagine_job_seconds_count', { outcome: 'upstream' }))).toBe(1);
    // Every failed request: the first and the two retries.
    expect(values.get(series('imagine_relay_errors_total', { relay: 'default', kind: 'upstream' }))).toBe(3);
    expect(values.get(series('imagine_deliveries_total', { via: 'reply' }))).toBe(1);
    expect(values.get(series('imagine_queue_depth', { state: 'queued' }))).toBe(0);
    expect(values.get(series('imagine_queue_depth', { state: 'running' }))).toBe(0);
    // Node's process metrics come along on the same registry.
    expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect(body).toContain('# TYPE imagine_generation_seconds histogram');
  });

  it('/metrics answers with the Prometheus text content type; unknown paths are 404', async () => {
    const { contentType } = await scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('/healthz is 200 with the gateway state and the queue while Discord is connected', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', discord: 'connected', queued: 0, running: 0 });
    expect(typeof body.uptimeSeconds).toBe('number');
  });

  it('logs are JSON lines (time, level, msg, flat fields) with the job ids and the relay request id', async () => {
    await world.bot.waitForLog(/generation delivered/);
    await world.bot.waitForLog(/generation failed/);
    const lines = logLines();
    for (const line of lines) {
      expect(new Date(line.time).toISOString()).toBe(line.time);
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(typeof line.msg).toBe('string');
    }
    const usage = world.usageRows();
    const rowOf = (handle: InteractionHandle) => usage.find((row) => row.interaction_id === handle.id)!;

    const delivered = lines.find((line) => line.msg === 'generation delivered' && line.interaction === success.id);
    expect(delivered).toMatchObject({ level: 'info', generationId: rowOf(success).id, model: 'flux-2-klein-4b', relay: 'default', via: 'reply' });
    expect(delivered!.requestId).toBe(rowOf(success).request_id);
    expect(world.relay.requests.map((request) => request.requestId)).toContain(delivered!.requestId);

    const failed = lines.find((line) => line.msg === 'generation failed' && line.interaction === failure.id);
    expect(failed).toMatchObject({ generationId: rowOf(failure).id, outcome: 'upstream', kind: 'upstream', status: 500, relay: 'default' });
    expect(failed!.requestId).toBe(rowOf(failure).request_id);
    const retries = lines.filter((line) => line.msg === 'relay request failed; retrying' && line.interaction === failure.id);
    expect(retries).toHaveLength(2);
    for (const retry of retries) expect(typeof retry.requestId).toBe('string');
  });

  it('the relay key is in neither the metrics nor the logs', async () => {
    // The world's own distinctive key (test/helpers/world.ts), which the bot was started with.
    const key = world.env.IMAGE_API_KEY!;
    expect(key.length).toBeGreaterThan(24);
    const { body } = await scrape();
    expect(body).not.toContain(key);
    expect(world.bot.logs.join('\n')).not.toContain(key);
    expect((await (await fetch(`${base}/healthz`)).text())).not.toContain(key);
  });
});

describe('operations: the metrics endpoint is opt-in and fails clearly', () => {
  let blocker: Server | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a METRICS_PORT already in use stops the bot with one line naming it, no stack', async () => {
    blocker = createServer(() => {});
    await new Promise<void>((resolve) => blocker!.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    dir = await mkdtemp(join(tmpdir(), 'imagine-metrics-port-'));
    // Nothing needs to answer: the endpoint is opened before the bot logs in to Discord.
    const bot = startBotProcess(
      {
        DISCORD_TOKEN: 'MTIzNDU2Nzg5MDEyMzQ1Njc4.AAAAAA.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        DISCORD_API_BASE_URL: 'http://127.0.0.1:9/api',
        IMAGE_API_BASE_URL: 'http://127.0.0.1:9/v1',
        IMAGE_API_KEY: DEFAULT_API_KEY,
        DATABASE_PATH: join(dir, 'data', 'bot.sqlite'),
        METRICS_PORT: String(taken),
      },
      dir,
    );
    const code = await bot.exited;
    expect(code).toBe(2);
    const said = bot.logs.filter((line) => line.includes('METRICS_PORT'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(String(taken));
    expect(said[0]).toContain('already in use');
    expect(bot.logs.some((line) => /^\s+at /.test(line))).toBe(false);
  });
});
