import type { Collection, Filter } from 'mongodb';
import type { Clock } from '../../clock.js';
import { newAuditEntry } from '../audit-entry.js';
import { parseJson, type JsonObject } from '../json.js';
import type { AuditEntry } from '../model.js';
import { decodeCursor, pageLimit, toPage } from '../paging.js';
import type { AuditLog } from '../store.js';

export type AuditDoc = Omit<AuditEntry, 'id' | 'details'> & { _id: string; details: string };

const toEntry = ({ _id, details, ...rest }: AuditDoc): AuditEntry => ({ id: _id, ...rest, details: parseJson<JsonObject>(details) });

export function createMongoAudit(col: Collection<AuditDoc>, clock: Clock): AuditLog {
  return {
    async append(input) {
      const entry = newAuditEntry(input, clock.now());
      const { id, details, ...rest } = entry;
      await col.insertOne({ _id: id, ...rest, details: JSON.stringify(details) });
      return entry;
    },
    async list(query) {
      const limit = pageLimit(query);
      const cursor = decodeCursor(query.cursor);
      const filter: Filter<AuditDoc> = {};
      if (query.integrationId !== undefined) filter.integrationId = query.integrationId;
      if (cursor) filter.$or = [{ at: { $lt: cursor.time } }, { at: cursor.time, _id: { $lt: cursor.id } }];
      const docs = await col.find(filter).sort({ at: -1, _id: -1 }).limit(limit + 1).toArray();
      return toPage(docs.map(toEntry), limit, (e) => ({ time: e.at, id: e.id }));
    },
  };
}
