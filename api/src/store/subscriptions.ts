import type { Clock } from '../clock.js';
import type { SecretBox } from '../security/secret-box.js';
import type { GraphSubscription, SaveGraphSubscription } from './model.js';
import type { SubscriptionRepository } from './store.js';
import type { SubscriptionRecord, SubscriptionTable } from './tables.js';
import { requireText, requireTime } from './validate.js';

const context = (id: string) => `subscription/${id}/clientState`;

export function createSubscriptionRepository(table: SubscriptionTable, box: SecretBox, clock: Clock): SubscriptionRepository {
  const open = (r: SubscriptionRecord): GraphSubscription => ({ ...r, clientState: box.open(r.clientState, context(r.id)) });
  return {
    async save(s: SaveGraphSubscription) {
      const now = clock.now();
      const stored = await table.upsert({
        id: requireText('id', s.id, 200),
        integrationId: requireText('integrationId', s.integrationId, 200),
        resource: requireText('resource', s.resource, 2000),
        changeType: requireText('changeType', s.changeType, 200),
        expiresAt: requireTime('expiresAt', s.expiresAt),
        clientState: box.seal(requireText('clientState', s.clientState, 255), context(s.id)),
        createdAt: now,
        updatedAt: now,
      });
      return open(stored);
    },
    async get(id) {
      const r = await table.get(id);
      return r ? open(r) : null;
    },
    async listByIntegration(integrationId) {
      return (await table.listByIntegration(integrationId)).map(open);
    },
    async listExpiringBefore(time) {
      return (await table.listExpiringBefore(time)).map(open);
    },
    delete: (id) => table.delete(id),
  };
}
