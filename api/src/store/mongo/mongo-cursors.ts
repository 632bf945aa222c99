import type { Collection } from 'mongodb';
import type { Clock } from '../../clock.js';
import { compositeKey } from '../ids.js';
import type { SyncCursor } from '../model.js';
import type { CursorRepository } from '../store.js';
import { requireText } from '../validate.js';

export type CursorDoc = SyncCursor & { _id: string };

const toCursor = ({ _id: _key, ...cursor }: CursorDoc): SyncCursor => cursor;

export function createMongoCursors(col: Collection<CursorDoc>, clock: Clock): CursorRepository {
  return {
    async get(integrationId, name) {
      const doc = await col.findOne({ _id: compositeKey(integrationId, name) });
      return doc ? toCursor(doc) : null;
    },
    async set(integrationId, name, value) {
      const cursor: SyncCursor = {
        integrationId: requireText('integrationId', integrationId, 200),
        name: requireText('name', name, 500),
        value: requireText('value', value, 20_000),
        updatedAt: clock.now(),
      };
      await col.replaceOne({ _id: compositeKey(integrationId, name) }, cursor, { upsert: true });
      return cursor;
    },
    async list(integrationId) {
      return (await col.find({ integrationId }).sort({ name: 1 }).toArray()).map(toCursor);
    },
    async delete(integrationId, name) {
      return (await col.deleteOne({ _id: compositeKey(integrationId, name) })).deletedCount === 1;
    },
  };
}
