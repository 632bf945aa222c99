import restify, { type Server } from 'restify';
import type { Logger } from '../logging/logger.js';

/** The one HTTP server: admin API, bot endpoint, Graph webhooks and health all share its port. */
export function createHttpServer(logger: Logger): Server {
  const server = restify.createServer({ name: 'teams-recording-archiver', handleUncaughtExceptions: false });
  server.on('restifyError', (req, _res, err, callback) => {
    if ((err as { statusCode?: number }).statusCode === undefined || (err as { statusCode: number }).statusCode >= 500) {
      logger.error({ err, method: req.method, path: req.path() }, 'request failed');
    }
    return callback();
  });
  server.get('/healthz', (_req, res, next) => {
    res.send(200, { status: 'ok' });
    return next();
  });
  return server;
}

export async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return address.port;
}
