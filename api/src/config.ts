import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CodedError } from './errors.js';

/**
 * The only reader of the environment. Every setting is declared once here with its default and its
 * meaning; the README's configuration table is checked against this list by a test.
 */
export class ConfigError extends CodedError {
  readonly code = 'CONFIG_INVALID';
}

interface Setting {
  default?: string;
  doc: string;
  /** never echoed back in errors or logs */
  secret?: boolean;
}

export const settings = {
  ARCHIVER_MODE: {
    default: 'sandbox',
    doc: '`sandbox` runs against the emulators the launcher starts; `production` requires the real settings below.',
  },
  PORT: { default: '3978', doc: 'HTTP port for the admin API, the bot endpoint and the Graph webhooks.' },
  HOST: { default: '127.0.0.1', doc: 'Interface to listen on; `0.0.0.0` in a container or App Service.' },
  PUBLIC_URL: {
    doc: 'The public https base URL of this app, used in Graph subscription notification URLs. Defaults to http://HOST:PORT.',
  },
  ROLE: { default: 'all', doc: '`web` answers HTTP and webhooks, `worker` runs jobs and schedulers, `all` does both.' },
  DATA_DIR: { default: '.data', doc: 'Directory for the SQLite database, the sandbox key and sandbox files.' },
  MONGODB_URI: {
    doc: 'Use MongoDB (Atlas, Cosmos DB for MongoDB, a replica set) instead of SQLite. Needed for more than one instance.',
    secret: true,
  },
  MONGODB_DB: { default: 'archiver', doc: 'Database name when MONGODB_URI is set.' },
  SECRET_KEYS: {
    doc: 'Comma-separated `keyId:base64key` AES-256 keys for secrets at rest; the first encrypts, all decrypt. Required in production; the sandbox makes its own.',
    secret: true,
  },
  LOG_LEVEL: { default: 'info', doc: '`silent`, `fatal`, `error`, `warn`, `info`, `debug` or `trace`.' },
  ENTRA_AUTHORITY_HOST: {
    default: 'https://login.microsoftonline.com',
    doc: 'Entra ID authority host (national clouds: https://login.microsoftonline.us, https://login.chinacloudapi.cn).',
  },
  GRAPH_BASE_URL: {
    default: 'https://graph.microsoft.com',
    doc: 'Microsoft Graph base URL (national clouds: https://graph.microsoft.us, https://microsoftgraph.chinacloudapi.cn).',
  },
  GRAPH_TOKEN_SCOPE: {
    default: 'https://graph.microsoft.com/.default',
    doc: 'Scope of app-only Graph tokens (national clouds: https://graph.microsoft.us/.default, https://microsoftgraph.chinacloudapi.cn/.default).',
  },
  KALTURA_SERVICE_URL: {
    default: 'https://www.kaltura.com',
    doc: 'Default Kaltura API base URL for new integrations; self-hosted and regional Kaltura set their own.',
  },
  ENTRY_URL_TEMPLATE: {
    default: 'https://kmc.kaltura.com/index.php/kmcng/content/entries/entry/{entryId}/metadata',
    doc: 'Link sent to organizers: `{entryId}` and `{partnerId}` are replaced (KMC, MediaSpace/Video Portal or a player page).',
  },
  TEAMS_APP_CLIENT_ID: { doc: 'The Teams app\'s Entra client id: the audience of the tab\'s SSO tokens.' },
  TEAMS_APP_TENANT_ID: {
    doc: 'Tenant whose admins may call the admin API (comma-separated for several). Required in production; the sandbox uses its fixture tenant.',
  },
  SSO_APP_ID_URI: {
    doc: 'Application ID URI of the tab\'s SSO tokens (`webApplicationInfo.resource`), accepted as their audience besides the client id. Defaults to api://{host of PUBLIC_URL}/{TEAMS_APP_CLIENT_ID}.',
  },
  ENTRA_V1_ISSUER_HOST: {
    default: 'https://sts.windows.net',
    doc: 'Issuer host of Entra ID v1.0 access tokens, `{host}/{tenant id}/` (Microsoft Entra operated by 21Vianet: https://sts.chinacloudapi.cn).',
  },
  ADMIN_ROLE: { default: 'Archiver.Admin', doc: 'App role an SSO token must carry to use the admin console.' },
  BOT_ID: { doc: 'The bot\'s Microsoft App ID.' },
  BOT_PASSWORD: { doc: 'The bot\'s client secret.', secret: true },
  BOT_TYPE: {
    default: 'SingleTenant',
    doc: '`SingleTenant` (needs BOT_TENANT_ID), `UserAssignedMsi` (BOT_ID is the managed identity\'s client id; no password; Azure only) or `MultiTenant` (existing registrations only): how the bot\'s Entra registration is set up.',
  },
  BOT_TENANT_ID: { doc: 'The bot registration\'s tenant (single-tenant bots).' },
  BOT_CONNECTOR_URL: {
    default: 'https://smba.trafficmanager.net/teams/',
    doc: 'Bot Connector service URL used for proactive messages when no conversation reference is stored yet.',
  },
  BOT_OPENID_METADATA_URL: {
    default: 'https://login.botframework.com/v1/.well-known/openidconfiguration',
    doc: 'Where the keys that sign the Bot Framework channel\'s activities are published; `/api/messages` checks every activity against them (US Gov: https://login.botframework.azure.us/v1/.well-known/openidconfiguration). The sandbox points it at the emulated connector.',
  },
  BOT_TOKEN_ISSUER: {
    default: 'https://api.botframework.com',
    doc: 'Issuer the channel\'s tokens must carry (US Gov: https://api.botframework.us).',
  },
  BOT_TOKEN_SCOPE: {
    default: 'https://api.botframework.com',
    doc: 'Resource of the tokens the bot sends to the connector with (US Gov: https://api.botframework.us).',
  },
  TEAMS_APP_ID: {
    doc: 'The app package\'s manifest id: finds the app in the org catalog for proactive install, and makes the alert cards\' console button a Teams deep link.',
  },
  CONSOLE_URL: {
    doc: 'Where the bot\'s cards send admins. Defaults to a Teams deep link to the console tab when TEAMS_APP_ID is set, else PUBLIC_URL/tab/.',
  },
  SECRET_EXPIRY_WARNING_DAYS: {
    default: '30',
    doc: 'Days before the client secret expires at which the console warns and admins get an alert card.',
  },
  TAB_DIR: {
    doc: 'Directory of the built admin console (`npm run build` makes it), served under /tab/. Defaults to `dist/tab` in the repository.',
  },
  SEED_INTEGRATIONS_FILE: {
    doc: 'JSON file of integrations to create at start (by the `web` or `all` process) when none of that name exists (never overwritten); created disabled unless `"enabled": true`; the sandbox declares its demo integration this way.',
  },
  WORKER_CONCURRENCY: { default: '4', doc: 'Jobs one process runs at once (each upload holds two 4 MiB chunks in memory).' },
  MAX_ACTIVE_PER_INTEGRATION: {
    default: '3',
    doc: 'Jobs of one integration running at once across all workers, so one organization\'s backfill cannot starve another\'s fresh meeting.',
  },
  WORKER_LEASE_MS: {
    default: '60000',
    doc: 'How long a worker holds a job between renewals (renewed every third of it); after a crash, the job is taken up again once this has passed.',
  },
  JOB_RETENTION_DAYS: {
    default: '14',
    doc: 'Days a completed or failed job is kept (for the console and for diagnosis) before it is purged with its history.',
  },
  WORKER_POLL_MS: { default: '1000', doc: 'How long an idle worker waits before it looks for jobs again.' },
  JOB_MAX_ATTEMPTS: {
    default: '10',
    doc: 'Attempts a job gets for transient faults (throttling, outages) before it fails for good; blocking problems pause instead and use none.',
  },
  UPLOAD_CHUNK_BYTES: { default: '4194304', doc: 'Size of each chunk uploaded to Kaltura; an upload holds two in memory.' },
  TRANSCRIPT_WAIT_MS: { default: '60000', doc: 'How long a transcript that arrived before its recording waits before it looks for the archived entry again.' },
  SUBSCRIPTION_CHECK_MS: { default: '900000', doc: 'How often Graph subscriptions are checked, renewed and recreated when Graph lost them.' },
  SWEEP_EVERY_MS: { default: '3600000', doc: 'How often each enabled integration is swept for recordings that notifications missed.' },
  HEALTH_RECHECK_MS: { default: '120000', doc: 'How often a paused integration is tested again, so that fixing the cause is enough to resume it.' },
  SECRET_EXPIRY_CHECK_MS: { default: '21600000', doc: 'How often the client secret\'s expiry is read (needs Application.Read.All).' },
  PURGE_EVERY_MS: { default: '3600000', doc: 'How often finished jobs older than the retention are deleted.' },
  EXTRA_CA_FILE: {
    doc: 'PEM file of an extra certificate authority to trust for outbound HTTPS (the sandbox CA, a corporate proxy). Verification is never turned off.',
  },
  HTTP_MAX_CONNECTIONS: { default: '1024', doc: 'Sockets the HTTP server keeps open at once; more are closed as they arrive.' },
  HTTP_HEADERS_TIMEOUT_MS: { default: '10000', doc: 'Time a client has to send a request\'s headers.' },
  HTTP_REQUEST_TIMEOUT_MS: {
    default: '30000',
    doc: 'Time a client has to send a whole request (Node checks every 30 s, so it may run up to that much longer).',
  },
  HTTP_BODY_BUDGET_BYTES: {
    default: '16777216',
    doc: 'Bytes all request bodies being received may hold in memory together; a body that does not fit is answered 503 with Retry-After.',
  },
  HTTP_BODY_IDLE_TIMEOUT_MS: { default: '10000', doc: 'A request body that sends nothing for this long is answered 408.' },
  HTTP_BODY_TIMEOUT_MS: { default: '20000', doc: 'A request body not complete this long after it began is answered 408.' },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof settings;

const url = z.url({ protocol: /^https?$/ });
const optional = <T extends z.ZodTypeAny>(t: T) => z.preprocess((v) => (v === '' ? undefined : v), t.optional());

const schema = z.object({
  ARCHIVER_MODE: z.enum(['sandbox', 'production']),
  PORT: z.coerce.number().int().min(0).max(65535),
  HOST: z.string().min(1),
  PUBLIC_URL: optional(url),
  ROLE: z.enum(['web', 'worker', 'all']),
  DATA_DIR: z.string().min(1),
  MONGODB_URI: optional(z.string().regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')),
  MONGODB_DB: z.string().min(1),
  SECRET_KEYS: optional(z.string().regex(/^[\w-]+:[A-Za-z0-9+/=]+(,[\w-]+:[A-Za-z0-9+/=]+)*$/, 'must be keyId:base64key[,…] (key ids: letters, digits, _ and -)')),
  LOG_LEVEL: z.enum(['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace']),
  ENTRA_AUTHORITY_HOST: url,
  GRAPH_BASE_URL: url,
  GRAPH_TOKEN_SCOPE: z.string().regex(/\/\.default$/, 'must end with /.default'),
  KALTURA_SERVICE_URL: url,
  ENTRY_URL_TEMPLATE: z.string().includes('{entryId}', { message: 'must contain {entryId}' }),
  TEAMS_APP_CLIENT_ID: optional(z.string().min(1)),
  TEAMS_APP_TENANT_ID: optional(z.string()),
  SSO_APP_ID_URI: optional(z.string().regex(/^api:\/\/\S+$/, 'must be an api:// URI, e.g. api://archiver.contoso.com/{client id}')),
  ENTRA_V1_ISSUER_HOST: url,
  ADMIN_ROLE: z.string().min(1),
  BOT_ID: optional(z.string().min(1)),
  BOT_PASSWORD: optional(z.string().min(1)),
  BOT_TYPE: z.enum(['SingleTenant', 'UserAssignedMsi', 'MultiTenant']),
  BOT_TENANT_ID: optional(z.string().min(1)),
  BOT_CONNECTOR_URL: url,
  BOT_OPENID_METADATA_URL: url,
  BOT_TOKEN_ISSUER: z.string().min(1),
  BOT_TOKEN_SCOPE: z.string().min(1),
  TEAMS_APP_ID: optional(z.uuid({ message: 'must be the manifest id, a GUID' })),
  CONSOLE_URL: optional(url),
  SECRET_EXPIRY_WARNING_DAYS: z.coerce.number().int().min(1).max(365),
  TAB_DIR: optional(z.string().min(1)),
  SEED_INTEGRATIONS_FILE: optional(z.string().min(1)),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64),
  MAX_ACTIVE_PER_INTEGRATION: z.coerce.number().int().min(1).max(64),
  WORKER_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000),
  JOB_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650),
  WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000),
  JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100),
  UPLOAD_CHUNK_BYTES: z.coerce.number().int().min(64 * 1024).max(256 * 1024 * 1024),
  TRANSCRIPT_WAIT_MS: z.coerce.number().int().min(10).max(3_600_000),
  SUBSCRIPTION_CHECK_MS: z.coerce.number().int().min(1_000).max(86_400_000),
  SWEEP_EVERY_MS: z.coerce.number().int().min(1_000).max(7 * 86_400_000),
  HEALTH_RECHECK_MS: z.coerce.number().int().min(100).max(86_400_000),
  SECRET_EXPIRY_CHECK_MS: z.coerce.number().int().min(1_000).max(7 * 86_400_000),
  PURGE_EVERY_MS: z.coerce.number().int().min(1_000).max(7 * 86_400_000),
  EXTRA_CA_FILE: optional(z.string().min(1)),
  HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000),
  HTTP_BODY_BUDGET_BYTES: z.coerce.number().int().min(1024 * 1024).max(1024 * 1024 * 1024),
  HTTP_BODY_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000),
  HTTP_BODY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000),
});

