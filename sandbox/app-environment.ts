import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Emulators } from './emulators.js';
import { v1IssuerHost } from './entra/sso-tokens.js';
import type { Fixture } from './fixture/schema.js';

export interface AppInstance {
  /** the app's ROLE; default its own (all) */
  role?: 'web' | 'worker' | 'all';
  /** where Graph's notifications go (the web process); default this process's own URL */
  publicUrl?: string;
  /** MongoDB instead of the embedded SQLite store */
  mongodbUri?: string;
}

/**
 * The app's environment in the sandbox: the same settings production uses, pointed at the emulators.
 * Nothing sandbox-specific leaks into the app beyond what configuration can express.
 */
export async function appEnvironment(
  fixture: Fixture,
  emulators: Emulators,
  dataDir: string,
  port: number,
  instance: AppInstance = {},
): Promise<Record<string, string>> {
  // the fixture's integrations, pointed at the emulated Kaltura, for the app to create at start
  const seedFile = seedFilePath(dataDir);
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    seedFile,
    JSON.stringify(
      fixture.integrations.map((i) => ({
        name: i.name,
        tenantId: fixture.tenant.id,
        appClientId: i.appClientId,
        appClientSecret: i.appClientSecret,
        kaltura: { ...i.kaltura, serviceUrl: emulators.kaltura.url },
        enabled: i.enabled,
        settings: i.settings,
      })),
      null,
      2,
    ),
    { mode: 0o600 },
  );
  return {
    SEED_INTEGRATIONS_FILE: seedFile,
    ARCHIVER_MODE: 'sandbox',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: instance.publicUrl ?? `http://127.0.0.1:${port}`,
    ...(instance.role ? { ROLE: instance.role } : {}),
    ...(instance.mongodbUri ? { MONGODB_URI: instance.mongodbUri } : {}),
    DATA_DIR: join(dataDir, 'app'),
    ENTRA_AUTHORITY_HOST: emulators.entra.url,
    // the emulator stands in for https://sts.windows.net, the issuer of v1.0 SSO tokens
    ENTRA_V1_ISSUER_HOST: v1IssuerHost(emulators.entra.url),
    GRAPH_BASE_URL: emulators.graph.url,
    KALTURA_SERVICE_URL: emulators.kaltura.url,
    ENTRY_URL_TEMPLATE: `${emulators.kaltura.url}/__control/?entry={entryId}`,
    TEAMS_APP_CLIENT_ID: fixture.teamsApp.clientId,
    TEAMS_APP_TENANT_ID: fixture.tenant.id,
    BOT_ID: fixture.teamsApp.botId,
    BOT_PASSWORD: fixture.teamsApp.botPassword,
    BOT_TYPE: 'SingleTenant',
    BOT_TENANT_ID: fixture.tenant.id,
    BOT_CONNECTOR_URL: `${emulators.connector.url}/`,
    // the emulated channel signs what it sends to /api/messages with keys it publishes here
    BOT_OPENID_METADATA_URL: `${emulators.connector.url}/v1/.well-known/openidconfiguration`,
    TEAMS_APP_ID: fixture.teamsApp.appId,
    CONSOLE_URL: `${instance.publicUrl ?? `http://127.0.0.1:${port}`}/tab/`,
    EXTRA_CA_FILE: emulators.tls.caCertFile,
  };
}

/**
 * The seed file holds the fixture's integrations with their secrets in clear; the launcher deletes it
 * once the app has created them (the app seeds before it answers its health check).
 */
export function seedFilePath(dataDir: string): string {
  return join(dataDir, 'integrations.json');
}
