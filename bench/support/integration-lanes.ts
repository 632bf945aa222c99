import { loadFixtureFile, parseFixture } from '../../sandbox/fixture/load-fixture.js';
import type { Fixture } from '../../sandbox/fixture/schema.js';
import { demoFixturePath, syntheticMeetings, type SyntheticRecording } from './synthetic-fixture.js';

/**
 * Several integrations, each with a backlog of its own. Integrations in one tenant each see every
 * recording in it (Graph subscriptions and sweeps are tenant-wide, upload scope is applied after), and
 * the Graph emulator serves one tenant; so here each integration gets its own app registration and
 * its own Graph emulator (a lane, see graph-lanes.ts) holding only its meetings, as if it were its own
 * organization. Entra ID (which knows every app registration), the Kaltura partner and the Bot
 * Connector are shared.
 */
export interface IntegrationLanes {
  /** every app registration and integration, no meetings: for the shared emulators and the app's seed */
  fixture: Fixture;
  /** per integration: its app registration, its integration and its meetings */
  lanes: Fixture[];
  recordings: SyntheticRecording[];
}

export async function integrationLanes(count: number, perIntegration: number, size: number): Promise<IntegrationLanes> {
  const demo = await loadFixtureFile(demoFixturePath());
  const app = demo.appRegistrations[0]!;
  const integration = demo.integrations[0]!;
  const lanes = Array.from({ length: count }, (_, k) => {
    // the demo's client id with its last byte replaced: still a GUID, one per lane
    const clientId = `${app.clientId.slice(0, -2)}${k.toString(16).padStart(2, '0')}`;
    return {
      appRegistration: { ...app, clientId, displayName: `${app.displayName} ${k + 1}` },
      integration: { ...integration, name: `${integration.name} ${k + 1}`, appClientId: clientId },
      recordings: Array.from({ length: perIntegration }, (_, i) => ({ id: `bench-lane${k}-${i}`, size, seed: `bench-lane${k}-${i}`, available: true })),
    };
  });
  const description = `bench: ${count} integrations, ${perIntegration} recordings each`;
  return {
    fixture: parseFixture(
      { ...demo, description, appRegistrations: lanes.map((l) => l.appRegistration), integrations: lanes.map((l) => l.integration), meetings: [] },
      'the integrations fixture',
    ),
    lanes: lanes.map((l, k) =>
      parseFixture(
        { ...demo, description: `${description}: lane ${k + 1}`, appRegistrations: [l.appRegistration], integrations: [l.integration], meetings: syntheticMeetings(demo, l.recordings) },
        `the fixture of lane ${k + 1}`,
      ),
    ),
    recordings: lanes.flatMap((l) => l.recordings),
  };
}