type Raw = z.infer<typeof schema>;

export interface AppConfig {
  mode: 'sandbox' | 'production';
  http: {
    port: number;
    host: string;
    publicUrl: string;
    maxConnections: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    body: { budgetBytes: number; idleTimeoutMs: number; timeoutMs: number };
  };
  role: 'web' | 'worker' | 'all';
  dataDir: string;
  store: { kind: 'sqlite'; file: string } | { kind: 'mongodb'; uri: string; dbName: string };
  secretKeys?: string;
  logLevel: Raw['LOG_LEVEL'];
  entra: { authorityHost: string };
  graph: { baseUrl: string; tokenScope: string };
  kaltura: { defaultServiceUrl: string; entryUrlTemplate: string };
  /**
   * The admin API's Teams SSO check. `appIdUri`: the audience accepted besides `clientId` (undefined
   * while no client id is set); `v1IssuerHost`: the issuer host of v1.0 tokens.
   */
  sso: { clientId?: string; appIdUri?: string; allowedTenants: string[]; adminRole: string; v1IssuerHost: string };
  /**
   * The bot's registration. `openIdMetadataUrl` and `tokenIssuer` check what the channel sends to
   * /api/messages; `tokenScope` is the resource of what the bot sends to the connector.
   */
  bot: {
    id?: string;
    password?: string;
    type: 'SingleTenant' | 'UserAssignedMsi' | 'MultiTenant';
    tenantId?: string;
    connectorUrl: string;
    openIdMetadataUrl: string;
    tokenIssuer: string;
    tokenScope: string;
  };
  /** the app package's manifest id, when known */
  teamsAppId?: string;
  /** where the bot's cards send admins */
  consoleUrl: string;
  secretExpiryWarningDays: number;
  /** `retentionMs`: how long finished jobs are kept before purge */
  worker: { leaseMs: number; concurrency: number; maxActivePerIntegration: number; pollMs: number; retentionMs: number };
  jobs: { maxAttempts: number; uploadChunkBytes: number; transcriptWaitMs: number };
  schedule: { subscriptionsMs: number; sweepMs: number; healthMs: number; secretExpiryMs: number; purgeMs: number };
  extraCaFile?: string;
  seedIntegrationsFile?: string;
  /** the admin console's Vite build, served under /tab/ */
  tabDir: string;
}

