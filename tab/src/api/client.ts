import type {
  BackfillResult,
  ClientConfig,
  ConnectionTestResult,
  Health,
  Integration,
  IntegrationChange,
  Me,
  NewIntegration,
  Recording,
  RecordingPage,
} from './types';

/** Every refusal of the admin API, as `{code, message, field}` (docs/admin-api.md "Errors"). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** The message to show for any error. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export type TokenProvider = () => Promise<string>;

export interface ApiOptions {
  getToken: TokenProvider;
  /** called on 401, before the error is thrown (the tab then asks to sign in again) */
  onUnauthorized?: (e: ApiError) => void;
  baseUrl?: string;
}

const BASE = '/api/admin';

export async function getClientConfig(baseUrl = ''): Promise<ClientConfig> {
  const res = await fetchOrFail(`${baseUrl}${BASE}/client-config`, { headers: { accept: 'application/json' } });
  if (!res.ok) throw await toApiError(res);
  return (await res.json()) as ClientConfig;
}

export interface AdminApi {
  me(): Promise<Me>;
  listIntegrations(): Promise<Integration[]>;
  getIntegration(id: string): Promise<Integration>;
  createIntegration(input: NewIntegration): Promise<Integration>;
  updateIntegration(id: string, version: number, change: IntegrationChange): Promise<Integration>;
  deleteIntegration(id: string): Promise<void>;
  enable(id: string): Promise<Integration>;
  disable(id: string): Promise<Integration>;
  updateSecret(id: string, appClientSecret: string): Promise<Integration>;
  testConnection(id: string): Promise<ConnectionTestResult>;
  health(id: string): Promise<Health>;
  recordings(id: string, query?: { state?: string; organizerId?: string; limit?: number; cursor?: string }): Promise<RecordingPage>;
  retryRecording(id: string, recordingId: string): Promise<Recording>;
  backfill(id: string, from: string, to: string): Promise<BackfillResult>;
  activityCsv(id: string, limit?: number): Promise<Blob>;
  /** suggestions for the editor's pickers (at most 20) */
  lookup(id: string, kind: LookupKind, q: string): Promise<LookupItem[]>;
}

export type LookupKind = 'categories' | 'kaltura-groups' | 'entra-groups' | 'users';
export interface LookupItem {
  /** what the setting stores */
  value: string;
  /** what the admin sees */
  label: string;
}

export function createAdminApi(opts: ApiOptions): AdminApi {
  const base = `${opts.baseUrl ?? ''}${BASE}`;
  const path = (...parts: string[]) => parts.map(encodeURIComponent).join('/');

  async function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    let token: string;
    try {
      token = await opts.getToken();
    } catch (e) {
      const err = new ApiError(401, 'UNAUTHENTICATED', errorMessage(e));
      opts.onUnauthorized?.(err);
      throw err;
    }
    const init: RequestInit = {
      method,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    };
    const res = await fetchOrFail(`${base}/${url}`, init);
    if (!res.ok) {
      const err = await toApiError(res);
      if (res.status === 401) opts.onUnauthorized?.(err);
      throw err;
    }
    return res;
  }

  async function json<T>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const res = await request(method, url, body, headers);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  return {
    me: () => json<Me>('GET', 'me'),
    listIntegrations: async () => (await json<{ items: Integration[] }>('GET', 'integrations')).items,
    getIntegration: (id) => json<Integration>('GET', `integrations/${path(id)}`),
    createIntegration: (input) => json<Integration>('POST', 'integrations', input),
    updateIntegration: (id, version, change) =>
      json<Integration>('PATCH', `integrations/${path(id)}`, change, { 'if-match': `"${version}"` }),
    deleteIntegration: async (id) => {
      await request('DELETE', `integrations/${path(id)}`);
    },
    enable: (id) => json<Integration>('POST', `integrations/${path(id)}/enable`),
    disable: (id) => json<Integration>('POST', `integrations/${path(id)}/disable`),
    updateSecret: (id, appClientSecret) => json<Integration>('PUT', `integrations/${path(id)}/secret`, { appClientSecret }),
    testConnection: (id) => json<ConnectionTestResult>('POST', `integrations/${path(id)}/test`),
    health: (id) => json<Health>('GET', `integrations/${path(id)}/health`),
    recordings: (id, query = {}) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') q.set(k, String(v));
      const qs = q.toString();
      return json<RecordingPage>('GET', `integrations/${path(id)}/recordings${qs ? `?${qs}` : ''}`);
    },
    retryRecording: (id, recordingId) => json<Recording>('POST', `integrations/${path(id)}/recordings/${path(recordingId)}/retry`),
    backfill: (id, from, to) => json<BackfillResult>('POST', `integrations/${path(id)}/backfill`, { from, to }),
    activityCsv: async (id, limit = 500) => {
      const res = await request('GET', `integrations/${path(id)}/activity?format=csv&limit=${limit}`, undefined, { accept: 'text/csv' });
      return res.blob();
    },
    lookup: async (id, kind, q) =>
      (await json<{ items: LookupItem[] }>('GET', `integrations/${path(id)}/lookup/${path(kind)}?q=${encodeURIComponent(q)}`)).items,
  };
}

async function fetchOrFail(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `The app could not be reached (${errorMessage(e)}).`);
  }
}

async function toApiError(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let message = `The request failed (${res.status} ${res.statusText}).`.replace(' )', ')');
  let field: string | undefined;
  try {
    const body = (await res.json()) as { error?: { code?: unknown; message?: unknown; field?: unknown } };
    if (body.error) {
      if (typeof body.error.code === 'string') code = body.error.code;
      if (typeof body.error.message === 'string') message = body.error.message;
      if (typeof body.error.field === 'string') field = body.error.field;
    }
  } catch {
    /* not JSON */
  }
  if (res.status === 503) {
    const after = res.headers.get('retry-after');
    if (after && !message.includes('again')) message += ` Try again in ${after} s.`;
  }
  return new ApiError(res.status, code, message, field);
}
