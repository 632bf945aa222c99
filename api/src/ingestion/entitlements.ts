import type { MeetingRole } from '../graph/graph-port.js';
import type { EntitlementRole, IntegrationSettings } from '../integrations/settings.js';
import { sameUserId } from './kaltura-user-id.js';

export interface Entitlements {
  edit: string[];
  publish: string[];
  view: string[];
}

type RoleSettings = Pick<IntegrationSettings, 'coOrganizerRoles' | 'presentersRoles' | 'attendeesRoles'>;

function rolesFor(role: MeetingRole, s: RoleSettings): EntitlementRole[] {
  switch (role) {
    case 'coorganizer':
      return s.coOrganizerRoles;
    case 'presenter':
      return s.presentersRoles;
    case 'attendee':
      return s.attendeesRoles;
    case 'organizer':
      return [];
  }
}

/**
 * Who may view, edit or publish the entry, from each participant's meeting role and the admin's
 * choices. The owner is never listed (the owner has every right already) and nobody appears twice in
 * a list; ids are compared without case, as Kaltura does.
 */
export function entitlementsFor(
  participants: Array<{ kalturaUserId: string; role: MeetingRole }>,
  ownerId: string,
  settings: RoleSettings,
): Entitlements {
  const lists: Record<EntitlementRole, string[]> = { 'co-editors': [], 'co-publishers': [], 'co-viewers': [] };
  for (const p of participants) {
    if (sameUserId(p.kalturaUserId, ownerId)) continue;
    for (const role of rolesFor(p.role, settings)) {
      const list = lists[role];
      if (!list.some((id) => sameUserId(id, p.kalturaUserId))) list.push(p.kalturaUserId);
    }
  }
  return { edit: lists['co-editors'], publish: lists['co-publishers'], view: lists['co-viewers'] };
}
