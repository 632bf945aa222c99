import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'restify';
import {
  NotificationQueueError,
  receiveChangeNotifications,
  receiveLifecycleNotifications,
  type NotificationDeps,
  type NotificationOutcome,
} from '../ingestion/graph-notifications.js';
import { BodyError, sendBodyError, type BodyBudget } from './body-budget.js';

export const NOTIFICATIONS_PATH = '/api/graph/notifications';
export const LIFECYCLE_PATH = '/api/graph/lifecycle';

/** far above any batch Graph sends, which carries no resource data for this app's subscriptions */
const MAX_BODY = 1024 * 1024;

export interface GraphWebhookDeps extends NotificationDeps {
  bodies: BodyBudget;
}

function answer(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

/**
 * Graph's two webhook endpoints. Both answer the validation handshake (echo the URL-decoded
 * `validationToken` as text/plain within 10 s) and otherwise hand the batch to the receivers, which
 * only enqueue, so the answer comes well inside Graph's 3 seconds. Each batch is logged as one line of
 * counts, however many items it carries, so a large forged batch cannot multiply into the log.
 */
export function registerGraphWebhooks(server: Server, deps: GraphWebhookDeps): void {
  const handle = (path: string, receive: (d: NotificationDeps, body: unknown) => Promise<NotificationOutcome>) => async (
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const token = new URL(req.url ?? '/', 'http://app').searchParams.get('validationToken');
    if (token !== null) {
      req.resume();
      // the token is the caller's text echoed back: never let a browser take it for HTML
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
      res.end(token);
      return;
    }
    let body: unknown;
    try {
      const raw = await deps.bodies.readBody(req, { maxBytes: MAX_BODY });
      const text = raw.toString('utf8');
      body = text ? JSON.parse(text) : undefined;
    } catch (err) {
      if (err instanceof BodyError) sendBodyError(res, err);
      else answer(res, 400, { error: 'body is not JSON' });
      return;
    }
    let outcome: NotificationOutcome;
    try {
      outcome = await receive(deps, body);
    } catch (err) {
      if (err instanceof NotificationQueueError) {
        // the store is down: Graph retries for hours, so a 503 loses nothing
        deps.logger.error({ err, path }, 'could not queue Graph notifications');
        answer(res, 503, undefined, { 'retry-after': '30' });
      } else {
        deps.logger.error({ err, path }, 'Graph notifications failed');
        answer(res, 500, { error: 'internal error' });
      }
      return;
    }
    const { status, queued, duplicates, rejected, ignored, malformed } = outcome;
    const counts = { path, status, queued, duplicates, rejected, ignored, malformed };
    if (rejected + malformed > 0) deps.logger.warn(counts, 'Graph notifications received, some refused');
    else deps.logger.info(counts, 'Graph notifications received');
    if (status === 400) answer(res, 400, { error: 'expected {"value": [...]} of notifications' });
    else answer(res, status);
  };
  server.post(NOTIFICATIONS_PATH, handle(NOTIFICATIONS_PATH, receiveChangeNotifications));
  server.post(LIFECYCLE_PATH, handle(LIFECYCLE_PATH, receiveLifecycleNotifications));
}
