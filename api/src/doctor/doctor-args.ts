/**
 * `npm run doctor`'s command line. The doctor is a tool an admin runs, not the app: everything comes
 * from its flags, and its secrets from environment variables the flags name (never from a flag, so
 * they stay out of shell history and `ps`). api/src/config.ts stays the app's own reader.
 */
import { CodedError } from '../errors.js';

export const DEFAULTS = {
  secretEnv: 'ARCHIVER_CLIENT_SECRET',
  kalturaSecretEnv: 'KALTURA_ADMIN_SECRET',
  kalturaAppTokenEnv: 'KALTURA_APP_TOKEN',
  kalturaUrl: 'https://www.kaltura.com',
  authority: 'https://login.microsoftonline.com',
  graphUrl: 'https://graph.microsoft.com',
  graphScope: 'https://graph.microsoft.com/.default',
  secretWarningDays: 30,
} as const;

export const usage = `usage: npm run doctor -- --tenant GUID --client-id GUID --kaltura-partner N [options]

Runs the admin console's "Test connection" from a terminal: signs in to Entra ID with the app
registration's client secret, checks its Graph permissions, the Teams application access policy and
Transcript API access, then the Kaltura session, categories, default user and upload-scope groups.
Prints each check (✔ passed, ✖ failed, ! warning, - skipped) with the fix.
Exit code: 0 nothing failed (warnings allowed), 1 a check failed, 2 bad usage.

Who (required):
  --tenant GUID               Directory (tenant) ID of the app registration
  --client-id GUID            Application (client) ID of the app registration
  --kaltura-partner N         Kaltura partner ID

Secrets (read from environment variables, never from flags; never printed):
  --secret-env NAME           variable holding the client secret Value; default ${DEFAULTS.secretEnv}
  --kaltura-app-token-id ID   use this Kaltura app token; its token is read from --kaltura-app-token-env
  --kaltura-app-token-env NAME  default ${DEFAULTS.kalturaAppTokenEnv}
  --kaltura-secret-env NAME   without an app token: variable holding the partner's admin secret;
                              default ${DEFAULTS.kalturaSecretEnv}

Where (national clouds, self-hosted Kaltura, the sandbox):
  --kaltura-url URL           Kaltura API base URL; default ${DEFAULTS.kalturaUrl}
  --authority URL             Entra ID authority host; default ${DEFAULTS.authority}
                              (https://login.microsoftonline.us, https://login.chinacloudapi.cn)
  --graph-url URL             Microsoft Graph base URL; default ${DEFAULTS.graphUrl}
                              (https://graph.microsoft.us, https://microsoftgraph.chinacloudapi.cn)
  --graph-scope SCOPE         scope of the app-only token; default ${DEFAULTS.graphScope}
                              (https://graph.microsoft.us/.default, https://microsoftgraph.chinacloudapi.cn/.default)
  --ca-file FILE              PEM of an extra certificate authority to trust (the sandbox CA, a proxy's)

What is checked (the integration's settings; the one settings schema, as in the console):
  --settings FILE             the integration's settings as JSON (the "settings" object of the admin API);
                              the flags below change it
  --transcripts on|off        Teams transcription (default on: checks OnlineMeetingTranscript.Read.All
                              and Transcript API access)
  --categories 'A>B,C'        category full names, comma-separated (may be repeated)
  --upload-scope all|opt-in|opt-out
  --kaltura-groups ID,…       opt-in/opt-out Kaltura groups
  --entra-groups GUID,…       opt-in/opt-out Entra groups, by object id (checks GroupMember.Read.All)
  --default-user ID           unknown users get this Kaltura user (checks it exists)
  --proactive-install on|off  install the app for organizers who lack it (checks
                              TeamsAppInstallation.ReadWriteForUser.All and AppCatalog.Read.All)
  --adhoc-calls on|off        archive ad hoc calls too (default off: checks CallRecordings.Read.All,
                              and CallTranscripts.Read.All with transcripts on)
  --secret-warning-days N     warn when the client secret expires within N days; default ${DEFAULTS.secretWarningDays}

Output:
  --json                      one JSON object on stdout instead of text
  -h, --help                  this text`;

