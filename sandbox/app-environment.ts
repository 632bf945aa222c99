import { join } from 'node:path';
import type { Emulators } from './emulators.js';
import type { Fixture } from './fixture/schema.js';

/**
 * The app's environment in the sandbox: the same settings production uses, pointed at the emulators.
 * Nothing sandbox-specific leaks into the app beyond what configuration can express.
 */
export async function appEnvironment(
  fixture: Fixture,
  emulators: Emulators,
  dataDir: string,
  port: number,
): Promise<Record<string, string>> {
  return {
    ARCHIVER_MODE: 'sandbox',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: join(dataDir, 'app'),
    ENTRA_AUTHORITY_HOST: emulators.entra.url,
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
    EXTRA_CA_FILE: emulators.tls.caCertFile,
  };
}
