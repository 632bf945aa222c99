import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Logger } from '../logging/logger.js';
import type { JsonObject } from '../store/json.js';
import type { IntegrationRepository } from '../store/store.js';
import { IntegrationSettings } from './settings.js';

/**
 * Integrations declared in a file (`SEED_INTEGRATIONS_FILE`): created at start when none of that name
 * exists, never overwritten, so an admin's later edits in the tab win. The sandbox declares its demo
 * integration this way; an operator can provision integrations as code the same way.
 */
export const SeedIntegration = z
  .object({
    name: z.string().min(1),
    tenantId: z.string().min(1),
    appClientId: z.string().min(1),
    appClientSecret: z.string().min(1),
    kaltura: z
      .object({
        partnerId: z.number().int().positive(),
        serviceUrl: z.url(),
        appTokenId: z.string().optional(),
        appToken: z.string().optional(),
        adminSecret: z.string().optional(),
      })
      .refine((k) => (k.appTokenId && k.appToken) || k.adminSecret, 'needs appTokenId and appToken, or adminSecret'),
    enabled: z.boolean().default(true),
    settings: IntegrationSettings.default(IntegrationSettings.parse({})),
  })
  .strict();

export class SeedFileError extends Error {
  readonly code = 'SEED_FILE_INVALID';
}

export async function seedIntegrations(file: string, integrations: Pick<IntegrationRepository, 'list' | 'create'>, logger: Logger): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new SeedFileError(`cannot read integrations from ${file}: ${(err as Error).message}`);
  }
  const parsed = z.array(SeedIntegration).safeParse(raw);
  if (!parsed.success) throw new SeedFileError(`${file}: ${z.prettifyError(parsed.error)}`);
  const existing = new Set((await integrations.list()).map((i) => i.name));
  let created = 0;
  for (const s of parsed.data) {
    if (existing.has(s.name)) continue;
    await integrations.create({
      name: s.name,
      tenantId: s.tenantId,
      appClientId: s.appClientId,
      appClientSecret: s.appClientSecret,
      kaltura: { ...s.kaltura, appTokenId: s.kaltura.appTokenId ?? null, appToken: s.kaltura.appToken ?? null, adminSecret: s.kaltura.adminSecret ?? null },
      settings: s.settings as unknown as JsonObject,
      enabled: s.enabled,
    });
    created += 1;
    logger.info({ name: s.name }, 'integration created from the seed file');
  }
  return created;
}
