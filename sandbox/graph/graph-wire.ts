import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { EmulatorRequest } from '../emulator/router.js';

/**
 * What every Graph response shares: the `request-id`/`client-request-id` headers and the error envelope
 * `{"error":{"code","message","innerError":{date,request-id,client-request-id}}}` (reference §5).
 */

/** The content type Graph puts on OData JSON; clients must match it by prefix, so we send the long form. */
export const ODATA_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

const REQUEST_ID = Symbol('graphRequestId');
type Stamped = ServerResponse & { [REQUEST_ID]?: string };

/** Sets the per-response headers once; the client's own `client-request-id` is echoed as Graph does. */
export function stampGraphHeaders(req: EmulatorRequest, res: ServerResponse): string {
  const stamped = res as Stamped;
  if (stamped[REQUEST_ID]) return stamped[REQUEST_ID];
  const requestId = randomUUID();
  const clientRequestId = headerValue(req, 'client-request-id') ?? requestId;
  res.setHeader('request-id', requestId);
  res.setHeader('client-request-id', clientRequestId);
  res.setHeader(
    'x-ms-ags-diagnostic',
    JSON.stringify({ ServerInfo: { DataCenter: 'Sandbox', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'EMULATOR' } }),
  );
  stamped[REQUEST_ID] = requestId;
  return requestId;
}

export function headerValue(req: EmulatorRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Absolute URLs (nextLink, deltaLink, content URLs) are built from the Host the client used. */
export function serviceRoot(req: EmulatorRequest): string {
  const encrypted = Boolean((req.raw.socket as TLSSocket).encrypted);
  return `${encrypted ? 'https' : 'http'}://${req.headers.host ?? '127.0.0.1'}`;
}

export function sendGraphJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': ODATA_JSON, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Graph's innerError date has no fraction and no zone: "2021-12-15T01:31:15". */
function graphDate(d = new Date()): string {
  return d.toISOString().slice(0, 19);
}

/** A Graph error a handler throws; the route wrapper turns it into the envelope. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { innerCode?: string; headers?: Record<string, string>; reason?: string } = {},
  ) {
    super(message);
    this.name = 'GraphHttpError';
  }
}

export function sendGraphError(req: EmulatorRequest, res: ServerResponse, err: GraphHttpError): void {
  const requestId = stampGraphHeaders(req, res);
  const clientRequestId = String(res.getHeader('client-request-id') ?? requestId);
  const innerError: Record<string, string> = {};
  if (err.extra.innerCode) innerError.code = err.extra.innerCode;
  innerError.date = graphDate();
  innerError['request-id'] = requestId;
  innerError['client-request-id'] = clientRequestId;
  const text = JSON.stringify({ error: { code: err.code, message: err.message, innerError } });
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...err.extra.headers,
  });
  res.end(text);
}

// The bodies below are the ones reference §5 records from real responses; where the reference marks a
// text as unconfirmed, the comment says so.

export const graphErrors = {
  unauthenticated: (message: string) =>
    new GraphHttpError(401, 'InvalidAuthenticationToken', message, {
      headers: {
        'www-authenticate':
          'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
      },
    }),
  /** directory reads (users, groups) without a directory permission */
  directoryDenied: (reason: string) =>
    new GraphHttpError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', { reason }),
  /** Teams meeting APIs without the permission: observed with an empty message */
  teamsDenied: (reason: string) => new GraphHttpError(403, 'Forbidden', '', { reason }),
  noAccessPolicy: () =>
    new GraphHttpError(403, 'Forbidden', 'No Application Access Policy found for this app', {
      reason: 'applicationAccessPolicy is false for this app registration',
    }),
  /** tenant "Transcript API access" switch off; message text unconfirmed, innerError code confirmed */
  transcriptsDisabled: () =>
    new GraphHttpError(403, 'Forbidden', 'Graph API access to transcripts is disabled for this tenant.', {
      innerCode: 'GraphAccessToTranscriptsDisabled',
      reason: 'tenant.transcriptApiAccess is false',
    }),
  /**
   * Teams APIs (chats, teams, teamwork, app catalog) without an application permission they list. The
   * text is the one public logs and fixtures record for other Teams APIs (chats, teams, teamwork
   * devices); for appCatalogs and installedApps it is unconfirmed.
   */
  teamsRoleMissing: (required: readonly string[], held: ReadonlySet<string>) =>
    new GraphHttpError(
      403,
      'Forbidden',
      `Missing role permissions on the request. API requires one of '${required.join(', ')}'. Roles on the request '${[...held].join(', ')}'.`,
      { reason: `token roles lack any of ${required.join(', ')}` },
    ),
  directoryNotFound: (id: string) =>
    new GraphHttpError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    ),
  /** Teams artifacts and meetings; the exact text of these 404s is unconfirmed */
  notFound: (message: string) => new GraphHttpError(404, 'NotFound', message),
  badRequest: (message: string, code = 'BadRequest') => new GraphHttpError(400, code, message),
  unreadableJson: () =>
    new GraphHttpError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    ),
  segmentNotFound: (segment: string) => new GraphHttpError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
};
