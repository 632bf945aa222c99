import type { Collection } from 'mongodb';
import type { JsonObject } from '../json.js';
import { parseJson } from '../json.js';
import type { IntegrationHealth } from '../model.js';
import type { IntegrationRecord, IntegrationTable } from '../tables.js';
import { isDuplicateKey } from './mongo-errors.js';

/** Settings are stored as JSON text: admins' values may hold keys MongoDB-protocol servers refuse. */
export type IntegrationDoc = Omit<IntegrationRecord, 'id' | 'settings'> & { _id: string; settings: string };

/** One revision of an integration's health, under a unique `<integration id>:<rev>`. */
export interface HealthRevisionDoc {
  _id: string;
  integrationId: string;
  rev: number;
  health: IntegrationHealth;
}

/** Revisions kept behind the newest: enough for a slow reader, few enough to stay small. */
const KEEP_REVISIONS = 5;

const toDoc = ({ id, settings, ...rest }: IntegrationRecord): IntegrationDoc => ({ _id: id, ...rest, settings: JSON.stringify(settings) });
const toRecord = ({ _id, settings, ...rest }: IntegrationDoc): IntegrationRecord => ({
  id: _id,
  ...rest,
  settings: parseJson<JsonObject>(settings),
});

/**
 * Integrations, with health's compare-and-set made of an insert under a unique id (`<id>:<rev>`):
 * the one conditional write every MongoDB-protocol server makes atomic (FerretDB's conditional
 * updates are not: several writers of the same rev all "win" there). The newest revision is the
 * health; the copy on the integration's document only serves a record never written since.
 */
export function createMongoIntegrationTable(col: Collection<IntegrationDoc>, healthCol: Collection<HealthRevisionDoc>): IntegrationTable {
  const newestHealth = async (id: string) => (await healthCol.find({ integrationId: id }).sort({ integrationId: 1, rev: -1 }).limit(1).toArray())[0];
  const withHealth = async (doc: IntegrationDoc): Promise<IntegrationRecord> => {
    const newest = await newestHealth(doc._id);
    const record = toRecord(doc);
    return newest && newest.rev > (doc.health.rev ?? 0) ? { ...record, health: newest.health } : record;
  };
  return {
    async insert(r) {
      await col.insertOne(toDoc(r));
    },
    async get(id) {
      const doc = await col.findOne({ _id: id });
      return doc ? withHealth(doc) : null;
    },
    async list() {
      const docs = await col.find({}).sort({ createdAt: 1, _id: 1 }).toArray();
      return Promise.all(docs.map(withHealth));
    },
    async replace(r, expectedVersion) {
      const { _id, health: _health, createdAt: _createdAt, ...fields } = toDoc(r);
      return (await col.updateOne({ _id, version: expectedVersion }, { $set: fields })).matchedCount === 1;
    },
    async setHealth(id, health, expectedRev, updatedAt) {
      const doc = await col.findOne({ _id: id });
      if (!doc) return false;
      const current = (await newestHealth(id))?.rev ?? doc.health.rev ?? 0;
      if (current !== expectedRev) return false;
      try {
        await healthCol.insertOne({ _id: `${id}:${health.rev}`, integrationId: id, rev: health.rev, health });
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
      await col.updateOne({ _id: id }, { $set: { updatedAt } });
      await healthCol.deleteMany({ integrationId: id, rev: { $lt: health.rev - KEEP_REVISIONS } });
      return true;
    },
    async delete(id) {
      const deleted = (await col.deleteOne({ _id: id })).deletedCount === 1;
      await healthCol.deleteMany({ integrationId: id });
      return deleted;
    },
  };
}
