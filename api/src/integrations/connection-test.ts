import { AppError } from '../errors.js';
import { accessGrants, grants, type GraphAccess } from '../graph/graph-permissions.js';
import type { IntegrationHealthKeeper, ProblemReport } from '../health/integration-health.js';
import type { IntegrationContext, IntegrationContexts } from '../ingestion/integration-context.js';
import { checkSecretExpiry, SECRET_WARNING_MS, type SecretExpiryCheck } from '../ingestion/secret-expiry.js';
import { PARTIAL_PROBLEM_CODES } from '../ingestion/health.js';
import { TRANSCRIPT_ONLY_CODES } from '../ingestion/subscriptions.js';
import type { Clock } from '../clock.js';
import type { JobQueue } from '../queue/job-queue.js';
import { describeError } from './error-catalogue.js';

export type CheckStatus = 'pass' | 'fail' | 'warning' | 'skipped';

export interface ConnectionCheck {
  id: string;
  label: string;
  status: CheckStatus;
  code?: string;
  message?: string;
  fix?: string;
}

export interface ConnectionReport {
  /** no check failed (warnings allowed) */
  ok: boolean;
  checkedAt: number;
  checks: ConnectionCheck[];
}

export interface ConnectionTestDeps {
  contexts: Pick<IntegrationContexts, 'get' | 'forget'>;
  keeper: IntegrationHealthKeeper;
  queue: Pick<JobQueue, 'resume'>;
  clock: Clock;
  /** see HealthDeps.secretWarningMs */
  secretWarningMs?: number;
}

const PERMISSIONS: Array<{ access: GraphAccess; label: string; when: (c: IntegrationContext) => boolean; optional?: string }> = [
  { access: 'recordings', label: 'Read meeting recordings', when: () => true },
  { access: 'meetings', label: 'Read online meetings', when: () => true },
  { access: 'users', label: 'Read users', when: () => true },
  { access: 'transcripts', label: 'Read meeting transcripts', when: (c) => c.settings.uploadTranscripts },
  // ad hoc calls only: without them meetings go on, and the calls are caught up once they are granted
  {
    access: 'callRecordings',
    label: 'Read ad hoc call recordings',
    when: (c) => c.settings.includeAdhocCalls,
    optional: 'Ad hoc calls are on: without it call recordings are not archived (meetings are).',
  },
  {
    access: 'callTranscripts',
    label: 'Read ad hoc call transcripts',
    when: (c) => c.settings.includeAdhocCalls && c.settings.uploadTranscripts,
    optional: 'Ad hoc calls and transcripts are on: without it call transcripts are not attached (meeting transcripts are).',
  },
  { access: 'groups', label: 'Read Entra group members', when: (c) => c.settings.uploadScope !== 'all' && c.settings.groupSource === 'entra' },
  // proactive install only: without them recordings go on and only the cards of people without the app are lost
  {
    access: 'appCatalog',
    label: "Find the app in the organization's catalog (proactive install)",
    when: (c) => c.settings.proactiveInstall,
    optional: "Proactive install is on: without it the app cannot be installed for organizers who don't have it.",
  },
  {
    access: 'teamsAppInstall',
    label: 'Install the app for organizers (proactive install)',
    when: (c) => c.settings.proactiveInstall,
    optional: "Proactive install is on: without it organizers who don't have the app get no card.",
  },
  {
    access: 'applications',
    label: "Read the app registration's secret expiry",
    when: () => true,
    optional: 'Optional: without it the app cannot warn before the client secret expires.',
  },
];

/**
 * "Test connection": every check on its own, so an admin sees everything that is wrong at once, each
 * with the catalogue's words and fix. Then the integration's health follows what was found, and a
 * paused integration whose checks all pass resumes.
 */
export async function testConnection(deps: ConnectionTestDeps, integrationId: string): Promise<ConnectionReport> {
  deps.contexts.forget(integrationId);
  const c = await deps.contexts.get(integrationId);
  const checks = await runConnectionChecks(c);
  const add = (check: ConnectionCheck) => checks.push(check);

  const now = deps.clock.now();
  const failed = checks.filter((x) => x.status === 'fail');
  if (failed.length > 0) {
    const first = failed[0]!;
    await deps.keeper.failed(integrationId, { code: first.code!, message: stripCatalogue(first) });
  } else {
    const warnings: ProblemReport[] = checks
      .filter((x) => x.status === 'warning' && x.code && PARTIAL_PROBLEM_CODES.includes(x.code))
      .map((x) => ({ code: x.code!, message: stripCatalogue(x) }));
    const checked = await deps.keeper.passed(integrationId, { warnings, cleared: PARTIAL_PROBLEM_CODES });
    if (checked) {
      const expiry = await checkSecretExpiry(deps, checked).catch(() => undefined);
      add(secretExpiryCheck(expiry));
      if (checked.enabled) await deps.queue.resume(integrationId);
    }
  }
  return { ok: failed.length === 0, checkedAt: now, checks };
}

