import type { Fixture } from './fixture/schema.js';

/**
 * What happened in Teams before the sandbox started: the app was installed for the people who have it
 * (the fixture's `teamsApp.installedFor`, else everyone). The emulated connector is told where the
 * bot listens and sends each install to it, signed as the Teams channel signs, so the bot stores the
 * conversations and welcomes each person, as it would have on the day.
 */
export async function installTeamsApp(connectorUrl: string, fixture: Fixture, appUrl: string): Promise<Array<{ user: string; status: number }>> {
  await post(connectorUrl, '/__control/settings', { messagingEndpoint: `${appUrl}/api/messages` });
  const people = fixture.teamsApp.installedFor ?? fixture.users.map((u) => u.id);
  const outcome: Array<{ user: string; status: number }> = [];
  for (const user of people) {
    const result = (await post(connectorUrl, '/__control/install', { user })) as { deliveries?: Array<{ status: number }> };
    const statuses = (result.deliveries ?? []).map((d) => d.status);
    outcome.push({ user, status: Math.max(0, ...statuses) });
  }
  return outcome;
}

async function post(base: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`the emulated connector answered ${res.status} to ${path}: ${text}`);
  return text ? JSON.parse(text) : undefined;
}
