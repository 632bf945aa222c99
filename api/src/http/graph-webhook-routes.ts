import type { IncomingMessage } from 'node:http';
import type { Server } from 'restify';
import {
  receiveChangeNotifications,
  receiveLifecycleNotifications,
  type NotificationDeps,
  type NotificationOutcome,
} from '../ingestion/graph-notifications.js';

export const NOTIFICATIONS_PATH = '/api/graph/notifications';
export const LIFECYCLE_PATH = '/api/graph/lifecycle';

const MAX_BODY = 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new RangeError('notification body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/**
 * Graph's two webhook endpoints. Both answer the validation handshake (echo the URL-decoded
 * `validationToken` as text/plain within 10 s) and otherwise hand the batch to the receivers, which
 * only enqueue, so the answer comes well inside Graph's 3 seconds.
 */
export function registerGraphWebhooks(server: Server, deps: NotificationDeps): void {
  const handle = (receive: (d: NotificationDeps, body: unknown) => Promise<NotificationOutcome>) => async (
    req: IncomingMessage & { url?: string },
    res: { writeHead(status: number, headers?: Record<string, string>): void; end(body?: string): void },
  ): Promise<void> => {
    const token = new URL(req.url ?? '/', 'http://app').searchParams.get('validationToken');
    if (token !== null) {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(token);
      return;
    }
    let body: unknown;
    try {
      body = await readJson(req);
    } catch (err) {
      res.writeHead(err instanceof RangeError ? 413 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: err instanceof RangeError ? err.message : 'body is not JSON' }));
      return;
    }
    try {
      const outcome = await receive(deps, body);
      res.writeHead(outcome.status, { 'content-type': 'application/json' });
      res.end(outcome.status === 400 ? JSON.stringify({ error: 'expected {"value": [...]}' }) : '');
    } catch (err) {
      // the store is down: Graph retries for hours, so a 503 loses nothing
      deps.logger.error({ err }, 'could not queue change notifications');
      res.writeHead(503, { 'retry-after': '30' });
      res.end();
    }
  };
  server.post(NOTIFICATIONS_PATH, handle(receiveChangeNotifications));
  server.post(LIFECYCLE_PATH, handle(receiveLifecycleNotifications));
}
