import type { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { BotConfigError } from './bot-errors.js';

/** botbuilder's ServiceClientCredentialsFactory, as ConfigurationBotFrameworkAuthentication takes it. */
export type CredentialsFactory = NonNullable<ConstructorParameters<typeof ConfigurationBotFrameworkAuthentication>[1]>;

export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com';

/** Gets an access token for a resource ("https://api.botframework.com"), from msal-node. */
export type BotTokenSource = (resource: string) => Promise<string>;

/**
 * Signs the connector's requests with a token for the bot's own identity: a client secret or a
 * managed identity, both through msal-node (see bot-adapter.ts).
 *
 * botbuilder's built-in factories keep tokens in a process-wide map keyed only by app id and scope
 * (AppCredentials.cache), so two adapters for the same bot id but different authorities or passwords
 * would share a token; this one relies on msal-node's own cache, which renews a token five minutes
 * before it expires.
 */
export class MsalBotCredentialsFactory implements CredentialsFactory {
  constructor(
    private readonly appId: string,
    private readonly token: BotTokenSource,
    /** when set, wins over the audience botbuilder asks for (its public-cloud default) */
    private readonly scopeOverride?: string,
  ) {}

  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    // an empty app id would make botbuilder send unsigned requests and accept unsigned activities;
    // the config check forbids it
    return false;
  }

  async createCredentials(appId: string, audience?: string): Promise<{ signRequest<T extends SignableRequest>(request: T): Promise<T> }> {
    if (appId !== this.appId) throw new BotConfigError(`botbuilder asked for credentials of another app id (${appId})`);
    const resource = (this.scopeOverride || audience || BOT_FRAMEWORK_SCOPE).replace(/\/\.default$/, '').replace(/\/+$/, '');
    return {
      signRequest: async <T extends SignableRequest>(request: T): Promise<T> => {
        request.headers.set('authorization', `Bearer ${await this.token(resource)}`);
        return request;
      },
    };
  }
}

interface SignableRequest {
  headers: { set(name: string, value: string): void };
}
