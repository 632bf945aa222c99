import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { createBotAdapter, type BotConnection } from '../../bot/src/bot-adapter.js';
import { createServiceReader } from '../../bot/src/conversation/service-reader.js';
import { handleTurn } from '../../bot/src/conversation/turn.js';
import { registerMessagesRoute } from '../../bot/src/inbound/messages-route.js';
import { createTeamsNotifier } from '../../bot/src/teams-notifier.js';
import { recordingAdminSightings } from './admin/admin-sightings.js';
import { createAdapterFactories } from './adapters.js';
import { registerAdminRoutes } from './admin/admin-routes.js';
import { clientConfig, createSsoAuthenticator } from './admin/sso-auth.js';
import { systemClock, type Clock } from './clock.js';
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { IntegrationHealthKeeper } from './health/integration-health.js';
import { adminAlertFor } from './health/health-event.js';
import { alertAdminsJob } from './ingestion/job-kinds.js';
import { callCatchUpFor } from './ingestion/call-recovery.js';
import { createBodyBudget } from './http/body-budget.js';
import { registerGraphWebhooks } from './http/graph-webhook-routes.js';
import { registerLegalRoutes } from './http/legal-routes.js';
import { registerTabRoutes } from './http/tab-routes.js';
import { storeReadiness } from './http/readiness.js';
import { createHttpServer, listen } from './http/server.js';
import { createTlsTrust } from './net/tls-trust.js';
import { createDuties, startScheduler } from './ingestion/duties.js';
import type { HealthDeps } from './ingestion/health.js';
import { IntegrationContexts } from './ingestion/integration-context.js';
import { createJobHandlers } from './ingestion/pipeline.js';
import { SubscriptionManager } from './ingestion/subscriptions.js';
import { testConnection } from './integrations/connection-test.js';
import { IntegrationService } from './integrations/integration-service.js';
import { seedIntegrations } from './integrations/seed-integrations.js';
import { createLogger, type Logger } from './logging/logger.js';
import { unconfiguredNotifier, type Notifier } from './notify/notifier.js';
import { JobQueue } from './queue/job-queue.js';
import { createWorker, type JobHandler, type Worker } from './queue/worker.js';
import { createSecretBox } from './security/secret-box.js';
import { loadSecretKeys } from './security/secret-keys.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
export interface RunningApp {
  url: string;
  store: Store;
  /** the one way in for admin actions */
  service: IntegrationService;
  pipeline: {
    handlers: Record<string, JobHandler>;
    health: HealthDeps;
    /** every scheduled duty once, now, in this process */
    runScheduledOnce(): Promise<void>;
  };
  close(): Promise<void>;
}

export interface AppOverrides {
  clock?: Clock;
}

