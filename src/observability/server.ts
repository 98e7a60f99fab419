// The operator's HTTP endpoint (METRICS_PORT): GET /metrics for Prometheus, GET /healthz for
// probes. Plain node:http: two routes do not need a framework. It binds loopback unless
// METRICS_HOST says otherwise, since metrics reveal traffic and model use.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config/errors.js';
import { log } from '../log.js';
import type { BotMetrics } from './metrics.js';

export interface HealthReport {
  /** 200 when true, 503 otherwise. */
  healthy: boolean;
  body: Record<string, unknown>;
}

export interface MetricsServerOptions {
  host: string;
  /** 0: any free port (the bound one is logged and returned). */
  port: number;
  metrics: BotMetrics;
  health: () => HealthReport;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464 */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    handle(request, response, options).catch((error: unknown) => {
      log.error('metrics endpoint failed to answer', { path: request.url, error });
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('internal error\n');
    });
  });
  // Scrapers keep connections alive; they must not hold the shutdown open.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, options)));
    server.listen(options.port, options.host, () => resolve());
  });
  server.on('error', (error) => log.error('metrics endpoint error', { error }));
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  log.info('metrics endpoint listening', { url, metrics: `${url}/metrics`, healthz: `${url}/healthz`, port });
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(request: IncomingMessage, response: ServerResponse, options: MetricsServerOptions): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    response.end('method not allowed\n');
    return;
  }
  if (path === '/metrics') {
    const { contentType, body } = await options.metrics.exposition();
    response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : body);
    return;
  }
  if (path === '/healthz') {
    const report = options.health();
    response.writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    response.end(request.method === 'HEAD' ? undefined : JSON.stringify(report.body));
    return;
  }
  response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  response.end('not found: try /metrics or /healthz\n');
}

/** A taken port or an address this machine does not have is the operator's setting: say which, in one line. */
function listenError(error: NodeJS.ErrnoException, options: MetricsServerOptions): Error {
  const where = `${options.host}:${options.port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError(`METRICS_PORT ${options.port} is already in use on ${options.host}: choose a free port (or 0 for any), or stop what is using it`);
    case 'EACCES':
      return new ConfigError(`METRICS_PORT ${options.port} needs privileges on ${options.host}: use a port above 1023`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`METRICS_HOST ${options.host} is not an address of this machine: use 127.0.0.1, or 0.0.0.0 for every interface`);
    default:
      return new ConfigError(`The metrics endpoint could not listen on ${where} (${error.code ?? error.message}): check METRICS_HOST and METRICS_PORT`);
  }
}