const productionRequired: SettingName[] = ['SECRET_KEYS', 'TEAMS_APP_CLIENT_ID', 'TEAMS_APP_TENANT_ID', 'BOT_ID', 'BOT_PASSWORD', 'PUBLIC_URL'];

/** The console tab's entityId in appPackage/manifest.json, which a Teams deep link names. */
export const CONSOLE_TAB_ENTITY_ID = 'archiver-admin';

/** Reads and validates the settings; throws one ConfigError naming every bad or missing value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const input: Record<string, string | undefined> = {};
  for (const [name, s] of Object.entries(settings) as [SettingName, Setting][]) {
    input[name] = env[name] ?? s.default;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]) as SettingName;
      const shown = settings[name] && (settings[name] as Setting).secret ? '(hidden)' : JSON.stringify(input[name]);
      return `  ${name}=${shown}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.ARCHIVER_MODE === 'production') {
    const missing = productionRequired
      // a managed identity has no password
      .filter((n) => !(n === 'BOT_PASSWORD' && c.BOT_TYPE === 'UserAssignedMsi'))
      .filter((n) => (n === 'TEAMS_APP_TENANT_ID' ? tenantList(c.TEAMS_APP_TENANT_ID).length === 0 : !c[n]));
    if (c.BOT_TYPE !== 'MultiTenant' && !c.BOT_TENANT_ID) missing.push('BOT_TENANT_ID');
    if (missing.length) {
      throw new ConfigError(`production mode needs ${missing.join(', ')} (see the configuration table in README.md)`);
    }
  }
  const trimSlash = (s: string) => s.replace(/\/+$/, '');
  const publicUrl = trimSlash(c.PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}`);
  return {
    mode: c.ARCHIVER_MODE,
    http: {
      port: c.PORT,
      host: c.HOST,
      publicUrl,
      maxConnections: c.HTTP_MAX_CONNECTIONS,
      headersTimeoutMs: c.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: c.HTTP_REQUEST_TIMEOUT_MS,
      body: { budgetBytes: c.HTTP_BODY_BUDGET_BYTES, idleTimeoutMs: c.HTTP_BODY_IDLE_TIMEOUT_MS, timeoutMs: c.HTTP_BODY_TIMEOUT_MS },
    },
    role: c.ROLE,
    dataDir: c.DATA_DIR,
    store: c.MONGODB_URI
      ? { kind: 'mongodb', uri: c.MONGODB_URI, dbName: c.MONGODB_DB }
      : { kind: 'sqlite', file: `${trimSlash(c.DATA_DIR)}/archiver.sqlite` },
    secretKeys: c.SECRET_KEYS,
    logLevel: c.LOG_LEVEL,
    entra: { authorityHost: trimSlash(c.ENTRA_AUTHORITY_HOST) },
    graph: { baseUrl: trimSlash(c.GRAPH_BASE_URL), tokenScope: c.GRAPH_TOKEN_SCOPE },
    kaltura: { defaultServiceUrl: trimSlash(c.KALTURA_SERVICE_URL), entryUrlTemplate: c.ENTRY_URL_TEMPLATE },
    sso: {
      clientId: c.TEAMS_APP_CLIENT_ID,
      appIdUri: c.SSO_APP_ID_URI
        ? trimSlash(c.SSO_APP_ID_URI)
        : c.TEAMS_APP_CLIENT_ID
          ? `api://${new URL(publicUrl).host}/${c.TEAMS_APP_CLIENT_ID}`
          : undefined,
      allowedTenants: tenantList(c.TEAMS_APP_TENANT_ID),
      adminRole: c.ADMIN_ROLE,
      v1IssuerHost: trimSlash(c.ENTRA_V1_ISSUER_HOST),
    },
    bot: {
      id: c.BOT_ID,
      password: c.BOT_PASSWORD,
      type: c.BOT_TYPE,
      tenantId: c.BOT_TENANT_ID,
      connectorUrl: c.BOT_CONNECTOR_URL,
      openIdMetadataUrl: c.BOT_OPENID_METADATA_URL,
      tokenIssuer: c.BOT_TOKEN_ISSUER,
      tokenScope: c.BOT_TOKEN_SCOPE,
    },
    teamsAppId: c.TEAMS_APP_ID,
    consoleUrl:
      c.CONSOLE_URL ??
      (c.TEAMS_APP_ID
        ? `https://teams.microsoft.com/l/entity/${c.TEAMS_APP_ID}/${CONSOLE_TAB_ENTITY_ID}`
        : `${publicUrl}/tab/`),
    secretExpiryWarningDays: c.SECRET_EXPIRY_WARNING_DAYS,
    worker: {
      leaseMs: c.WORKER_LEASE_MS,
      concurrency: c.WORKER_CONCURRENCY,
      maxActivePerIntegration: c.MAX_ACTIVE_PER_INTEGRATION,
      pollMs: c.WORKER_POLL_MS,
      retentionMs: c.JOB_RETENTION_DAYS * 24 * 60 * 60 * 1000,
    },
    jobs: { maxAttempts: c.JOB_MAX_ATTEMPTS, uploadChunkBytes: c.UPLOAD_CHUNK_BYTES, transcriptWaitMs: c.TRANSCRIPT_WAIT_MS },
    schedule: {
      subscriptionsMs: c.SUBSCRIPTION_CHECK_MS,
      sweepMs: c.SWEEP_EVERY_MS,
      healthMs: c.HEALTH_RECHECK_MS,
      secretExpiryMs: c.SECRET_EXPIRY_CHECK_MS,
      purgeMs: c.PURGE_EVERY_MS,
    },
    extraCaFile: c.EXTRA_CA_FILE,
    seedIntegrationsFile: c.SEED_INTEGRATIONS_FILE,
    tabDir: c.TAB_DIR ?? join(repoRoot(), 'dist', 'tab'),
  };
}

/** The directory holding the repository's package.json, from this module under tsx (api/src) or built (dist/api/src). */
function repoRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(start, '..', '..');
  }
}

function tenantList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}
