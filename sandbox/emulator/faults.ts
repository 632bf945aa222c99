import { z } from 'zod';

/**
 * Faults injected through `POST /__control/faults`: the next `count` requests matching the method and
 * the path (exact `path`, or the regular expression `pathPattern`) get this response instead of the
 * emulator's own.
 */
export const FaultSpec = z
  .object({
    method: z.string().optional().describe('any method when absent'),
    path: z.string().min(1).optional().describe('exact request path (raw or percent-decoded)'),
    pathPattern: z.string().min(1).optional().describe('regular expression tested against the raw path'),
    status: z.number().int().min(100).max(599).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.unknown().optional().describe('JSON value, or a string sent as is'),
    count: z.number().int().min(1).default(1),
    delayMs: z.number().int().min(0).default(0),
    resetConnection: z.boolean().default(false).describe('destroy the socket instead of answering'),
  })
  .strict()
  .refine((f) => (f.path === undefined) !== (f.pathPattern === undefined), {
    message: 'give exactly one of path and pathPattern',
  })
  .refine((f) => f.status !== undefined || f.resetConnection || f.delayMs > 0, {
    message: 'a fault needs a status, resetConnection or delayMs',
  });

export type FaultSpec = z.infer<typeof FaultSpec>;

interface ActiveFault extends FaultSpec {
  id: number;
  remaining: number;
  matcher: (path: string) => boolean;
}

export class FaultTable {
  private faults: ActiveFault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): number {
    const id = this.nextId++;
    const matcher = toMatcher(spec);
    this.faults.push({ ...spec, id, remaining: spec.count, matcher });
    return id;
  }

  /** Takes one use of the first fault matching this request, if any. */
  take(method: string, path: string): (FaultSpec & { id: number }) | undefined {
    const fault = this.faults.find(
      (f) => f.remaining > 0 && (!f.method || f.method.toUpperCase() === method.toUpperCase()) && f.matcher(path),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  list(): Array<FaultSpec & { id: number; remaining: number }> {
    return this.faults.map(({ matcher: _m, ...f }) => f);
  }

  clear(): void {
    this.faults = [];
  }
}

function toMatcher(spec: FaultSpec): (p: string) => boolean {
  if (spec.pathPattern !== undefined) {
    const regex = new RegExp(spec.pathPattern);
    return (p) => regex.test(p);
  }
  return (p) => p === spec.path || decodeSafe(p) === spec.path;
}

function decodeSafe(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    return p;
  }
}
