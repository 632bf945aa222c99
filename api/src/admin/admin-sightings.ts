import type { Clock } from '../clock.js';
import type { Logger } from '../logging/logger.js';
import type { AdminRepository } from '../store/store.js';
import type { AuthenticateAdmin } from './admin-principal.js';
import { AuthError } from './sso-auth.js';

/** A sighting is written again at most this often while nothing about the person changes. */
const REWRITE_AFTER_MS = 10 * 60_000;

/**
 * Remembers who held the admin role at their last console sign-in, for the bot (admin alerts, the
 * `status` command). Every authenticated call is a sighting; a verified token without the role
 * records the person as no longer an admin. Writes are kept to one per person per ten minutes unless
 * the answer changes, so a busy console does not write on every request.
 */
export function recordingAdminSightings(authenticate: AuthenticateAdmin, deps: { admins: Pick<AdminRepository, 'seen'>; clock: Clock; logger: Logger }): AuthenticateAdmin {
  const lastWritten = new Map<string, { isAdmin: boolean; at: number }>();
  const note = async (who: { tenantId: string; userId: string; name: string | null }, isAdmin: boolean): Promise<void> => {
    const key = `${who.tenantId}|${who.userId}`.toLowerCase();
    const now = deps.clock.now();
    const last = lastWritten.get(key);
    if (last && last.isAdmin === isAdmin && now - last.at < REWRITE_AFTER_MS) return;
    try {
      await deps.admins.seen({ tenantId: who.tenantId.toLowerCase(), userId: who.userId.toLowerCase(), name: who.name, isAdmin });
      lastWritten.set(key, { isAdmin, at: now });
    } catch (err) {
      // the console keeps working; the bot's view of admins is a little behind until the next call
      deps.logger.warn({ err, userId: who.userId }, 'could not record an admin sign-in');
    }
  };
  return async (authorization) => {
    try {
      const principal = await authenticate(authorization);
      await note(principal, true);
      return principal;
    } catch (err) {
      if (err instanceof AuthError && err.who) await note(err.who, false);
      throw err;
    }
  };
}