/**
 * The checks themselves, against one integration's clients, without touching its health: "Test
 * connection" (above) and `npm run doctor` (api/src/doctor/) both run them. Each check stands on its
 * own; one that cannot be run because an earlier one failed is `skipped`, saying so.
 */
export async function runConnectionChecks(c: IntegrationContext): Promise<ConnectionCheck[]> {
  const checks: ConnectionCheck[] = [];
  const add = (check: ConnectionCheck) => checks.push(check);
  const failure = (id: string, label: string, err: unknown, status: CheckStatus = 'fail'): ConnectionCheck => {
    const e = err as AppError;
    const known = describeError(e.code);
    return { id, label, status, code: e.code ?? 'UNEXPECTED_ERROR', message: known ? `${known.message} ${e.message}` : e.message, ...(known ? { fix: known.fix } : {}) };
  };

  // Entra ID and Graph
  let roles: string[] | undefined;
  try {
    roles = await c.graph.grantedPermissions();
    add({ id: 'token', label: 'Sign in to Entra ID with the client secret', status: 'pass' });
  } catch (err) {
    add(failure('token', 'Sign in to Entra ID with the client secret', err));
  }
  let permissionsOk = roles !== undefined;
  for (const p of PERMISSIONS) {
    const grant = accessGrants[p.access];
    const label = `${p.label} (${grant.least})`;
    if (!roles) add({ id: `permission:${p.access}`, label, status: 'skipped', message: 'Not checked: no token.' });
    else if (!p.when(c)) add({ id: `permission:${p.access}`, label, status: 'skipped', message: 'Not needed with these settings.' });
    else if (grants(roles, p.access)) add({ id: `permission:${p.access}`, label, status: 'pass' });
    else if (p.optional) add({ id: `permission:${p.access}`, label, status: 'warning', code: grant.code, message: `${grant.least} is not granted. ${p.optional}`, fix: `Add the Microsoft Graph application permission ${grant.least} and grant admin consent.` });
    else {
      permissionsOk = false;
      add(failure(`permission:${p.access}`, label, new AppError(grant.code, '')));
    }
  }
  const graphReady = permissionsOk;
  await step(add, 'access-policy', 'Teams application access policy', graphReady, async () => {
    await c.graph.verifyAccess({ transcripts: false, entraGroups: false });
  }, failure);
  if (!c.settings.uploadTranscripts) add({ id: 'transcript-api', label: 'Transcript API access in the tenant', status: 'skipped', message: 'Transcripts are off for this integration.' });
  else {
    await step(add, 'transcript-api', 'Transcript API access in the tenant', graphReady, async () => {
      await c.graph.verifyAccess({ transcripts: true });
    }, (id, label, err) => failure(id, label, err, TRANSCRIPT_ONLY_CODES.includes((err as AppError).code) ? 'warning' : 'fail'));
  }
  const callLabel = 'Ad hoc call recordings can be read';
  if (!c.settings.includeAdhocCalls) add({ id: 'call-api', label: callLabel, status: 'skipped', message: 'Ad hoc calls are off for this integration.' });
  else {
    // a call permission missing was reported above; Graph's own answer on the calls path is what this adds
    const callRoles = grants(roles ?? [], 'callRecordings') && (!c.settings.uploadTranscripts || grants(roles ?? [], 'callTranscripts'));
    if (graphReady && !callRoles) add({ id: 'call-api', label: callLabel, status: 'skipped', message: 'Not checked: a call permission is missing.' });
    else {
      await step(add, 'call-api', callLabel, graphReady, async () => {
        await c.graph.verifyCallAccess({ transcripts: c.settings.uploadTranscripts });
      }, (id, label, err) => failure(id, label, err, PARTIAL_PROBLEM_CODES.includes((err as AppError).code) ? 'warning' : 'fail'));
    }
  }

  // Kaltura
  let kalturaOk = false;
  await step(add, 'kaltura-session', 'Kaltura session (partner and credentials)', true, async () => {
    await c.kaltura.verifyCredentials();
    kalturaOk = true;
  }, failure);
  if (c.settings.categories.length === 0) add({ id: 'categories', label: 'Categories exist in Kaltura', status: 'skipped', message: 'No categories chosen.' });
  else await step(add, 'categories', 'Categories exist in Kaltura', kalturaOk, () => c.kaltura.categoryIdsByFullName(c.settings.categories), failure);
  if (c.settings.userNotFoundMethod !== 'assign-default') add({ id: 'default-user', label: 'Default Kaltura user exists', status: 'skipped', message: 'Unknown users are created.' });
  else {
    await step(add, 'default-user', 'Default Kaltura user exists', kalturaOk, async () => {
      if (!(await c.kaltura.getUser(c.settings.defaultUserId))) throw new AppError('DEFAULT_USER_NOT_FOUND', `Kaltura has no user "${c.settings.defaultUserId}".`);
    }, failure);
  }

  const s = c.settings;
  if (s.uploadScope === 'all') add({ id: 'groups', label: 'Upload scope groups exist', status: 'skipped', message: 'Every organizer is in scope.' });
  else {
    const ready = s.groupSource === 'entra' ? graphReady : kalturaOk;
    await step(add, 'groups', `Upload scope groups exist in ${s.groupSource === 'entra' ? 'Entra ID' : 'Kaltura'}`, ready, async () => {
      const missing: string[] = [];
      for (const g of s.groups) {
        const found = s.groupSource === 'entra' ? await c.graph.getGroup(g) : (await c.kaltura.getUser(g))?.isGroup;
        if (!found) missing.push(g);
      }
      if (missing.length) throw new AppError('GROUP_NOT_FOUND', `No such group: ${missing.join(', ')}.`);
    }, failure);
  }
  return checks;
}

