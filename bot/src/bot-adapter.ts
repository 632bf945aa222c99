import { ConfidentialClientApplication, ManagedIdentityApplication, ServerError } from '@azure/msal-node';
import {
  CallerIdConstants,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type InvokeResponse,
  type TurnContext,
} from 'botbuilder';
import { authorityMetadataFor, createMsalNetworkClient } from '../../api/src/net/msal-network.js';
import { BOT_FRAMEWORK_SCOPE, MsalBotCredentialsFactory, type BotTokenSource } from './bot-credentials.js';
import { BotConfigError, BotSendError } from './bot-errors.js';
import { fetchConnectorHttpClient } from './connector-http-client.js';

/** msal-node carries this authority's metadata itself; for any other one it is given (see below). */
const MICROSOFT_LOGIN_AUTHORITY = 'https://login.microsoftonline.com';
/** The tenant botbuilder gets MultiTenant bot tokens from. */
export const MULTI_TENANT_BOT_TENANT = 'botframework.com';

export type BotAppType = 'SingleTenant' | 'UserAssignedMsi' | 'MultiTenant';

export interface BotAdapterConfig {
  /** the bot's Microsoft App ID (BOT_ID); for UserAssignedMsi, the managed identity's client id */
  appId: string;
  /** the bot app registration's client secret (BOT_PASSWORD); never logged; none for a managed identity */
  appPassword?: string;
  /** how the bot is registered in Azure Bot Service (BOT_TYPE) */
  appType: BotAppType;
  /** tenant of the bot's app registration (BOT_TENANT_ID); required unless MultiTenant */
  appTenantId?: string;
  /** the login authority's origin: login.microsoftonline.com, a national cloud's, or the sandbox's Entra emulator */
  loginAuthority: string;
  /** the Bot Connector to send to when no serviceUrl is known for a conversation (BOT_CONNECTOR_URL) */
  serviceUrl: string;
  /** the resource of the bot's own tokens (BOT_TOKEN_SCOPE); api.botframework.com unless a national cloud */
  oAuthScope?: string;
  /**
   * How activities sent to /api/messages are checked: the channel's signing keys (OpenID metadata,
   * BOT_OPENID_METADATA_URL) and the issuer its tokens carry (BOT_TOKEN_ISSUER).
   */
  inbound: { openIdMetadataUrl: string; tokenIssuer: string };
}

export interface BotAdapterOptions {
  /**
   * The fetch every outbound bot request goes through (tls-trust.ts's `fetch` trusts one extra CA,
   * e.g. the sandbox's). Defaults to the global fetch, which trusts the system roots.
   */
  fetch?: typeof globalThis.fetch;
  /** per-request timeout for connector calls */
  requestTimeoutMs?: number;
}

/**
 * botbuilder's CloudAdapter, letting a caller that already checked the token (messages-route.ts, so
 * that a refusal is answered and logged its own way) run the turn with the identity it got.
 */
/** what botbuilder's channel validation returns (botframework-connector's type, not re-exported by botbuilder) */
export type AuthenticateRequestResult = Awaited<ReturnType<ConfigurationBotFrameworkAuthentication['authenticateRequest']>>;

export class ArchiverCloudAdapter extends CloudAdapter {
  runAuthenticated(identity: AuthenticateRequestResult, activity: Activity, logic: (context: TurnContext) => Promise<void>): Promise<InvokeResponse | undefined> {
    return this.processActivity(identity, activity, logic);
  }
}

/** A CloudAdapter wired to one bot registration, and what sending with it needs to know. */
export interface BotConnection {
  adapter: ArchiverCloudAdapter;
  /** checks the channel's token on an inbound activity (the same configuration the adapter uses) */
  auth: ConfigurationBotFrameworkAuthentication;
  appId: string;
  serviceUrl: string;
}

/**
 * Builds botbuilder's CloudAdapter for the bot, both ways. Outbound, every endpoint is configuration:
 * the token authority (msal-node, through the given fetch), the connector's service URL and the
 * scope. Inbound, botbuilder's own channel validation runs (signature against the published keys,
 * issuer, audience = this bot, expiry, the serviceurl claim, the channel's endorsement) with the
 * metadata URL and issuer given, which is how national clouds and the sandbox are served.
 */
