import type { TeamsUser } from '../graph/graph-port.js';
import type { IntegrationSettings } from '../integrations/settings.js';
import type { KalturaPort } from '../kaltura/kaltura-port.js';
import { kalturaUserIdFor } from './kaltura-user-id.js';

const BLOCKED = 0;

export type UserResolution =
  | { kind: 'found'; id: string }
  | { kind: 'created'; id: string }
  | { kind: 'default'; id: string }
  | { kind: 'missing'; id: string };

/**
 * Finds the Kaltura user for a Teams user by id, email or both, as the admin chose. When there is
 * none (or only a blocked one), `create` makes it from the Teams user and `assign-default` falls back
 * to the default user. With `createMissing: false` (participants) nothing is created: the caller
 * decides whether an unknown user may still be entitled.
 */
export async function resolveKalturaUser(
  kaltura: Pick<KalturaPort, 'getUser' | 'findUsersByEmail' | 'addUser'>,
  user: TeamsUser,
  settings: IntegrationSettings,
  options: { createMissing: boolean },
): Promise<UserResolution> {
  const candidateId = kalturaUserIdFor(user, settings);
  const byId = settings.userSearchMethod !== 'email';
  const byEmail = settings.userSearchMethod !== 'id';

  if (byId) {
    const found = await kaltura.getUser(candidateId);
    if (found && found.status !== BLOCKED) return { kind: 'found', id: found.id };
  }
  const email = user.mail || undefined;
  // without a mail, the e-mail search looks for the UPN as it is, as Kaltura's own integrations search
  // by the unmodified name (reference/kaltura-api.md §7.3): a UPN is often the address people have
  const searchFor = email ?? user.userPrincipalName;
  if (byEmail && searchFor) {
    const matches = (await kaltura.findUsersByEmail(searchFor)).filter((u) => u.status !== BLOCKED);
    if (matches[0]) return { kind: 'found', id: matches[0].id };
  }
  if (settings.userNotFoundMethod === 'assign-default') return { kind: 'default', id: settings.defaultUserId };
  if (!options.createMissing) return { kind: 'missing', id: candidateId };
  const existing = byId ? undefined : await kaltura.getUser(candidateId);
  if (existing) return { kind: 'found', id: existing.id };
  const created = await kaltura.addUser({
    id: candidateId,
    email,
    firstName: user.givenName ?? undefined,
    lastName: user.surname ?? undefined,
  });
  return { kind: 'created', id: created.id };
}
