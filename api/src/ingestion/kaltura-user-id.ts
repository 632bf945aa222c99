import type { TeamsUser } from '../graph/graph-port.js';
import type { IntegrationSettings } from '../integrations/settings.js';

type IdSettings = Pick<IntegrationSettings, 'userIdSource' | 'userIdSuffixMethod' | 'userIdSuffix'>;

/** Kaltura keeps ids up to 100 characters (its vendor engines truncate to 100). */
const MAX_ID = 100;

/**
 * The Kaltura user id a Teams user maps to: the UPN as it is, without or with a postfix, or the Azure
 * object id (admin guide, "Setting owner for recordings"). Postfix checks ignore case, as Kaltura's own
 * Zoom integration does.
 */
export function kalturaUserIdFor(user: Pick<TeamsUser, 'id' | 'userPrincipalName'>, s: IdSettings): string {
  if (s.userIdSource === 'azure-id') return user.id;
  const upn = user.userPrincipalName;
  const suffix = s.userIdSuffix;
  const endsWithSuffix = suffix !== '' && upn.toLowerCase().endsWith(suffix.toLowerCase());
  let id = upn;
  if (s.userIdSuffixMethod === 'remove' && endsWithSuffix) id = upn.slice(0, upn.length - suffix.length);
  if (s.userIdSuffixMethod === 'append' && !endsWithSuffix) id = upn + suffix;
  return id.slice(0, MAX_ID);
}

export function sameUserId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
