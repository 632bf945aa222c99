import { createHash } from 'node:crypto';
import type { Fixture, FixtureUser } from '../fixture/schema.js';

/**
 * The Bot Framework's own tenant. Multi-tenant bots get their channel tokens from
 * `https://login.microsoftonline.com/botframework.com` (botframework-connector
 * AuthenticationConstants.ToChannelFromBotLoginUrl), so the emulator knows it as a second tenant that
 * holds only the bot.
 */
export const BOT_FRAMEWORK_TENANT = {
  id: 'd6d49420-f39b-4df7-a1dc-d59a935871db',
  domain: 'botframework.com',
  displayName: 'botframework.com',
} as const;

export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
export const BOT_FRAMEWORK_RESOURCE = 'https://api.botframework.com';

/** Tenant names that mean "any tenant" in the v2 endpoints; they have metadata but no directory. */
export const MULTI_TENANT_ALIASES = ['common', 'organizations', 'consumers'] as const;

export interface DirectoryApp {
  clientId: string;
  displayName: string;
  secrets: Array<{ value: string; expiresAt: string }>;
  /** resource → granted application permissions (the `roles` of tokens for that resource) */
  grants: Map<string, string[]>;
}

export interface DirectoryTenant {
  id: string;
  domain: string;
  displayName: string;
  apps: DirectoryApp[];
  users: FixtureUser[];
}

/** The tenants and apps Entra ID knows, built from the fixture. */
export class Directory {
  readonly tenants: DirectoryTenant[];

  constructor(readonly fixture: Fixture) {
    const bot: DirectoryApp = {
      clientId: fixture.teamsApp.botId,
      displayName: 'Teams bot',
      // the bot password never expires in the sandbox: bot auth failures are not what it demonstrates
      secrets: [{ value: fixture.teamsApp.botPassword, expiresAt: '9999-12-31T23:59:59Z' }],
      grants: new Map([[BOT_FRAMEWORK_RESOURCE, []]]),
    };
    const registrations: DirectoryApp[] = fixture.appRegistrations.map((r) => ({
      clientId: r.clientId,
      displayName: r.displayName,
      secrets: r.secrets,
      grants: new Map([[GRAPH_RESOURCE, [...r.permissions]]]),
    }));
    // The tab's own app exists in the directory but has no secret in the fixture: client credentials
    // with it fail as an invalid secret, not as an unknown app.
    const tabApp: DirectoryApp = {
      clientId: fixture.teamsApp.clientId,
      displayName: 'Teams tab',
      secrets: [],
      grants: new Map(),
    };
    this.tenants = [
      {
        id: fixture.tenant.id,
        domain: fixture.tenant.domain,
        displayName: fixture.tenant.displayName,
        apps: mergeApps([...registrations, bot, tabApp]),
        users: fixture.users,
      },
      { ...BOT_FRAMEWORK_TENANT, apps: [bot], users: [] },
    ];
  }

  /** By tenant id or verified domain, case-insensitively, as Entra ID resolves the path segment. */
  tenant(idOrDomain: string): DirectoryTenant | undefined {
    const key = idOrDomain.toLowerCase();
    return this.tenants.find((t) => t.id.toLowerCase() === key || t.domain.toLowerCase() === key);
  }

  app(tenant: DirectoryTenant, clientId: string): DirectoryApp | undefined {
    const key = clientId.toLowerCase();
    return tenant.apps.find((a) => a.clientId.toLowerCase() === key);
  }

  user(userId: string): FixtureUser | undefined {
    const key = userId.toLowerCase();
    return this.fixture.users.find((u) => u.id.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key);
  }
}

/** A fixture may reuse one client id for several roles (say, the bot and the Graph app): one app, all grants. */
function mergeApps(apps: DirectoryApp[]): DirectoryApp[] {
  const byId = new Map<string, DirectoryApp>();
  for (const app of apps) {
    const key = app.clientId.toLowerCase();
    const seen = byId.get(key);
    if (!seen) {
      byId.set(key, { ...app, secrets: [...app.secrets], grants: new Map(app.grants) });
      continue;
    }
    seen.secrets.push(...app.secrets);
    for (const [resource, roles] of app.grants) seen.grants.set(resource, [...(seen.grants.get(resource) ?? []), ...roles]);
  }
  return [...byId.values()];
}

/**
 * A stable GUID derived from its inputs: the service principal's object id in a tenant, a user's
 * pairwise `sub`. Stable so tests and logs can predict them; derived so the fixture need not list them.
 */
export function derivedGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
