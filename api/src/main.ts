import { ConfigError, loadConfig, type AppConfig } from './config.js';
import { createHttpServer, listen } from './http/server.js';
import { createLogger, type Logger } from './logging/logger.js';

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** Composition root: builds every part from the configuration and wires them together. */
export async function startApp(config: AppConfig, logger: Logger): Promise<RunningApp> {
  const server = createHttpServer(logger);
  const port = await listen(server, config.http.port, config.http.host);
  const url = `http://${config.http.host}:${port}`;
  logger.info({ url, mode: config.mode, role: config.role, store: config.store.kind }, 'app listening');
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
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
