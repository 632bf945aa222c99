import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDoctorCli } from '../../api/src/doctor/doctor.js';
import type { DoctorReport } from '../../api/src/doctor/doctor-report.js';
import { describeError } from '../../api/src/integrations/error-catalogue.js';
import type { ConnectionCheck } from '../../api/src/integrations/connection-test.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { startTestEmulators, type TestEmulators } from '../support/emulators.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'demo~client~secret~0123456789';
const KALTURA_TOKEN = 'demo-app-token-value-0123456789abcdef';
const CATEGORY = 'MediaSpace>site>channels>Teams recordings';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `npm run doctor` against the emulators: the console's connection test from a terminal. Each case
 * breaks one thing (in the emulated tenant, the emulated Kaltura or the command line) and expects the
 * check that finds it, with the catalogue's message and fix, and the exit code.
 */
describe('npm run doctor', function () {
  let e: TestEmulators;
  let base: Fixture;

  const flags = (): string[] => [
    '--tenant', base.tenant.id,
    '--client-id', base.appRegistrations[0]!.clientId,
    '--kaltura-partner', String(base.kaltura.partnerId),
    '--kaltura-url', e.kaltura.url,
    '--kaltura-app-token-id', base.kaltura.appTokens[0]!.id,
    '--authority', e.entra.url,
    '--graph-url', e.graph.url,
    '--ca-file', e.tls.caCertFile,
    '--categories', CATEGORY,
  ];
  const env = (): Record<string, string> => ({ ARCHIVER_CLIENT_SECRET: SECRET, KALTURA_APP_TOKEN: KALTURA_TOKEN });

  /** the doctor in this process, its output captured */
  async function doctor(argv: string[], environment: Record<string, string | undefined> = env()): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await runDoctorCli(argv, environment, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
    return { code, stdout, stderr };
  }

  /** the doctor as an admin runs it: `npx tsx api/src/doctor/doctor-cli.ts …` (what `npm run doctor` runs) */
  function doctorProcess(argv: string[], environment: Record<string, string>): Promise<Run> {
    return new Promise((resolve, reject) => {
      const { ARCHIVER_CLIENT_SECRET: _a, KALTURA_APP_TOKEN: _b, KALTURA_ADMIN_SECRET: _c, ...inherited } = process.env;
      const child = spawn('npx', ['tsx', 'api/src/doctor/doctor-cli.ts', ...argv], { cwd: repoRoot, env: { ...inherited, ...environment } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  async function load(fixture: Fixture): Promise<void> {
    for (const emulator of [e.entra, e.graph, e.kaltura]) await e.control(emulator, 'POST', '/__control/fixture', fixture);
  }

  async function jsonReport(argv: string[], environment?: Record<string, string | undefined>): Promise<{ run: Run; report: DoctorReport; byId: Map<string, ConnectionCheck> }> {
    const run = await doctor([...argv, '--json'], environment);
    const report = JSON.parse(run.stdout) as DoctorReport;
    return { run, report, byId: new Map(report.checks.map((c) => [c.id, c])) };
  }

  /** the one failing check is `id`, with the catalogue's words for `code` */
  function assertFailure(run: Run, report: DoctorReport, byId: Map<string, ConnectionCheck>, id: string, code: string): void {
    const known = describeError(code)!;
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.equal(report.ok, false);
    assert.equal(report.exitCode, 1);
    const check = byId.get(id)!;
    assert.ok(check, `no check ${id}`);
    assert.equal(check.status, 'fail', JSON.stringify(check));
    assert.equal(check.code, code);
    assert.ok(check.message!.startsWith(known.message), check.message);
    assert.equal(check.fix, known.fix);
    assert.ok(!run.stdout.includes(SECRET) && !run.stderr.includes(SECRET), 'the secret is never printed');
    assert.ok(!run.stdout.includes(KALTURA_TOKEN), 'the Kaltura token is never printed');
  }

  /** the same failure in the text a person reads: ✖, the label, the code, the message and the fix */
  async function assertText(argv: string[], environment: Record<string, string | undefined> | undefined, check: ConnectionCheck): Promise<void> {
    const run = await doctor(argv, environment);
    assert.equal(run.code, 1);
    assert.ok(run.stdout.includes(`✖ ${check.label} [${check.code}]`), run.stdout);
    assert.ok(run.stdout.includes(describeError(check.code!)!.message), run.stdout);
    assert.ok(run.stdout.includes(`Fix: ${describeError(check.code!)!.fix}`), run.stdout);
    assert.ok(!run.stdout.includes(SECRET));
  }

  before(async () => {
    e = await startTestEmulators();
    base = structuredClone(e.fixture);
  });
  afterEach(async () => {
    await load(base);
  });
  after(() => e?.close());

  it('passes everything against a well set-up tenant and partner: exit 0 (as npm run doctor runs it)', async function () {
    this.timeout(120_000);
    const run = await doctorProcess(flags(), env());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const label of [
      'Sign in to Entra ID with the client secret',
      'Read meeting recordings (OnlineMeetingRecording.Read.All)',
      'Read online meetings (OnlineMeetings.Read.All)',
      'Read users (User.Read.All)',
      'Read meeting transcripts (OnlineMeetingTranscript.Read.All)',
      'Teams application access policy',
      'Transcript API access in the tenant',
      'Kaltura session (partner and credentials)',
      'Categories exist in Kaltura',
      'Client secret expiry',
    ]) {
      assert.ok(run.stdout.includes(`✔ ${label}\n`), `${label}:\n${run.stdout}`);
    }
    assert.match(run.stdout, /- Read Entra group members \(GroupMember\.Read\.All\): skipped\. Not needed with these settings\./);
    assert.match(run.stdout, /The client secret expires on 2028-01-01\./);
    assert.match(run.stdout, /0 failed, 0 warnings, \d+ passed, \d+ skipped\.\nNothing failed/);
    assert.equal(run.stdout.includes(SECRET) || run.stderr.includes(SECRET), false);
    assert.equal(run.stdout.includes(KALTURA_TOKEN), false);
  });

  it('--json prints one object that parses and says the same', async () => {
    const { run, report, byId } = await jsonReport(flags());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal(report.ok, true);
    assert.equal(report.exitCode, 0);
    assert.deepEqual(report.target, {
      tenantId: base.tenant.id,
      clientId: base.appRegistrations[0]!.clientId,
      authority: e.entra.url,
      graphUrl: e.graph.url,
      kaltura: { partnerId: base.kaltura.partnerId, serviceUrl: e.kaltura.url, credential: 'appToken' },
    });
    assert.ok(!Number.isNaN(Date.parse(report.checkedAt)));
    const count = (s: string) => report.checks.filter((c) => c.status === s).length;
    assert.deepEqual(report.summary, { pass: count('pass'), fail: 0, warning: 0, skipped: count('skipped') });
    for (const id of ['token', 'permission:recordings', 'permission:meetings', 'permission:users', 'permission:transcripts', 'permission:applications', 'access-policy', 'transcript-api', 'kaltura-session', 'categories', 'secret-expiry']) {
      assert.equal(byId.get(id)?.status, 'pass', id);
    }
    assert.equal(byId.get('permission:groups')!.status, 'skipped');
    assert.equal(byId.get('groups')!.status, 'skipped');
    assert.equal(run.stdout.includes(SECRET), false);
  });

  it('a wrong client secret: SECRET_INVALID on the sign-in, the rest not checked', async () => {
    const wrong = { ...env(), ARCHIVER_CLIENT_SECRET: 'not~the~secret~at~all' };
    const { run, report, byId } = await jsonReport(flags(), wrong);
    assertFailure(run, report, byId, 'token', 'SECRET_INVALID');
    assert.equal(byId.get('permission:recordings')!.status, 'skipped');
    assert.equal(byId.get('access-policy')!.status, 'skipped');
    assert.equal(byId.get('secret-expiry')!.status, 'skipped');
    // Kaltura is checked on its own
    assert.equal(byId.get('kaltura-session')!.status, 'pass');
    assert.equal(run.stdout.includes('not~the~secret~at~all'), false);
    await assertText(flags(), wrong, byId.get('token')!);
  });

  it('an expired client secret: SECRET_EXPIRED', async () => {
    const expired = structuredClone(base);
    expired.appRegistrations[0]!.secrets = [{ value: SECRET, expiresAt: '2020-01-01T00:00:00Z' }];
    await load(expired);
    const { run, report, byId } = await jsonReport(flags());
    assertFailure(run, report, byId, 'token', 'SECRET_EXPIRED');
  });

  it('an unknown tenant: UNKNOWN_TENANT', async () => {
    const argv = flags();
    argv[argv.indexOf('--tenant') + 1] = '11111111-2222-4333-8444-555555555555';
    const { run, report, byId } = await jsonReport(argv);
    assertFailure(run, report, byId, 'token', 'UNKNOWN_TENANT');
    await assertText(argv, undefined, byId.get('token')!);
  });

  it('an unknown client id: UNKNOWN_CLIENT_ID', async () => {
    const argv = flags();
    argv[argv.indexOf('--client-id') + 1] = '22222222-3333-4444-8555-666666666666';
    const { run, report, byId } = await jsonReport(argv);
    assertFailure(run, report, byId, 'token', 'UNKNOWN_CLIENT_ID');
  });

  it('a missing permission: that permission fails, the others pass, Graph is not asked further', async () => {
    const broken = structuredClone(base);
    broken.appRegistrations[0]!.permissions = broken.appRegistrations[0]!.permissions.filter((p) => p !== 'OnlineMeetings.Read.All');
    await load(broken);
    const { run, report, byId } = await jsonReport(flags());
    assertFailure(run, report, byId, 'permission:meetings', 'MISSING_MEETING_PERMISSION');
    assert.equal(byId.get('permission:recordings')!.status, 'pass');
    assert.equal(byId.get('access-policy')!.status, 'skipped');
    assert.equal(report.summary.fail, 1);
    await assertText(flags(), undefined, byId.get('permission:meetings')!);
  });

  it('an optional permission missing (Application.Read.All) is a warning: exit 0, the expiry not known', async () => {
    const broken = structuredClone(base);
    broken.appRegistrations[0]!.permissions = broken.appRegistrations[0]!.permissions.filter((p) => p !== 'Application.Read.All');
    await load(broken);
    const { run, report, byId } = await jsonReport(flags());
    assert.equal(run.code, 0, run.stdout);
    assert.equal(report.ok, true);
    assert.equal(byId.get('permission:applications')!.status, 'warning');
    assert.equal(byId.get('secret-expiry')!.status, 'skipped');
    assert.match(byId.get('secret-expiry')!.message!, /Application\.Read\.All/);
  });

  it('Entra groups in the upload scope need GroupMember.Read.All; proactive install needs its two', async () => {
    const broken = structuredClone(base);
    broken.appRegistrations[0]!.permissions = broken.appRegistrations[0]!.permissions.filter((p) => p !== 'GroupMember.Read.All');
    await load(broken);
    const sales = base.groups[0]!.id;
    const { run, report, byId } = await jsonReport([...flags(), '--upload-scope', 'opt-in', '--entra-groups', sales, '--proactive-install', 'on']);
    assertFailure(run, report, byId, 'permission:groups', 'MISSING_GROUP_PERMISSION');
    assert.equal(byId.get('permission:appCatalog')!.status, 'warning');
    assert.equal(byId.get('permission:appCatalog')!.code, 'MISSING_APP_CATALOG_PERMISSION');
    assert.equal(byId.get('permission:teamsAppInstall')!.status, 'warning');
  });

  it('--adhoc-calls on checks the call permissions: missing ones are warnings (meetings go on), exit 0', async () => {
    const { report: off, byId: offById } = await jsonReport(flags());
    assert.equal(off.ok, true);
    assert.equal(offById.get('permission:callRecordings')!.status, 'skipped', 'ad hoc calls are off by default');
    assert.equal(offById.get('call-api')!.status, 'skipped');

    const { run: granted, byId: grantedById } = await jsonReport([...flags(), '--adhoc-calls', 'on']);
    assert.equal(granted.code, 0);
    for (const id of ['permission:callRecordings', 'permission:callTranscripts', 'call-api']) assert.equal(grantedById.get(id)!.status, 'pass', id);

    const broken = structuredClone(base);
    broken.appRegistrations[0]!.permissions = broken.appRegistrations[0]!.permissions.filter((p) => p !== 'CallRecordings.Read.All' && p !== 'CallTranscripts.Read.All');
    await load(broken);
    const { run, report, byId } = await jsonReport([...flags(), '--adhoc-calls', 'on']);
    assert.equal(run.code, 0, 'warnings only');
    assert.equal(report.ok, true);
    assert.equal(byId.get('permission:callRecordings')!.status, 'warning');
    assert.equal(byId.get('permission:callRecordings')!.code, 'MISSING_CALL_RECORDING_PERMISSION');
    assert.match(byId.get('permission:callRecordings')!.fix!, /CallRecordings\.Read\.All/);
    assert.equal(byId.get('permission:callTranscripts')!.code, 'MISSING_CALL_TRANSCRIPT_PERMISSION');
    assert.equal(byId.get('call-api')!.status, 'skipped');
    assert.equal(byId.get('access-policy')!.status, 'pass', 'the meeting checks are not held up');
  });

  it('no application access policy: APPLICATION_ACCESS_POLICY_MISSING, with the PowerShell', async () => {
    const broken = structuredClone(base);
    broken.appRegistrations[0]!.applicationAccessPolicy = false;
    await load(broken);
    const { run, report, byId } = await jsonReport(flags());
    assertFailure(run, report, byId, 'access-policy', 'APPLICATION_ACCESS_POLICY_MISSING');
    assert.match(byId.get('access-policy')!.fix!, /New-CsApplicationAccessPolicy/);
    assert.match(byId.get('access-policy')!.fix!, /Grant-CsApplicationAccessPolicy/);
    await assertText(flags(), undefined, byId.get('access-policy')!);
  });

  it('Transcript API access off in the tenant is a warning, as in the console: exit 0; --transcripts off skips it', async () => {
    await e.control(e.graph, 'POST', '/__control/tenant', { transcriptApiAccess: false });
    const { run, report, byId } = await jsonReport(flags());
    assert.equal(run.code, 0, run.stdout);
    assert.equal(report.ok, true);
    const check = byId.get('transcript-api')!;
    const known = describeError('TRANSCRIPT_API_ACCESS_DISABLED')!;
    assert.equal(check.status, 'warning');
    assert.equal(check.code, 'TRANSCRIPT_API_ACCESS_DISABLED');
    assert.ok(check.message!.startsWith(known.message));
    assert.equal(check.fix, known.fix);
    assert.match(check.fix!, /Set-CsTeamsMeetingConfiguration -EnableGraphTranscriptAccess \$true -EnableAttributedTranscripts \$true -Identity Global/);
    assert.equal(report.summary.warning, 1);

    const text = await doctor(flags());
    assert.equal(text.code, 0);
    assert.ok(text.stdout.includes(`! Transcript API access in the tenant [TRANSCRIPT_API_ACCESS_DISABLED]\n    ${known.message}`), text.stdout);
    assert.ok(text.stdout.includes(`Fix: ${known.fix}`));

    const off = await jsonReport([...flags(), '--transcripts', 'off']);
    assert.equal(off.byId.get('transcript-api')!.status, 'skipped');
    assert.equal(off.byId.get('permission:transcripts')!.status, 'skipped');
    assert.equal(off.report.summary.warning, 0);
  });

  it('Kaltura credentials rejected: KALTURA_CREDENTIALS_REJECTED, and the categories not checked', async () => {
    const wrong = { ...env(), KALTURA_APP_TOKEN: 'wrong-app-token-value' };
    const { run, report, byId } = await jsonReport(flags(), wrong);
    assertFailure(run, report, byId, 'kaltura-session', 'KALTURA_CREDENTIALS_REJECTED');
    assert.equal(byId.get('categories')!.status, 'skipped');
    assert.equal(byId.get('token')!.status, 'pass');
    assert.equal(run.stdout.includes('wrong-app-token-value'), false);

    // the admin secret instead of an app token, from its own variable
    const argv = flags();
    argv.splice(argv.indexOf('--kaltura-app-token-id'), 2);
    const admin = await jsonReport(argv, { ARCHIVER_CLIENT_SECRET: SECRET, KALTURA_ADMIN_SECRET: 'not-the-admin-secret' });
    assertFailure(admin.run, admin.report, admin.byId, 'kaltura-session', 'KALTURA_CREDENTIALS_REJECTED');
    assert.equal(admin.report.target.kaltura.credential, 'adminSecret');
    const good = await jsonReport(argv, { ARCHIVER_CLIENT_SECRET: SECRET, KALTURA_ADMIN_SECRET: base.kaltura.adminSecret });
    assert.equal(good.run.code, 0, good.run.stdout);
    assert.equal(good.run.stdout.includes(base.kaltura.adminSecret), false);
  });

  it('a category that does not exist: CATEGORY_NOT_FOUND naming it', async () => {
    const argv = [...flags(), '--categories', 'MediaSpace>site>channels>No such channel'];
    const { run, report, byId } = await jsonReport(argv);
    assertFailure(run, report, byId, 'categories', 'CATEGORY_NOT_FOUND');
    assert.match(byId.get('categories')!.message!, /No such channel/);
    await assertText(argv, undefined, byId.get('categories')!);
  });

  it('a missing default user and a missing Kaltura group: DEFAULT_USER_NOT_FOUND, GROUP_NOT_FOUND', async () => {
    const { run, report, byId } = await jsonReport([...flags(), '--default-user', 'nobody-here', '--upload-scope', 'opt-out', '--kaltura-groups', 'teams-recorders,no-such-group']);
    assertFailure(run, report, byId, 'default-user', 'DEFAULT_USER_NOT_FOUND');
    assert.equal(byId.get('groups')!.status, 'fail');
    assert.equal(byId.get('groups')!.code, 'GROUP_NOT_FOUND');
    assert.match(byId.get('groups')!.message!, /no-such-group/);
    assert.doesNotMatch(byId.get('groups')!.message!, /teams-recorders/);
  });

  it('--settings takes the integration\'s settings as JSON; flags change them', async () => {
    const file = join(e.dataDir, 'settings.json');
    await writeFile(file, JSON.stringify({ uploadTranscripts: false, categories: ['Nope>Not here'] }));
    const argv = flags();
    argv.splice(argv.indexOf('--categories'), 2);
    const fromFile = await jsonReport([...argv, '--settings', file]);
    assert.equal(fromFile.byId.get('transcript-api')!.status, 'skipped');
    assert.equal(fromFile.byId.get('categories')!.code, 'CATEGORY_NOT_FOUND');
    const overridden = await jsonReport([...argv, '--settings', file, '--categories', CATEGORY]);
    assert.equal(overridden.run.code, 0, overridden.run.stdout);

    await writeFile(file, JSON.stringify({ uploadScope: 'opt-in', groups: [] }));
    const bad = await doctor([...argv, '--settings', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--settings \(settings\.groups\): Must fill in at least one group/);
  });

  it('bad usage exits 2 naming the flag, and never echoes a secret', async function () {
    this.timeout(120_000);
    const without = (flag: string) => {
      const argv = flags();
      argv.splice(argv.indexOf(flag), 2);
      return argv;
    };
    const cases: Array<[string[], Record<string, string | undefined>, string, RegExp]> = [
      [without('--tenant'), env(), '--tenant', /--tenant is required/],
      [without('--client-id'), env(), '--client-id', /--client-id is required/],
      [without('--kaltura-partner'), env(), '--kaltura-partner', /--kaltura-partner is required/],
      [[...without('--tenant'), '--tenant', 'contoso'], env(), '--tenant', /--tenant: must be the Directory \(tenant\) ID, a GUID/],
      [[...without('--kaltura-partner'), '--kaltura-partner', 'x42'], env(), '--kaltura-partner', /is a number/],
      [flags(), { KALTURA_APP_TOKEN: KALTURA_TOKEN }, '--secret-env', /ARCHIVER_CLIENT_SECRET is not set/],
      [[...flags(), '--secret-env', 'MY_SECRET'], env(), '--secret-env', /MY_SECRET is not set/],
      [flags(), { ARCHIVER_CLIENT_SECRET: SECRET }, '--kaltura-app-token-env', /KALTURA_APP_TOKEN is not set/],
      [without('--kaltura-app-token-id'), env(), '--kaltura-secret-env', /KALTURA_ADMIN_SECRET is not set/],
      [[...without('--graph-url'), '--graph-url', 'graph'], env(), '--graph-url', /must be a URL/],
      [[...without('--authority'), '--authority', 'http://login.example'], env(), '--authority', /https URL/],
      [[...flags(), '--transcripts', 'maybe'], env(), '--transcripts', /on or off/],
      [[...flags(), '--upload-scope', 'some'], env(), '--upload-scope', /--upload-scope/],
      [[...flags(), '--entra-groups', 'Sales'], env(), '--entra-groups', /needs --upload-scope opt-in or opt-out/],
      [[...flags(), '--upload-scope', 'opt-in', '--entra-groups', 'Sales'], env(), '--entra-groups', /object id/],
      [[...flags(), '--categories', 'A>>B'], env(), '--categories', /empty segment/],
      [[...without('--ca-file'), '--ca-file', join(e.dataDir, 'missing.pem')], env(), '--ca-file', /cannot read/],
      [[...flags(), '--settings', join(e.dataDir, 'missing.json')], env(), '--settings', /cannot read/],
      [[...flags(), '--tenant'], env(), '--tenant', /is given twice|needs a value/],
      [[...flags(), '--frobnicate'], env(), '--frobnicate', /unknown flag --frobnicate/],
      [[...flags(), `--client-secret=${SECRET}`], env(), '--client-secret', /secrets are read from environment variables/],
      [[...flags(), 'stray'], env(), 'stray', /unexpected argument/],
    ];
    for (const [argv, environment, flag, message] of cases) {
      const run = await doctor([...argv, '--json'], environment);
      assert.equal(run.code, 2, `${flag}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, message, flag);
      const body = JSON.parse(run.stdout) as { ok: boolean; exitCode: number; error: { code: string; flag: string; message: string } };
      assert.deepEqual([body.ok, body.exitCode, body.error.code, body.error.flag], [false, 2, 'USAGE', flag], run.stdout);
      assert.equal(run.stdout.includes(SECRET) || run.stderr.includes(SECRET), false, `${flag}: the secret was printed`);
    }
    // and as a process
    const run = await doctorProcess([...flags(), '--frobnicate'], env());
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /unknown flag --frobnicate/);
    const help = await doctor(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: npm run doctor/);
  });

  it('a service it cannot reach fails its check with where to look, and exits 1 (as a process)', async function () {
    this.timeout(120_000);
    const argv = flags();
    argv[argv.indexOf('--ca-file')] = '--graph-scope';
    argv[argv.indexOf('--graph-scope') + 1] = 'https://graph.microsoft.com/.default';
    // without the sandbox CA the emulated Entra ID's certificate is not trusted
    const run = await doctorProcess(argv, env());
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /✖ Sign in to Entra ID with the client secret \[/);
    assert.match(run.stdout, /Fix: .*--ca-file/);
    assert.equal(run.stdout.includes(SECRET), false);
  });
});