export function createBotAdapter(config: BotAdapterConfig, options: BotAdapterOptions = {}): BotConnection {
  const { appId } = config;
  if (!appId) throw new BotConfigError('the bot needs its app id');
  if (config.appType !== 'UserAssignedMsi' && !config.appPassword) throw new BotConfigError('the bot needs its app password');
  if (config.appType !== 'MultiTenant' && !config.appTenantId) {
    throw new BotConfigError(`a ${config.appType} bot needs the tenant id of its app registration`);
  }
  const tenant = config.appType === 'MultiTenant' ? (config.appTenantId ?? MULTI_TENANT_BOT_TENANT) : config.appTenantId!;
  const authority = new URL(config.loginAuthority);
  if (authority.protocol !== 'https:') throw new BotConfigError(`the login authority must be https, not ${authority.origin}`);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const scope = config.oAuthScope || BOT_FRAMEWORK_SCOPE;
  const authorityUrl = `${authority.origin}/${tenant}`;
  const token = config.appType === 'UserAssignedMsi' ? managedIdentityToken(appId, fetchImpl) : secretToken(config, authorityUrl, fetchImpl);

  const auth = new ConfigurationBotFrameworkAuthentication(
    {
      MicrosoftAppId: appId,
      MicrosoftAppTenantId: tenant,
      // setting any of these makes botbuilder take all of them as given (its "parameterized" mode)
      ToChannelFromBotLoginUrl: authorityUrl,
      ToChannelFromBotOAuthScope: scope,
      ToBotFromChannelTokenIssuer: config.inbound.tokenIssuer,
      ToBotFromChannelOpenIdMetadataUrl: config.inbound.openIdMetadataUrl,
      // tokens shaped like the desktop Bot Framework Emulator's are checked against the channel's keys
      // too, so they are refused unless the channel signed them: only Teams talks to this bot
      ToBotFromEmulatorOpenIdMetadataUrl: config.inbound.openIdMetadataUrl,
      OAuthUrl: scope,
      CallerId: CallerIdConstants.PublicAzureChannel,
      ValidateAuthority: true,
    },
    new MsalBotCredentialsFactory(appId, token, config.oAuthScope),
    undefined,
    undefined,
    { httpClient: fetchConnectorHttpClient(fetchImpl, options.requestTimeoutMs) },
  );
  return { adapter: new ArchiverCloudAdapter(auth), auth, appId, serviceUrl: config.serviceUrl };
}

function secretToken(config: BotAdapterConfig, authorityUrl: string, fetchImpl: typeof globalThis.fetch): BotTokenSource {
  const authority = new URL(authorityUrl);
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: config.appId,
      clientSecret: config.appPassword!,
      authority: authorityUrl,
      // msal has built-in metadata only for Microsoft's hosts; for others (the sandbox, a private cloud)
      // it is given, so no discovery call is made and a bad tenant fails at the token endpoint
      ...(authority.origin !== MICROSOFT_LOGIN_AUTHORITY
        ? { knownAuthorities: [authority.host], authorityMetadata: authorityMetadataFor(authorityUrl) }
        : {}),
    },
    system: { networkClient: createMsalNetworkClient(fetchImpl) },
  });
  return async (resource) => {
    const result = await msal.acquireTokenByClientCredential({ scopes: [`${resource}/.default`] });
    if (!result?.accessToken) throw new BotConfigError('the token endpoint returned no access token for the bot');
    return result.accessToken;
  };
}

/**
 * A user-assigned managed identity (App Service, Container Apps, VMs): msal-node finds the platform's
 * identity endpoint itself (App Service's IDENTITY_ENDPOINT, or IMDS) and caches the token.
 *
 * msal-node keeps both per process, not per application: the identity source it picks first (with
 * that endpoint, IDENTITY_HEADER and network client) serves every later ManagedIdentityApplication,
 * and the token cache is shared by client id and resource. One bot per process, as main.ts has, is
 * what this supports.
 */
function managedIdentityToken(clientId: string, fetchImpl: typeof globalThis.fetch): BotTokenSource {
  const msi = new ManagedIdentityApplication({
    managedIdentityIdParams: { userAssignedClientId: clientId },
    system: { networkClient: createMsalNetworkClient(fetchImpl) },
  });
  return async (resource) => {
    let result;
    try {
      result = await msi.acquireToken({ resource });
    } catch (err) {
      throw managedIdentityRefusal(err, clientId);
    }
    if (!result?.accessToken) throw new BotConfigError('the managed identity endpoint returned no access token for the bot');
    return result.accessToken;
  };
}

/**
 * The identity endpoints answer in their own shapes (App Service: `{ statusCode, message }`, no OAuth
 * `error`), which msal-node turns into a ServerError with an empty error code: toBotSendError would
 * say only "The token endpoint refused the bot's credentials: ". This says what the endpoint
 * answered, with the same codes (4xx BOT_AUTH_FAILED, 429/5xx BOT_TRANSIENT). Anything else (a
 * network error, a ClientAuthError) is left to toBotSendError.
 */
function managedIdentityRefusal(err: unknown, clientId: string): unknown {
  if (!(err instanceof ServerError)) return err;
  const status = err.status;
  const transient = status === undefined || status === 429 || status >= 500;
  // msal's text: "Error(s): … - Description: <the endpoint's message> - Correlation ID: …"
  const description = /Description: (.*?) - Correlation ID:/s.exec(err.errorMessage)?.[1] ?? err.errorMessage;
  const what = [status !== undefined ? `HTTP ${status}` : '', err.errorCode].filter(Boolean).join(' ');
  return new BotSendError(
    transient ? 'BOT_TRANSIENT' : 'BOT_AUTH_FAILED',
    `The managed identity endpoint refused a token for the bot's identity ${clientId}${what ? ` (${what})` : ''}: ${description}`,
    { ...(status !== undefined ? { status } : {}) },
    { cause: err },
  );
}
