import { readFile } from 'node:fs/promises';
import { createAdapterFactories } from '../adapters.js';
import { loadConfig } from '../config.js';
import { IntegrationContexts } from '../ingestion/integration-context.js';
import { readSecretExpiry, runConnectionChecks, secretExpiryCheck, type ConnectionCheck } from '../integrations/connection-test.js';
import { NewIntegrationInput } from '../integrations/integration-input.js';
import { createTlsTrust } from '../net/tls-trust.js';
import { isJsonObject, type JsonObject } from '../store/json.js';
import type { Integration, IntegrationSecrets } from '../store/model.js';
import { parseDoctorArgs, usage, UsageError, type DoctorArgs } from './doctor-args.js';
import { formatReport, scrubSecrets, summarize, type DoctorReport } from './doctor-report.js';

export interface DoctorIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** What the checks run against: an integration that lives only in memory, and its secrets. */
export interface DoctorTarget {
  args: DoctorArgs;
  integration: Integration;
  secrets: IntegrationSecrets;
  caPem?: string;
}

/**
 * `npm run doctor`: the console's "Test connection" for an integration that does not exist yet (or
 * whose app is not running), from a terminal. Returns the exit code: 0 nothing failed, 1 a check
 * failed (or the doctor could not finish), 2 bad usage, naming the flag.
 */
export async function runDoctorCli(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, io: DoctorIo, now: () => number = Date.now): Promise<number> {
  const wantsJson = argv.includes('--json');
  let target: DoctorTarget;
  try {
    const args = parseDoctorArgs(argv);
    if (args.help) {
      io.stdout.write(`${usage}\n`);
      return 0;
    }
    target = await doctorTarget(args, env, now());
  } catch (err) {
    if (!(err instanceof UsageError)) {
      io.stderr.write(`npm run doctor: could not start: ${(err as Error)?.message ?? String(err)}\n`);
      return 1;
    }
    io.stderr.write(`npm run doctor: ${err.message}\n(npm run doctor -- --help lists every flag)\n`);
    if (wantsJson) io.stdout.write(`${JSON.stringify({ ok: false, exitCode: 2, error: { code: 'USAGE', flag: err.flag, message: err.message } })}\n`);
    return 2;
  }
  const secrets = [target.secrets.appClientSecret, target.secrets.kalturaAppToken ?? undefined, target.secrets.kalturaAdminSecret ?? undefined];
  let report: DoctorReport;
  try {
    report = await runDoctor(target, now);
  } catch (err) {
    const message = scrubSecrets((err as Error)?.message ?? String(err), secrets);
    io.stderr.write(`npm run doctor: could not finish the checks: ${message}\n`);
    if (wantsJson) io.stdout.write(`${JSON.stringify({ ok: false, exitCode: 1, error: { code: 'DOCTOR_FAILED', message } })}\n`);
    return 1;
  }
  const out = target.args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report);
  io.stdout.write(scrubSecrets(out, secrets));
  return report.exitCode;
}

/** Runs the shared checks against the target, with the adapters the app uses; touches no store. */
export async function runDoctor(target: DoctorTarget, now: () => number = Date.now): Promise<DoctorReport> {
  const { args, integration, secrets } = target;
  // the adapters read their endpoints from the app's configuration type; here it is built from the
  // flags alone (a given environment object, never process.env), so the doctor talks to the same
  // endpoints the app would with the same settings
  const config = loadConfig({
    ENTRA_AUTHORITY_HOST: args.authority,
    GRAPH_BASE_URL: args.graphUrl,
    GRAPH_TOKEN_SCOPE: args.graphScope,
    KALTURA_SERVICE_URL: args.kalturaUrl,
    LOG_LEVEL: 'silent',
  });
  const trust = createTlsTrust(target.caPem);
  try {
    const { makeGraph, makeKaltura } = createAdapterFactories(config, trust);
    const contexts = new IntegrationContexts({
      integrations: {
        get: async (id) => (id === integration.id ? integration : null),
        getSecrets: async (id) => (id === integration.id ? secrets : null),
      },
      makeGraph,
      makeKaltura,
    });
    const c = await contexts.get(integration.id);
    const checks: ConnectionCheck[] = await runConnectionChecks(c);
    // the expiry is read whenever the secret signs in (the console reads it only once every check passed)
    if (checks.find((x) => x.id === 'token')?.status === 'pass') {
      checks.push(secretExpiryCheck(await readSecretExpiry(c, now(), args.secretWarningDays * 86_400_000).catch(() => undefined)));
    } else {
      checks.push({ id: 'secret-expiry', label: 'Client secret expiry', status: 'skipped', message: 'Not checked: no token.' });
    }
    for (const check of checks) {
      // from a terminal, the flag that points at the service is the first suspect; the app's own fix
      // for these codes ("it retries") is for a running app
      const reachability = !check.fix || REACHABILITY_CODES.has(check.code ?? '');
      const hint = check.status === 'fail' && reachability ? reachabilityHint(check.code, check.message ?? '', args) : undefined;
      if (hint) check.fix = hint;
    }
    const summary = summarize(checks);
    const ok = summary.fail === 0;
    return {
      ok,
      exitCode: ok ? 0 : 1,
      checkedAt: new Date(now()).toISOString(),
      target: {
        tenantId: integration.tenantId,
        clientId: integration.appClientId,
        authority: args.authority,
        graphUrl: args.graphUrl,
        kaltura: { partnerId: integration.kaltura.partnerId, serviceUrl: integration.kaltura.serviceUrl, credential: integration.kaltura.credential },
      },
      summary,
      checks,
    };
  } finally {
    trust.httpsAgent.destroy();
    await trust.dispatcher.close().catch(() => undefined);
  }
}

