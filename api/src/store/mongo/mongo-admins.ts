import type { Collection } from 'mongodb';
import type { Clock } from '../../clock.js';
import { byName, checkSighting } from '../admin-sightings.js';
import { compositeKey } from '../ids.js';
import type { AdminSighting } from '../model.js';
import type { AdminRepository } from '../store.js';
import { isDuplicateKey } from './mongo-errors.js';

/** `name` may be missing: FerretDB 1.24 drops a null given in `$setOnInsert`. */
export type AdminSightingDoc = Omit<AdminSighting, 'name'> & { _id: string; name?: string | null };

const toSighting = (doc: AdminSightingDoc): AdminSighting => ({
  tenantId: doc.tenantId,
  userId: doc.userId,
  name: doc.name ?? null,
  isAdmin: doc.isAdmin,
  seenAt: doc.seenAt,
});

export function createMongoAdmins(col: Collection<AdminSightingDoc>, clock: Clock): AdminRepository {
  return {
    async seen(input) {
      const s = checkSighting(input);
      const _id = compositeKey(s.tenantId, s.userId);
      const set = { tenantId: s.tenantId, userId: s.userId, isAdmin: s.isAdmin, seenAt: clock.now() };
      // a sighting without a name keeps the one an earlier sighting gave ($setOnInsert: null on a first one)
      const update = s.name === null ? { $set: set, $setOnInsert: { name: null } } : { $set: { ...set, name: s.name } };
      const write = () => col.findOneAndUpdate({ _id }, update, { upsert: true, returnDocument: 'after' });
      // two first sightings at once: one upsert inserts, the other may lose on _id; it then updates
      const doc = await write().catch((error: unknown) => {
        if (isDuplicateKey(error)) return write();
        throw error;
      });
      if (!doc) throw new Error('the sighting was not written');
      return toSighting(doc);
    },
    async get(tenantId, userId) {
      const doc = await col.findOne({ _id: compositeKey(tenantId, userId) });
      return doc ? toSighting(doc) : null;
    },
    async listAdmins(tenantId) {
      return (await col.find({ tenantId, isAdmin: true }).toArray()).map(toSighting).sort(byName);
    },
  };
}
