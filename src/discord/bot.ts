// Assembles the bot: storage, pipeline, the job queue, the discord.js client, and its stop().
import { Client, Events, GatewayIntentBits } from 'discord.js';
import type { AppConfig } from '../config/index.js';
import { GenerationService, scheduleOrphanSweep, type OrphanSweep } from '../generation/index.js';
import { log } from '../log.js';
import { healthReport } from '../observability/health.js';
import { metrics } from '../observability/metrics.js';
import { startMetricsServer, type MetricsServer } from '../observability/server.js';
import { ImagePipeline } from '../pipeline/imagePipeline.js';
import { PolicyService } from '../policy/index.js';
import { LatencyStats, type WorkQueue } from '../queue/index.js';
import {
  AuditLog,
  GalleryStore,
  HistoryStore,
  JobStore,
  Ledger,
  MemberSettingsStore,
  openDatabase,
  redactUrl,
  PromptSettingsStore,
  ReportStore,
  scheduleRetention,
  StylePresetStore,
  UsageLog,
  UsageReports,
  type Database,
} from '../storage/index.js';
import type { BotContext } from './context.js';
import { HandlerTracker } from './handlerTracker.js';
import { createInteractionHandler, type CommandSet } from './interactionRouter.js';
import { tellRecoveredUsers, tellUnrecordedUsers } from './jobRecovery.js';
import { remoteJobs, type RemoteJobs } from './remoteJobs.js';
import { createShardedClient } from './shards.js';
import { createBotQueue } from './botQueue.js';

/** Uploads of several MiB need longer than @discordjs/rest's 15 s default. */
const REST_TIMEOUT_MS = 120_000;
/** Running jobs get this long to finish on shutdown; then they are interrupted (CONTRACT: exit within 20 s). */
const SHUTDOWN_GRACE_MS = 13_000;
const SHUTDOWN_ABORT_MS = 3_000;
/** Then handlers telling their users (cancelled, interrupted, not started) get this long. */
const SHUTDOWN_TELL_MS = 2_000;

export interface RunningBot {
  client: Client<true>;
  ctx: BotContext;
  /** Stops taking work, lets running jobs finish or interrupts them, and disconnects. */
  stop(): Promise<void>;
}

