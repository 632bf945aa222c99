import type { HealthChangedEvent } from '../notify/notifier.js';
import type { HealthChange } from './integration-health.js';

export const SECRET_EXPIRING_CODE = 'SECRET_EXPIRING';

/**
 * What admins are told of a change of health, if anything: an integration entering an error (or a
 * different error), leaving it, or its client secret starting to near its expiry. A warning coming or
 * going, or a check that changed nothing, is no news.
 */
export function adminAlertFor(change: HealthChange, at: number): HealthChangedEvent | null {
  const { integration, before, after, added } = change;
  const problem = integration.health.error ?? integration.health.problems.find((p) => p.code === after.code) ?? null;
  const base = {
    integrationId: integration.id,
    integrationName: integration.name,
    tenantId: integration.tenantId,
    before,
    at: new Date(at).toISOString(),
  };
  if (after.state === 'error' && (before.state !== 'error' || before.code !== after.code)) {
    return { ...base, kind: 'problem', after: { ...after, message: problem?.message ?? null, fix: problem?.fix ?? null } };
  }
  if (before.state === 'error' && after.state !== 'error') {
    return { ...base, kind: 'recovered', after: { ...after, message: null, fix: null } };
  }
  if (added.includes(SECRET_EXPIRING_CODE) && integration.health.secretExpiresAt) {
    const warning = integration.health.problems.find((p) => p.code === SECRET_EXPIRING_CODE);
    return {
      ...base,
      kind: 'secret-expiring',
      after: { state: after.state, code: SECRET_EXPIRING_CODE, message: warning?.message ?? null, fix: warning?.fix ?? null },
      secretExpiresAt: new Date(integration.health.secretExpiresAt).toISOString(),
    };
  }
  return null;
}
