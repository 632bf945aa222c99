import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { AppManifestUtils } from '@microsoft/app-manifest';
import { CONSOLE_TAB_ENTITY_ID } from '../../api/src/config.js';
import { main, packageApp, PackageError } from '../../appPackage/package-app.js';
import { bundledSchemaFile, checkManifest } from '../../appPackage/tools/manifest-checks.js';
import { describeUnresolved, parseEnvFile, placeholderNames, resolvePlaceholders } from '../../appPackage/tools/placeholders.js';
import { checkIcons, decodeRgba, encodeRgbaPng, readPngHeader } from '../../appPackage/tools/png.js';
import { readZip, writeZip } from '../../appPackage/tools/zip.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const SCHEMA_1_30 = 'https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json';

/** What provision writes into an env file's empty values, for the variables the manifest uses. */
const PROVISIONED: Record<string, string> = {
  TEAMS_APP_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
  AAD_APP_CLIENT_ID: '5a0b2c3d-1111-4e5f-9a8b-7c6d5e4f3a2b',
  BOT_ID: '6b1c2d3e-2222-4f60-8b9c-8d7e6f5a4b3c',
  TAB_DOMAIN: 'archiver.contoso.com',
  TAB_ENDPOINT: 'https://archiver.contoso.com',
  BOT_DOMAIN: 'archiver.contoso.com',
  BOT_ENDPOINT: 'https://archiver.contoso.com',
};

const envFiles = readdirSync(path.join(root, 'env')).filter((f) => /^\.env\.[A-Za-z0-9_-]+$/.test(f)).sort();
const manifestText = () => readFile(path.join(root, 'appPackage/manifest.json'), 'utf8');
const realIcons = async () => ({ color: await readFile(path.join(root, 'appPackage/color.png')), outline: await readFile(path.join(root, 'appPackage/outline.png')) });

/** The provisioned values an env file still lacks: only the empty or absent ones, so its own values win. */
function provisionedFor(values: ReadonlyMap<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => !values.get(n) && n in PROVISIONED).map((n) => [n, PROVISIONED[n]!]));
}

/** A copy of appPackage/ (manifest and icons) and one env file in a temporary root, for failure cases. */
async function scratchRoot(envName: string, envText: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'app-package-'));
  await mkdir(path.join(dir, 'appPackage'));
  await mkdir(path.join(dir, 'env'));
  for (const f of ['manifest.json', 'color.png', 'outline.png']) await copyFile(path.join(root, 'appPackage', f), path.join(dir, 'appPackage', f));
  await writeFile(path.join(dir, 'env', `.env.${envName}`), envText);
  return dir;
}

const solid = (w: number, h: number, rgba: [number, number, number, number]) => encodeRgbaPng(w, h, Buffer.from(Array.from({ length: w * h * 4 }, (_, i) => rgba[i % 4]!)));
/** A 32x32 white-on-transparent outline: a white square in the middle. */
function outlineWith(extra?: (px: Buffer) => void): Buffer {
  const px = Buffer.alloc(32 * 32 * 4);
  for (let y = 8; y < 24; y++) for (let x = 8; x < 24; x++) px.fill(255, (y * 32 + x) * 4, (y * 32 + x) * 4 + 4);
  extra?.(px);
  return encodeRgbaPng(32, 32, px);
}

