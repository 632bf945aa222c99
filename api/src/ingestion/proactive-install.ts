import type { RecordingError } from '../store/model.js';
import { describeFailure } from '../queue/failure.js';
import type { IntegrationContexts } from './integration-context.js';

export type InstallOutcome =
  | { outcome: 'installed' }
  /** the integration does not install the app for people (its setting is off) */
  | { outcome: 'not-enabled' }
  | { outcome: 'failed'; error: RecordingError };

/** Installs the Teams app for a person the bot cannot reach, so their card can follow. */
export interface ProactiveInstaller {
  install(integrationId: string, tenantId: string, userId: string): Promise<InstallOutcome>;
}

/**
 * Proactive install through Graph (TeamsAppInstallation.ReadWriteSelfForUser.All), only for
 * integrations whose `proactiveInstall` setting is on. The app is found in the tenant's catalog by its
 * manifest id (TEAMS_APP_ID); installing it makes Teams open the personal chat and tell the bot.
 */
/** Codes of an install that fails for every organizer until an admin acts: shown as the integration's warning. */
export const INSTALL_PROBLEMS = ['MISSING_TEAMS_APP_INSTALL_PERMISSION', 'MISSING_APP_CATALOG_PERMISSION', 'TEAMS_APP_NOT_IN_CATALOG'] as const;

export function createProactiveInstaller(deps: {
  contexts: IntegrationContexts;
  teamsAppId?: string;
  /** the integration's health: an install problem is a warning (recordings go on), cleared once an install works */
  warn(integrationId: string, problem: RecordingError): Promise<unknown>;
  resolve(integrationId: string, codes: readonly string[]): Promise<unknown>;
}): ProactiveInstaller {
  const attempt = async (integrationId: string, userId: string): Promise<InstallOutcome> => {
    const c = await deps.contexts.get(integrationId);
    if (!c.settings.proactiveInstall) return { outcome: 'not-enabled' };
    if (!deps.teamsAppId) {
      return { outcome: 'failed', error: { code: 'TEAMS_APP_ID_MISSING', message: 'Proactive install is on, but TEAMS_APP_ID (the manifest id) is not set, so the app cannot be found in the catalog.' } };
    }
    try {
      const app = await c.graph.findTeamsApp(deps.teamsAppId);
      if (!app) {
        return { outcome: 'failed', error: { code: 'TEAMS_APP_NOT_IN_CATALOG', message: `The app (manifest id ${deps.teamsAppId}) is not in the organization's Teams app catalog.` } };
      }
      if ((await c.graph.installTeamsAppForUser(userId, app.id)) === 'already-installed') {
        return { outcome: 'failed', error: { code: 'BOT_USER_UNREACHABLE', message: 'The app is installed for this person, but Teams refuses the bot\'s messages (they may have blocked it).' } };
      }
      return { outcome: 'installed' };
    } catch (err) {
      const failure = describeFailure(err);
      // throttling or an outage: the notice job tries again later
      if (failure.retryable && !failure.blocking) throw err;
      return { outcome: 'failed', error: { code: failure.code, message: failure.message } };
    }
  };
  return {
    async install(integrationId, _tenantId, userId) {
      const result = await attempt(integrationId, userId);
      if (result.outcome === 'installed') await deps.resolve(integrationId, INSTALL_PROBLEMS);
      if (result.outcome === 'failed' && (INSTALL_PROBLEMS as readonly string[]).includes(result.error.code)) await deps.warn(integrationId, result.error);
      return result;
    },
  };
}
