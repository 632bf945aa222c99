import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AppManifestUtils } from '@microsoft/app-manifest';

/**
 * Offline validation of a resolved manifest: against the JSON schema bundled in
 * `@microsoft/app-manifest` (never fetched: a `$schema` the package does not bundle is refused),
 * plus the few rules the schema cannot express that this app depends on.
 */

type SchemaArg = Parameters<typeof AppManifestUtils.validateAgainstSchema>[1];
type ManifestArg = Parameters<typeof AppManifestUtils.validateAgainstSchema>[0];

const packageDir = path.dirname(createRequire(import.meta.url).resolve('@microsoft/app-manifest'));

/** The bundled schema file for a Teams `$schema` URL (locale segments allowed), or undefined. */
export function bundledSchemaFile(schemaUrl: string): { file: string; version: string } | undefined {
  const m = /^https:\/\/developer\.microsoft\.com(?:\/[a-z]{2}(?:-[a-z]{2})?)?\/json-schemas\/teams\/v(\d+\.\d+|DevPreview)\/MicrosoftTeams\.schema\.json$/i.exec(schemaUrl);
  if (!m) return undefined;
  return { file: path.join(packageDir, 'json-schemas', 'teams', `v${m[1]}`, 'MicrosoftTeams.schema.json'), version: m[1]! };
}

async function loadSchema(file: string): Promise<SchemaArg | undefined> {
  try {
    // the same clean-up the package applies to the schema text (\a and \v escapes in some versions)
    return JSON.parse((await readFile(file, 'utf8')).replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b')) as SchemaArg;
  } catch {
    return undefined;
  }
}

const HOST = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/;

type Json = Record<string, unknown>;

/** Problems with a resolved manifest; empty when it is valid. Each names the field. */
export async function checkManifest(manifest: Json): Promise<string[]> {
  const schemaUrl = manifest.$schema;
  if (typeof schemaUrl !== 'string') return ['/$schema is missing: the manifest must name its schema (https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json)'];
  const bundled = bundledSchemaFile(schemaUrl);
  const schema = bundled && (await loadSchema(bundled.file));
  if (!bundled || !schema) return [`/$schema ${schemaUrl} is not a schema bundled in @microsoft/app-manifest, so it cannot be validated offline`];

  const problems: string[] = [];
  if (manifest.manifestVersion !== bundled.version && bundled.version !== 'DevPreview') {
    problems.push(`/manifestVersion is ${JSON.stringify(manifest.manifestVersion)} but /$schema is v${bundled.version}`);
  }
  problems.push(...(await AppManifestUtils.validateAgainstSchema(manifest as unknown as ManifestArg, schema)).map((e) => `schema v${bundled.version}: ${e}`));

  const icons = (manifest.icons ?? {}) as Json;
  for (const [kind, file] of Object.entries(icons)) {
    if (typeof file === 'string' && (file.includes('/') || file.includes('\\'))) problems.push(`/icons/${kind} ${file} must be a file name at the package root`);
  }
  const domains = Array.isArray(manifest.validDomains) ? (manifest.validDomains as unknown[]) : [];
  domains.forEach((d, i) => {
    if (typeof d !== 'string' || !HOST.test(d)) problems.push(`/validDomains/${i} ${JSON.stringify(d)} must be a host name (optionally *. and :port), without scheme or path`);
  });
  const sso = manifest.webApplicationInfo as Json | undefined;
  if (sso && typeof sso.resource === 'string') {
    const m = /^api:\/\/([^/]+)\/(.+)$/.exec(sso.resource);
    if (!m || m[2] !== sso.id) problems.push(`/webApplicationInfo/resource ${sso.resource} must be api://<domain>/${String(sso.id)} (the Entra app's identifier URI)`);
    else if (!domains.includes(m[1])) problems.push(`/webApplicationInfo/resource names ${m[1]}, which is not in /validDomains`);
  }
  return problems;
}