/** A command line the doctor cannot run with: `flag` names what to change. */
export class UsageError extends CodedError {
  readonly code = 'USAGE';
  constructor(
    readonly flag: string,
    message: string,
  ) {
    super(message);
  }
}

export interface DoctorArgs {
  help: boolean;
  json: boolean;
  tenant?: string;
  clientId?: string;
  kalturaPartner?: string;
  kalturaUrl: string;
  kalturaAppTokenId?: string;
  secretEnv: string;
  kalturaSecretEnv: string;
  kalturaAppTokenEnv: string;
  authority: string;
  graphUrl: string;
  graphScope: string;
  caFile?: string;
  settingsFile?: string;
  secretWarningDays: number;
  /** settings given by flags, each with the flag that gave it */
  settings: Partial<Record<SettingFlag, { flag: string; value: unknown }>>;
}

type SettingFlag = 'uploadTranscripts' | 'categories' | 'uploadScope' | 'groups' | 'defaultUserId' | 'proactiveInstall' | 'includeAdhocCalls';

const VALUE_FLAGS = new Set([
  '--tenant',
  '--client-id',
  '--kaltura-partner',
  '--kaltura-url',
  '--kaltura-app-token-id',
  '--secret-env',
  '--kaltura-secret-env',
  '--kaltura-app-token-env',
  '--authority',
  '--graph-url',
  '--graph-scope',
  '--ca-file',
  '--settings',
  '--transcripts',
  '--categories',
  '--upload-scope',
  '--kaltura-groups',
  '--entra-groups',
  '--default-user',
  '--proactive-install',
  '--adhoc-calls',
  '--secret-warning-days',
]);
const BOOLEAN_FLAGS = new Set(['--json', '--help', '-h']);
/** flags that may be given more than once, their values adding up */
const REPEATABLE = new Set(['--categories', '--kaltura-groups', '--entra-groups']);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Reads the command line; throws UsageError naming the flag at fault. Values are checked later, with the schema. */
export function parseDoctorArgs(argv: readonly string[]): DoctorArgs {
  const values = new Map<string, string[]>();
  const booleans = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-')) throw new UsageError(arg, `unexpected argument "${arg}": every option is a --flag (see --help)`);
    const eq = arg.indexOf('=');
    // never echo what follows "=": a secret may have been pasted there
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (BOOLEAN_FLAGS.has(name)) {
      if (eq > 0) throw new UsageError(name, `${name} takes no value`);
      booleans.add(name === '-h' ? '--help' : name);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) {
      const hint = /secret|token|password/i.test(name) ? ': secrets are read from environment variables (see --secret-env, --kaltura-secret-env, --kaltura-app-token-env)' : ' (see --help)';
      throw new UsageError(name, `unknown flag ${name}${hint}`);
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && (VALUE_FLAGS.has(next.split('=')[0]!) || BOOLEAN_FLAGS.has(next)))) {
        throw new UsageError(name, `${name} needs a value`);
      }
      value = next;
      i++;
    }
    const seen = values.get(name);
    if (seen && !REPEATABLE.has(name)) throw new UsageError(name, `${name} is given twice`);
    values.set(name, [...(seen ?? []), value]);
  }

  const one = (flag: string): string | undefined => values.get(flag)?.[0];
  const list = (flag: string): string[] | undefined =>
    values.get(flag)?.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  const onOff = (flag: string): boolean | undefined => {
    const v = one(flag);
    if (v === undefined) return undefined;
    if (/^(on|true|yes)$/i.test(v)) return true;
    if (/^(off|false|no)$/i.test(v)) return false;
    throw new UsageError(flag, `${flag} is on or off, not "${v}"`);
  };
  const envName = (flag: string, fallback: string): string => {
    const v = one(flag) ?? fallback;
    if (!ENV_NAME.test(v)) throw new UsageError(flag, `${flag} names an environment variable (letters, digits and _), not "${v}"`);
    return v;
  };
  const baseUrl = (flag: string, fallback: string, protocols: string[]): string => {
    const v = one(flag) ?? fallback;
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      throw new UsageError(flag, `${flag} must be a URL, not "${v}"`);
    }
    if (!protocols.includes(u.protocol)) throw new UsageError(flag, `${flag} must be an ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL, not "${v}"`);
    return v.replace(/\/+$/, '');
  };

  const settings: DoctorArgs['settings'] = {};
  const transcripts = onOff('--transcripts');
  if (transcripts !== undefined) settings.uploadTranscripts = { flag: '--transcripts', value: transcripts };
  const categories = list('--categories');
  if (categories) settings.categories = { flag: '--categories', value: categories };
  const scope = one('--upload-scope');
  if (scope !== undefined) settings.uploadScope = { flag: '--upload-scope', value: scope };
  const kalturaGroups = list('--kaltura-groups');
  const entraGroups = list('--entra-groups');
  if (kalturaGroups && entraGroups) throw new UsageError('--entra-groups', 'give --kaltura-groups or --entra-groups, not both: an upload scope has one group source');
  if (kalturaGroups) settings.groups = { flag: '--kaltura-groups', value: { groupSource: 'kaltura', groups: kalturaGroups } };
  if (entraGroups) settings.groups = { flag: '--entra-groups', value: { groupSource: 'entra', groups: entraGroups } };
  const defaultUser = one('--default-user');
  if (defaultUser !== undefined) settings.defaultUserId = { flag: '--default-user', value: defaultUser };
  const proactive = onOff('--proactive-install');
  if (proactive !== undefined) settings.proactiveInstall = { flag: '--proactive-install', value: proactive };
  const calls = onOff('--adhoc-calls');
  if (calls !== undefined) settings.includeAdhocCalls = { flag: '--adhoc-calls', value: calls };

  const days = one('--secret-warning-days');
  const secretWarningDays = days === undefined ? DEFAULTS.secretWarningDays : Number(days);
  if (!Number.isInteger(secretWarningDays) || secretWarningDays < 1 || secretWarningDays > 365) {
    throw new UsageError('--secret-warning-days', `--secret-warning-days is a whole number of days from 1 to 365, not "${days}"`);
  }

  return {
    help: booleans.has('--help'),
    json: booleans.has('--json'),
    tenant: one('--tenant'),
    clientId: one('--client-id'),
    kalturaPartner: one('--kaltura-partner'),
    kalturaUrl: baseUrl('--kaltura-url', DEFAULTS.kalturaUrl, ['https:', 'http:']),
    kalturaAppTokenId: one('--kaltura-app-token-id'),
    secretEnv: envName('--secret-env', DEFAULTS.secretEnv),
    kalturaSecretEnv: envName('--kaltura-secret-env', DEFAULTS.kalturaSecretEnv),
    kalturaAppTokenEnv: envName('--kaltura-app-token-env', DEFAULTS.kalturaAppTokenEnv),
    // msal-node talks to an authority over https only
    authority: baseUrl('--authority', DEFAULTS.authority, ['https:']),
    graphUrl: baseUrl('--graph-url', DEFAULTS.graphUrl, ['https:', 'http:']),
    graphScope: (() => {
      const v = one('--graph-scope') ?? DEFAULTS.graphScope;
      if (!/^\S+\/\.default$/.test(v)) throw new UsageError('--graph-scope', `--graph-scope must end with /.default, like ${DEFAULTS.graphScope}`);
      return v;
    })(),
    caFile: one('--ca-file'),
    settingsFile: one('--settings'),
    secretWarningDays,
    settings,
  };
}
