import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import { describeError } from '../integrations/error-catalogue.js';
import type { HealthProblem, HealthState, Integration, IntegrationHealth } from '../store/model.js';
import { NotFoundError } from '../store/errors.js';
import type { IntegrationRepository } from '../store/store.js';

/** What a caller knows about a problem: a coded error and its own words (the catalogue adds the rest). */
export interface ProblemReport {
  code: string;
  message: string;
}

/** The part of health an admin notices: its colour and the problem shown. */
export interface HealthSummary {
  state: HealthState;
  code: string | null;
}

export interface HealthChange {
  integration: Integration;
  before: HealthSummary;
  after: HealthSummary;
  /** problem codes present now that were not before (a warning added behind the one shown, say) */
  added: string[];
  /** problems present before that are gone now (with when they began) */
  removed: HealthProblem[];
}

export type HealthListener = (change: HealthChange) => void | Promise<void>;

export interface HealthKeeperDeps {
  integrations: Pick<IntegrationRepository, 'get' | 'setHealth'>;
  clock: Clock;
  logger: Logger;
}

type Draft = Pick<IntegrationHealth, 'problems' | 'checkedAt' | 'lastSuccessAt' | 'secretExpiresAt'>;

/** Compare-and-set rounds before giving up; each lost round means another writer just wrote. */
const MAX_ROUNDS = 50;

/**
 * The one owner of an integration's health. Every writer (jobs, checks, the integration service)
 * says what it saw; this module keeps the list of problems, derives the state from it (error >
 * warning > ok), and writes with compare-and-set, so two workers never overwrite each other's view.
 *
 * Policy: at most one error is kept (the latest blocking cause: nothing works until it is fixed, and
 * the connection test finds the next one), warnings accumulate, and the problem shown is the error, or
 * else the oldest warning. A problem keeps its `since` while its code stays. Listeners hear of every
 * change of state or of the problem shown, and of every problem added or removed behind it, once.
 */
export class IntegrationHealthKeeper {
  private readonly listeners: HealthListener[] = [];

  constructor(private readonly deps: HealthKeeperDeps) {}

  onChange(listener: HealthListener): void {
    this.listeners.push(listener);
  }

  /** A blocking problem: recordings stop until an admin fixes it. */
  error(integrationId: string, report: ProblemReport): Promise<Integration | null> {
    return this.update(integrationId, (h, now) => ({
      ...h,
      problems: [...h.problems.filter((p) => p.severity !== 'error'), this.problem(h, report, 'error', now)],
    }));
  }

  /** A problem that lets recordings go on (transcripts unreadable, a secret about to expire). */
  warning(integrationId: string, report: ProblemReport): Promise<Integration | null> {
    return this.update(integrationId, (h, now) => ({
      ...h,
      problems: [...h.problems.filter((p) => p.code !== report.code), this.problem(h, report, 'warning', now)],
    }));
  }

  /** The causes behind these codes are gone. */
  resolve(integrationId: string, codes: readonly string[]): Promise<Integration | null> {
    return this.update(integrationId, (h) => ({ ...h, problems: h.problems.filter((p) => !codes.includes(p.code)) }));
  }

  /**
   * A connection test or scheduled check passed: no blocking problem remains, and the check itself
   * counts as a success. `warnings` are what it found that lets recordings go on; `cleared` are the
   * warning codes it looked at and found fine.
   */
  passed(integrationId: string, found: { warnings?: ProblemReport[]; cleared?: readonly string[] } = {}): Promise<Integration | null> {
    return this.update(integrationId, (h, now) => {
      const seen = new Set((found.warnings ?? []).map((w) => w.code));
      const kept = h.problems.filter((p) => p.severity === 'warning' && !seen.has(p.code) && !(found.cleared ?? []).includes(p.code));
      const added = (found.warnings ?? []).map((w) => this.problem(h, w, 'warning', now));
      return { ...h, problems: [...kept, ...added], checkedAt: now, lastSuccessAt: now };
    });
  }

  /** A check could not pass: the blocking problem it found replaces any other. */
  failed(integrationId: string, report: ProblemReport): Promise<Integration | null> {
    return this.update(integrationId, (h, now) => ({
      ...h,
      checkedAt: now,
      problems: [...h.problems.filter((p) => p.severity !== 'error'), this.problem(h, report, 'error', now)],
    }));
  }

