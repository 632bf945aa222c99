import type { Integration } from '../store/model.js';
import type { HealthDeps } from './health.js';

/** How long before its end a client secret is reported as expiring, unless configured. */
export const SECRET_WARNING_MS = 30 * 86_400_000;

export type SecretExpiryCheck =
  | { outcome: 'expiring'; expiresAt: string; daysLeft: number }
  | { outcome: 'fine'; expiresAt: string }
  | { outcome: 'unknown'; reason: string }
  | { outcome: 'skipped' };

/**
 * Warns an admin a month (SECRET_EXPIRY_WARNING_DAYS) before the Entra client secret in use expires (after that every Graph call
 * fails with SECRET_EXPIRED, and recordings stop until the secret is replaced), and takes the warning
 * back once a new secret is in place. The expiry comes from Graph when the app registration may read
 * itself (Application.Read.All); otherwise it is not known and nothing is said.
 *
 * A blocking error on the integration is still shown first (it is what stops recordings now), and so
 * is an older warning.
 */
export async function checkSecretExpiry(deps: Pick<HealthDeps, 'contexts' | 'keeper' | 'clock' | 'secretWarningMs'>, integration: Integration): Promise<SecretExpiryCheck> {
  if (!integration.enabled) return { outcome: 'skipped' };
  const c = await deps.contexts.get(integration.id);
  const expiry = await c.graph.ownSecretExpiry();
  if (!expiry.known) return { outcome: 'unknown', reason: expiry.reason };

  const expiresAt = Date.parse(expiry.expiresAt);
  const left = expiresAt - deps.clock.now();
  // the health keeps the date too, so the console can show it without asking Graph
  if (left > (deps.secretWarningMs ?? SECRET_WARNING_MS)) {
    await deps.keeper.secretExpiry(integration.id, expiresAt, null);
    return { outcome: 'fine', expiresAt: expiry.expiresAt };
  }
  const daysLeft = Math.max(0, Math.floor(left / 86_400_000));
  const when = expiry.expiresAt.slice(0, 10);
  await deps.keeper.secretExpiry(integration.id, expiresAt, { code: 'SECRET_EXPIRING', message: `It expires on ${when} (${daysLeft === 1 ? 'in 1 day' : `in ${daysLeft} days`}).` });
  return { outcome: 'expiring', expiresAt: expiry.expiresAt, daysLeft };
}
