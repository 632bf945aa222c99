import { z } from 'zod';

/**
 * What an admin chooses per integration. Mirrors the KMC Teams integration settings
 * (reference/kaltura-api.md §7.1), plus the Entra group source Kaltura's integration lacks.
 */
export const entitlementRole = z.enum(['co-viewers', 'co-editors', 'co-publishers']);
export type EntitlementRole = z.infer<typeof entitlementRole>;

const roles = z.array(entitlementRole).refine((r) => new Set(r).size === r.length, 'roles must not repeat');

export const IntegrationSettings = z
  .object({
    uploadTranscripts: z.boolean().default(true),
    /** category full names, e.g. "MediaSpace>site>channels>Teams" */
    categories: z.array(z.string().min(1)).default([]),
    uploadScope: z.enum(['all', 'opt-in', 'opt-out']).default('all'),
    /** where opt-in/opt-out groups live: Kaltura groups (as Kaltura's integration) or Entra groups */
    groupSource: z.enum(['kaltura', 'entra']).default('kaltura'),
    groups: z.array(z.string().min(1)).default([]),
    userIdSource: z.enum(['upn', 'azure-id']).default('upn'),
    userIdSuffixMethod: z.enum(['none', 'remove', 'append']).default('none'),
    userIdSuffix: z.string().default(''),
    userSearchMethod: z.enum(['id', 'email', 'all']).default('id'),
    userNotFoundMethod: z.enum(['create', 'assign-default']).default('create'),
    defaultUserId: z.string().default(''),
    coOrganizerRoles: roles.default(['co-editors', 'co-publishers']),
    presentersRoles: roles.default(['co-viewers']),
    attendeesRoles: roles
      .refine((r) => !r.includes('co-editors'), 'attendees can be co-viewers or co-publishers only')
      .refine((r) => r.length <= 1, 'attendees get one role at most')
      .default([]),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.userNotFoundMethod === 'assign-default' && !s.defaultUserId) {
      ctx.addIssue({ code: 'custom', path: ['defaultUserId'], message: 'a default user is needed when unknown users are assigned to it' });
    }
    if (s.userIdSuffixMethod !== 'none' && !s.userIdSuffix) {
      ctx.addIssue({ code: 'custom', path: ['userIdSuffix'], message: 'a postfix is needed to add or remove one' });
    }
    if (s.uploadScope !== 'all' && s.groups.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['groups'], message: `${s.uploadScope} needs at least one group` });
    }
  });

export type IntegrationSettings = z.infer<typeof IntegrationSettings>;
