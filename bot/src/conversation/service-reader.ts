import type { IntegrationService } from '../../../api/src/integrations/integration-service.js';
import type { AdminRepository } from '../../../api/src/store/store.js';
import type { RecentItem, StatusIntegration } from '../cards/index.js';
import type { BotReader } from './turn.js';

/**
 * The bot's commands read through the integration service, like the admin API, and see only the
 * speaker's own tenant. Who is an admin is what their last console sign-in showed.
 */
export function createServiceReader(service: Pick<IntegrationService, 'list' | 'listRecordings'>, admins: Pick<AdminRepository, 'get'>): BotReader {
  const ofTenant = async (tenantId: string) => (await service.list()).filter((i) => i.tenantId.toLowerCase() === tenantId.toLowerCase());
  return {
    async isAdmin(tenantId, userId) {
      return (await admins.get(tenantId.toLowerCase(), userId.toLowerCase()))?.isAdmin === true;
    },

    async recent(tenantId, userId, limit) {
      const pages = await Promise.all(
        (await ofTenant(tenantId)).map((i) => service.listRecordings(i.id, { organizerId: userId, state: 'archived', limit })),
      );
      return pages
        .flatMap((p) => p.items)
        .filter((r) => r.entryUrl)
        .sort((a, b) => (b.settledAt ?? b.updatedAt) - (a.settledAt ?? a.updatedAt))
        .slice(0, limit)
        .map(
          (r): RecentItem => ({
            subject: r.subject ?? '',
            startDateTime: new Date(r.recordedAt ?? r.createdAt).toISOString(),
            entryUrl: r.entryUrl!,
            transcriptAttached: r.transcript.state === 'attached',
          }),
        );
    },

    async status(tenantId) {
      return (await ofTenant(tenantId))
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((i): StatusIntegration => {
          const shown = i.health.error ?? i.health.problems.find((p) => p.severity === 'warning') ?? null;
          return {
            name: i.name,
            enabled: i.enabled,
            state: i.health.state === 'unknown' ? 'ok' : i.health.state,
            code: shown?.code ?? null,
            message: shown?.message ?? null,
            fix: shown?.fix ?? null,
            lastSuccessAt: i.health.lastSuccessAt ? new Date(i.health.lastSuccessAt).toISOString() : null,
          };
        });
    },
  };
}
