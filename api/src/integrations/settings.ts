import { z } from 'zod';

/**
 * What an admin chooses per integration. Mirrors the KMC Teams integration settings
 * (reference/kaltura-api.md §7.1), plus the Entra group source Kaltura's integration lacks. Each
 * message names what is wrong in words the console shows beside the field (KMC's own where it has one).
 */
export const entitlementRole = z.enum(['co-viewers', 'co-editors', 'co-publishers']);
export type EntitlementRole = z.infer<typeof entitlementRole>;

/** far more than anyone picks; keeps one request's work bounded */
const MAX_ITEMS = 50;
/** Kaltura's limit on a category's full name */
const MAX_CATEGORY_FULL_NAME = 490;

const roles = z.array(entitlementRole).refine((r) => new Set(r).size === r.length, 'roles must not repeat');

const list = <T extends z.ZodTypeAny>(item: T) => z.array(item).max(MAX_ITEMS, `at most ${MAX_ITEMS} items`);
const unique = (values: string[]) => new Set(values).size === values.length;

/** A category full name: segments separated by `>`, none empty; each segment is trimmed. */
const categoryFullName = z
  .string()
  .transform((s) => s.split('>').map((segment) => segment.trim()).join('>'))
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .max(MAX_CATEGORY_FULL_NAME, `a category full name is at most ${MAX_CATEGORY_FULL_NAME} characters`)
      .refine((s) => s.split('>').every((segment) => segment.length > 0), 'a category full name has no empty segment: write it like MediaSpace>site>channels>Teams'),
  );

const groupName = z.string().trim().min(1, 'a group name must not be empty').max(100, 'a group name is at most 100 characters');

/** A link with `{entryId}` (and optionally `{partnerId}`); empty uses the app's ENTRY_URL_TEMPLATE. */
const entryUrlTemplate = z
  .string()
  .trim()
  .max(500, 'must be at most 500 characters')
  .refine((s) => s === '' || isHttpUrl(s.replaceAll('{entryId}', 'x').replaceAll('{partnerId}', '1')), 'must be an http(s) URL')
  .refine((s) => s === '' || s.includes('{entryId}'), 'must contain {entryId}, where the entry id goes');

const ENTRA_OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const IntegrationSettings = z
  .object({
    uploadTranscripts: z.boolean().default(true),
    /** archive ad hoc calls too (1:1, group and PSTN calls; CallRecordings.Read.All, CallTranscripts.Read.All) */
    includeAdhocCalls: z.boolean().default(false),
    /** category full names, e.g. "MediaSpace>site>channels>Teams" */
    categories: list(categoryFullName).refine(unique, 'a category is listed twice').default([]),
    uploadScope: z.enum(['all', 'opt-in', 'opt-out']).default('all'),
    /** where opt-in/opt-out groups live: Kaltura groups (as Kaltura's integration) or Entra groups */
    groupSource: z.enum(['kaltura', 'entra']).default('kaltura'),
    groups: list(groupName).refine(unique, 'a group is listed twice').default([]),
    userIdSource: z.enum(['upn', 'azure-id']).default('upn'),
    userIdSuffixMethod: z.enum(['none', 'remove', 'append']).default('none'),
    userIdSuffix: z.string().trim().max(100, 'must be at most 100 characters').refine((s) => !/\s/.test(s), 'must not contain spaces').default(''),
    userSearchMethod: z.enum(['id', 'email', 'all']).default('id'),
    userNotFoundMethod: z.enum(['create', 'assign-default']).default('create'),
    defaultUserId: z.string().trim().max(100, 'must be at most 100 characters').default(''),
    coOrganizerRoles: roles.default(['co-editors', 'co-publishers']),
    presentersRoles: roles.default(['co-viewers']),
    attendeesRoles: roles
      .refine((r) => !r.includes('co-editors'), 'attendees can be co-viewers or co-publishers only')
      .refine((r) => r.length <= 1, 'attendees get one role at most')
      .default([]),
    /** the link sent to organizers; empty uses the app's ENTRY_URL_TEMPLATE */
    entryUrlTemplate: entryUrlTemplate.default(''),
    /** co-organizers get the organizer's card too */
    notifyCoOrganizers: z.boolean().default(false),
    /** install the Teams app for organizers the bot cannot reach (TeamsAppInstallation.ReadWriteSelfForUser.All) */
    proactiveInstall: z.boolean().default(false),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.userNotFoundMethod === 'assign-default' && !s.defaultUserId) {
      ctx.addIssue({ code: 'custom', path: ['defaultUserId'], message: 'Default user ID is required' });
    }
    if (s.userIdSuffixMethod !== 'none' && !s.userIdSuffix) {
      ctx.addIssue({ code: 'custom', path: ['userIdSuffix'], message: `a postfix is required to ${s.userIdSuffixMethod === 'remove' ? 'remove' : 'add'}` });
    }
    if (s.uploadScope !== 'all' && s.groups.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['groups'], message: 'Must fill in at least one group' });
    }
    // Graph is asked about Entra groups by object id; a display name would match nothing and quietly
    // leave every organizer out of (opt-in) or in (opt-out) scope
    if (s.groupSource === 'entra') {
      const i = s.groups.findIndex((g) => !ENTRA_OBJECT_ID.test(g));
      if (i >= 0) ctx.addIssue({ code: 'custom', path: ['groups', i], message: "Entra groups are given by their object id (a GUID, shown on the group's overview in the Entra admin center)" });
    }
  });

export type IntegrationSettings = z.infer<typeof IntegrationSettings>;

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}
