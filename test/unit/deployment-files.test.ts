import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, settings } from '../../api/src/config.js';

/**
 * The deployment files read as the tools read them: teamsapp.yml / teamsapp.local.yml (every file they
 * name exists, every `${{VAR}}` is known by the step that uses it), infra/azure.bicep against the
 * parameters files and the yml (every parameter passed exists, every required one is passed, every output
 * read exists), the env templates (no secret), the Dockerfile and .webappignore. No bicep CLI or docker
 * engine here: the files are parsed.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string) => readFileSync(path.join(root, rel), 'utf8');

// ---------------------------------------------------------------------------------------------------
// A small YAML reader for what the Toolkit files use: block mappings and sequences, plain and quoted
// scalars, comments. Anything else is an error, so a construct it does not know cannot pass unseen.

type Yaml = string | Yaml[] | { [key: string]: Yaml };
type YamlMap = { [key: string]: Yaml };

interface Line {
  indent: number;
  text: string;
  no: number;
}

function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

function scalar(text: string, no: number): string {
  const t = text.trim();
  if (t.startsWith('"')) return JSON.parse(t) as string;
  if (t.startsWith("'")) {
    if (!t.endsWith("'")) throw new Error(`line ${no}: unterminated quote`);
    return t.slice(1, -1).replaceAll("''", "'");
  }
  if (/^[[{&*!|>]/.test(t)) throw new Error(`line ${no}: YAML construct this reader does not handle: ${t}`);
  return t;
}

function parseYaml(source: string): Yaml {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, index) => {
    if (raw.includes('\t')) throw new Error(`line ${index + 1}: tab`);
    const text = stripComment(raw).trimEnd();
    if (text.trim() === '') return;
    lines.push({ indent: text.length - text.trimStart().length, text: text.trimStart(), no: index + 1 });
  });
  let i = 0;
  const isItem = (t: string) => t === '-' || t.startsWith('- ');
  const entry = (t: string) => /^([^:'"]+?|"[^"]*"|'[^']*'):(?:\s+(.*))?$/.exec(t);

  function block(): Yaml {
    const first = lines[i]!;
    return isItem(first.text) ? sequence(first.indent) : mapping(first.indent);
  }
  function sequence(indent: number): Yaml[] {
    const out: Yaml[] = [];
    while (i < lines.length && lines[i]!.indent === indent && isItem(lines[i]!.text)) {
      const line = lines[i]!;
      const rest = line.text === '-' ? '' : line.text.slice(1).trimStart();
      if (rest === '') {
        i++;
        out.push(i < lines.length && lines[i]!.indent > indent ? block() : '');
      } else if (entry(rest)) {
        lines[i] = { indent: indent + (line.text.length - rest.length), text: rest, no: line.no };
        out.push(mapping(lines[i]!.indent));
      } else {
        i++;
        out.push(scalar(rest, line.no));
      }
    }
    return out;
  }
  function mapping(indent: number): YamlMap {
    const out: YamlMap = {};
    while (i < lines.length && lines[i]!.indent === indent && !isItem(lines[i]!.text)) {
      const line = lines[i]!;
      const m = entry(line.text);
      if (!m) throw new Error(`line ${line.no}: expected "key: value", got ${line.text}`);
      const key = scalar(m[1]!, line.no);
      if (key in out) throw new Error(`line ${line.no}: duplicate key ${key}`);
      i++;
      const next = lines[i];
      if (m[2] !== undefined && m[2] !== '') out[key] = scalar(m[2], line.no);
      else if (next && (next.indent > indent || (next.indent === indent && isItem(next.text)))) out[key] = block();
      else out[key] = '';
    }
    if (i < lines.length && lines[i]!.indent > indent) throw new Error(`line ${lines[i]!.no}: unexpected indentation`);
    return out;
  }
  const doc = block();
  if (i < lines.length) throw new Error(`line ${lines[i]!.no}: unexpected content`);
  return doc;
}

const isMap = (v: Yaml | undefined): v is YamlMap => typeof v === 'object' && v !== null && !Array.isArray(v);
const asMap = (v: Yaml | undefined, what: string): YamlMap => {
  assert.ok(isMap(v), `${what} is a mapping`);
  return v;
};
const asList = (v: Yaml | undefined, what: string): Yaml[] => {
  assert.ok(Array.isArray(v), `${what} is a list`);
  return v;
};
const str = (v: Yaml | undefined): string => (typeof v === 'string' ? v : '');

interface Step {
  uses: string;
  with: YamlMap;
  writes: YamlMap;
  stage: string;
}

function projectFile(rel: string): { doc: YamlMap; text: string; steps: Step[] } {
  const text = read(rel);
  const doc = asMap(parseYaml(text), rel);
  const steps: Step[] = [];
  for (const stage of ['provision', 'deploy', 'publish']) {
    if (!(stage in doc)) continue;
    for (const item of asList(doc[stage], `${rel} ${stage}`)) {
      const step = asMap(item, `${rel} ${stage} step`);
      steps.push({
        uses: str(step.uses),
        with: isMap(step.with) ? step.with : {},
        writes: isMap(step.writeToEnvironmentFile) ? step.writeToEnvironmentFile : {},
        stage,
      });
    }
  }
  return { doc, text, steps };
}

/** Every string in a YAML value, with the key it sits under. */
function strings(value: Yaml, key = ''): Array<{ key: string; value: string }> {
  if (typeof value === 'string') return [{ key, value }];
  if (Array.isArray(value)) return value.flatMap((v) => strings(v, key));
  return Object.entries(value).flatMap(([k, v]) => strings(v, k));
}

