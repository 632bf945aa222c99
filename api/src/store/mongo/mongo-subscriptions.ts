import type { Collection } from 'mongodb';
import type { SubscriptionRecord, SubscriptionTable } from '../tables.js';

export type SubscriptionDoc = Omit<SubscriptionRecord, 'id'> & { _id: string };

const toRecord = ({ _id, ...rest }: SubscriptionDoc): SubscriptionRecord => ({ id: _id, ...rest });

export function createMongoSubscriptionTable(col: Collection<SubscriptionDoc>): SubscriptionTable {
  return {
    async upsert(r) {
      const { id, createdAt, ...fields } = r;
      await col.updateOne({ _id: id }, { $set: fields, $setOnInsert: { createdAt } }, { upsert: true });
      const doc = await col.findOne({ _id: id });
      return doc ? toRecord(doc) : r;
    },
    async get(id) {
      const doc = await col.findOne({ _id: id });
      return doc ? toRecord(doc) : null;
    },
    async listByIntegration(integrationId) {
      return (await col.find({ integrationId }).sort({ expiresAt: 1, _id: 1 }).toArray()).map(toRecord);
    },
    async listExpiringBefore(time) {
      return (await col.find({ expiresAt: { $lt: time } }).sort({ expiresAt: 1, _id: 1 }).toArray()).map(toRecord);
    },
    async delete(id) {
      return (await col.deleteOne({ _id: id })).deletedCount === 1;
    },
  };
}
