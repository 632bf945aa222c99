import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { IntegrationHealthKeeper } from '../health/integration-health.js';
import type { Logger } from '../logging/logger.js';
import type { JobHandler } from '../queue/worker.js';
import type { Integration } from '../store/model.js';
import type { IntegrationRepository, JobRepository } from '../store/store.js';
import type { IntegrationContexts } from './integration-context.js';
import { checkSecretExpiry } from './secret-expiry.js';
import { CALL_ONLY_CODES, isCallOnly } from './call-problems.js';
import { isTranscriptOnly, TRANSCRIPT_ONLY_CODES } from './subscriptions.js';

export interface HealthDeps {
  contexts: Pick<IntegrationContexts, 'get' | 'forget'>;
  keeper: IntegrationHealthKeeper;
  integrations: Pick<IntegrationRepository, 'list' | 'get'>;
  jobs: Pick<JobRepository, 'paused' | 'resume' | 'pause'>;
  clock: Clock;
  logger: Logger;
  /** how long before its expiry a client secret is warned about (SECRET_EXPIRY_WARNING_DAYS) */
  secretWarningMs?: number;
}

/** Records a blocking error as the integration's health, so the admin sees it with its fix. */
export async function recordBlocking(deps: Pick<HealthDeps, 'keeper' | 'logger'>, integrationId: string, err: AppError): Promise<void> {
  await deps.keeper.error(integrationId, err);
  deps.logger.warn({ integrationId, code: err.code }, 'integration blocked: its jobs are paused until an admin fixes it');
}

/** Wraps a job handler so a blocking failure also lands in the integration's health. */
export function withHealth(deps: Pick<HealthDeps, 'keeper' | 'logger'>, handler: JobHandler): JobHandler {
  return async (job, ctx) => {
    try {
      return await handler(job, ctx);
    } catch (err) {
      if (err instanceof AppError && err.blocking) await recordBlocking(deps, job.integrationId, err).catch(() => undefined);
      throw err;
    }
  };
}

export interface CheckOutcome {
  ok: boolean;
  code?: string;
  message?: string;
}

/**
 * The scheduled check: token and permissions, access policy, transcript switch (when transcripts are
 * on), Entra groups (when used), Kaltura credentials and categories. Records the result as health and,
 * when it passes, resumes a paused integration, so fixing the cause is enough to get going again.
 */
export async function checkIntegration(deps: HealthDeps, integration: Pick<Integration, 'id'>): Promise<CheckOutcome> {
  deps.contexts.forget(integration.id);
  let checkedVersion: number | undefined;
  try {
    const c = await deps.contexts.get(integration.id);
    checkedVersion = c.integration.version;
    const s = c.settings;
    await c.graph.verifyAccess({ transcripts: false, entraGroups: s.uploadScope !== 'all' && s.groupSource === 'entra' });
    await c.kaltura.verifyCredentials();
    await c.kaltura.categoryIdsByFullName(s.categories);
    if (s.userNotFoundMethod === 'assign-default' && !(await c.kaltura.getUser(s.defaultUserId))) {
      throw new AppError('DEFAULT_USER_NOT_FOUND', `Kaltura has no user "${s.defaultUserId}"`, { blocking: true });
    }
  } catch (err) {
    if (err instanceof AppError && err.blocking) {
      // an admin changed the integration (a new secret, say) while this check used the old one: its verdict is stale
      if (checkedVersion !== undefined && (await deps.integrations.get(integration.id))?.version !== checkedVersion) return { ok: false, code: err.code, message: 'the integration changed during the check' };
      const written = await deps.keeper.failed(integration.id, err);
      return { ok: false, code: err.code, message: written?.health.error?.message ?? err.message };
    }
    // a transient failure says nothing about the configuration: keep the current health
    const e = err as AppError;
    return { ok: false, code: e.code ?? 'UNEXPECTED_ERROR', message: e.message };
  }
  const found = [await probeTranscriptAccess(deps, integration.id), ...(await probeCallAccess(deps, integration.id))];
  // the transcript switch answers for meetings and calls alike: one warning
  const warnings = found.filter((w, i): w is AppError => w !== undefined && found.findIndex((o) => o?.code === w.code) === i);
  const checked = await deps.keeper.passed(integration.id, { warnings, cleared: PARTIAL_PROBLEM_CODES });
  if (checked) {
    await checkSecretExpiry(deps, checked).catch((err: unknown) => deps.logger.debug({ err, integrationId: integration.id }, 'could not read the secret expiry'));
  }
  if (checked?.enabled && (await deps.jobs.resume(integration.id))) deps.logger.info({ integrationId: integration.id }, 'integration healthy again: its jobs resume');
  return { ok: true };
}

/**
 * Asks Graph whether transcripts can be read now; returns the transcript-only problem if not (only
 * when transcripts are on). Recordings go on either way.
 */
export async function probeTranscriptAccess(deps: Pick<HealthDeps, 'contexts'>, integrationId: string): Promise<AppError | undefined> {
  const c = await deps.contexts.get(integrationId);
  if (!c.settings.uploadTranscripts) return undefined;
  try {
    await c.graph.verifyAccess({ transcripts: true });
    return undefined;
  } catch (err) {
    if (isTranscriptOnly(err)) return err as AppError;
    throw err;
  }
}

/**
 * Asks Graph whether ad hoc calls (and their transcripts) can be read now, when the integration
 * includes them; returns the call-only problems found. Meetings go on either way.
 */
export async function probeCallAccess(deps: Pick<HealthDeps, 'contexts'>, integrationId: string): Promise<AppError[]> {
  const c = await deps.contexts.get(integrationId);
  if (!c.settings.includeAdhocCalls) return [];
  const probe = async (transcripts: boolean): Promise<AppError | undefined> => {
    try {
      await c.graph.verifyCallAccess({ transcripts });
      return undefined;
    } catch (err) {
      if (isCallOnly(err) || isTranscriptOnly(err)) return err as AppError;
      throw err;
    }
  };
  // the transcript probe lists recordings first: it can say more only once recordings can be read
  const recordings = await probe(false);
  if (recordings || !c.settings.uploadTranscripts) return recordings ? [recordings] : [];
  const transcripts = await probe(true);
  return transcripts ? [transcripts] : [];
}

/** Warnings a passing check looks at: each is cleared unless the check found it again. */
export const PARTIAL_PROBLEM_CODES: readonly string[] = [...TRANSCRIPT_ONLY_CODES, ...CALL_ONLY_CODES];

/** For the scheduler: re-test every paused integration that is enabled (a disabled one stays paused). */
export async function recheckPaused(deps: HealthDeps): Promise<void> {
  for (const p of await deps.jobs.paused()) {
    const integration = await deps.integrations.get(p.integrationId);
    if (!integration?.enabled) continue;
    await checkIntegration(deps, integration).catch((err: unknown) => deps.logger.error({ err, integrationId: p.integrationId }, 'health check failed'));
  }
}
