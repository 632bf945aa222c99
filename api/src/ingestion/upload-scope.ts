import type { IntegrationContext } from './integration-context.js';

/**
 * Why a recording is outside the integration's upload scope, or undefined when it is in. Kaltura
 * groups are checked for the organizer's Kaltura user (as Kaltura's own integrations do); Entra groups
 * for the organizer's Entra id, transitively. It is asked before the owner is created in Kaltura, so
 * `owner` may not exist yet: such a user is in no Kaltura group.
 */
export async function outOfScopeReason(
  c: IntegrationContext,
  organizerId: string,
  owner: { kalturaUserId: string; exists: boolean },
): Promise<string | undefined> {
  const { uploadScope, groupSource, groups } = c.settings;
  if (uploadScope === 'all') return undefined;
  const memberOf =
    groupSource === 'entra'
      ? await c.graph.memberGroups(organizerId, groups)
      : owner.exists
        ? (await c.kaltura.groupIdsOf(owner.kalturaUserId)).filter((g) => groups.some((wanted) => wanted.toLowerCase() === g.toLowerCase()))
        : [];
  const where = groupSource === 'entra' ? 'Entra' : 'Kaltura';
  if (uploadScope === 'opt-in' && memberOf.length === 0) {
    return `The organizer is in none of the opt-in ${where} groups (${groups.join(', ')}).`;
  }
  if (uploadScope === 'opt-out' && memberOf.length > 0) {
    return `The organizer is in the opt-out ${where} group ${memberOf.join(', ')}.`;
  }
  return undefined;
}
