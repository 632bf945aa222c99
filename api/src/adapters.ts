import type { AppConfig } from './config.js';
import { createAppTokenProvider } from './graph/app-token-provider.js';
import { GraphAdapter } from './graph/graph-adapter.js';
import type { GraphPort } from './graph/graph-port.js';
import type { TlsTrust } from './net/tls-trust.js';
import type { SecretVerifier } from './integrations/integration-service.js';
import { KalturaAdapter } from './kaltura/kaltura-adapter.js';
import type { KalturaPort } from './kaltura/kaltura-port.js';
import type { Integration } from './store/model.js';

/**
 * How the composition root makes the clients of one integration: Graph (with its own msal token
 * cache) and Kaltura, every endpoint from configuration and every connection through the TLS trust.
 */
export function createAdapterFactories(config: AppConfig, trust: TlsTrust) {
  const tokenOptions = { authorityHost: config.entra.authorityHost, scope: config.graph.tokenScope, fetch: trust.fetch };
  const makeGraph = (integration: Integration, secret: string): GraphPort =>
    new GraphAdapter({
      baseUrl: config.graph.baseUrl,
      tokens: createAppTokenProvider({ tenantId: integration.tenantId, clientId: integration.appClientId, clientSecret: secret }, tokenOptions),
      dispatcher: trust.dispatcher,
      ownCredential: { clientId: integration.appClientId, secretHint: secret.slice(0, 3) },
    });
  const makeKaltura = (integration: Integration, secrets: { appToken: string | null; adminSecret: string | null }): KalturaPort =>
    new KalturaAdapter(
      {
        partnerId: integration.kaltura.partnerId,
        serviceUrl: integration.kaltura.serviceUrl,
        appToken: integration.kaltura.appTokenId && secrets.appToken ? { id: integration.kaltura.appTokenId, token: secrets.appToken } : undefined,
        adminSecret: secrets.adminSecret ?? undefined,
      },
      { httpsAgent: trust.httpsAgent, dispatcher: trust.dispatcher },
    );
  const verifySecret: SecretVerifier = async (credentials) => {
    await createAppTokenProvider(credentials, tokenOptions).getToken();
  };
  return { makeGraph, makeKaltura, verifySecret };
}
