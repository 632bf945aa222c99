import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { createBotAdapter, type BotConnection } from '../../bot/src/bot-adapter.js';
import { systemClock, type Clock } from './clock.js';
import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { registerGraphWebhooks } from './http/graph-webhook-routes.js';
import { createHttpServer, listen } from './http/server.js';
import { createTlsTrust } from './http/tls-trust.js';
import { IntegrationContexts } from './ingestion/integration-context.js';
import { createPipeline, type Pipeline } from './ingestion/pipeline.js';
import { seedIntegrations } from './integrations/seed-integrations.js';
import { createLogger, type Logger } from './logging/logger.js';
import { JobQueue } from './queue/job-queue.js';
import { createWorker, type Worker } from './queue/worker.js';
import { createSecretBox } from './security/secret-box.js';
import { loadSecretKeys } from './security/secret-keys.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

export interface RunningApp {
  url: string;
  store: Store;
  pipeline: Pipeline;
  close(): Promise<void>;
}

export interface AppOverrides {
  clock?: Clock;
  /** worker tuning, for tests */
  worker?: { concurrency?: number; pollMs?: number; leaseMs?: number };
  chunkSize?: number;
  every?: { subscriptionsMs?: number; sweepMs?: number; healthMs?: number };
  transcriptWaitMs?: number;
}

/** Composition root: builds every part from the configuration and wires them together. */
export async function startApp(config: AppConfig, logger: Logger, overrides: AppOverrides = {}): Promise<RunningApp> {
  const clock = overrides.clock ?? systemClock;
  const trust = createTlsTrust(config.extraCaFile ? await readFile(config.extraCaFile, 'utf8') : undefined);
  const keys = await loadSecretKeys({ mode: config.mode, keys: config.secretKeys, dataDir: config.dataDir });
  const store = await openStore(config.store, { clock, secretBox: createSecretBox(keys) });
  if (config.seedIntegrationsFile) await seedIntegrations(config.seedIntegrationsFile, store.integrations, logger);

  const bot: BotConnection | undefined =
    config.bot.id && config.bot.password
      ? createBotAdapter(
          {
            appId: config.bot.id,
            appPassword: config.bot.password,
            appType: config.bot.type,
            appTenantId: config.bot.tenantId,
            loginAuthority: config.entra.authorityHost,
            serviceUrl: config.bot.connectorUrl,
          },
          { fetch: trust.fetch },
        )
      : undefined;
  if (!bot) logger.warn('BOT_ID/BOT_PASSWORD not set: organizers will not be notified');

  const contexts = new IntegrationContexts({
    integrations: store.integrations,
    entraAuthorityHost: config.entra.authorityHost,
    graphBaseUrl: config.graph.baseUrl,
    graphTokenScope: config.graph.tokenScope,
    fetch: trust.fetch,
    dispatcher: trust.dispatcher,
    httpsAgent: trust.httpsAgent,
  });
  const pipeline = createPipeline({
    store,
    contexts,
    clock,
    logger,
    publicUrl: config.http.publicUrl,
    entryUrlTemplate: config.kaltura.entryUrlTemplate,
    bot,
    chunkSize: overrides.chunkSize,
    every: overrides.every,
    transcriptWaitMs: overrides.transcriptWaitMs,
  });

  const server = createHttpServer(logger);
  registerGraphWebhooks(server, { subscriptions: store.subscriptions, jobs: store.jobs, logger, now: () => clock.now() });
  const port = await listen(server, config.http.port, config.http.host);
  const url = `http://${config.http.host}:${port}`;

  let worker: Worker | undefined;
  if (config.role !== 'web') {
    const queue = new JobQueue({ jobs: store.jobs, clock });
    worker = createWorker({
      queue,
      workerId: `${hostname()}:${process.pid}`,
      handlers: pipeline.handlers,
      concurrency: overrides.worker?.concurrency ?? config.worker.concurrency,
      pollMs: overrides.worker?.pollMs ?? 1_000,
      leaseMs: overrides.worker?.leaseMs ?? config.worker.leaseMs,
      claim: { maxActivePerIntegration: config.worker.maxActivePerIntegration },
      onError: (err, job) => logger.warn({ err, jobId: job?.id, kind: job?.kind }, 'worker problem'),
    });
    worker.start();
    pipeline.startScheduler();
  }
  logger.info({ url, mode: config.mode, role: config.role, store: config.store.kind }, 'app listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    store,
    pipeline,
    close: () => {
      closing ??= (async () => {
        pipeline.stopScheduler();
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
