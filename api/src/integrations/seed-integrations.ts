import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CodedError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import { NewIntegrationInput } from './integration-input.js';
import { SYSTEM_ACTOR, type IntegrationService } from './integration-service.js';

/**
 * Integrations declared in a file (`SEED_INTEGRATIONS_FILE`): created at start through the integration
 * service (the same validation and audit as an admin's) when none of that name exists, never
 * overwritten, so an admin's later edits in the tab win. Created disabled unless the seed says
 * `"enabled": true`. The sandbox declares its demo integration this way; an operator can provision
 * integrations as code the same way.
 */
export const SeedIntegration = NewIntegrationInput.extend({ enabled: z.boolean().default(false) }).strict();

export class SeedFileError extends CodedError {
  readonly code = 'SEED_FILE_INVALID';
}

export async function seedIntegrations(file: string, service: Pick<IntegrationService, 'list' | 'create'>, logger: Logger): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new SeedFileError(`cannot read integrations from ${file}: ${(err as Error).message}`);
  }
  const parsed = z.array(SeedIntegration).safeParse(raw);
  if (!parsed.success) throw new SeedFileError(`${file}: ${z.prettifyError(parsed.error)}`);
  const existing = new Set((await service.list()).map((i) => i.name));
  let created = 0;
  for (const { enabled, ...input } of parsed.data) {
    if (existing.has(input.name)) continue;
    await service.create(SYSTEM_ACTOR, input, { enabled });
    created += 1;
    logger.info({ name: input.name, enabled }, 'integration created from the seed file');
  }
  return created;
}
