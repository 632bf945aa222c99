import { ConfidentialClientApplication } from '@azure/msal-node';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { authorityMetadataFor, createMsalNetworkClient } from '../../api/src/net/msal-network.js';
import { MsalBotCredentialsFactory } from './bot-credentials.js';
import { BotConfigError } from './bot-errors.js';
import { fetchConnectorHttpClient } from './connector-http-client.js';

/** msal-node carries this authority's metadata itself; for any other one it is given (see below). */
const MICROSOFT_LOGIN_AUTHORITY = 'https://login.microsoftonline.com';
/** The tenant botbuilder gets MultiTenant bot tokens from. */
export const MULTI_TENANT_BOT_TENANT = 'botframework.com';

export interface BotAdapterConfig {
  /** the bot's Microsoft App ID (BOT_ID) */
  appId: string;
  /** the bot app registration's client secret (BOT_PASSWORD); never logged */
  appPassword: string;
  /** how the bot is registered in Azure Bot Service (BOT_TYPE) */
  appType: 'SingleTenant' | 'MultiTenant';
  /** tenant of the bot's app registration (BOT_TENANT_ID); required for SingleTenant */
  appTenantId?: string;
  /** the login authority's origin: login.microsoftonline.com, a national cloud's, or the sandbox's Entra emulator */
  loginAuthority: string;
  /** the Bot Connector to send to when no serviceUrl is known for a conversation (BOT_CONNECTOR_URL) */
  serviceUrl: string;
  /** the token scope's resource; only for clouds whose connector is not api.botframework.com */
  oAuthScope?: string;
}

export interface BotAdapterOptions {
  /**
   * The fetch every bot request goes through (tls-trust.ts's `fetch` trusts one extra CA, e.g. the
   * sandbox's). Defaults to the global fetch, which trusts the system roots.
   */
  fetch?: typeof globalThis.fetch;
  /** per-request timeout for connector calls */
  requestTimeoutMs?: number;
}

/** A CloudAdapter wired to one bot registration, and what sending with it needs to know. */
export interface BotConnection {
  adapter: CloudAdapter;
  appId: string;
  serviceUrl: string;
}

/**
 * Builds botbuilder's CloudAdapter for sending as the bot. Every endpoint is configuration: the token
 * authority (msal-node, through the given fetch), the connector's service URL, and the scope. The same
 * adapter can later serve `/api/messages`; inbound token validation keeps botbuilder's public-cloud
 * defaults.
 */
export function createBotAdapter(config: BotAdapterConfig, options: BotAdapterOptions = {}): BotConnection {
  const { appId, appPassword } = config;
  if (!appId || !appPassword) throw new BotConfigError('the bot needs its app id and password');
  const appType = config.appType;
  if (appType === 'SingleTenant' && !config.appTenantId) {
    throw new BotConfigError('a SingleTenant bot needs the tenant id of its app registration');
  }
  const tenant = appType === 'SingleTenant' ? config.appTenantId! : (config.appTenantId ?? MULTI_TENANT_BOT_TENANT);
  const authority = new URL(config.loginAuthority);
  if (authority.protocol !== 'https:') throw new BotConfigError(`the login authority must be https, not ${authority.origin}`);
  const fetchImpl = options.fetch ?? globalThis.fetch;

  const authorityUrl = `${authority.origin}/${tenant}`;
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: appId,
      clientSecret: appPassword,
      authority: authorityUrl,
      // msal has built-in metadata only for Microsoft's hosts; for others (the sandbox, a private cloud)
      // it is given, so no discovery call is made and a bad tenant fails at the token endpoint
      ...(authority.origin !== MICROSOFT_LOGIN_AUTHORITY
        ? { knownAuthorities: [authority.host], authorityMetadata: authorityMetadataFor(authorityUrl) }
        : {}),
    },
    system: { networkClient: createMsalNetworkClient(fetchImpl) },
  });

  const auth = new ConfigurationBotFrameworkAuthentication(
    { MicrosoftAppId: appId, MicrosoftAppTenantId: tenant },
    new MsalBotCredentialsFactory(appId, msal, config.oAuthScope),
    undefined,
    undefined,
    { httpClient: fetchConnectorHttpClient(fetchImpl, options.requestTimeoutMs) },
  );
  return { adapter: new CloudAdapter(auth), appId, serviceUrl: config.serviceUrl };
}
