import type { Collection } from 'mongodb';
import type { JsonObject } from '../json.js';
import { parseJson } from '../json.js';
import type { IntegrationRecord, IntegrationTable } from '../tables.js';

/** Settings are stored as JSON text: admins' values may hold keys MongoDB-protocol servers refuse. */
export type IntegrationDoc = Omit<IntegrationRecord, 'id' | 'settings'> & { _id: string; settings: string };

const toDoc = ({ id, settings, ...rest }: IntegrationRecord): IntegrationDoc => ({ _id: id, ...rest, settings: JSON.stringify(settings) });
const toRecord = ({ _id, settings, ...rest }: IntegrationDoc): IntegrationRecord => ({
  id: _id,
  ...rest,
  settings: parseJson<JsonObject>(settings),
});

export function createMongoIntegrationTable(col: Collection<IntegrationDoc>): IntegrationTable {
  return {
    async insert(r) {
      await col.insertOne(toDoc(r));
    },
    async get(id) {
      const doc = await col.findOne({ _id: id });
      return doc ? toRecord(doc) : null;
    },
    async list() {
      return (await col.find({}).sort({ createdAt: 1, _id: 1 }).toArray()).map(toRecord);
    },
    async replace(r, expectedVersion) {
      const { _id, health: _health, createdAt: _createdAt, ...fields } = toDoc(r);
      return (await col.updateOne({ _id, version: expectedVersion }, { $set: fields })).matchedCount === 1;
    },
    async setHealth(id, health, expectedRev, updatedAt) {
      // a health written before revs existed has none: it counts as 0
      const rev = expectedRev === 0 ? { $or: [{ 'health.rev': 0 }, { 'health.rev': { $exists: false } }] } : { 'health.rev': expectedRev };
      return (await col.updateOne({ _id: id, ...rev }, { $set: { health, updatedAt } })).matchedCount === 1;
    },
    async delete(id) {
      return (await col.deleteOne({ _id: id })).deletedCount === 1;
    },
  };
}
