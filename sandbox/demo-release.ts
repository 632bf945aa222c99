import { createTlsTrust } from '../api/src/net/tls-trust.js';
import type { Emulators } from './emulators.js';
import type { Fixture } from './fixture/schema.js';

export interface Release {
  kind: 'recording' | 'transcript';
  id: string;
  subject: string;
}

/**
 * The recordings and transcripts a fixture holds back, meetings' and ad hoc calls', in the order they
 * ended. A call's transcript goes first: Teams makes both as the call ends, and with the transcript
 * already there the entry can name who else spoke.
 */
export function pendingReleases(fixture: Fixture): Release[] {
  const name = (id: string) => fixture.users.find((u) => u.id.toLowerCase() === id.toLowerCase())?.displayName ?? id;
  const sessions = [
    ...fixture.meetings.map((m) => ({
      end: m.endDateTime,
      releases: [
        ...m.recordings.filter((r) => !r.available).map((r) => ({ kind: 'recording' as const, id: r.id, subject: m.subject })),
        ...m.transcripts.filter((t) => !t.available).map((t) => ({ kind: 'transcript' as const, id: t.id, subject: m.subject })),
      ],
    })),
    ...(fixture.calls ?? []).map((call) => {
      const subject = `call of ${name(call.initiatorId)} with ${call.participants.map((p) => p.displayName ?? ('userId' in p && p.userId ? name(p.userId) : p.phoneNumber ?? 'someone')).join(', ')}`;
      return {
        end: call.endDateTime,
        releases: [
          ...call.transcripts.filter((t) => !t.available).map((t) => ({ kind: 'transcript' as const, id: t.id, subject })),
          ...call.recordings.filter((r) => !r.available).map((r) => ({ kind: 'recording' as const, id: r.id, subject })),
        ],
      };
    }),
  ];
  return sessions.sort((a, b) => a.end.localeCompare(b.end)).flatMap((s) => s.releases);
}

/**
 * Plays the part of Teams finishing recordings after the sandbox starts: every `intervalMs` the next
 * held-back recording or transcript becomes available in the emulated Graph, which notifies the
 * app's live subscriptions, just as a real meeting ending would.
 */
export function scheduleReleases(
  emulators: Emulators,
  releases: Release[],
  intervalMs: number,
  say: (line: string) => void,
): () => void {
  const timers = releases.map((r, i) =>
    setTimeout(() => {
      fetchAvailable(emulators, r).then(
        () => say(`sandbox: the ${r.kind} of "${r.subject}" is now available in the emulated tenant`),
        (err: unknown) => say(`sandbox: could not release the ${r.kind} of "${r.subject}": ${(err as Error).message}`),
      );
    }, intervalMs * (i + 1)),
  );
  return () => timers.forEach(clearTimeout);
}

async function fetchAvailable(emulators: Emulators, r: Release): Promise<void> {
  const trust = createTlsTrust(emulators.tls.caCertPem);
  try {
    const res = await trust.fetch(`${emulators.graph.url}/__control/${r.kind}s/${encodeURIComponent(r.id)}/available`, { method: 'POST' });
    if (!res.ok) throw new Error(`HTTP ${res.status} ${await res.text()}`);
  } finally {
    await trust.dispatcher.close();
  }
}
