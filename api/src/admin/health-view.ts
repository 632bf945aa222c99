import type { HealthReport } from '../integrations/integration-service.js';
import { isoTime } from './iso-time.js';

/** `GET …/health` (docs/admin-api.md "Health"): every time ISO or null, `daily` as the service counted it. */
export function healthView(r: HealthReport) {
  const h = r.integration.health;
  const soonest = r.subscriptions.reduce<number | null>((min, s) => (min === null || s.expiresAt < min ? s.expiresAt : min), null);
  return {
    state: h.state,
    problems: h.problems.map((p) => ({ code: p.code, severity: p.severity, message: p.message, fix: p.fix, since: isoTime(p.since) })),
    paused: r.paused ? { reason: r.paused.reason, since: isoTime(r.paused.pausedAt) } : null,
    checkedAt: isoTime(h.checkedAt),
    lastSuccessAt: isoTime(h.lastSuccessAt),
    lastArchivedAt: isoTime(r.lastArchivedAt),
    secretExpiresAt: isoTime(h.secretExpiresAt),
    // never the clientState: it is the webhook's shared secret
    subscriptions: r.subscriptions.map((s) => ({ resource: s.resource, expiresAt: isoTime(s.expiresAt) })),
    subscriptionExpiresAt: isoTime(soonest),
    jobs: r.jobs,
    daily: r.daily,
  };
}
