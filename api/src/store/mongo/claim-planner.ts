import type { Collection, Filter } from 'mongodb';
import { performance } from 'node:perf_hooks';
import { compareLanes, laneEligible, type LaneHead } from '../fairness.js';
import type { ClaimRequest } from '../model.js';
import type { JobDoc } from './job-documents.js';

/**
 * Claim candidates for one kind of claim request, read in one go and used for many claims.
 *
 * Finding "the next due job of each integration" takes several queries; on FerretDB 1.x each of them
 * reads the whole collection. So a process reads a batch of candidates per integration plus the
 * active counts, then claims from that snapshot, trying each candidate with an atomic revision commit
 * (a candidate another process took simply loses). The snapshot is dropped when it gets old (a few
 * times as old as it took to read, within bounds), when this process does something that makes jobs
 * claimable, and before a claim answers "nothing to do" (which only a read of its own may tell), so
 * a stale snapshot never hides work.
 * Claims that find the snapshot old at the same moment share one read instead of each making its own.
 */
export interface ClaimPlan {
  /** identifies the read behind this plan; a later read has a higher number */
  readonly seq: number;
  readonly fresh: boolean;
  /**
   * read by another claim (a snapshot or a read it began): its candidates may be taken already, and
   * a read is limited to a batch per integration, so running dry proves nothing until a claim's own
   * read does
   */
  readonly shared: boolean;
  /** takes the next candidate by the fairness rules, or null */
  next(request: ClaimRequest, paused: ReadonlySet<string>): JobDoc | null;
}

export interface ClaimPlannerOptions {
  /** candidates read per integration */
  batch: number;
  minAgeMs: number;
  maxAgeMs: number;
}

interface Lane {
  active: number;
  queue: JobDoc[];
}

interface Snapshot {
  seq: number;
  builtAt: number;
  maxAgeMs: number;
  lanes: Map<string, Lane>;
}

const CLAIM_ORDER = { priority: -1, notBefore: 1, createdAt: 1, _id: 1 } as const;

export interface ClaimPlanner {
  /**
   * A plan from the current snapshot, or from a new read when it is old. With `after` (the seq of a
   * plan that ran dry), only a read begun after that one will do.
   */
  plan(request: ClaimRequest, paused: ReadonlySet<string>, now: number, after?: number): Promise<ClaimPlan>;
  /** the seq of the newest read begun so far; reads begun later have higher numbers */
  lastSeq(): number;
  /** jobs became claimable through this process (enqueue, release, resume…) */
  invalidate(): void;
  noteClaimed(integrationId: string): void;
  noteFinished(integrationId: string): void;
}

export function createClaimPlanner(jobs: Collection<JobDoc>, options: ClaimPlannerOptions): ClaimPlanner {
  const snapshots = new Map<string, Snapshot>();
  const reading = new Map<string, { seq: number; generation: number; snapshot: Promise<Snapshot> }>();
  let seq = 0;
  /** bumped by invalidate(): a read begun before the bump may miss what caused it */
  let generation = 0;

  const keyOf = (r: ClaimRequest) =>
    JSON.stringify([r.kinds ? [...r.kinds].sort() : null, r.integrationIds ? [...r.integrationIds].sort() : null, r.excludeIntegrationIds ?? null]);

  const build = async (request: ClaimRequest, paused: ReadonlySet<string>, now: number, buildSeq: number): Promise<Snapshot> => {
    const started = performance.now();
    const due: Filter<JobDoc> = { state: 'queued', notBefore: { $lte: now } };
    if (request.kinds) due.kind = { $in: [...request.kinds] };
    if (request.integrationIds) due.integrationId = { $in: [...request.integrationIds] };
    const [activeDocs, laneIds] = await Promise.all([
      jobs.find({ state: 'active' }, { projection: { integrationId: 1 } }).toArray(),
      jobs.distinct('integrationId', due) as Promise<string[]>,
    ]);
    const activeCounts = new Map<string, number>();
    for (const d of activeDocs) activeCounts.set(d.integrationId, (activeCounts.get(d.integrationId) ?? 0) + 1);
    const wanted = laneIds.filter((id) => !paused.has(id) && !request.excludeIntegrationIds?.includes(id));
    const queues = await Promise.all(
      wanted.map((integrationId) => jobs.find({ ...due, integrationId }).sort(CLAIM_ORDER).limit(options.batch).toArray()),
    );
    const lanes = new Map<string, Lane>();
    wanted.forEach((id, i) => lanes.set(id, { active: activeCounts.get(id) ?? 0, queue: queues[i] ?? [] }));
    const took = performance.now() - started;
    return { seq: buildSeq, builtAt: performance.now(), maxAgeMs: Math.min(options.maxAgeMs, Math.max(options.minAgeMs, took * 5)), lanes };
  };

  const planOf = (snapshot: Snapshot, fresh: boolean, shared: boolean): ClaimPlan => ({
    seq: snapshot.seq,
    fresh,
    shared,
    next(request, paused) {
      let best: { lane: LaneHead; queue: JobDoc[] } | null = null;
      for (const [integrationId, lane] of snapshot.lanes) {
        const head = lane.queue[0];
        if (!head || !laneEligible(integrationId, request, paused, lane.active)) continue;
        const candidate: LaneHead = {
          integrationId,
          active: lane.active,
          head: { notBefore: head.notBefore, createdAt: head.createdAt, id: head._id },
        };
        if (!best || compareLanes(candidate, best.lane) < 0) best = { lane: candidate, queue: lane.queue };
      }
      return best ? (best.queue.shift() ?? null) : null;
    },
  });

  const adjust = (integrationId: string, delta: number) => {
    for (const s of snapshots.values()) {
      const lane = s.lanes.get(integrationId);
      if (lane) lane.active = Math.max(0, lane.active + delta);
    }
  };

  return {
    async plan(request, paused, now, after) {
      const key = keyOf(request);
      const existing = snapshots.get(key);
      if (existing && (after === undefined ? performance.now() - existing.builtAt < existing.maxAgeMs : existing.seq > after)) {
        return planOf(existing, after !== undefined, true);
      }
      const inFlight = reading.get(key);
      if (inFlight && inFlight.generation === generation && (after === undefined || inFlight.seq > after)) {
        return planOf(await inFlight.snapshot, true, true);
      }
      const read = { seq: ++seq, generation, snapshot: build(request, paused, now, seq) };
      reading.set(key, read);
      try {
        const snapshot = await read.snapshot;
        const latest = snapshots.get(key);
        if (read.generation === generation && (!latest || latest.seq < snapshot.seq)) snapshots.set(key, snapshot);
        return planOf(snapshot, true, false);
      } finally {
        if (reading.get(key) === read) reading.delete(key);
      }
    },
    lastSeq() {
      return seq;
    },
    invalidate() {
      generation += 1;
      snapshots.clear();
    },
    noteClaimed(integrationId) {
      adjust(integrationId, +1);
    },
    noteFinished(integrationId) {
      adjust(integrationId, -1);
    },
  };
}
