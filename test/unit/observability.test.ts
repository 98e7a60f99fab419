// The metrics registry, the /metrics and /healthz endpoint, and the settings that turn them on,
// in process (the e2e test drives the same through the real bot).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/config/env.js';
import { ConfigError } from '../../src/config/errors.js';
import { healthReport } from '../../src/observability/health.js';
import { BotMetrics } from '../../src/observability/metrics.js';
import { startMetricsServer, type MetricsServer } from '../../src/observability/server.js';
import { RelayTimeoutError, UpstreamError, CancelledError } from '../../src/providers/errors.js';

const fakeClient = (ready: boolean, status: number) => ({ isReady: () => ready, ws: { status } }) as unknown as Client;

describe('BotMetrics', () => {
  it('counts each relay error once, and ignores what the relay never saw', async () => {
    const metrics = new BotMetrics();
    const error = new UpstreamError('500', { relay: 'main' });
    metrics.relayError('main', error);
    metrics.relayError('main', error); // reported by the failover, then thrown at the end
    metrics.relayError('backup', new RelayTimeoutError('slow'));
    metrics.relayError('main', new CancelledError());
    const { body, contentType } = await metrics.exposition();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('imagine_relay_errors_total{relay="main",kind="upstream"} 1');
    expect(body).toContain('imagine_relay_errors_total{relay="backup",kind="timeout"} 1');
    expect(body).not.toContain('kind="cancelled"');
  });

  it('reports the watched queue at each scrape, and no process metrics until asked', async () => {
    const metrics = new BotMetrics();
    const queue = { queuedCount: 3, runningCount: 2 };
    metrics.watchQueue(queue);
    let { body } = await metrics.exposition();
    expect(body).toContain('imagine_queue_depth{state="queued"} 3');
    expect(body).toContain('imagine_queue_depth{state="running"} 2');
    expect(body).not.toContain('process_cpu_user_seconds_total');
    queue.queuedCount = 0;
    metrics.jobFinished('success', 'flux-2-pro', 12);
    metrics.generationSucceeded('flux-2-pro', 9);
    ({ body } = await metrics.exposition());
    expect(body).toContain('imagine_queue_depth{state="queued"} 0');
    expect(body).toContain('imagine_jobs_total{outcome="success",model="flux-2-pro"} 1');
    expect(body).toContain('imagine_generation_seconds_bucket{le="10",model="flux-2-pro"} 1');
    expect(body).toContain('imagine_generation_seconds_bucket{le="5",model="flux-2-pro"} 0');
    expect(body).toContain('imagine_job_seconds_sum{outcome="success"} 12');
  });
});

describe('healthReport', () => {
  const queue = { queuedCount: 1, runningCount: 0 };
  it('is healthy only when the gateway is ready and the bot is not stopping', () => {
    expect(healthReport({ client: fakeClient(true, 0), queue, stopping: () => false })).toMatchObject({
      healthy: true,
      body: { status: 'ok', discord: 'connected', queued: 1, running: 0, uptimeSeconds: expect.any(Number) },
    });
    expect(healthReport({ client: fakeClient(true, 0), queue, stopping: () => true })).toMatchObject({ healthy: false, body: { discord: 'shutting_down' } });
    expect(healthReport({ client: fakeClient(false, 2), queue, stopping: () => false })).toMatchObject({ healthy: false, body: { discord: 'reconnecting' } });
    expect(healthReport({ client: fakeClient(true, 6), queue, stopping: () => false }).body.discord).toBe('waiting_for_guilds');
  });

  it('with a shared database (PostgreSQL), is healthy only while it answers, and says so', () => {
    let reachable = true;
    const inputs = { client: fakeClient(true, 0), queue, stopping: () => false, database: () => reachable };
    expect(healthReport(inputs)).toMatchObject({ healthy: true, body: { status: 'ok', discord: 'connected', database: 'ok' } });
    reachable = false;
    expect(healthReport(inputs)).toMatchObject({ healthy: false, body: { status: 'unavailable', discord: 'connected', database: 'unreachable' } });
    // SQLite: no database field at all (the file is in the process).
    expect(healthReport({ client: fakeClient(true, 0), queue, stopping: () => false }).body).not.toHaveProperty('database');
  });
});

describe('startMetricsServer', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /metrics and /healthz (503 when unhealthy) on the port the system picked', async () => {
    let healthy = true;
    server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      metrics: new BotMetrics(),
      health: () => ({ healthy, body: { status: healthy ? 'ok' : 'unavailable' } }),
    });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const metricsResponse = await fetch(`${server.url}/metrics`);
    expect(metricsResponse.status).toBe(200);
    expect(await metricsResponse.text()).toContain('# TYPE imagine_jobs_total counter');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    healthy = false;
    const down = await fetch(`${server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'unavailable' });
  });

  it('a taken port is a ConfigError naming METRICS_PORT', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const attempt = startMetricsServer({ host: '127.0.0.1', port, metrics: new BotMetrics(), health: () => ({ healthy: true, body: {} }) });
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      await expect(attempt).rejects.toThrow(`METRICS_PORT ${port} is already in use`);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('METRICS_PORT, METRICS_HOST and LOG_LEVEL settings', () => {
  it('leave the endpoint off by default, on loopback when a port is given', () => {
    expect(parseEnv({}).metricsPort).toBeUndefined();
    expect(parseEnv({}).metricsHost).toBe('127.0.0.1');
    expect(parseEnv({ METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(parseEnv({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' })).toMatchObject({ metricsPort: 9464, metricsHost: '0.0.0.0' });
    expect(parseEnv({ LOG_LEVEL: 'WARN' }).logLevel).toBe('warn');
  });

  it('refuse bad values in one line naming the variable', () => {
    expect(() => parseEnv({ METRICS_PORT: '70000' })).toThrow(/^METRICS_PORT must be a port number/);
    expect(() => parseEnv({ METRICS_PORT: 'nine' })).toThrow(/^METRICS_PORT must be a port number/);
    expect(() => parseEnv({ LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL must be debug, info, warn or error/);
  });
});
