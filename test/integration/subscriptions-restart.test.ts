import assert from 'node:assert/strict';
import { startAppHarness, waitFor, type AppHarness } from '../support/app-harness.js';

type GraphState = { subscriptions: Array<{ id: string; resource: string }> };

/**
 * Graph forgot the app's subscriptions while the app was down (Graph's side restarted, as the
 * sandbox's emulators do on a new `npm start`): at start the app finds out and subscribes again,
 * without waiting for a renewal window.
 */
describe('subscriptions after a restart', function () {
  let h: AppHarness;
  after(() => h?.close());

  it('an enabled integration whose subscriptions Graph no longer knows gets them again at start', async () => {
    // a long check period: only the start-up round can bring them back within this test
    h = await startAppHarness(undefined, { SUBSCRIPTION_CHECK_MS: '86400000' });
    const state = () => h.e.control<GraphState>(h.e.graph, 'GET', '/__control/state');
    const before = await waitFor('four subscriptions', async () => ((await state()).subscriptions.length === 4 ? (await state()).subscriptions : undefined));
    const integrationId = (await h.app.store.integrations.list())[0]!.id;

    await h.app.close();
    await h.e.control(h.e.graph, 'POST', '/__control/reset');
    assert.equal((await state()).subscriptions.length, 0);
    assert.equal((await h.app.store.subscriptions.listByIntegration(integrationId).catch(() => [])).length, 0, 'the closed store answers nothing');

    await h.restart();
    const after = await waitFor('four subscriptions again', async () => {
      const s = (await state()).subscriptions;
      return s.length === 4 ? s : undefined;
    });
    assert.deepEqual(after.map((s) => s.resource).sort(), before.map((s) => s.resource).sort());
    assert.equal(after.some((s) => before.some((b) => b.id === s.id)), false, 'new subscriptions, not the forgotten ones');
    const stored = await h.app.store.subscriptions.listByIntegration(integrationId);
    assert.deepEqual(stored.map((s) => s.id).sort(), after.map((s) => s.id).sort(), 'the app keeps only the ones Graph knows');
  });
});
