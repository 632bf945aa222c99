import { loadFixtureFile, parseFixture } from '../../sandbox/fixture/load-fixture.js';
import type { Fixture, FixtureMeeting } from '../../sandbox/fixture/schema.js';

/** The demo fixture, found from source (tsx) or from dist/ (the built bench). */
export function demoFixturePath(): string {
  const relative = import.meta.url.endsWith('.ts') ? '../../sandbox/fixtures/demo.json' : '../../../sandbox/fixtures/demo.json';
  return new URL(relative, import.meta.url).pathname;
}

export interface SyntheticRecording {
  id: string;
  size: number;
  seed: string;
  /** false: held back until released through Graph's control API (which fires notifications) */
  available: boolean;
}

/** A Teams meeting id as Graph makes them: base64 of `1*{organizerOid}*0**19:meeting_…@thread.v2`. */
export function teamsMeetingId(organizerId: string, thread: string): string {
  return Buffer.from(`1*${organizerId}*0**19:meeting_${thread}@thread.v2`, 'utf8').toString('base64');
}

/**
 * One meeting per recording, organized in turn by the fixture's users who are Kaltura users already,
 * recorded within the last day (inside the first sweep's 30-day window), no participants and no
 * transcripts.
 */
export function syntheticMeetings(fixture: Fixture, recordings: SyntheticRecording[]): FixtureMeeting[] {
  const organizers = fixture.users.filter((u) => fixture.kaltura.users.some((k) => k.id === u.userPrincipalName)).map((u) => u.id);
  if (organizers.length === 0) throw new Error('the fixture has no user who is also a Kaltura user');
  const base = Date.now() - 24 * 3_600_000;
  return recordings.map((r, i) => {
    const start = base + i * 60_000;
    const end = start + 30 * 60_000;
    const organizerId = organizers[i % organizers.length]!;
    const thread = Buffer.from(`${r.id}`).toString('base64url');
    return {
      id: teamsMeetingId(organizerId, thread),
      organizerId,
      subject: `Synthetic meeting ${i + 1}`,
      startDateTime: new Date(start).toISOString(),
      endDateTime: new Date(end).toISOString(),
      joinWebUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${thread}%40thread.v2/0`,
      participants: [],
      recordings: [
        {
          id: r.id,
          createdDateTime: new Date(end + 60_000).toISOString(),
          endDateTime: new Date(end).toISOString(),
          size: r.size,
          seed: r.seed,
          available: r.available,
        },
      ],
      transcripts: [],
    };
  });
}

/**
 * The demo tenant, partner and integration with synthetic meetings (see syntheticMeetings) instead of
 * the demo's own, or after them (`keepDemoMeetings`).
 */
export async function syntheticFixture(
  recordings: SyntheticRecording[],
  options: { description?: string; keepDemoMeetings?: boolean } = {},
): Promise<Fixture> {
  const demo = await loadFixtureFile(demoFixturePath());
  const meetings = [...(options.keepDemoMeetings ? demo.meetings : []), ...syntheticMeetings(demo, recordings)];
  return parseFixture({ ...demo, description: options.description ?? 'synthetic', meetings }, 'the synthetic fixture');
}
