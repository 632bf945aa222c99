import { z } from 'zod';
import { IntegrationSettings } from './settings.js';

/**
 * The one schema every way in (admin API, seed file, bot commands, doctor) validates an integration
 * with, at write time. Field names follow Kaltura's own Teams integration (name, tenantId,
 * appClientId, appClientSecret, settings).
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const guid = (what: string) => z.string().trim().regex(GUID, `must be the ${what}, a GUID like 00000000-0000-0000-0000-000000000000`);

const secret = z.string().min(1, 'must not be empty').max(2000, 'is too long');

export const KalturaConnectionInput = z
  .object({
    partnerId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    /** the Kaltura API base URL; the configured default when absent */
    serviceUrl: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(500).optional(),
    appTokenId: z.string().trim().min(1).max(100).optional(),
    appToken: secret.optional(),
    adminSecret: secret.optional(),
  })
  .strict();

export const NewIntegrationInput = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    tenantId: guid('Directory (tenant) ID'),
    appClientId: guid('Application (client) ID'),
    appClientSecret: secret,
    kaltura: KalturaConnectionInput.superRefine(oneCredential),
    settings: IntegrationSettings.default(IntegrationSettings.parse({})),
  })
  .strict();

/** A change: only the fields given change; secrets have their own operations. */
export const IntegrationChangeInput = z
  .object({
    name: NewIntegrationInput.shape.name.optional(),
    tenantId: NewIntegrationInput.shape.tenantId.optional(),
    appClientId: NewIntegrationInput.shape.appClientId.optional(),
    kaltura: KalturaConnectionInput.partial().optional(),
    /** the whole settings object, validated as one (its rules relate fields to each other) */
    settings: IntegrationSettings.optional(),
  })
  .strict();

export const BackfillInput = z
  .object({ from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
  .strict();

export type NewIntegrationInput = z.infer<typeof NewIntegrationInput>;
export type IntegrationChangeInput = z.infer<typeof IntegrationChangeInput>;

function oneCredential(k: z.infer<typeof KalturaConnectionInput>, ctx: z.RefinementCtx): void {
  if (k.appToken && k.adminSecret) ctx.addIssue({ code: 'custom', path: ['adminSecret'], message: 'give either an app token or an admin secret, not both' });
  else if (!k.appToken && !k.adminSecret) ctx.addIssue({ code: 'custom', path: ['appToken'], message: 'an app token (with its appTokenId) or the admin secret is required' });
  if (k.appToken && !k.appTokenId) ctx.addIssue({ code: 'custom', path: ['appTokenId'], message: 'an app token needs its appTokenId' });
}