/**
 * The in-memory integration the flags describe, validated with the one schema every way in uses
 * (integrations/integration-input.ts); a refusal names the flag (or environment variable) at fault.
 */
export async function doctorTarget(args: DoctorArgs, env: Readonly<Record<string, string | undefined>>, now: number): Promise<DoctorTarget> {
  if (!args.tenant) throw new UsageError('--tenant', '--tenant is required: the Directory (tenant) ID from the app registration\'s Overview page');
  if (!args.clientId) throw new UsageError('--client-id', '--client-id is required: the Application (client) ID from the app registration\'s Overview page');
  if (!args.kalturaPartner) throw new UsageError('--kaltura-partner', '--kaltura-partner is required: the Kaltura partner ID (KMC > Settings > Integration Settings)');
  if (!/^\d+$/.test(args.kalturaPartner)) throw new UsageError('--kaltura-partner', `--kaltura-partner is a number, not "${args.kalturaPartner}"`);

  const clientSecret = env[args.secretEnv];
  if (!clientSecret) {
    throw new UsageError('--secret-env', `${args.secretEnv} is not set: put the client secret's Value in it (or name another variable with --secret-env)`);
  }
  let appToken: string | undefined;
  let adminSecret: string | undefined;
  if (args.kalturaAppTokenId) {
    appToken = env[args.kalturaAppTokenEnv];
    if (!appToken) throw new UsageError('--kaltura-app-token-env', `${args.kalturaAppTokenEnv} is not set: put the token of Kaltura app token ${args.kalturaAppTokenId} in it (or name another variable with --kaltura-app-token-env)`);
  } else {
    adminSecret = env[args.kalturaSecretEnv];
    if (!adminSecret) {
      throw new UsageError('--kaltura-secret-env', `${args.kalturaSecretEnv} is not set: put the partner's admin secret in it (or name another variable with --kaltura-secret-env), or give --kaltura-app-token-id with its token in ${args.kalturaAppTokenEnv}`);
    }
  }

  const settings = await settingsFrom(args);
  const parsed = NewIntegrationInput.safeParse({
    name: 'npm run doctor',
    tenantId: args.tenant,
    appClientId: args.clientId,
    appClientSecret: clientSecret,
    kaltura: {
      partnerId: Number(args.kalturaPartner),
      serviceUrl: args.kalturaUrl,
      ...(args.kalturaAppTokenId ? { appTokenId: args.kalturaAppTokenId, appToken } : { adminSecret }),
    },
    settings,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    const flag = flagFor(args, path);
    const where = flag === '--settings' ? ` (${path.join('.') || 'settings'})` : '';
    throw new UsageError(flag, `${flag}${where}: ${issue.message}`);
  }
  const input = parsed.data;
  const at = now;
  const integration: Integration = {
    id: 'doctor',
    name: input.name,
    tenantId: input.tenantId,
    appClientId: input.appClientId,
    hasAppClientSecret: true,
    kaltura: {
      partnerId: input.kaltura.partnerId,
      serviceUrl: (input.kaltura.serviceUrl ?? args.kalturaUrl).replace(/\/+$/, ''),
      appTokenId: input.kaltura.appTokenId ?? null,
      credential: input.kaltura.appToken ? 'appToken' : 'adminSecret',
    },
    settings: input.settings as unknown as JsonObject,
    enabled: true,
    health: { state: 'unknown', error: null, problems: [], checkedAt: null, lastSuccessAt: null, secretExpiresAt: null, rev: 0 },
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
  let caPem: string | undefined;
  if (args.caFile) {
    try {
      caPem = await readFile(args.caFile, 'utf8');
    } catch (err) {
      throw new UsageError('--ca-file', `--ca-file: cannot read ${args.caFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (!caPem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError('--ca-file', `--ca-file: ${args.caFile} holds no PEM certificate`);
  }
  return {
    args,
    integration,
    secrets: { appClientSecret: input.appClientSecret, kalturaAppToken: input.kaltura.appToken ?? null, kalturaAdminSecret: input.kaltura.adminSecret ?? null },
    caPem,
  };
}

/** The settings object: the --settings file, then each settings flag over it. */
async function settingsFrom(args: DoctorArgs): Promise<Record<string, unknown>> {
  let settings: Record<string, unknown> = {};
  if (args.settingsFile) {
    let text: string;
    try {
      text = await readFile(args.settingsFile, 'utf8');
    } catch (err) {
      throw new UsageError('--settings', `--settings: cannot read ${args.settingsFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new UsageError('--settings', `--settings: ${args.settingsFile} is not JSON (${(err as Error).message})`);
    }
    // the admin API's whole integration also works: its "settings" are taken
    if (isJsonObject(json) && isJsonObject(json['settings']) && !('uploadTranscripts' in json)) json = json['settings'];
    if (!isJsonObject(json)) throw new UsageError('--settings', `--settings: ${args.settingsFile} must hold a JSON object of settings`);
    settings = { ...json };
  }
  const f = args.settings;
  if (f.uploadTranscripts) settings['uploadTranscripts'] = f.uploadTranscripts.value;
  if (f.categories) settings['categories'] = f.categories.value;
  if (f.uploadScope) settings['uploadScope'] = f.uploadScope.value;
  if (f.groups) Object.assign(settings, f.groups.value);
  if (f.defaultUserId) {
    settings['userNotFoundMethod'] = 'assign-default';
    settings['defaultUserId'] = f.defaultUserId.value;
  }
  if (f.proactiveInstall) settings['proactiveInstall'] = f.proactiveInstall.value;
  if (f.includeAdhocCalls) settings['includeAdhocCalls'] = f.includeAdhocCalls.value;
  if (f.groups && (settings['uploadScope'] ?? 'all') === 'all') {
    throw new UsageError(f.groups.flag, `${f.groups.flag} needs --upload-scope opt-in or opt-out: with every organizer in scope the groups are not used`);
  }
  return settings;
}

/** The flag (or the variable's flag) that gave the value at `path` of the integration input. */
function flagFor(args: DoctorArgs, path: string[]): string {
  const [top, field] = path;
  if (top === 'tenantId') return '--tenant';
  if (top === 'appClientId') return '--client-id';
  if (top === 'appClientSecret') return '--secret-env';
  if (top === 'kaltura') {
    if (field === 'partnerId') return '--kaltura-partner';
    if (field === 'serviceUrl') return '--kaltura-url';
    if (field === 'appTokenId') return '--kaltura-app-token-id';
    if (field === 'appToken') return '--kaltura-app-token-env';
    return '--kaltura-secret-env';
  }
  if (top === 'settings') {
    const f = args.settings;
    const byField: Record<string, { flag: string } | undefined> = {
      uploadTranscripts: f.uploadTranscripts,
      categories: f.categories,
      uploadScope: f.uploadScope,
      groups: f.groups,
      groupSource: f.groups,
      defaultUserId: f.defaultUserId,
      userNotFoundMethod: f.defaultUserId,
      proactiveInstall: f.proactiveInstall,
      includeAdhocCalls: f.includeAdhocCalls,
    };
    return (field !== undefined ? byField[field]?.flag : undefined) ?? '--settings';
  }
  return '--settings';
}

/**
 * For a service the doctor could not reach or trust (codes the app retries by itself), which flag
 * points at it: the admin's first suspect from a terminal.
 */
const REACHABILITY_CODES = new Set(['ENTRA_UNAVAILABLE', 'TOKEN_MISSING', 'GRAPH_UNAVAILABLE', 'GRAPH_REQUEST_FAILED', 'GRAPH_TLS_UNTRUSTED', 'KALTURA_UNAVAILABLE', 'KALTURA_REQUEST_FAILED', 'KALTURA_BAD_RESPONSE']);

function reachabilityHint(code: string | undefined, message: string, args: DoctorArgs): string | undefined {
  const untrusted = 'The server\'s certificate is not trusted from this machine: behind a TLS-inspecting proxy (or against the sandbox), give its CA with --ca-file.';
  if (code && /certificate|self[- ]signed|CERT_/i.test(message)) return untrusted;
  const where = (what: string, url: string, flag: string) =>
    `Check that ${what} at ${url} can be reached from this machine (proxy, firewall, DNS) and that ${flag} is right, then run the doctor again.`;
  switch (code) {
    case 'ENTRA_UNAVAILABLE':
    case 'TOKEN_MISSING':
      return where('Entra ID', args.authority, '--authority');
    case 'GRAPH_UNAVAILABLE':
    case 'GRAPH_REQUEST_FAILED':
      return where('Microsoft Graph', args.graphUrl, '--graph-url');
    case 'GRAPH_TLS_UNTRUSTED':
      return untrusted;
    case 'KALTURA_UNAVAILABLE':
    case 'KALTURA_REQUEST_FAILED':
    case 'KALTURA_BAD_RESPONSE':
      return where('Kaltura', args.kalturaUrl, '--kaltura-url');
    default:
      return undefined;
  }
}
