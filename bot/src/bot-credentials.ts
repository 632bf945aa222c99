import type { ConfidentialClientApplication } from '@azure/msal-node';
import type { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { BotConfigError } from './bot-errors.js';

/** botbuilder's ServiceClientCredentialsFactory, as ConfigurationBotFrameworkAuthentication takes it. */
export type CredentialsFactory = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1]>;

export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com';

/**
 * Signs the connector's requests with a token msal-node gets for the bot's own app registration.
 *
 * botbuilder's built-in factories keep tokens in a process-wide map keyed only by app id and scope
 * (AppCredentials.cache), so two adapters for the same bot id but different authorities or passwords
 * would share a token; this one relies on its own ConfidentialClientApplication's cache, which renews
 * a token five minutes before it expires.
 */
export class MsalBotCredentialsFactory implements CredentialsFactory {
  constructor(
    private readonly appId: string,
    private readonly msal: Pick<ConfidentialClientApplication, 'acquireTokenByClientCredential'>,
    /** when set, wins over the audience botbuilder asks for (its public-cloud default) */
    private readonly scopeOverride?: string,
  ) {}

  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    // an empty app id would make botbuilder send unsigned requests; the config check forbids it
    return false;
  }

  async createCredentials(appId: string, audience?: string): Promise<{ signRequest<T extends SignableRequest>(request: T): Promise<T> }> {
    if (appId !== this.appId) throw new BotConfigError(`botbuilder asked for credentials of another app id (${appId})`);
    const scope = toDefaultScope(this.scopeOverride || audience || BOT_FRAMEWORK_SCOPE);
    return {
      signRequest: async <T extends SignableRequest>(request: T): Promise<T> => {
        const result = await this.msal.acquireTokenByClientCredential({ scopes: [scope] });
        if (!result?.accessToken) throw new BotConfigError('the token endpoint returned no access token for the bot');
        request.headers.set('authorization', `Bearer ${result.accessToken}`);
        return request;
      },
    };
  }
}

interface SignableRequest {
  headers: { set(name: string, value: string): void };
}

function toDefaultScope(resource: string): string {
  return resource.endsWith('/.default') ? resource : `${resource.replace(/\/+$/, '')}/.default`;
}