  /**
   * What Graph said of the client secret's expiry (null: not known, e.g. after the secret was
   * replaced): remembered for the console, with the expiring warning when one is due, or without it.
   */
  secretExpiry(integrationId: string, expiresAt: number | null, expiring: ProblemReport | null): Promise<Integration | null> {
    return this.update(integrationId, (h, now) => ({
      ...h,
      secretExpiresAt: expiresAt,
      problems: [...h.problems.filter((p) => p.code !== 'SECRET_EXPIRING'), ...(expiring ? [this.problem(h, expiring, 'warning', now)] : [])],
    }));
  }

  /** A recording was archived: the integration works, whatever was last checked. */
  succeeded(integrationId: string): Promise<Integration | null> {
    return this.update(integrationId, (h, now) => ({ ...h, lastSuccessAt: now }));
  }

  private problem(current: Draft, report: ProblemReport, severity: HealthProblem['severity'], now: number): HealthProblem {
    const known = describeError(report.code);
    const same = current.problems.find((p) => p.code === report.code && p.severity === severity);
    return {
      code: report.code,
      severity,
      message: known ? `${known.message} ${report.message}`.trim() : report.message,
      fix: known?.fix ?? null,
      since: same?.since ?? now,
    };
  }

  /**
   * Reads, applies `change`, and writes if nobody wrote in between; otherwise reads again. Returns
   * the integration as written (null when it no longer exists).
   */
  private async update(integrationId: string, change: (current: Draft, now: number) => Draft): Promise<Integration | null> {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      const current = await this.deps.integrations.get(integrationId);
      if (!current) return null;
      const now = this.deps.clock.now();
      const next = derive(change(current.health, now));
      const written = await this.deps.integrations.setHealth(integrationId, next, current.health.rev).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      if (written === undefined) return null;
      if (!written) {
        // someone else wrote first: read their health and apply ours to it, after a short random wait
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * (round + 1))));
        continue;
      }
      const had = new Set(current.health.problems.map((p) => p.code));
      const has = new Set(written.health.problems.map((p) => p.code));
      const added = [...has].filter((code) => !had.has(code));
      const removed = current.health.problems.filter((p) => !has.has(p.code));
      await this.announce(written, summary(current.health), summary(written.health), added, removed);
      return written;
    }
    throw new Error(`the health of integration ${integrationId} kept changing under ${MAX_ROUNDS} writers`);
  }

  private async announce(integration: Integration, before: HealthSummary, after: HealthSummary, added: string[], removed: HealthProblem[]): Promise<void> {
    const shownChanged = before.state !== after.state || before.code !== after.code;
    if (!shownChanged && added.length === 0 && removed.length === 0) return;
    if (shownChanged) {
      const level = after.state === 'error' ? 'warn' : 'info';
      this.deps.logger[level]({ integrationId: integration.id, from: before, to: after }, 'integration health changed');
    }
    for (const listener of this.listeners) {
      try {
        await listener({ integration, before, after, added, removed });
      } catch (err) {
        this.deps.logger.warn({ err, integrationId: integration.id }, 'a health listener failed');
      }
    }
  }
}

/** Orders the problems (error first, then oldest) and derives what follows from them. */
export function derive(draft: Draft): Omit<IntegrationHealth, 'rev'> {
  const problems = [...draft.problems].sort((a, b) => rank(a) - rank(b) || a.since - b.since);
  const first = problems[0];
  const state: HealthState = first ? (first.severity === 'error' ? 'error' : 'warning') : draft.checkedAt || draft.lastSuccessAt ? 'ok' : 'unknown';
  return {
    state,
    error: first ? { code: first.code, message: first.message, fix: first.fix, at: first.since } : null,
    problems,
    checkedAt: draft.checkedAt,
    lastSuccessAt: draft.lastSuccessAt,
    secretExpiresAt: draft.secretExpiresAt ?? null,
  };
}

const rank = (p: HealthProblem) => (p.severity === 'error' ? 0 : 1);

export function summary(h: Pick<IntegrationHealth, 'state' | 'error'>): HealthSummary {
  return { state: h.state, code: h.error?.code ?? null };
}
