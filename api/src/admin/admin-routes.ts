import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'restify';
import type { BodyBudget } from '../http/body-budget.js';
import { errorBody, httpStatusFor } from '../http/error-status.js';
import { LOOKUP_KINDS, type IntegrationService, type LookupKind } from '../integrations/integration-service.js';
import { refuse, ServiceError } from '../integrations/service-errors.js';
import type { Logger } from '../logging/logger.js';
import type { AuditActor } from '../store/model.js';
import { activityCsv, activityView, csvFileName } from './activity-view.js';
import { queryParam, readJsonBody, requestError, sendError, sendJson, sendText } from './admin-http.js';
import type { AdminPrincipal, AuthenticateAdmin } from './admin-principal.js';
import { healthView } from './health-view.js';
import { etagOf, integrationView } from './integration-view.js';
import { isoTime } from './iso-time.js';
import { recordingView } from './recording-view.js';
import { ownIntegration, requireOwnTenant, sameTenant } from './tenant-scope.js';

export const ADMIN_PREFIX = '/api/admin';

export interface AdminRouteDeps {
  service: IntegrationService;
  authenticate: AuthenticateAdmin;
  bodies: BodyBudget;
  /** what `GET /api/admin/client-config` answers: how the tab signs in, no secret */
  clientConfig: () => unknown;
  logger: Logger;
}

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  principal: AdminPrincipal;
  actor: AuditActor;
  params: Record<string, string>;
  query: URLSearchParams;
  /** the JSON body (read once, through the body budget) */
  body(): Promise<unknown>;
}

type Handler = (call: Call) => Promise<void>;
type Method = 'get' | 'post' | 'put' | 'patch' | 'del';

const ACTIVITY_LIMIT = { min: 1, max: 500, default: 100 };
/** Graph's recording ids are long base64 strings; beyond the store's key limit nothing can match */
const MAX_RECORDING_ID = 2000;

/**
 * The admin API (docs/admin-api.md). Every route checks the caller's Teams SSO token, keeps to the
 * caller's tenant, reads bodies only through the shared body budget, and calls the integration service,
 * the one way in for admin actions. Refusals are `{"error":{code,message,field}}`; nothing answers 500
 * on purpose.
 */
