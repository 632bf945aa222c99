import assert from 'node:assert/strict';
import type { Server } from 'restify';
import { createBodyBudget } from '../../../api/src/http/body-budget.js';
import { LIFECYCLE_PATH, NOTIFICATIONS_PATH, registerGraphWebhooks } from '../../../api/src/http/graph-webhook-routes.js';
import { createHttpServer, listen } from '../../../api/src/http/server.js';
import type { GraphSubscription } from '../../../api/src/store/model.js';
import { capturedLogger, rawSocket, statusOf } from './support.js';

const SUB: GraphSubscription = {
  id: 'sub-known',
  integrationId: 'int-1',
  resource: 'communications/onlineMeetings/getAllRecordings',
  changeType: 'created',
  expiresAt: Date.now() + 3_600_000,
  clientState: 'the-real-client-state',
  createdAt: 0,
  updatedAt: 0,
};

/** a meeting id of Graph's shape: base64 of `1*{organizerOid}*0**19:meeting_…@thread.v2` */
const MEETING = Buffer.from('1*00000000-0000-4000-8000-000000000001*0**19:meeting_abc@thread.v2').toString('base64');

function change(subscriptionId: string, clientState: string, recordingId = 'rec-1') {
  return {
    subscriptionId,
    clientState,
    changeType: 'created',
    resource: `communications/onlineMeetings('${MEETING}')/recordings('${recordingId}')`,
  };
}

describe('Graph webhook endpoints under attack', () => {
  let server: Server;
  let url: string;
  let log: ReturnType<typeof capturedLogger>;
  let enqueued: Array<{ idempotencyKey: string }>;
  let lookups: number;
  let storeDown: boolean;

  beforeEach(async () => {
    log = capturedLogger('info');
    enqueued = [];
    lookups = 0;
    storeDown = false;
    server = createHttpServer({ logger: log.logger, readiness: async () => ({ ok: true }) });
    registerGraphWebhooks(server, {
      subscriptions: {
        get: async (id: string) => {
          lookups += 1;
          if (storeDown) throw new Error('connection refused');
          return id === SUB.id ? SUB : null;
        },
      },
      jobs: {
        enqueue: async (job) => {
          if (storeDown) throw new Error('connection refused');
          const created = !enqueued.some((j) => j.idempotencyKey === job.idempotencyKey);
          if (created) enqueued.push(job);
          return { created, job: job as never };
        },
      },
      logger: log.logger,
      now: () => Date.now(),
      bodies: createBodyBudget({ budgetBytes: 8 * 1024 * 1024, idleTimeoutMs: 2_000, timeoutMs: 5_000 }),
    });
    url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  });
  afterEach(async () => {
    server.server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  it('a null item is malformed, answered 400, not 503 as if the store were down', async () => {
    for (const path of [NOTIFICATIONS_PATH, LIFECYCLE_PATH]) {
      const res = await post(path, { value: [null] });
      assert.equal(res.status, 400, path);
    }
    const mixed = await post(NOTIFICATIONS_PATH, { value: [null, 7, 'x', [], { clientState: 'no id' }, change(SUB.id, SUB.clientState)] });
    assert.equal(mixed.status, 202, 'the good item among bad ones is queued');
    assert.equal(enqueued.length, 1);
    const line = log.lines().at(-1)!;
    assert.equal(line.malformed, 5);
    assert.equal(line.queued, 1);
  });

  it('answers 503 only when the store fails', async () => {
    storeDown = true;
    const res = await post(NOTIFICATIONS_PATH, { value: [change(SUB.id, SUB.clientState)] });
    assert.equal(res.status, 503);
    assert.ok(res.headers.get('retry-after'));
  });

  it('an unknown subscription and a wrong clientState get the same answer, and neither is queued', async () => {
    const unknown = await post(NOTIFICATIONS_PATH, { value: [change('sub-unknown', 'guess')] });
    const wrong = await post(NOTIFICATIONS_PATH, { value: [change(SUB.id, 'guess')] });
    assert.equal(unknown.status, 202);
    assert.equal(wrong.status, unknown.status);
    assert.equal(await wrong.text(), await unknown.text());
    assert.deepEqual([...wrong.headers.keys()].filter((k) => k !== 'date').sort(), [...unknown.headers.keys()].filter((k) => k !== 'date').sort());
    assert.equal(enqueued.length, 0);

    const lifecycleUnknown = await post(LIFECYCLE_PATH, { value: [{ subscriptionId: 'sub-unknown', clientState: 'guess', lifecycleEvent: 'missed' }] });
    const lifecycleWrong = await post(LIFECYCLE_PATH, { value: [{ subscriptionId: SUB.id, clientState: 'guess', lifecycleEvent: 'missed' }] });
    assert.equal(lifecycleWrong.status, lifecycleUnknown.status);
    assert.equal(lifecycleWrong.status, 202);
    assert.equal(enqueued.length, 0);
  });

  it('a 1 MiB batch of forged items writes one short log line and reads the subscription once', async () => {
    const item = change(SUB.id, 'forged');
    const itemSize = JSON.stringify(item).length + 1;
    const count = Math.floor((1024 * 1024 - 20) / itemSize);
    const body = JSON.stringify({ value: Array.from({ length: count }, () => item) });
    assert.ok(body.length <= 1024 * 1024 && body.length > 1000 * 1024);
    const before = log.text().length;
    const res = await post(NOTIFICATIONS_PATH, body);
    assert.equal(res.status, 202);
    const written = log.text().slice(before);
    assert.equal(written.split('\n').filter(Boolean).length, 1, 'one line per request');
    assert.ok(written.length < 512, `log grew by ${written.length} bytes`);
    const line = JSON.parse(written) as Record<string, unknown>;
    assert.equal(line.rejected, count);
    assert.equal(line.queued, 0);
    assert.equal(lookups, 1);
    assert.equal(enqueued.length, 0);
  });

  it('logs each batch as one line of counts', async () => {
    await post(NOTIFICATIONS_PATH, { value: [change(SUB.id, SUB.clientState, 'a'), change(SUB.id, SUB.clientState, 'a'), change('sub-gone', 'x'), change(SUB.id, 'bad')] });
    const lines = log.lines();
    assert.equal(lines.length, 1);
    assert.deepEqual(
      { queued: lines[0]!.queued, duplicates: lines[0]!.duplicates, rejected: lines[0]!.rejected, ignored: lines[0]!.ignored, malformed: lines[0]!.malformed },
      { queued: 1, duplicates: 1, rejected: 1, ignored: 1, malformed: 0 },
    );
  });

  it('the validation echo is text/plain with nosniff on both endpoints', async () => {
    for (const path of [NOTIFICATIONS_PATH, LIFECYCLE_PATH]) {
      const res = await fetch(`${url}${path}?validationToken=${encodeURIComponent('<html><script>alert(1)</script>')}`, { method: 'POST' });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(await res.text(), '<html><script>alert(1)</script>');
    }
  });

  it('refuses a body declared over 1 MiB before reading it', async () => {
    const s = await rawSocket(Number(new URL(url).port));
    s.write(`POST ${NOTIFICATIONS_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${1024 * 1024 + 1}\r\n\r\n`);
    await s.gone;
    assert.equal(statusOf(s.received()), 413);
  });
});
