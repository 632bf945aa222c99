/**
 * Which integration ("lane") gets the next claim. Shared by both adapters so that fairness means the
 * same thing on SQLite and MongoDB (see JobRepository.claim).
 */
import type { ClaimRequest } from './model.js';

export interface LaneHead {
  integrationId: string;
  /** active jobs of this integration now */
  active: number;
  /** its best due job */
  head: { notBefore: number; createdAt: number; id: string };
}

/** Whether the request lets this integration be claimed from at all. */
export function laneEligible(
  integrationId: string,
  request: Pick<ClaimRequest, 'integrationIds' | 'excludeIntegrationIds' | 'maxActivePerIntegration'>,
  paused: ReadonlySet<string>,
  active: number,
): boolean {
  if (paused.has(integrationId)) return false;
  if (request.integrationIds && !request.integrationIds.includes(integrationId)) return false;
  if (request.excludeIntegrationIds?.includes(integrationId)) return false;
  const cap = request.maxActivePerIntegration;
  return cap === undefined || active < cap;
}

/** Fewest active first; then the head that has been due longest; then oldest; then by id for a stable order. */
export function compareLanes(a: LaneHead, b: LaneHead): number {
  return (
    a.active - b.active ||
    a.head.notBefore - b.head.notBefore ||
    a.head.createdAt - b.head.createdAt ||
    (a.integrationId < b.integrationId ? -1 : a.integrationId > b.integrationId ? 1 : 0)
  );
}

export function validateCap(request: ClaimRequest): void {
  const cap = request.maxActivePerIntegration;
  if (cap !== undefined && (!Number.isInteger(cap) || cap < 1)) {
    throw new RangeError('maxActivePerIntegration must be a positive integer');
  }
}