export function registerAdminRoutes(server: Server, deps: AdminRouteDeps): void {
  const { service } = deps;

  const route = (method: Method, path: string, handler: Handler) => {
    server[method](`${ADMIN_PREFIX}${path}`, async (req: IncomingMessage & { params?: Record<string, string> }, res: ServerResponse) => {
      let bodyRead = false;
      try {
        const principal = await deps.authenticate(req.headers.authorization);
        const query = new URL(req.url ?? '/', 'http://admin').searchParams;
        let body: Promise<unknown> | undefined;
        await handler({
          req,
          res,
          principal,
          actor: { id: principal.userId, name: principal.name },
          params: req.params ?? {},
          query,
          body: () =>
            (body ??= readJsonBody(req, deps.bodies).then((b) => {
              bodyRead = true;
              return b;
            })),
        });
      } catch (err) {
        fail(req, res, err, !bodyRead && declaresBody(req));
      }
    });
  };

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown, bodyUnread: boolean) => {
    const status = httpStatusFor(err);
    if (status >= 500 && status !== 503) deps.logger.error({ err, method: req.method, path: pathOf(req) }, 'admin request failed');
    sendError(res, err, { bodyUnread });
  };

  const answerIntegration = (res: ServerResponse, status: number, i: Parameters<typeof integrationView>[0]) =>
    sendJson(res, status, integrationView(i), { etag: etagOf(i) });

  // how the tab signs in: asked before there is a token
  server.get(`${ADMIN_PREFIX}/client-config`, async (_req: IncomingMessage, res: ServerResponse) => {
    sendJson(res, 200, deps.clientConfig());
  });

  route('get', '/me', async ({ res, principal }) => {
    sendJson(res, 200, { user: { id: principal.userId, name: principal.name, tenantId: principal.tenantId }, roles: principal.roles });
  });

  route('get', '/integrations', async ({ res, principal }) => {
    const items = (await service.list()).filter((i) => sameTenant(i.tenantId, principal.tenantId));
    sendJson(res, 200, { items: items.map(integrationView) });
  });

  route('post', '/integrations', async ({ res, principal, actor, body }) => {
    const input = await body();
    requireOwnTenant(principal, input);
    answerIntegration(res, 201, await service.create(actor, input));
  });

  route('get', '/integrations/:id', async ({ res, principal, params }) => {
    answerIntegration(res, 200, await ownIntegration(service, principal, params.id!));
  });

  route('patch', '/integrations/:id', async ({ req, res, principal, actor, params, body }) => {
    const current = await ownIntegration(service, principal, params.id!);
    const input = await body();
    if (input !== null && typeof input === 'object' && 'appClientSecret' in input) {
      throw refuse.invalid('appClientSecret', `the client secret is replaced with PUT ${ADMIN_PREFIX}/integrations/${current.id}/secret, which checks it with Entra ID first`);
    }
    requireOwnTenant(principal, input);
    answerIntegration(res, 200, await service.update(actor, current.id, input, expectedVersion(req.headers['if-match'])));
  });

  route('del', '/integrations/:id', async ({ res, principal, actor, params }) => {
    const current = await ownIntegration(service, principal, params.id!);
    await service.delete(actor, current.id);
    sendJson(res, 204, undefined);
  });

  route('post', '/integrations/:id/enable', async ({ res, principal, actor, params }) => {
    const current = await ownIntegration(service, principal, params.id!);
    answerIntegration(res, 200, await service.enable(actor, current.id));
  });

  route('post', '/integrations/:id/disable', async ({ res, principal, actor, params }) => {
    const current = await ownIntegration(service, principal, params.id!);
    answerIntegration(res, 200, await service.disable(actor, current.id));
  });

  route('put', '/integrations/:id/secret', async ({ res, principal, actor, params, body }) => {
    const current = await ownIntegration(service, principal, params.id!);
    const input = await body();
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw refuse.invalid('body', 'must be {"appClientSecret": "…"}');
    const unknown = Object.keys(input).filter((k) => k !== 'appClientSecret');
    if (unknown.length) throw refuse.invalid('body', `unknown field(s) ${unknown.join(', ')}`);
    answerIntegration(res, 200, await service.replaceSecret(actor, current.id, input));
  });

  route('post', '/integrations/:id/test', async ({ res, principal, actor, params }) => {
    const current = await ownIntegration(service, principal, params.id!);
    const report = await service.testConnection(actor, current.id);
    const after = await service.get(current.id);
    sendJson(res, 200, { ok: report.ok, checkedAt: isoTime(report.checkedAt), checks: report.checks, integration: integrationView(after) });
  });

  route('get', '/integrations/:id/health', async ({ res, principal, params }) => {
    const current = await ownIntegration(service, principal, params.id!);
    sendJson(res, 200, healthView(await service.healthReport(current.id)));
  });

  route('get', '/integrations/:id/recordings', async ({ res, principal, params, query }) => {
    const current = await ownIntegration(service, principal, params.id!);
    const page = await service.listRecordings(current.id, {
      state: queryParam(query, 'state'),
      organizerId: queryParam(query, 'organizerId'),
      limit: queryParam(query, 'limit'),
      cursor: queryParam(query, 'cursor'),
    });
    const retryable = await service.retryable(page.items);
    sendJson(res, 200, { items: page.items.map((r) => recordingView(r, retryable.has(r.recordingId))), nextCursor: page.nextCursor });
  });

  // `/recordings/{recordingId}/retry`: matched by hand, since Graph's recording ids are longer than the
  // router takes as one path parameter (100 characters)
  route('post', '/integrations/:id/recordings/*', async ({ req, res, principal, actor, params }) => {
    const m = /\/recordings\/([^/]+)\/retry$/.exec(pathOf(req));
    if (!m) throw requestError.route(req.method ?? 'POST', pathOf(req));
    const current = await ownIntegration(service, principal, params.id!);
    const recordingId = decodeSegment(m[1]!);
    if (!recordingId || recordingId.length > MAX_RECORDING_ID) throw refuse.recordingNotFound('(not a recording id)');
    const queued = await service.retry(actor, current.id, recordingId);
    sendJson(res, 200, recordingView(queued, false));
  });

  route('post', '/integrations/:id/backfill', async ({ res, principal, actor, params, body }) => {
    const current = await ownIntegration(service, principal, params.id!);
    sendJson(res, 202, await service.backfill(actor, current.id, await body()));
  });

  // suggestions for the editor's pickers: categories, Kaltura groups, Entra groups, Kaltura users
  route('get', '/integrations/:id/lookup/:kind', async ({ req, res, principal, params, query }) => {
    const kind = params.kind!;
    if (!(LOOKUP_KINDS as readonly string[]).includes(kind)) throw requestError.route(req.method ?? 'GET', pathOf(req));
    const current = await ownIntegration(service, principal, params.id!);
    const items = await service.lookup(current.id, kind as LookupKind, queryParam(query, 'q') ?? '');
    sendJson(res, 200, { items });
  });

  route('get', '/integrations/:id/activity', async ({ res, principal, params, query }) => {
    const current = await ownIntegration(service, principal, params.id!);
    const limit = activityLimit(queryParam(query, 'limit'));
    const format = queryParam(query, 'format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw refuse.invalid('format', 'must be json or csv');
    const items = activityView(await service.activity(current.id, limit), limit);
    if (format === 'json') return sendJson(res, 200, { items });
    sendText(res, 200, activityCsv(items), {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${csvFileName(current.name)}"`,
    });
  });

  // anything else under the prefix is a JSON 404, whatever the method
  const unknown = async (req: IncomingMessage, res: ServerResponse) => {
    fail(req, res, requestError.route(req.method ?? 'GET', pathOf(req)), declaresBody(req));
  };
  for (const method of ['get', 'post', 'put', 'patch', 'del', 'opts', 'head'] as const) {
    server[method](`${ADMIN_PREFIX}/*`, unknown);
    server[method](ADMIN_PREFIX, unknown);
  }
  // what the router cannot match at all (a path it cannot decode) still answers in the API's shape
  for (const event of ['NotFound', 'MethodNotAllowed']) {
    server.on(event, (req: IncomingMessage, res: ServerResponse & { send?: (status: number, body: unknown) => void }, _err: unknown, callback: () => void) => {
      const path = (req.url ?? '').split('?')[0]!;
      if ((path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`)) && !res.headersSent && res.send) {
        res.setHeader('cache-control', 'no-store');
        // restify's own send, so restify knows the answer went out
        res.send(404, errorBody(requestError.route(req.method ?? 'GET', path)));
      }
      return callback();
    });
  }
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://admin').pathname;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function declaresBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** `If-Match: "3"` (or W/"3", or 3) → 3; `*` or absent → no check. */
function expectedVersion(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(header);
  if (!m) throw new ServiceError('INVALID_INPUT', 'If-Match: must be the ETag of the integration as read, e.g. "3"', { field: 'If-Match' });
  return Number(m[1]);
}

function activityLimit(value: string | undefined): number {
  if (value === undefined) return ACTIVITY_LIMIT.default;
  const n = /^\d{1,4}$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= ACTIVITY_LIMIT.min && n <= ACTIVITY_LIMIT.max)) {
    throw refuse.invalid('limit', `must be a whole number from ${ACTIVITY_LIMIT.min} to ${ACTIVITY_LIMIT.max}`);
  }
  return n;
}
