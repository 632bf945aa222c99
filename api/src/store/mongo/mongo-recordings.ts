import type { Collection, Filter } from 'mongodb';
import type { Clock } from '../../clock.js';
import { compositeKey } from '../ids.js';
import type { Recording, RecordingState } from '../model.js';
import { decodeCursor, pageLimit, toPage } from '../paging.js';
import { countByDay, mergeRecording, readRecording } from '../recording-merge.js';
import type { RecordingRepository } from '../store.js';

export type RecordingDoc = Recording & { _id: string };

const toRecording = ({ _id: _key, ...r }: RecordingDoc): Recording => readRecording(r);
const SETTLED: RecordingState[] = ['archived', 'failed'];

/**
 * Recording history. Upserts are read-merge-write: the pipeline's lease on the recording's job makes
 * it the only writer, so last-writer-wins is enough here.
 */
export function createMongoRecordings(col: Collection<RecordingDoc>, clock: Clock): RecordingRepository {
  return {
    async upsert(key, patch) {
      const _id = compositeKey(key.integrationId, key.recordingId);
      const current = await col.findOne({ _id });
      const next = mergeRecording(key, current ? toRecording(current) : null, patch, clock.now());
      await col.replaceOne({ _id }, { ...next }, { upsert: true });
      return next;
    },
    async get(key) {
      const doc = await col.findOne({ _id: compositeKey(key.integrationId, key.recordingId) });
      return doc ? toRecording(doc) : null;
    },
    async list(query) {
      const limit = pageLimit(query);
      const cursor = decodeCursor(query.cursor);
      const filter: Filter<RecordingDoc> = {};
      if (query.integrationId !== undefined) filter.integrationId = query.integrationId;
      if (query.state !== undefined) filter.state = query.state;
      if (query.organizerId !== undefined) filter.organizerId = query.organizerId;
      if (cursor) filter.$or = [{ createdAt: { $lt: cursor.time } }, { createdAt: cursor.time, _id: { $lt: cursor.id } }];
      const docs = await col.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit + 1).toArray();
      const page = toPage(docs, limit, (d) => ({ time: d.createdAt, id: d._id }));
      return { items: page.items.map(toRecording), nextCursor: page.nextCursor };
    },
    async dailyOutcomes(integrationId, since) {
      // counted here, not with $group: not every MongoDB-protocol server runs the same aggregation stages
      const docs = await col
        .find({ integrationId, state: { $in: SETTLED }, settledAt: { $gte: since } }, { projection: { _id: 0, state: 1, settledAt: 1 } })
        .toArray();
      return countByDay(docs as Array<{ state: string; settledAt: number }>);
    },
    async lastArchivedAt(integrationId) {
      const [doc] = await col
        .find({ integrationId, state: 'archived', settledAt: { $ne: null } }, { projection: { _id: 0, settledAt: 1 } })
        .sort({ integrationId: 1, state: 1, settledAt: -1 })
        .limit(1)
        .toArray();
      return (doc?.settledAt as number | undefined) ?? null;
    },
  };
}