const placeholders = (text: string) => [...text.matchAll(/\$\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].map((m) => m[1]!);

function envFile(rel: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of read(rel).split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    assert.ok(m, `${rel}: "${line}" is KEY=VALUE`);
    assert.ok(!values.has(m[1]!), `${rel}: ${m[1]} appears twice`);
    values.set(m[1]!, m[2]!);
  }
  return values;
}

/** The `::set-teamsfx-env` lines a Toolkit script prints, as the Toolkit reads them. */
function scriptOutputs(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of stdout.matchAll(/^::set-teamsfx-env ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

function runScript(command: string, cwd: string, env: NodeJS.ProcessEnv = {}) {
  const args = command.trim().split(/\s+/).map((a) => a.replace(/^"(.*)"$/, '$1'));
  assert.equal(args[0], 'node', `a script step runs node (any shell has it): ${command}`);
  const script = path.join(root, args[1]!);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SECRET_|KEY_VAULT_NAME|BOT_ENDPOINT)/.test(k)));
  return spawnSync(process.execPath, [script, ...args.slice(2)], { cwd, env: { ...clean, ...env }, encoding: 'utf8' });
}

// ---------------------------------------------------------------------------------------------------
// infra/azure.bicep, read line by line.

interface BicepParam {
  name: string;
  type: string;
  hasDefault: boolean;
  secure: boolean;
  allowed?: string[];
}

function bicepParams(text: string): Map<string, BicepParam> {
  const out = new Map<string, BicepParam>();
  const lines = text.split(/\r?\n/);
  let decorators: string[] = [];
  let allowed: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line.startsWith('@allowed([')) {
      allowed = [];
      for (i++; i < lines.length && lines[i]!.trim() !== '])'; i++) {
        const m = /^'(.*)'$/.exec(lines[i]!.trim());
        assert.ok(m, `an @allowed value is a quoted string: ${lines[i]}`);
        allowed.push(m[1]!);
      }
      continue;
    }
    if (line.startsWith('@')) {
      decorators.push(line);
      continue;
    }
    const m = /^param\s+(\w+)\s+(\w+)(\s*=\s*.+)?$/.exec(line);
    if (m) {
      out.set(m[1]!, { name: m[1]!, type: m[2]!, hasDefault: m[3] !== undefined, secure: decorators.includes('@secure()'), allowed });
    }
    if (line !== '' && !line.startsWith('//')) {
      decorators = [];
      allowed = undefined;
    }
  }
  return out;
}

const bicepOutputs = (text: string) => new Set([...text.matchAll(/^output\s+(\w+)\s+\w+\s*=/gm)].map((m) => m[1]!));
const bicepResources = (text: string) => [...text.matchAll(/^resource\s+\w+\s+'([^@']+)@([^']+)'/gm)].map((m) => ({ type: m[1]!, version: m[2]! }));

/** The API versions this template pins; each was checked against the Azure template reference. */
const PINNED_API_VERSIONS: Record<string, string> = {
  'Microsoft.Web/serverfarms': '2024-11-01',
  'Microsoft.Web/sites': '2024-11-01',
  'Microsoft.Web/sites/config': '2024-11-01',
  'Microsoft.BotService/botServices': '2022-09-15',
  'Microsoft.BotService/botServices/channels': '2022-09-15',
  'Microsoft.KeyVault/vaults': '2023-07-01',
  'Microsoft.KeyVault/vaults/secrets': '2023-07-01',
  'Microsoft.DocumentDB/databaseAccounts': '2024-05-15',
  'Microsoft.DocumentDB/databaseAccounts/mongodbDatabases': '2024-05-15',
  'Microsoft.Insights/components': '2020-02-02',
  'Microsoft.Insights/diagnosticSettings': '2021-05-01-preview',
  'Microsoft.OperationalInsights/workspaces': '2022-10-01',
  'Microsoft.Authorization/roleAssignments': '2022-04-01',
  'Microsoft.ManagedIdentity/userAssignedIdentities': '2023-01-31',
};

/** Every action name in the v1.13 yml schema (teams-platform.md §1): a misspelt `uses` fails provision. */
const KNOWN_ACTIONS = new Set(
  (
    'aadApp/create aadApp/update apiKey/register apiKey/update arm/deploy azureAppService/zipDeploy azureFunctions/zipDeploy ' +
    'azureStaticWebApps/getDeploymentToken azureStorage/deploy azureStorage/enableStaticWebsite botAadApp/create botFramework/create ' +
    'cli/runDotnetCommand cli/runNpmCommand cli/runNpxCommand copilotAgent/publish dcr/register devChannel/create devChannel/installApp ' +
    'devTool/install file/createOrUpdateEnvironmentFile file/createOrUpdateJsonFile oauth/register oauth/update script spfx/deploy ' +
    'teamsApp/copyAppPackageToSPFx teamsApp/create teamsApp/extendToM365 teamsApp/publishAppPackage teamsApp/update ' +
    'teamsApp/validateAppPackage teamsApp/validateManifest teamsApp/validateWithTestCases teamsApp/zipAppPackage typeSpec/compile'
  ).split(' '),
);

/** `with` keys naming a file or folder the action reads (outputs such as outputZipPath are created). */
const INPUT_KEYS = new Set(['manifestPath', 'path', 'parameters', 'ignoreFile', 'artifactFolder', 'workingDirectory', 'appPackagePath']);
const CREATED_BY_EARLIER_STEP = /appPackage\/build\//;

const bicepText = read('infra/azure.bicep');
const params = bicepParams(bicepText);
const outputs = bicepOutputs(bicepText);