/** The "Client secret expiry" check, from what was learnt of the secret in use (undefined: nothing). */
export function secretExpiryCheck(expiry: SecretExpiryCheck | undefined): ConnectionCheck {
  const label = 'Client secret expiry';
  if (expiry?.outcome === 'expiring') return { id: 'secret-expiry', label, status: 'warning', code: 'SECRET_EXPIRING', message: `The client secret expires on ${expiry.expiresAt.slice(0, 10)}.`, fix: describeError('SECRET_EXPIRING')!.fix };
  if (expiry?.outcome === 'fine') return { id: 'secret-expiry', label, status: 'pass', message: `The client secret expires on ${expiry.expiresAt.slice(0, 10)}.` };
  return { id: 'secret-expiry', label, status: 'skipped', message: expiry?.outcome === 'unknown' ? `Not known: ${expiry.reason}.` : 'Not known.' };
}

/**
 * When the secret in use expires, read from Graph without recording it anywhere (the doctor has no
 * health to keep; "Test connection" uses checkSecretExpiry, which also records it). Expiring within
 * `warningMs` is a warning, as in ingestion/secret-expiry.ts.
 */
export async function readSecretExpiry(c: IntegrationContext, now: number, warningMs = SECRET_WARNING_MS): Promise<SecretExpiryCheck> {
  const expiry = await c.graph.ownSecretExpiry();
  if (!expiry.known) return { outcome: 'unknown', reason: expiry.reason };
  const left = Date.parse(expiry.expiresAt) - now;
  if (left > warningMs) return { outcome: 'fine', expiresAt: expiry.expiresAt };
  return { outcome: 'expiring', expiresAt: expiry.expiresAt, daysLeft: Math.max(0, Math.floor(left / 86_400_000)) };
}

async function step(
  add: (c: ConnectionCheck) => void,
  id: string,
  label: string,
  ready: boolean,
  run: () => Promise<unknown>,
  failure: (id: string, label: string, err: unknown) => ConnectionCheck,
): Promise<void> {
  if (!ready) {
    add({ id, label, status: 'skipped', message: 'Not checked: an earlier check failed.' });
    return;
  }
  try {
    await run();
    add({ id, label, status: 'pass' });
  } catch (err) {
    add(failure(id, label, err));
  }
}

/** The service's own words, without the catalogue sentence the health module adds again. */
function stripCatalogue(check: ConnectionCheck): string {
  const known = check.code ? describeError(check.code) : undefined;
  return known && check.message?.startsWith(known.message) ? check.message.slice(known.message.length).trim() : (check.message ?? '');
}
