import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { AppManifestUtils } from '@microsoft/app-manifest';

const root = new URL('../../', import.meta.url);

/** Resolves ${{VAR}} the way the Teams Toolkit does, from the given values. */
function resolvePlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([A-Z0-9_]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`manifest uses \${{${name}}}, which env/.env.dev does not declare`);
    return values[name]!;
  });
}

function envFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function pngSize(buf: Buffer): { width: number; height: number; colorType: number } {
  assert.deepEqual([...buf.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'not a PNG');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), colorType: buf[25]! };
}

describe('Teams app package', () => {
  it('the manifest, resolved with provisioned values, passes the bundled v1.29 schema offline', async () => {
    const text = await readFile(new URL('appPackage/manifest.json', root), 'utf8');
    const declared = envFile(await readFile(new URL('env/.env.dev', root), 'utf8'));
    const provisioned = {
      ...declared,
      TEAMS_APP_ID: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
      AAD_APP_CLIENT_ID: '5a0b2c3d-1111-4e5f-9a8b-7c6d5e4f3a2b',
      BOT_ID: '6b1c2d3e-2222-4f60-8b9c-8d7e6f5a4b3c',
      TAB_DOMAIN: 'archiver.contoso.com',
      TAB_ENDPOINT: 'https://archiver.contoso.com',
    };
    const manifest = JSON.parse(resolvePlaceholders(text, provisioned));
    const errors = await AppManifestUtils.validateAgainstSchema(manifest);
    assert.deepEqual(errors, []);
    assert.equal(manifest.bots[0].botId, provisioned.BOT_ID);
    assert.equal(manifest.webApplicationInfo.resource, `api://archiver.contoso.com/${provisioned.AAD_APP_CLIENT_ID}`);
  });

  it('the schema check can fail: an unresolved id is rejected', async () => {
    const manifest = JSON.parse(await readFile(new URL('appPackage/manifest.json', root), 'utf8'));
    const errors = await AppManifestUtils.validateAgainstSchema(manifest);
    assert.ok(errors.some((e) => /\/id/.test(e)), errors.join('\n'));
  });

  it('ships a 192x192 color icon and a 32x32 transparent outline icon', async () => {
    assert.deepEqual(pngSize(await readFile(new URL('appPackage/color.png', root))).width, 192);
    const outline = pngSize(await readFile(new URL('appPackage/outline.png', root)));
    assert.deepEqual([outline.width, outline.height], [32, 32]);
    assert.equal(outline.colorType, 6, 'outline icon needs an alpha channel');
  });
});
