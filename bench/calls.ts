import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFixtureFile } from '../sandbox/fixture/load-fixture.js';
import type { Bench } from './metric.js';
import { archived, scenario, subscribed, until, type RequestLogEntry, type Scenario } from './support/pipeline-scenario.js';
import { demoFixturePath } from './support/synthetic-fixture.js';

/**
 * What one archived recording costs in calls to the services the app is rate-limited by:
 * graph_calls_per_recording and kaltura_calls_per_recording, every request in the Graph and Kaltura
 * emulators' request logs for the demo's "Sales kickoff" (5 MiB, participants, a transcript),
 * released as a meeting ending would (change notifications for the recording, then the transcript)
 * into an app that has nothing else to do: the logs are cleared once the start-up sweep's recording
 * is archived and no request has come for a while, and read once the organizer's card is sent and
 * none has come for a while again. Entra ID's token requests and the Bot Connector are not counted.
 * BENCH_CALLS_DETAIL=1 also writes the calls by path to stderr.
 */
const QUIET_MS = 2_000;

export const callsBench: Bench = {
  name: 'calls',
  async run(emit) {
    const fixture = await loadFixtureFile(demoFixturePath());
    const meeting = fixture.meetings.find((m) => m.recordings.some((r) => !r.available) && m.transcripts.some((t) => !t.available));
    if (!meeting) throw new Error('the demo fixture has no held-back meeting with a recording and a transcript');
    const recording = meeting.recordings[0]!;
    const transcript = meeting.transcripts[0]!;
    const alreadyThere = fixture.meetings.filter((m) => m.recordings.some((r) => r.available)).length;
    const root = await mkdtemp(join(tmpdir(), 'bench-calls-'));
    try {
      await scenario(root, 'calls', fixture, async (s) => {
        await s.startApp();
        await subscribed(s);
        await until('the start-up sweep\'s recordings archived', 120_000, 250, async () => ((await s.entries()).filter(archived).length >= alreadyThere ? true : undefined));
        await quiet(s);
        await Promise.all([s.emulators.graph, s.emulators.kaltura].map((e) => s.control(e, 'DELETE', '/__control/requests')));

        await s.release(recording.id);
        await s.release(transcript.id, 'transcript');
        const entry = await until(`"${meeting.subject}" archived with its transcript`, 120_000, 100, async () =>
          (await s.entries()).find((e) => e.referenceId === `Teams_${recording.id}` && archived(e) && e.captions.length === 1),
        );
        await until('the organizer\'s card', 60_000, 100, async () => {
          const messages = await s.control<unknown[]>(s.emulators.connector, 'GET', '/__control/messages');
          return messages.some((m) => JSON.stringify(m).includes(entry.id)) ? true : undefined;
        });
        await quiet(s);

        const graph = await s.control<RequestLogEntry[]>(s.emulators.graph, 'GET', '/__control/requests');
        const kaltura = await s.control<RequestLogEntry[]>(s.emulators.kaltura, 'GET', '/__control/requests');
        if (process.env['BENCH_CALLS_DETAIL']) process.stderr.write(`${JSON.stringify({ graph: byPath(graph), kaltura: byPath(kaltura) }, null, 2)}\n`);
        emit({ name: 'graph_calls_per_recording', value: graph.length, unit: 'calls' });
        emit({ name: 'kaltura_calls_per_recording', value: kaltura.length, unit: 'calls' });
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  },
};

/** until neither request log has grown for QUIET_MS */
async function quiet(s: Scenario): Promise<void> {
  const sizes = async () => (await Promise.all([s.emulators.graph, s.emulators.kaltura].map((e) => s.control<unknown[]>(e, 'GET', '/__control/requests')))).map((l) => l.length).join(',');
  let last = await sizes();
  let since = Date.now();
  await until('the app to go quiet', 120_000, 250, async () => {
    const now = await sizes();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
    return Date.now() - since >= QUIET_MS ? true : undefined;
  });
}

/** ids (long path segments) folded, so the same call on other objects counts together */
function byPath(log: RequestLogEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of log) {
    const key = `${r.method} ${r.path.replace(/\/[^/]{24,}/g, '/{id}')}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
