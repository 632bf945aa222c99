import './restify-on-node24.js';
import restify, { type Server } from 'restify';
import type { Logger } from '../logging/logger.js';
import type { Readiness } from './readiness.js';

/** What one client may hold of the server; absent, Node's own defaults apply. */
export interface ConnectionLimits {
  /** sockets open at once; more are closed as they are accepted */
  maxConnections: number;
  /** time to receive a request's headers */
  headersTimeoutMs: number;
  /** time to receive a whole request (Node checks every 30 s, so it can run up to that much longer) */
  requestTimeoutMs: number;
}

export interface HttpServerOptions {
  logger: Logger;
  /** /healthz answers 200 only while this says ok, so a load balancer stops sending traffic otherwise */
  readiness: Readiness;
  limits?: ConnectionLimits;
}

/** The one HTTP server: admin API, bot endpoint, Graph webhooks and health all share its port. */
export function createHttpServer({ logger, readiness, limits }: HttpServerOptions): Server {
  const server = restify.createServer({ name: 'teams-recording-archiver', handleUncaughtExceptions: false });
  if (limits) {
    server.server.maxConnections = limits.maxConnections;
    server.server.headersTimeout = limits.headersTimeoutMs;
    server.server.requestTimeout = limits.requestTimeoutMs;
  }
  server.on('restifyError', (req, _res, err, callback) => {
    if ((err as { statusCode?: number }).statusCode === undefined || (err as { statusCode: number }).statusCode >= 500) {
      logger.error({ err, method: req.method, path: req.path() }, 'request failed');
    }
    return callback();
  });
  // readiness: a load balancer or orchestrator takes the instance out of rotation while this is 503
  server.get('/healthz', async (_req, res) => {
    let result;
    try {
      result = await readiness();
    } catch {
      result = { ok: false as const, reason: 'readiness check failed' };
    }
    res.setHeader('cache-control', 'no-store');
    if (result.ok) res.send(200, { status: 'ok' });
    else res.send(503, { status: 'unavailable', reason: result.reason });
  });
  // liveness: only that the process answers, so a store outage does not get the process restarted
  server.get('/livez', (_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    res.send(200, { status: 'alive' });
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
