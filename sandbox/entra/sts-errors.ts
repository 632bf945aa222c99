import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from '../emulator/respond.js';

/**
 * Entra ID (STS) error answers as the real token endpoint sends them. The shapes and texts of
 * 7000222, 7000215, 90002, 700016 and 70011 come from reference/microsoft-graph.md §1.4 (real
 * captures); the others (missing parameters, unsupported grant type, unknown resource) are the
 * service's well-known texts but are not backed by a capture in the reference.
 */
export interface StsError {
  status: number;
  error: string;
  code: number;
  /** the text after "AADSTSnnn: " */
  message: string;
}

export const stsErrors = {
  expiredSecret: (appId: string): StsError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000222,
    message: `The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
  }),
  invalidSecret: (appId: string): StsError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000215,
    message: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`,
  }),
  missingSecret: (): StsError => ({
    status: 401,
    error: 'invalid_client',
    code: 7000218,
    message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  }),
  unknownTenant: (tenant: string): StsError => ({
    status: 400,
    error: 'invalid_tenant',
    code: 90002,
    message: `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
  }),
  unknownClient: (appId: string, tenantName: string): StsError => ({
    status: 400,
    error: 'unauthorized_client',
    code: 700016,
    message: `Application with identifier '${appId}' was not found in the directory '${tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  }),
  invalidScope: (scope: string): StsError => ({
    status: 400,
    error: 'invalid_scope',
    code: 70011,
    message: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
  }),
  unknownResource: (resource: string, tenantName: string): StsError => ({
    status: 400,
    error: 'invalid_resource',
    code: 500011,
    message: `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  }),
  missingParameter: (name: string): StsError => ({
    status: 400,
    error: 'invalid_request',
    code: 900144,
    message: `The request body must contain the following parameter: '${name}'.`,
  }),
  unsupportedGrantType: (grantType: string): StsError => ({
    status: 400,
    error: 'unsupported_grant_type',
    code: 70003,
    message: `The app requested an unsupported grant type '${grantType}'.`,
  }),
} as const;

/** "2024-12-18 23:10:03Z", the STS timestamp format */
export function stsTimestamp(at: Date = new Date()): string {
  return at.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * Writes the error body and the headers STS sends with it. The correlation id echoes the caller's
 * `client-request-id` (msal sends one), as the real service does, so logs on both sides line up.
 */
export function sendStsError(
  res: ServerResponse,
  err: StsError,
  ctx: { origin: string; clientRequestId?: string; extraHeaders?: Record<string, string> },
): void {
  const traceId = randomUUID();
  const correlationId = ctx.clientRequestId ?? randomUUID();
  const timestamp = stsTimestamp();
  const body = {
    error: err.error,
    error_description: `AADSTS${err.code}: ${err.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${ctx.origin}/error?code=${err.code}`,
  };
  sendJson(res, err.status, body, {
    ...stsHeaders(traceId, correlationId),
    ...ctx.extraHeaders,
  });
}

export function stsHeaders(traceId: string, correlationId: string): Record<string, string> {
  return {
    'cache-control': 'no-store, no-cache',
    pragma: 'no-cache',
    'x-ms-request-id': traceId,
    'client-request-id': correlationId,
    'x-ms-ests-server': '2.1.0 - sandbox',
  };
}