/** Composition root: builds every part from the configuration and wires them together. */
export async function startApp(config: AppConfig, logger: Logger, overrides: AppOverrides = {}): Promise<RunningApp> {
  const clock = overrides.clock ?? systemClock;
  const trust = createTlsTrust(config.extraCaFile ? await readFile(config.extraCaFile, 'utf8') : undefined);
  const keys = await loadSecretKeys({ mode: config.mode, keys: config.secretKeys, dataDir: config.dataDir });
  const store = await openStore(config.store, { clock, secretBox: createSecretBox(keys) });
  const queue = new JobQueue({ jobs: store.jobs, clock, defaultMaxAttempts: config.jobs.maxAttempts });

  const adapters = createAdapterFactories(config, trust);
  const contexts = new IntegrationContexts({ integrations: store.integrations, ...adapters });
  const keeper = new IntegrationHealthKeeper({ integrations: store.integrations, clock, logger });

  const bot: BotConnection | undefined =
    config.bot.id && (config.bot.password || config.bot.type === 'UserAssignedMsi')
      ? createBotAdapter(
          {
            appId: config.bot.id,
            appPassword: config.bot.password,
            appType: config.bot.type,
            appTenantId: config.bot.tenantId,
            loginAuthority: config.entra.authorityHost,
            serviceUrl: config.bot.connectorUrl,
            oAuthScope: config.bot.tokenScope,
            inbound: { openIdMetadataUrl: config.bot.openIdMetadataUrl, tokenIssuer: config.bot.tokenIssuer },
          },
          { fetch: trust.fetch },
        )
      : undefined;
  if (!bot) logger.warn('BOT_ID/BOT_PASSWORD not set: organizers will not be notified and /api/messages is not served');
  const notifier: Notifier = bot ? createTeamsNotifier(bot, store.conversations, { consoleUrl: config.consoleUrl }) : unconfiguredNotifier;
  // admins hear of a change once: the health's revision makes it one job however often it is seen
  keeper.onChange(async (change) => {
    const alert = adminAlertFor(change, clock.now());
    if (alert) await queue.enqueue(alertAdminsJob(alert, change.integration.health.rev));
  });
  // a call permission granted: the calls recorded without it are found and archived
  keeper.onChange(async (change) => {
    const catchUp = callCatchUpFor(change, clock.now());
    if (catchUp) await queue.enqueue(catchUp);
  });

  const secretWarningMs = config.secretExpiryWarningDays * 86_400_000;
  const health: HealthDeps = { contexts, keeper, integrations: store.integrations, jobs: store.jobs, clock, logger, secretWarningMs };
  const subscriptions = new SubscriptionManager({
    contexts,
    subscriptions: store.subscriptions,
    jobs: queue,
    publicUrl: config.http.publicUrl,
    clock,
    logger,
    onTranscriptProblem: async (integrationId, err) => void (await keeper.warning(integrationId, err)),
    onCallProblem: async (integrationId, err) => void (await keeper.warning(integrationId, err)),
  });
  const duties = createDuties({ store, queue, subscriptions, health, clock, logger, periods: config.schedule, retentionMs: config.worker.retentionMs });
  const handlers = createJobHandlers({
    store,
    queue,
    contexts,
    health,
    subscriptions,
    duties,
    notifier,
    clock,
    logger,
    entryUrlTemplate: config.kaltura.entryUrlTemplate,
    uploadChunkBytes: config.jobs.uploadChunkBytes,
    transcriptWaitMs: config.jobs.transcriptWaitMs,
    teamsAppId: config.teamsAppId,
  });
  const service = new IntegrationService({
    store,
    queue,
    forgetClients: (id) => contexts.forget(id),
    keeper,
    verifySecret: (credentials) => adapters.verifySecret(credentials),
    testConnection: (id) => testConnection({ contexts, keeper, queue, clock, secretWarningMs }, id),
    removeSubscriptions: (id) => subscriptions.removeAll(id),
    contexts,
    defaultKalturaServiceUrl: config.kaltura.defaultServiceUrl,
    clock,
    logger,
  });
  // one role seeds, so processes starting together never both create the same integration
  if (config.seedIntegrationsFile && config.role !== 'worker') await seedIntegrations(config.seedIntegrationsFile, service, logger);

  let shuttingDown = false;
  const readiness = storeReadiness({ store, logger, shuttingDown: () => shuttingDown });
  const server = createHttpServer({ logger, readiness, limits: config.http });
  const bodies = createBodyBudget(config.http.body);
  if (config.role !== 'worker') {
    registerGraphWebhooks(server, { subscriptions: store.subscriptions, jobs: queue, logger, now: () => clock.now(), bodies });
    const verify = createSsoAuthenticator(
      {
        authorityHost: config.entra.authorityHost,
        v1IssuerHost: config.sso.v1IssuerHost,
        clientId: config.sso.clientId,
        appIdUri: config.sso.appIdUri,
        allowedTenants: config.sso.allowedTenants,
        adminRole: config.sso.adminRole,
      },
      { fetch: trust.fetch },
    );
    const authenticate = recordingAdminSightings(verify, { admins: store.admins, clock, logger });
    const signIn = clientConfig(config);
    registerAdminRoutes(server, { service, authenticate, bodies, clientConfig: () => signIn, logger });
    registerTabRoutes(server, { dir: config.tabDir, logger });
    registerLegalRoutes(server);
    if (bot) {
      const turn = { memory: store.conversations, reader: createServiceReader(service, store.admins), consoleUrl: config.consoleUrl };
      registerMessagesRoute(server, { bot, bodies, logger, onActivity: (activity) => handleTurn(activity, turn) });
    }
  }
  const port = await listen(server, config.http.port, config.http.host);
  const url = `http://${config.http.host}:${port}`;

  let worker: Worker | undefined;
  let stopScheduler = () => undefined as void;
  if (config.role !== 'web') {
    worker = createWorker({
      queue,
      workerId: `${hostname()}:${process.pid}`,
      handlers,
      logger,
      concurrency: config.worker.concurrency,
      pollMs: config.worker.pollMs,
      leaseMs: config.worker.leaseMs,
      claim: { maxActivePerIntegration: config.worker.maxActivePerIntegration },
      onError: (err, job) => logger.warn({ err, jobId: job?.id, kind: job?.kind }, 'worker problem'),
    });
    worker.start();
    stopScheduler = startScheduler(duties, queue, config.schedule, logger, () => clock.now());
  }
  logger.info({ url, mode: config.mode, role: config.role, store: config.store.kind }, 'app listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    service,
    pipeline: { handlers, health, runScheduledOnce: () => duties.runAll() },
    close: () => {
      closing ??= (async () => {
        shuttingDown = true;
        stopScheduler();
        await worker?.stop();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await store.close();
        await trust.dispatcher.close();
        trust.httpsAgent.destroy();
      })();
      return closing;
    },
  };
}

/** Runs the app from its environment until SIGTERM/SIGINT; exits 2 on bad configuration. */
export async function runApp(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const app = await startApp(config, logger);
  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runApp().catch((err: unknown) => {
    process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
