import { AppError } from '../errors.js';
import type { GraphPort } from '../graph/graph-port.js';
import { IntegrationSettings } from '../integrations/settings.js';
import type { KalturaPort } from '../kaltura/kaltura-port.js';
import type { Integration } from '../store/model.js';
import type { IntegrationRepository } from '../store/store.js';

export interface IntegrationContext {
  integration: Integration;
  settings: IntegrationSettings;
  graph: GraphPort;
  kaltura: KalturaPort;
}

export interface ContextOptions {
  integrations: Pick<IntegrationRepository, 'get' | 'getSecrets'>;
  /** build the clients (main.ts's adapters; tests pass their own to count or break calls) */
  makeGraph: (integration: Integration, secret: string) => GraphPort;
  makeKaltura: (integration: Integration, secrets: { appToken: string | null; adminSecret: string | null }) => KalturaPort;
}

/**
 * The clients for one integration, made once per version of it: msal's token cache, the Kaltura
 * session and the rate limiters live in them, so reusing them is what keeps calls cheap and under
 * the services' limits. An edit (new secret, new settings) bumps the version and makes new ones.
 */
export class IntegrationContexts {
  private readonly cache = new Map<string, { version: number; context: IntegrationContext }>();

  constructor(private readonly options: ContextOptions) {}

  async get(integrationId: string): Promise<IntegrationContext> {
    const integration = await this.options.integrations.get(integrationId);
    if (!integration) throw new AppError('INTEGRATION_NOT_FOUND', `integration ${integrationId} no longer exists`);
    const cached = this.cache.get(integrationId);
    if (cached && cached.version === integration.version) return { ...cached.context, integration };
    const secrets = await this.options.integrations.getSecrets(integrationId);
    if (!secrets) throw new AppError('INTEGRATION_NOT_FOUND', `integration ${integrationId} has no secrets`);
    const parsed = IntegrationSettings.safeParse(integration.settings);
    if (!parsed.success) {
      throw new AppError('INTEGRATION_SETTINGS_INVALID', `integration ${integration.name} has invalid settings: ${parsed.error.issues[0]?.message}`, {
        blocking: true,
      });
    }
    const graph = this.options.makeGraph(integration, secrets.appClientSecret);
    const kaltura = this.options.makeKaltura(integration, { appToken: secrets.kalturaAppToken, adminSecret: secrets.kalturaAdminSecret });
    const context = { integration, settings: parsed.data, graph, kaltura };
    this.cache.set(integrationId, { version: integration.version, context });
    return context;
  }

  forget(integrationId: string): void {
    this.cache.delete(integrationId);
  }

}
