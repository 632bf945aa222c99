import type { HealthChangedEvent } from '../notify/notifier.js';
import type { HealthChange } from './integration-health.js';

/** What the Notifier hears of a change of health. */
export function healthChangedEvent(change: HealthChange): HealthChangedEvent {
  const { integration, before, after } = change;
  return {
    integrationId: integration.id,
    integrationName: integration.name,
    tenantId: integration.tenantId,
    before,
    after: { ...after, message: integration.health.error?.message ?? null, fix: integration.health.error?.fix ?? null },
  };
}