/** Values provision would write, to run what the yml hands the app. */
const SAMPLE: Record<string, string> = {
  TEAMS_APP_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  AAD_APP_CLIENT_ID: '5a0b2c3d-1111-4e5f-9a8b-7c6d5e4f3a2b',
  AAD_APP_TENANT_ID: '7c2d3e4f-3333-4a71-9cad-9e8f7a6b5c4d',
  BOT_ID: '6b1c2d3e-2222-4f60-8b9c-8d7e6f5a4b3c',
  BOT_TENANT_ID: '7c2d3e4f-3333-4a71-9cad-9e8f7a6b5c4d',
  SECRET_BOT_PASSWORD: 'not-a-real-password',
  BOT_ENDPOINT: 'https://abcd1234-3978.euw.devtunnels.ms',
  SECRET_MONGODB_URI: '',
};

/**
 * Walks a project file's steps in order and checks that each `${{VAR}}` a step (or a file it reads) uses
 * is known by then: set in the env template, given on the command line, or written by an earlier step.
 * Returns what each variable was known from.
 */
function resolveSteps(rel: string, env: Map<string, string>, given: string[], scriptEnv: Record<string, string>): Map<string, string> {
  const { steps } = projectFile(rel);
  const known = new Map<string, string>([['TEAMSFX_ENV', 'built in']]);
  for (const [k, v] of env) if (v !== '') known.set(k, 'env template');
  for (const k of given) known.set(k, 'given');
  const problems: string[] = [];
  steps.forEach((step, index) => {
    const where = `${rel} ${step.stage} #${index + 1} ${step.uses}`;
    const used = new Set<string>();
    for (const { key, value } of strings(step.with)) {
      placeholders(value).forEach((p) => used.add(p));
      if (INPUT_KEYS.has(key) && /\.(json)$/.test(value) && !CREATED_BY_EARLIER_STEP.test(value)) {
        placeholders(read(value)).forEach((p) => used.add(p));
      }
    }
    if (step.uses === 'arm/deploy') {
      for (const t of asList(step.with.templates, `${where} templates`)) placeholders(read(str(asMap(t, 'template').parameters))).forEach((p) => used.add(p));
    }
    for (const name of used) {
      if (known.has(name)) continue;
      // aadApp/update makes up the scope's id the first time (and writes it back)
      if (step.uses === 'aadApp/update' && name === 'AAD_APP_ACCESS_AS_USER_PERMISSION_ID') continue;
      problems.push(`${where} uses \${{${name}}} before anything sets it`);
    }
    if (step.uses === 'aadApp/update') known.set('AAD_APP_ACCESS_AS_USER_PERMISSION_ID', where);
    for (const name of Object.values(step.writes)) known.set(str(name), where);
    if (step.uses === 'arm/deploy') for (const o of outputs) known.set(o, `${where} (bicep output)`);
    if (step.uses === 'script') {
      const run = str(step.with.run).replace(/\$\{\{(\w+)\}\}/g, (_, n: string) => scriptEnv[n] ?? (env.get(n) || SAMPLE[n]) ?? '');
      const cwd = mkdtempSync(path.join(tmpdir(), 'teamsapp-script-'));
      try {
        mkdirSync(path.join(cwd, 'env'));
        const result = runScript(run, cwd);
        assert.equal(result.status, 0, `${where}: ${result.stderr}`);
        for (const name of scriptOutputs(result.stdout).keys()) known.set(name, where);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    }
  });
  assert.deepEqual(problems, []);
  return known;
}

/** Names production mode requires, as config.ts reports them (BOT_PASSWORD only without a managed identity). */
function productionRequired(botType: string): string[] {
  try {
    loadConfig({ ARCHIVER_MODE: 'production', BOT_TYPE: botType });
  } catch (err) {
    const m = /production mode needs ([A-Z_, ]+)/.exec((err as Error).message);
    assert.ok(m, (err as Error).message);
    return m[1]!.split(',').map((n) => n.trim()).filter(Boolean);
  }
  assert.fail('production mode with nothing set should fail');
}

// ---------------------------------------------------------------------------------------------------

describe('deployment files', () => {
  describe('teamsapp.yml and teamsapp.local.yml', () => {
    for (const rel of ['teamsapp.yml', 'teamsapp.local.yml']) {
      it(`${rel}: version v1.11 with its schema, known actions only`, () => {
        const { doc, text, steps } = projectFile(rel);
        assert.equal(doc.version, 'v1.11');
        assert.match(text.split('\n')[0]!, /^# yaml-language-server: \$schema=https:\/\/aka\.ms\/m365-agents-toolkits\/v1\.11\/yaml\.schema\.json$/);
        assert.equal(doc.environmentFolderPath, './env');
        assert.ok(steps.length > 5);
        for (const s of steps) assert.ok(KNOWN_ACTIONS.has(s.uses), `${rel}: unknown action ${s.uses}`);
      });

      it(`${rel}: every file it names exists`, () => {
        const { doc, steps } = projectFile(rel);
        const named: string[] = [str(doc.environmentFolderPath)];
        for (const step of steps) {
          for (const { key, value } of strings(step.with)) {
            if (INPUT_KEYS.has(key) && !CREATED_BY_EARLIER_STEP.test(value)) named.push(value);
          }
          if (step.uses === 'script') {
            const m = /^node\s+(\S+)/.exec(str(step.with.run));
            assert.ok(m, `${rel}: a script step runs a node script: ${str(step.with.run)}`);
            named.push(m[1]!);
          }
        }
        assert.ok(named.includes('./infra/azure.bicep') || rel === 'teamsapp.local.yml');
        for (const file of named) {
          assert.ok(!file.includes('${{'), `${rel}: ${file} has no placeholder`);
          assert.ok(existsSync(path.join(root, file)), `${rel} names ${file}, which does not exist`);
        }
        // what the packaging steps build from
        for (const f of ['appPackage/manifest.json', 'appPackage/color.png', 'appPackage/outline.png', 'aad.manifest.json']) assert.ok(existsSync(path.join(root, f)), f);
      });
    }

    it('provision: the Teams app, the SSO Entra app from aad.manifest.json, the bot Entra app single-tenant, arm/deploy, validate, zip, update', () => {
      const { steps } = projectFile('teamsapp.yml');
      const provision = steps.filter((s) => s.stage === 'provision').map((s) => s.uses);
      const order = ['teamsApp/create', 'aadApp/create', 'aadApp/create', 'arm/deploy', 'aadApp/update', 'teamsApp/validateManifest', 'teamsApp/zipAppPackage', 'teamsApp/validateAppPackage', 'teamsApp/update'];
      let at = -1;
      for (const action of order) {
        at = provision.indexOf(action, at + 1);
        assert.ok(at >= 0, `provision runs ${action} (in this order: ${order.join(', ')}); it has ${provision.join(', ')}`);
      }
      const created = steps.filter((s) => s.uses === 'aadApp/create');
      const sso = created.find((s) => s.writes.clientId === 'AAD_APP_CLIENT_ID');
      const bot = created.find((s) => s.writes.clientId === 'BOT_ID');
      assert.ok(sso && bot);
      assert.equal(sso.with.signInAudience, 'AzureADMyOrg');
      assert.equal(sso.with.generateClientSecret, 'false');
      assert.equal(bot.with.signInAudience, 'AzureADMyOrg', 'the bot app is single-tenant');
      assert.equal(bot.with.generateServicePrincipal, 'true', 'a single-tenant bot registration needs its service principal');
      assert.equal(bot.writes.clientSecret, 'SECRET_BOT_PASSWORD', 'the secret goes to the .user file (SECRET_ prefix)');
      assert.ok(!provision.includes('botAadApp/create'), 'botAadApp/create makes a multi-tenant app');
      const update = steps.find((s) => s.uses === 'aadApp/update')!;
      assert.equal(update.with.manifestPath, './aad.manifest.json');
      const arm = steps.find((s) => s.uses === 'arm/deploy')!;
      const template = asMap(asList(arm.with.templates, 'templates')[0], 'template');
      assert.equal(template.path, './infra/azure.bicep');
      assert.equal(template.parameters, './infra/azure.parameters.json');
    });

    it('deploy: install, build, zip-deploy to the app services the bicep outputs', () => {
      const { steps } = projectFile('teamsapp.yml');
      const deploy = steps.filter((s) => s.stage === 'deploy');
      assert.deepEqual(deploy.slice(0, 2).map((s) => [s.uses, s.with.args]), [
        ['cli/runNpmCommand', 'ci'],
        ['cli/runNpmCommand', 'run build'],
      ]);
      const zips = deploy.filter((s) => s.uses === 'azureAppService/zipDeploy');
      assert.deepEqual(zips.map((z) => str(z.with.resourceId)), ['${{APP_AZURE_APP_SERVICE_RESOURCE_ID}}', '${{WORKER_AZURE_APP_SERVICE_RESOURCE_ID}}']);
      for (const z of zips) {
        assert.equal(z.with.ignoreFile, '.webappignore');
        for (const p of placeholders(str(z.with.resourceId))) assert.ok(outputs.has(p), `infra/azure.bicep outputs ${p}`);
      }
    });

    it('teamsapp.yml: every ${{VAR}} (the yml, the manifests, the parameters file) is known by the step that uses it', () => {
      const known = resolveSteps('teamsapp.yml', envFile('env/.env.dev'), ['AZURE_SUBSCRIPTION_ID', 'AZURE_RESOURCE_GROUP_NAME', 'RESOURCE_SUFFIX'], {});
      // the manifest's domains and endpoints come from Azure, not from a template value
      for (const name of ['TAB_DOMAIN', 'TAB_ENDPOINT']) assert.match(known.get(name)!, /arm\/deploy/);
      assert.match(known.get('SECRET_ARCHIVER_SECRET_KEYS')!, /script/);
    });

    it('teamsapp.local.yml: every ${{VAR}} is known by the step that uses it, the tunnel URL given once', () => {
      const known = resolveSteps('teamsapp.local.yml', envFile('env/.env.local'), ['BOT_ENDPOINT'], { BOT_ENDPOINT: SAMPLE.BOT_ENDPOINT! });
      for (const name of ['TAB_DOMAIN', 'TAB_ENDPOINT', 'BOT_DOMAIN']) assert.match(known.get(name)!, /script/);
    });

    it('teamsapp.local.yml: the bot registration points at the tunnel, and .localConfigs is a configuration the app accepts', () => {
      const { steps } = projectFile('teamsapp.local.yml');
      const bot = steps.find((s) => s.uses === 'botFramework/create');
      assert.ok(bot);
      assert.equal(bot.with.messagingEndpoint, '${{BOT_ENDPOINT}}/api/messages');
      const file = steps.find((s) => s.uses === 'file/createOrUpdateEnvironmentFile');
      assert.ok(file);
      assert.equal(file.with.target, './.localConfigs');
      const envs = asMap(file.with.envs, 'envs');
      const key = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
      const resolved: Record<string, string> = {};
      for (const [name, value] of Object.entries(envs)) {
        assert.ok(name in settings, `${name} is a setting api/src/config.ts reads`);
        resolved[name] = str(value).replace(/\$\{\{(\w+)\}\}/g, (_, n: string) => (n === 'SECRET_ARCHIVER_SECRET_KEYS' ? key : SAMPLE[n] ?? ''));
      }
      const config = loadConfig(resolved);
      assert.equal(config.mode, 'production');
      assert.equal(config.http.publicUrl, SAMPLE.BOT_ENDPOINT);
      assert.equal(config.bot.type, 'SingleTenant');
      for (const name of productionRequired('SingleTenant')) assert.ok(resolved[name], `.localConfigs sets ${name}`);
    });
  });

  describe('the Toolkit scripts', () => {
    const work = () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'teamsapp-env-'));
      mkdirSync(path.join(dir, 'env'));
      return dir;
    };

    it('ensure-secrets makes one AES-256 key config accepts, and declares SECRET_MONGODB_URI', () => {
      const dir = work();
      try {
        const result = runScript('node infra/toolkit/ensure-secrets.mjs dev', dir);
        assert.equal(result.status, 0, result.stderr);
        const out = scriptOutputs(result.stdout);
        const keys = out.get('SECRET_ARCHIVER_SECRET_KEYS');
        assert.ok(keys);
        assert.equal(loadConfig({ SECRET_KEYS: keys }).secretKeys, keys);
        assert.ok(!keys.includes('='), 'no "=" in the value');
        assert.equal(out.get('SECRET_MONGODB_URI'), '');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('ensure-secrets keeps what the .user file has', () => {
      const dir = work();
      try {
        writeFileSync(path.join(dir, 'env/.env.dev.user'), 'SECRET_ARCHIVER_SECRET_KEYS=k1:AAAA\nSECRET_MONGODB_URI=mongodb://x\n');
        const result = runScript('node infra/toolkit/ensure-secrets.mjs dev', dir);
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual([...scriptOutputs(result.stdout).keys()], []);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('ensure-secrets refuses to make a new key for an environment provisioned before, and says how to get the stored one', () => {
      const dir = work();
      try {
        writeFileSync(path.join(dir, 'env/.env.dev'), 'TEAMSFX_ENV=dev\nKEY_VAULT_NAME=kv-archiver-abc\n');
        const result = runScript('node infra/toolkit/ensure-secrets.mjs dev', dir);
        assert.equal(result.status, 1);
        assert.match(result.stderr, /az keyvault secret show --vault-name kv-archiver-abc --name secret-keys/);
        assert.ok(!scriptOutputs(result.stdout).has('SECRET_ARCHIVER_SECRET_KEYS'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('local-endpoints derives the domains from the tunnel URL and refuses anything but https', () => {
      const ok = runScript('node infra/toolkit/local-endpoints.mjs https://abcd1234-3978.euw.devtunnels.ms/', root);
      assert.equal(ok.status, 0, ok.stderr);
      assert.deepEqual(Object.fromEntries(scriptOutputs(ok.stdout)), {
        BOT_ENDPOINT: 'https://abcd1234-3978.euw.devtunnels.ms',
        BOT_DOMAIN: 'abcd1234-3978.euw.devtunnels.ms',
        TAB_ENDPOINT: 'https://abcd1234-3978.euw.devtunnels.ms',
        TAB_DOMAIN: 'abcd1234-3978.euw.devtunnels.ms',
      });
      for (const bad of ['', 'http://localhost:3978', '${{BOT_ENDPOINT}}']) {
        const r = runScript(`node infra/toolkit/local-endpoints.mjs ${bad || '""'}`, root);
        assert.equal(r.status, 1, bad);
        assert.match(r.stderr, /devtunnel host/);
      }
    });
  });

  describe('aad.manifest.json', () => {
    const manifest = JSON.parse(read('aad.manifest.json')) as {
      signInAudience: string;
      appRoles: Array<{ value: string; allowedMemberTypes: string[]; isEnabled: boolean; id: string }>;
      oauth2Permissions: Array<{ value: string; type: string; isEnabled: boolean }>;
      identifierUris: string[];
      preAuthorizedApplications: Array<{ appId: string }>;
    };
    it('the Archiver.Admin app role for users and the access_as_user scope Teams is pre-authorized for', () => {
      assert.equal(manifest.signInAudience, 'AzureADMyOrg');
      const role = manifest.appRoles.find((r) => r.value === loadConfig({}).sso.adminRole);
      assert.ok(role, 'the role config.ts expects (ADMIN_ROLE)');
      assert.deepEqual(role.allowedMemberTypes, ['User']);
      assert.equal(role.isEnabled, true);
      assert.match(role.id, /^[0-9a-f-]{36}$/);
      const scope = manifest.oauth2Permissions.find((p) => p.value === 'access_as_user');
      assert.ok(scope && scope.isEnabled);
      const teamsClients = manifest.preAuthorizedApplications.map((a) => a.appId).sort();
      assert.deepEqual(teamsClients, ['1fec8e78-bce4-4aaf-ab1b-5451cc387264', '5e3ce6c0-2b1f-4285-8d4b-75ee78787346']);
    });
    it('its identifier URI is the app package\'s webApplicationInfo.resource', () => {
      const app = JSON.parse(read('appPackage/manifest.json')) as { webApplicationInfo: { id: string; resource: string } };
      assert.deepEqual(manifest.identifierUris, [app.webApplicationInfo.resource]);
      assert.equal(app.webApplicationInfo.id, '${{AAD_APP_CLIENT_ID}}');
    });
  });

  describe('env templates', () => {
    const templates = ['env/.env.dev', 'env/.env.local'];
    const SETTINGS_WITH_VALUES = new Set(['TEAMSFX_ENV', 'APP_NAME_SUFFIX', 'APP_LAYOUT', 'APP_DATABASE', 'KEY_VAULT_ACCESS']);
    for (const rel of templates) {
      it(`${rel}: no secret, every id empty until provision fills it, the manifest's placeholders all declared`, () => {
        const env = envFile(rel);
        for (const [k, v] of env) {
          assert.ok(!k.startsWith('SECRET_'), `${rel}: ${k} belongs in the git-ignored .user file`);
          if (!SETTINGS_WITH_VALUES.has(k)) assert.equal(v, '', `${rel}: ${k} is filled by provision, not committed`);
        }
        assert.equal(env.get('TEAMSFX_ENV'), rel.split('.').pop());
        const manifest = read('appPackage/manifest.json');
        for (const p of new Set(placeholders(manifest))) assert.ok(env.has(p), `${rel} declares ${p} (appPackage/manifest.json uses it)`);
        for (const p of ['TEAMS_APP_ID', 'AAD_APP_CLIENT_ID', 'TAB_DOMAIN', 'TAB_ENDPOINT', 'BOT_ID', 'APP_NAME_SUFFIX']) assert.ok(env.has(p), p);
      });
    }

    it('env/.env.dev declares every output of the bicep, and its choices are values the bicep allows', () => {
      const env = envFile('env/.env.dev');
      for (const o of outputs) assert.ok(env.has(o), `env/.env.dev declares ${o}`);
      const choices: Record<string, string> = { APP_LAYOUT: 'appLayout', APP_DATABASE: 'database', KEY_VAULT_ACCESS: 'keyVaultAccess' };
      for (const [envName, param] of Object.entries(choices)) {
        assert.ok(params.get(param)?.allowed?.includes(env.get(envName)!), `${envName}=${env.get(envName)} is allowed for ${param}`);
      }
    });

    it('git ignores the .user files and .localConfigs, and keeps the templates', () => {
      const ignored = (p: string) => spawnSync('git', ['check-ignore', '-q', p], { cwd: root }).status === 0;
      for (const p of ['env/.env.dev.user', 'env/.env.local.user', 'env/.env.staging.user', '.localConfigs', 'build/aad.manifest.dev.json', 'appPackage/build/appPackage.dev.zip', 'server.pem']) {
        assert.ok(ignored(p), `git ignores ${p}`);
      }
      for (const p of templates) assert.ok(!ignored(p), `git keeps ${p}`);
      const tracked = execFileSync('git', ['ls-files', 'env'], { cwd: root, encoding: 'utf8' });
      assert.ok(!/\.user$/m.test(tracked), 'no .user file is committed');
    });
  });

  describe('infra/azure.bicep', () => {
    const toolkit = JSON.parse(read('infra/azure.parameters.json')) as { parameters: Record<string, { value: unknown }> };
    const azcli = JSON.parse(read('infra/azure.parameters.azcli.json')) as { parameters: Record<string, { value: unknown }> };

    it('every parameter the Toolkit passes exists, with a value of its type, and every required one is passed', () => {
      for (const [name, { value }] of Object.entries(toolkit.parameters)) {
        const p = params.get(name);
        assert.ok(p, `infra/azure.parameters.json passes ${name}, which infra/azure.bicep does not declare`);
        assert.equal(typeof value, p.type === 'int' ? 'number' : p.type === 'bool' ? 'boolean' : 'string', name);
        if (p.allowed && !placeholders(String(value)).length) assert.ok(p.allowed.includes(String(value)), `${name}=${String(value)}`);
      }
      for (const p of params.values()) {
        if (!p.hasDefault) assert.ok(p.name in toolkit.parameters, `the required parameter ${p.name} is passed by infra/azure.parameters.json`);
      }
    });

    it('secrets reach the bicep only through SECRET_ values, into @secure() parameters', () => {
      for (const [name, { value }] of Object.entries(toolkit.parameters)) {
        const secretPlaceholder = placeholders(String(value)).some((p) => p.startsWith('SECRET_'));
        assert.equal(secretPlaceholder, params.get(name)!.secure, `${name}: a SECRET_ value and @secure() go together`);
      }
      for (const name of ['secretKeys', 'botAadAppClientSecret', 'mongodbUri']) assert.ok(params.get(name)?.secure, `${name} is @secure()`);
    });

    it('every output teamsapp.yml reads exists', () => {
      const { steps } = projectFile('teamsapp.yml');
      const armAt = steps.findIndex((s) => s.uses === 'arm/deploy');
      const env = envFile('env/.env.dev');
      const written = new Set(steps.flatMap((s) => Object.values(s.writes).map(str)));
      const readAfter = new Set(steps.slice(armAt + 1).flatMap((s) => strings(s.with).flatMap(({ value }) => placeholders(value))));
      const fromBicep = [...readAfter].filter((p) => !written.has(p) && !p.startsWith('SECRET_') && p !== 'TEAMSFX_ENV' && env.get(p) === '' && p !== 'AAD_APP_ACCESS_AS_USER_PERMISSION_ID');
      assert.ok(fromBicep.includes('APP_AZURE_APP_SERVICE_RESOURCE_ID'));
      for (const p of fromBicep) assert.ok(outputs.has(p), `teamsapp.yml reads ${p}; infra/azure.bicep has no such output`);
      for (const p of ['TAB_DOMAIN', 'TAB_ENDPOINT', 'BOT_DOMAIN', 'BOT_ENDPOINT']) assert.ok(outputs.has(p), p);
    });

    it('the Azure CLI parameters file and the command in docs/deploy.md pass every required parameter', () => {
      for (const [name, { value }] of Object.entries(azcli.parameters)) {
        const p = params.get(name);
        assert.ok(p, `infra/azure.parameters.azcli.json passes ${name}, which infra/azure.bicep does not declare`);
        assert.equal(placeholders(JSON.stringify(value)).length, 0, `${name}: no Toolkit placeholder in the Azure CLI file`);
        if (p.allowed) assert.ok(p.allowed.includes(String(value)), `${name}=${String(value)} is allowed`);
      }
      const doc = read('docs/deploy.md');
      const lines = doc.split('\n');
      const start = lines.findIndex((l) => l.startsWith('az deployment group create -g'));
      assert.ok(start >= 0, 'docs/deploy.md shows az deployment group create');
      let end = start;
      while (lines[end]!.endsWith('\\')) end++;
      const command: [string] = [lines.slice(start, end + 1).join('\n')];
      assert.match(command[0], /-f infra\/azure\.bicep/);
      assert.match(command[0], /-p @infra\/azure\.parameters\.azcli\.json/);
      const onCommandLine = new Set([...command[0].matchAll(/\b(\w+)=/g)].map((m) => m[1]!));
      for (const p of params.values()) {
        if (!p.hasDefault) assert.ok(p.name in azcli.parameters || onCommandLine.has(p.name), `docs/deploy.md passes the required ${p.name}`);
      }
      for (const name of onCommandLine) assert.ok(params.has(name), `docs/deploy.md passes ${name}, which the bicep does not declare`);
    });

    it('App Service: Linux, Node 24 LTS, HTTPS only, managed identity, /healthz, a web app and an optional worker app without public traffic', () => {
      assert.match(bicepText, /kind: 'linux'[\s\S]*?reserved: true/);
      assert.match(bicepText, /linuxFxVersion: 'NODE\|24-lts'/);
      assert.match(bicepText, /appCommandLine: 'npm run serve'/);
      assert.match(bicepText, /healthCheckPath: '\/healthz'/);
      assert.equal((bicepText.match(/httpsOnly: true/g) ?? []).length, 2, 'both apps are HTTPS only');
      assert.match(bicepText, /type: 'SystemAssigned'/);
      assert.match(bicepText, /resource workerApp 'Microsoft\.Web\/sites@[^']+' = if \(separateWorker\)/);
      assert.match(bicepText, /ipSecurityRestrictionsDefaultAction: 'Deny'/);
      assert.ok(params.get('appLayout')?.allowed?.includes('web-and-worker'));
      assert.match(bicepText, /ROLE: separateWorker \? 'web' : 'all'/);
      assert.match(bicepText, /ROLE: 'worker'/);
      assert.match(bicepText, /minTlsVersion: '1\.2'/);
      assert.match(bicepText, /ftpsState: 'Disabled'/);
    });

    it('Azure Bot: single-tenant (or a managed identity), the Teams channel, messaging endpoint /api/messages', () => {
      assert.match(bicepText, /kind: 'azurebot'/);
      assert.match(bicepText, /msaAppType: botUsesMsi \? 'UserAssignedMSI' : 'SingleTenant'/);
      assert.match(bicepText, /endpoint: 'https:\/\/\$\{webApp\.properties\.defaultHostName\}\/api\/messages'/);
      assert.match(bicepText, /channelName: 'MsTeamsChannel'/);
      assert.ok(!/MultiTenant/.test(bicepText.replace(/^\/\/.*$/gm, '')), 'no multi-tenant registration');
    });

    it('Key Vault holds the encryption keys, the bot secret and the MongoDB URI; app settings are Key Vault references the apps may read', () => {
      for (const [setting, secret] of [
        ['SECRET_KEYS', 'secret-keys'],
        ['BOT_PASSWORD', 'bot-password'],
        ['MONGODB_URI', 'mongodb-uri'],
      ]) {
        assert.match(bicepText, new RegExp(`${setting}: '@Microsoft\\.KeyVault\\(SecretUri=\\$\\{secretUriBase\\}/${secret}/\\)'`), setting);
        assert.match(bicepText, new RegExp(`name: '${secret}'`), `the secret ${secret} is written`);
      }
      assert.match(bicepText, /listConnectionStrings\(\)\.connectionStrings\[0\]\.connectionString/);
      assert.match(bicepText, /4633458b-17de-408a-b874-0445c86b69e6/, 'Key Vault Secrets User');
      assert.match(bicepText, /secrets: \[\s*'get'\s*\]/, 'or an access policy with get');
      // no secure parameter is put into an app setting directly
      const settingsBlock = /var appSettingsCommon = union\(([\s\S]*?)\n\}\)/.exec(bicepText);
      assert.ok(settingsBlock);
      for (const p of params.values()) if (p.secure) assert.ok(!new RegExp(`:\\s*${p.name}\\b`).test(settingsBlock[1]!), `${p.name} goes through Key Vault`);
    });

    it('Cosmos DB for MongoDB (or an existing MONGODB_URI, or SQLite on one instance) and Application Insights', () => {
      assert.match(bicepText, /kind: 'MongoDB'/);
      assert.match(bicepText, /name: 'EnableServerless'/);
      assert.ok(params.get('database')?.allowed?.includes('uri') && params.get('mongodbUri'));
      assert.match(bicepText, /capacity: useSqlite \? 1 : instanceCount/);
      assert.match(bicepText, /resource appInsights 'Microsoft\.Insights\/components@/);
      assert.match(bicepText, /APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights\.properties\.ConnectionString/);
    });

    it('the app settings are settings config.ts reads (or App Service\'s own), and include every one production needs', () => {
      const platform = new Set(['APPLICATIONINSIGHTS_CONNECTION_STRING', 'ApplicationInsightsAgent_EXTENSION_VERSION', 'SCM_DO_BUILD_DURING_DEPLOYMENT', 'ENABLE_ORYX_BUILD', 'CUSTOM_BUILD_COMMAND']);
      const block = /var appSettingsCommon = union\(([\s\S]*?)\n\}\)/.exec(bicepText)![1]! + '\n' + /ROLE: [^\n]+/.exec(bicepText)![0];
      const names = new Set([...block.matchAll(/^\s*([A-Za-z_]\w*):/gm)].map((m) => m[1]!));
      for (const n of names) assert.ok(n in settings || platform.has(n), `${n} is neither a config.ts setting nor an App Service one`);
      for (const n of productionRequired('SingleTenant')) assert.ok(names.has(n), `the apps get ${n}`);
      for (const n of ['HOST', 'PORT', 'ROLE', 'DATA_DIR', 'ARCHIVER_MODE', 'TEAMS_APP_ID', 'BOT_TYPE']) assert.ok(names.has(n), n);
      assert.match(bicepText, /HOST: '0\.0\.0\.0'/);
      assert.match(bicepText, /CUSTOM_BUILD_COMMAND: 'npm ci --omit=dev'/);
    });

    it('pins API versions that exist (each checked in the Azure template reference)', () => {
      const resources = bicepResources(bicepText);
      assert.ok(resources.length >= 14);
      for (const r of resources) assert.equal(r.version, PINNED_API_VERSIONS[r.type], `${r.type}@${r.version}`);
      for (const type of ['Microsoft.Web/sites', 'Microsoft.BotService/botServices', 'Microsoft.KeyVault/vaults', 'Microsoft.DocumentDB/databaseAccounts', 'Microsoft.Insights/components']) {
        assert.ok(resources.some((r) => r.type === type), type);
      }
    });

    it('uses only what the Toolkit\'s Bicep CLI (v0.9.1) reads: no single-line arrays with commas, no newer syntax', () => {
      const code = bicepText.replace(/\/\/.*$/gm, '').replace(/'(?:[^'\\]|\\.)*'/g, "''");
      assert.ok(!/\[[^\]\n]*,[^\]\n]*\]/.test(code), 'a single-line array with commas');
      assert.ok(!/\{[^}\n]*,[^}\n]*\}/.test(code), 'a single-line object with commas');
      assert.ok(!/\?\.|\.\?|\?\?|=>|^\s*(type|func|import|extension)\s/m.test(code), 'newer Bicep syntax');
      assert.match(read('teamsapp.yml'), /bicepCliVersion: v0\.9\.1/);
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

    it('multi-stage on Node 24 LTS (Debian slim), the build stage with the compilers better-sqlite3 may need', () => {
      const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)(?:\s+AS\s+(\w+))?/gim)].map((m) => ({ image: m[1]!, stage: m[2] }));
      assert.equal(froms.length, 2);
      for (const f of froms) assert.match(f.image, /^node:24(\.\d+)*-bookworm-slim$/);
      assert.match(dockerfile, /python3 make g\+\+/);
      assert.match(dockerfile, /RUN npm ci\b/);
      assert.match(dockerfile, /npm run build/);
      assert.match(dockerfile, /npm prune --omit=dev/);
    });

    it('the runtime stage: the built app with dist/tab, production node_modules, non-root, production settings, port 8080', () => {
      const runtime = dockerfile.slice(dockerfile.search(/^FROM .* AS runtime/m));
      for (const p of ['/app/node_modules', '/app/dist/api', '/app/dist/bot', '/app/dist/tab', '/app/package.json']) assert.ok(runtime.includes(`--from=build ${p}`), p);
      assert.match(runtime, /^USER node$/m);
      const env = /^ENV ([\s\S]*?)\n(?!\s)/m.exec(runtime)![1]!;
      for (const kv of ['NODE_ENV=production', 'HOST=0.0.0.0', 'PORT=8080', 'ARCHIVER_MODE=production']) assert.ok(env.includes(kv), kv);
      assert.ok(!/ROLE=/.test(env), 'ROLE is chosen at run time');
      assert.match(runtime, /^EXPOSE 8080$/m);
      assert.ok(!/^COPY\s+\.\s/m.test(dockerfile), 'no COPY . (the context is listed)');
    });

    it('checks /livez with node (no curl in slim) and starts the app as `npm run serve` does', () => {
      assert.match(dockerfile, /HEALTHCHECK[\s\S]*?CMD \["node", "-e", "fetch\('http:\/\/127\.0\.0\.1:'\+\(process\.env\.PORT\|\|8080\)\+'\/livez'\)/);
      const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
      assert.ok(cmd);
      assert.deepEqual(JSON.parse(cmd[1]!), pkg.scripts.serve!.split(/\s+/));
    });
  });

  describe('.webappignore (what teamsapp deploy zips)', () => {
    const lines = read('.webappignore').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    it('leaves out dependencies, sources, env files and secrets', () => {
      for (const p of ['node_modules/', '/env/', '.localConfigs', '*.pem', '*.key', '*.user', '.env', '.env.*', '.data/', '/infra/', '/api/', '/tab/']) assert.ok(lines.includes(p), p);
    });
    it('keeps what App Service runs and installs from: dist/, package.json, package-lock.json', () => {
      for (const l of lines) {
        assert.ok(!/^\/?(dist\/?|package(-lock)?\.json|\*\.json|\*\.js)$/.test(l), `${l} would drop what the app needs`);
        assert.ok(!/^(api|bot|tab)\/?$/.test(l), `${l} is not anchored: it would also drop dist/${l.replace('/', '')}`);
      }
      assert.ok(lines.includes('/dist/sandbox/') && lines.includes('/dist/bench/'));
    });
  });
});