export async function startBot(config: AppConfig, commands: CommandSet): Promise<RunningBot> {
  const { databaseUrl } = config.env;
  const db: Database = openDatabase(databaseUrl ?? config.env.databasePath);
  const usage = new UsageLog(db);
  const audit = new AuditLog(db);
  const ledger = new Ledger(db);
  const jobStore = new JobStore(db);
  const latency = new LatencyStats({ models: config.knownModels });
  // Shared mode: this run's name in the job table. PROCESS_NAME (or hostname:pid, which a restarted
  // container repeats) plus the start time: a restarted process must not take the claims its dead
  // predecessor left under the same name for its own (live ones are never taken over), so the other
  // processes, or this one, see them expire and close them.
  const processId = databaseUrl ? `${config.env.processName}@${Date.now().toString(36)}` : undefined;
  // Shared mode: set once the client is ready, when the shared queue's loop starts.
  let remote: RemoteJobs | undefined;
  const { queue: jobs, shared } = createBotQueue(config, db, latency, processId, () => remote);
  metrics.watchQueue(jobs);
  const pipeline = new ImagePipeline(config);
  const policies = new PolicyService(db, { audit });
  const generation = new GenerationService({ db, pipeline, policies, ledger, usage, jobStore, queue: jobs, latency, chat: config.chat, ...(processId ? { processId } : {}) });
  // One process: the requests a previous process left open are settled (a running one kept as
  // possibly billed, a queued one refunded) before any new work; their members are told once the bot
  // is online. Shared mode: the other open jobs may be live processes' own; only a job whose lease
  // expired is another's to close, and the shared queue finds those as it runs; what has no job row
  // (no lease) the orphan sweep closes by its age, below.
  const leftovers = shared ? { jobs: [], orphans: 0, toTell: [] } : generation.recover();
  if (leftovers.jobs.length > 0 || leftovers.orphans > 0) {
    log.warn('closed requests left open by a previous run', { jobs: leftovers.jobs.length, unrecorded: leftovers.orphans });
  }
  if (databaseUrl) log.info('shared mode: PostgreSQL is the queue and the books of every process', { database: redactUrl(databaseUrl), process: processId });
  // USAGE_RETENTION_DAYS: old usage detail pruned now and daily (storage/retention.ts); unset, nothing.
  const retention = scheduleRetention(db, config.env.usageRetentionDays);
  const ctx: BotContext = {
    config,
    pipeline,
    generation,
    usage,
    usageReports: new UsageReports(db),
    policies,
    audit,
    ledger,
    jobs,
    jobStore,
    latency,
    reports: new ReportStore(db),
    gallery: new GalleryStore(db),
    history: new HistoryStore(db),
    memberSettings: new MemberSettingsStore(db),
    styles: new StylePresetStore(db, audit),
    promptSettings: new PromptSettingsStore(db, audit),
    handlers: new HandlerTracker(),
  };
  const client = createShardedClient(
    { intents: [GatewayIntentBits.Guilds], rest: { api: config.env.discordApiBaseUrl, timeout: REST_TIMEOUT_MS } },
    config.env.shardCount,
    config.env.shardIds,
  );
  client.on(Events.InteractionCreate, createInteractionHandler(ctx, commands));
  client.on(Events.Error, (error) => log.error('discord client error', { error }));
  client.on(Events.Warn, (message) => log.warn('discord client warning', { message }));

  let stopping: Promise<void> | undefined;
  // Up before login, so a probe sees 503 (not a refused connection) while the gateway connects.
  const metricsServer = await startObservability(config, client, jobs, () => stopping !== undefined, shared && (() => shared.databaseReachable));

  const ready = new Promise<Client<true>>((resolve) => client.once(Events.ClientReady, resolve));
  let readyClient: Client<true>;
  try {
    await client.login(config.env.discordToken);
    readyClient = await ready;
  } catch (error) {
    await metricsServer?.close();
    throw error;
  }
  log.info('bot is online', {
    user: readyClient.user.tag,
    application: readyClient.application.id,
    guilds: readyClient.guilds.cache.size,
    shards: readyClient.ws.shards.size,
    ...(config.env.shardIds ? { shardIds: config.env.shardIds.join(','), shardCount: config.env.shardCount } : {}),
  });
  void ctx.handlers.follow(tellRecoveredUsers(readyClient, leftovers.jobs));
  void ctx.handlers.follow(tellUnrecordedUsers(readyClient, leftovers.toTell));
  // Shared mode: from now on this process claims jobs (its own and, when portable, others'), and
  // takes over those of processes that stopped renewing their leases.
  remote = remoteJobs(ctx, readyClient);
  shared?.start();
  // Shared mode: and, every 30 s, closes what dead processes left without a job row (orphanSweep.ts).
  const sweep: OrphanSweep | undefined =
    shared && scheduleOrphanSweep(generation, { tell: (notices) => void ctx.handlers.follow(tellUnrecordedUsers(readyClient, notices)) });

  const stop = () =>
    (stopping ??= (async () => {
      // First: a sweep later in the stop could free a reservation and hand its member to a client
      // being destroyed (the other processes sweep on).
      sweep?.stop();
      const drained = await ctx.jobs.drain(SHUTDOWN_GRACE_MS, SHUTDOWN_ABORT_MS);
      if (drained.left > 0) log.warn('interrupted running generations on shutdown', { interrupted: drained.left });
      if (drained.notStarted.length > 0) log.warn('dropped queued requests on shutdown', { dropped: drained.notStarted.length });
      if (drained.handedOver?.length) log.info('left queued requests to the other processes', { left: drained.handedOver.length });
      await ctx.handlers.idle(SHUTDOWN_TELL_MS);
      await client.destroy();
      await ctx.pipeline.close();
      retention.stop();
      db.close();
      // Last: scrapes and probes keep answering (503 from /healthz) while the jobs drain.
      await metricsServer?.close();
    })());
  return { client: readyClient, ctx, stop };
}

/** The /metrics and /healthz endpoint when METRICS_PORT is set; nothing at all otherwise. */
async function startObservability(
  config: AppConfig,
  client: Client,
  jobs: WorkQueue,
  stopping: () => boolean,
  database: (() => boolean) | undefined,
): Promise<MetricsServer | undefined> {
  if (config.env.metricsPort === undefined) return undefined;
  // prom-client is loaded here, before the login: every job is counted from the first.
  metrics.enableProcessMetrics();
  await metrics.start();
  return startMetricsServer({
    host: config.env.metricsHost,
    port: config.env.metricsPort,
    metrics,
    health: () => healthReport({ client, queue: jobs, stopping, ...(database ? { database } : {}) }),
  });
}