describe('Teams app package', () => {
  describe('manifest', () => {
    it('is manifest version 1.30 with the 1.30 schema, which @microsoft/app-manifest bundles', async () => {
      const m = JSON.parse(await manifestText());
      assert.equal(m.manifestVersion, '1.30');
      assert.equal(m.$schema, SCHEMA_1_30);
      const bundled = bundledSchemaFile(m.$schema);
      assert.ok(bundled, 'the 1.30 schema URL maps to a bundled file');
      assert.ok((await stat(bundled.file)).isFile(), bundled.file);
    });

    it('declares the personal bot with the commands it has, the console tab, the pin tab and SSO', async () => {
      const m = JSON.parse(await manifestText());
      assert.equal(m.bots.length, 1);
      const bot = m.bots[0];
      assert.deepEqual(bot.scopes, ['personal']);
      assert.equal(bot.supportsFiles, false);
      assert.equal(bot.isNotificationOnly, false);
      assert.deepEqual(bot.commandLists.map((l: { scopes: string[] }) => l.scopes), [['personal']]);
      assert.deepEqual(bot.commandLists[0].commands.map((c: { title: string }) => c.title), ['help', 'recent', 'status']);
      const consoleTab = m.staticTabs.find((t: { entityId: string }) => t.entityId === CONSOLE_TAB_ENTITY_ID);
      assert.ok(consoleTab, `a static tab with entityId ${CONSOLE_TAB_ENTITY_ID} (deep links name it)`);
      assert.equal(consoleTab.contentUrl, '${{TAB_ENDPOINT}}/tab/');
      assert.deepEqual(consoleTab.scopes, ['personal']);
      assert.ok(m.staticTabs.some((t: { entityId: string }) => t.entityId === 'conversations'), "the bot's chat tab");
      assert.equal(m.configurableTabs[0].configurationUrl, '${{TAB_ENDPOINT}}/tab/configure.html');
      assert.deepEqual(m.webApplicationInfo, { id: '${{AAD_APP_CLIENT_ID}}', resource: 'api://${{TAB_DOMAIN}}/${{AAD_APP_CLIENT_ID}}' });
      assert.deepEqual(m.validDomains, ['${{TAB_DOMAIN}}']);
    });

    it('unresolved, fails the schema: a placeholder is not a GUID', async () => {
      const errors = await AppManifestUtils.validateAgainstSchema(JSON.parse(await manifestText()));
      assert.ok(errors.some((e) => /^\/id /.test(e)), errors.join('\n'));
    });

    it('there is at least the dev env file to check', () => {
      assert.ok(envFiles.includes('.env.dev'), `env/ holds ${envFiles.join(', ')}`);
    });

    for (const file of envFiles) {
      it(`resolved with env/${file}, passes the bundled v1.30 schema offline; every placeholder is a variable env/${file} declares`, async () => {
        const text = await manifestText();
        const values = parseEnvFile(await readFile(path.join(root, 'env', file), 'utf8'));
        const names = placeholderNames(text);
        assert.deepEqual(names.filter((n) => !values.has(n)), [], `variables the manifest uses that env/${file} does not declare`);
        const environment = provisionedFor(values, names);
        const r = resolvePlaceholders(JSON.parse(text), { file: { path: `env/${file}`, values }, environment });
        assert.deepEqual(r.unresolved.map((u) => u.name), []);
        assert.deepEqual(await AppManifestUtils.validateAgainstSchema(r.value), [], 'the package, mapping $schema to its bundled copy');
        assert.deepEqual(await checkManifest(r.value), [], 'the packager check, with the rules the schema cannot express');
        const m = r.value as any;
        const value = (n: string) => environment[n] ?? values.get(n)!;
        assert.equal(m.id, value('TEAMS_APP_ID'));
        assert.equal(m.bots[0].botId, value('BOT_ID'));
        assert.equal(m.webApplicationInfo.resource, `api://${value('TAB_DOMAIN')}/${value('AAD_APP_CLIENT_ID')}`);
        assert.deepEqual(m.validDomains, [value('TAB_DOMAIN')]);
        assert.equal(m.staticTabs[0].contentUrl, `${value('TAB_ENDPOINT')}/tab/`);
        assert.equal(m.name.short, `Recording Archiver${values.get('APP_NAME_SUFFIX') ?? ''}`);
      });
    }

    it('the extra checks catch what the schema lets through: a scheme in validDomains, a resource on another domain', async () => {
      const values = new Map(Object.entries(PROVISIONED));
      const m = resolvePlaceholders(JSON.parse(await manifestText()), { file: { path: 'x', values }, environment: {} }).value as any;
      m.validDomains = ['https://archiver.contoso.com'];
      m.webApplicationInfo.resource = `api://elsewhere.example/${PROVISIONED.AAD_APP_CLIENT_ID}`;
      const problems = await checkManifest(m);
      assert.ok(problems.some((p) => p.startsWith('/validDomains/0')), problems.join('\n'));
      assert.ok(problems.some((p) => p.startsWith('/webApplicationInfo/resource names elsewhere.example')), problems.join('\n'));
    });

    it('refuses a $schema that is not bundled rather than fetching it', async () => {
      const values = new Map(Object.entries(PROVISIONED));
      const m = resolvePlaceholders(JSON.parse(await manifestText()), { file: { path: 'x', values }, environment: {} }).value as any;
      m.$schema = 'https://developer.microsoft.com/json-schemas/teams/v1.18/MicrosoftTeams.schema.json';
      assert.match((await checkManifest(m)).join('\n'), /not a schema bundled in @microsoft\/app-manifest/);
    });
  });

  describe('placeholders', () => {
    it('parses env files: comments, export, quotes, inline comments, empty values', () => {
      const v = parseEnvFile('# c\nA=1\nexport B = two\nC="x # y"\nD=v # note\nE=\n  F=\'q\'\nnot a line\n');
      assert.deepEqual(Object.fromEntries(v), { A: '1', B: 'two', C: 'x # y', D: 'v', E: '', F: 'q' });
    });

    it('the environment overrides the file; empty counts as unset except APP_NAME_SUFFIX (as the Toolkit does)', () => {
      const file = { path: 'env/.env.t', values: new Map([['TAB_DOMAIN', 'a.example'], ['APP_NAME_SUFFIX', '-dev'], ['BOT_ID', 'from-file']]) };
      const r = resolvePlaceholders({ d: '${{TAB_DOMAIN}}', s: 'X${{ APP_NAME_SUFFIX }}', b: ['${{BOT_ID}}'] }, { file, environment: { TAB_DOMAIN: 'b.example', APP_NAME_SUFFIX: '', BOT_ID: '' } });
      assert.deepEqual(r.value, { d: 'b.example', s: 'X', b: ['from-file'] });
      assert.deepEqual(Object.fromEntries(r.used), { TAB_DOMAIN: 'environment', APP_NAME_SUFFIX: 'environment', BOT_ID: 'file' });
    });

    it('a value with a quote stays inside its JSON string', () => {
      const r = resolvePlaceholders({ n: 'A${{APP_NAME_SUFFIX}}' }, { file: { path: 'f', values: new Map([['APP_NAME_SUFFIX', ' "q", x']]) }, environment: {} });
      assert.equal(JSON.parse(JSON.stringify(r.value)).n, 'A "q", x');
    });

    it('an unresolved placeholder is refused, naming the variable, where it is used and the env file', () => {
      const file = { path: 'env/.env.t', values: new Map([['TEAMS_APP_ID', '']]) };
      const r = resolvePlaceholders({ id: '${{TEAMS_APP_ID}}', bots: [{ botId: '${{BOT_ID}}' }] }, { file, environment: {} });
      assert.deepEqual(r.unresolved, [
        { name: 'TEAMS_APP_ID', at: ['/id'], reason: 'empty' },
        { name: 'BOT_ID', at: ['/bots/0/botId'], reason: 'undeclared' },
      ]);
      const lines = r.unresolved.map((u) => describeUnresolved(u, file.path, 'appPackage/manifest.json'));
      assert.match(lines[0]!, /\$\{\{TEAMS_APP_ID\}\}.*\/id.*TEAMS_APP_ID is empty in env\/\.env\.t/);
      assert.match(lines[1]!, /\$\{\{BOT_ID\}\}.*\/bots\/0\/botId.*env\/\.env\.t does not declare BOT_ID/);
    });

    it('the packager refuses to write a package with an unresolved placeholder', async () => {
      const declared = Object.entries(PROVISIONED).filter(([n]) => n !== 'BOT_ID').map(([n, v]) => `${n}=${v}`);
      const dir = await scratchRoot('t', `APP_NAME_SUFFIX=\n${declared.join('\n')}\n`);
      try {
        await assert.rejects(packageApp({ envName: 't', root: dir, environment: {} }), (e: unknown) => {
          assert.ok(e instanceof PackageError);
          assert.match(e.message, /\$\{\{BOT_ID\}\}.*env\/\.env\.t does not declare BOT_ID/);
          return true;
        });
        await assert.rejects(stat(path.join(dir, 'appPackage/build/appPackage.t.zip')), { code: 'ENOENT' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('icons', () => {
    it('the real icons pass: color 192x192, outline 32x32 with alpha, only transparent or white pixels', async () => {
      const icons = await realIcons();
      assert.deepEqual(checkIcons(icons), []);
      const c = readPngHeader(icons.color);
      assert.deepEqual([c.width, c.height], [192, 192]);
      const o = readPngHeader(icons.outline);
      assert.deepEqual([o.width, o.height, o.colorType], [32, 32, 6]);
    });

    it('refuses a wrong-size color icon and a wrong-size outline', async () => {
      const { color, outline } = await realIcons();
      assert.match(checkIcons({ color: solid(192, 191, [30, 90, 170, 255]), outline }).join('\n'), /color\.png is 192x191; the color icon must be 192x192/);
      const small = encodeRgbaPng(31, 32, Buffer.alloc(31 * 32 * 4, 255));
      assert.match(checkIcons({ color, outline: small }).join('\n'), /outline\.png is 31x32; the outline icon must be 32x32/);
    });

    it('refuses an outline with a coloured pixel, one with nothing drawn, and one without an alpha channel', async () => {
      const { color } = await realIcons();
      assert.deepEqual(checkIcons({ color, outline: outlineWith() }), [], 'white on transparent is fine');
      const red = outlineWith((px) => px.set([255, 0, 0, 255], (3 * 32 + 5) * 4));
      assert.match(checkIcons({ color, outline: red }).join('\n'), /1 pixel\(s\) that are neither fully transparent nor white \(first at x=5, y=3: rgba\(255, 0, 0, 255\)\)/);
      assert.match(checkIcons({ color, outline: solid(32, 32, [0, 0, 0, 0]) }).join('\n'), /fully transparent/);
      const rgb = Buffer.from(outlineWith());
      rgb[25] = 2; // IHDR colour type: RGB, no alpha
      rgb.writeUInt32BE(crc32(rgb.subarray(12, 29)) >>> 0, 29);
      assert.match(checkIcons({ color, outline: rgb }).join('\n'), /outline\.png has no alpha channel/);
    });

    it('refuses a damaged PNG (bad CRC) and a file that is not a PNG', async () => {
      const { color, outline } = await realIcons();
      const damaged = Buffer.from(outline);
      damaged[20] = damaged[20]! ^ 1;
      assert.match(checkIcons({ color, outline: damaged }).join('\n'), /IHDR has a bad CRC/);
      assert.match(checkIcons({ color: Buffer.from('GIF89a'), outline }).join('\n'), /color\.png: not a PNG/);
    });

    it('decodes what it encodes (the pixel check reads real pixels)', () => {
      const px = Buffer.from(Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 37) % 256));
      assert.ok(decodeRgba(encodeRgbaPng(5, 3, px)).rgba.equals(px));
    });

    it('the packager refuses to write a package with a wrong-size outline', async () => {
      const dir = await scratchRoot('t', Object.entries({ APP_NAME_SUFFIX: '', ...PROVISIONED }).map(([n, v]) => `${n}=${v}`).join('\n'));
      try {
        await writeFile(path.join(dir, 'appPackage/outline.png'), encodeRgbaPng(48, 48, Buffer.alloc(48 * 48 * 4, 255)));
        await assert.rejects(packageApp({ envName: 't', root: dir, environment: {} }), /appPackage\/outline\.png is 48x48; the outline icon must be 32x32/);
        await assert.rejects(stat(path.join(dir, 'appPackage/build/appPackage.t.zip')), { code: 'ENOENT' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe('zip', () => {
    it('reads back what it writes, deflated or stored, byte for byte, and the same input gives the same bytes', () => {
      const entries = [
        { name: 'manifest.json', data: Buffer.from(JSON.stringify({ a: 'x'.repeat(500) })) },
        { name: 'tiny', data: Buffer.from('ab') },
        { name: 'empty', data: Buffer.alloc(0) },
      ];
      const zip = writeZip(entries);
      assert.deepEqual(readZip(zip), entries);
      assert.ok(writeZip(entries).equals(zip));
    });

    it('refuses a damaged zip and duplicate names', () => {
      const zip = writeZip([{ name: 'a.txt', data: Buffer.from('hello hello hello hello hello') }]);
      const flipped = Buffer.from(zip);
      flipped[30 + 'a.txt'.length + 2] = flipped[30 + 'a.txt'.length + 2]! ^ 0x55; // inside the deflated data
      assert.throws(() => readZip(flipped), /not a valid zip: a\.txt: /);
      assert.throws(() => readZip(zip.subarray(0, zip.length - 4)), /not a valid zip/);
      assert.throws(() => writeZip([{ name: 'a', data: Buffer.alloc(1) }, { name: 'a', data: Buffer.alloc(1) }]), /duplicate entry a/);
    });
  });

  describe('npm run package', () => {
    it('--env dev --out <dir> writes appPackage.dev.zip holding exactly the resolved manifest and the two icons, unchanged', async () => {
      const out = await mkdtemp(path.join(tmpdir(), 'app-package-out-'));
      try {
        const values = parseEnvFile(await readFile(path.join(root, 'env/.env.dev'), 'utf8'));
        const text = await manifestText();
        const provisioned = provisionedFor(values, placeholderNames(text));
        const run = spawnSync(process.execPath, [tsxCli, 'appPackage/package-app.ts', '--env', 'dev', '--out', out], {
          cwd: root,
          env: { ...process.env, ...provisioned },
          encoding: 'utf8',
        });
        assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
        assert.match(run.stdout, /validated the manifest offline/);
        assert.match(run.stdout, /read it back and validated it/);

        const entries = readZip(await readFile(path.join(out, 'appPackage.dev.zip')));
        assert.deepEqual(entries.map((e) => e.name).sort(), ['color.png', 'manifest.json', 'outline.png']);
        const byName = new Map(entries.map((e) => [e.name, e.data]));
        const expected = resolvePlaceholders(JSON.parse(text), { file: { path: 'env/.env.dev', values }, environment: provisioned }).value;
        assert.deepEqual(JSON.parse(byName.get('manifest.json')!.toString('utf8')), expected);
        const icons = await realIcons();
        assert.ok(byName.get('color.png')!.equals(icons.color), 'color.png byte-identical');
        assert.ok(byName.get('outline.png')!.equals(icons.outline), 'outline.png byte-identical');
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    });

    it('without --env: exit code 2 and a message naming --env', () => {
      const run = spawnSync(process.execPath, [tsxCli, 'appPackage/package-app.ts'], { cwd: root, encoding: 'utf8' });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, /missing --env <name>/);
    });

    it('a flag without its value, or an unknown flag, is refused with exit code 2', async () => {
      const err: string[] = [];
      const io = { out: () => {}, err: (s: string) => void err.push(s) };
      assert.equal(await main(['--env'], {}, io), 2);
      assert.equal(await main(['--env', 'dev', '--out'], {}, io), 2);
      assert.equal(await main(['--colour'], {}, io), 2);
      assert.match(err.join('\n'), /--env needs a value[\s\S]*--out needs a value[\s\S]*unknown argument --colour/);
    });

    it('an env file that does not exist is named, with the ones that do', async () => {
      const err: string[] = [];
      assert.equal(await main(['--env', 'nosuchenv'], {}, { out: () => {}, err: (s) => void err.push(s) }), 1);
      assert.match(err.join('\n'), /env\/\.env\.nosuchenv not found \(env files here: .*--env dev/);
    });
  });
});
