import assert from 'node:assert/strict';
import type { Server } from 'restify';
import { createBodyBudget } from '../../../api/src/http/body-budget.js';
import { LIFECYCLE_PATH, NOTIFICATIONS_PATH, registerGraphWebhooks } from '../../../api/src/http/graph-webhook-routes.js';
import { createHttpServer, listen } from '../../../api/src/http/server.js';
import { receiveChangeNotifications, type NotificationDeps } from '../../../api/src/ingestion/graph-notifications.js';
import type { NewJob } from '../../../api/src/store/model.js';
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

// the demo fixture's ad hoc call (sandbox/fixtures/demo.json calls[0]): Megan → Lee
const INITIATOR = '00000000-0000-4000-8000-000000000001';
const CALL = '5c2e7b1a-9d4f-4e3b-8a6c-1f0e2d3c4b5a';
const CALL_RECORDING =
  'MyMjMTk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxXzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM0B1bnEuZ2JsLnNwYWNlcyMjNWMyZTdiMWEtOWQ0Zi00ZTNiLThhNmMtMWYwZTJkM2M0YjVhLTE3OTU1Mjg4MDUtUmVjb3JkaW5n';
const CALL_TRANSCRIPT =
  'MyMjMTk6MDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxXzAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwM0B1bnEuZ2JsLnNwYWNlcyMjNWMyZTdiMWEtOWQ0Zi00ZTNiLThhNmMtMWYwZTJkM2M0YjVhLTE3OTU1Mjg4MDUtVHJhbnNjcmlwdFYyIyMw';

const CALL_SUB: GraphSubscription = { ...SUB, id: 'sub-calls', resource: 'communications/adhocCalls/getAllRecordings', clientState: 'the-calls-client-state' };

/** Graph's shape of an ad hoc call artifact notification (resource, and resourceData with @odata.id). */
function callChange(kind: 'recordings' | 'transcripts', id: string, over: { resource?: unknown; odataId?: unknown; callId?: string; clientState?: string } = {}) {
  const callId = over.callId ?? CALL;
  return {
    subscriptionId: CALL_SUB.id,
    clientState: over.clientState ?? CALL_SUB.clientState,
    changeType: 'created',
    resource: 'resource' in over ? over.resource : `users/${INITIATOR}/adhocCalls/${callId}/${kind}/${id}`,
    resourceData: {
      id,
      '@odata.type': kind === 'recordings' ? '#Microsoft.Graph.callRecording' : '#Microsoft.Graph.callTranscript',
      '@odata.id': 'odataId' in over ? over.odataId : `users/${INITIATOR}/adhoccalls/${callId}/${kind}('${id}')`,
    },
    tenantId: '00000000-0000-4000-8000-00000000aaaa',
  };
}

describe('Graph change notifications of ad hoc calls', () => {
  let queued: NewJob[];
  let deps: NotificationDeps;

  beforeEach(() => {
    queued = [];
    deps = {
      subscriptions: { get: async (id: string) => [SUB, CALL_SUB].find((s) => s.id === id) ?? null },
      jobs: {
        enqueue: async (job) => {
          const created = !queued.some((j) => j.idempotencyKey === job.idempotencyKey);
          if (created) queued.push(job);
          return { created, job: job as never };
        },
      },
      logger: capturedLogger('info').logger,
      now: () => Date.now(),
    };
  });

  it('queues a call recording as an ingest-recording job with the call, the recording and the initiator', async () => {
    const outcome = await receiveChangeNotifications(deps, { value: [callChange('recordings', CALL_RECORDING)] });
    assert.deepEqual([outcome.status, outcome.queued, outcome.ignored, outcome.duplicates], [202, 1, 0, 0]);
    assert.equal(queued.length, 1);
    const job = queued[0]!;
    assert.equal(job.kind, 'ingest-recording');
    assert.equal(job.integrationId, CALL_SUB.integrationId);
    assert.deepEqual(job.payload, { callId: CALL, recordingId: CALL_RECORDING, organizerId: INITIATOR, source: 'notification' });
    assert.equal(job.idempotencyKey, `recording:${CALL_SUB.integrationId}:${CALL_RECORDING}`);
  });

  it('queues a call transcript as an attach-transcript job with the call', async () => {
    const outcome = await receiveChangeNotifications(deps, { value: [callChange('transcripts', CALL_TRANSCRIPT)] });
    assert.deepEqual([outcome.status, outcome.queued], [202, 1]);
    const job = queued[0]!;
    assert.equal(job.kind, 'attach-transcript');
    assert.deepEqual(job.payload, { callId: CALL, transcriptId: CALL_TRANSCRIPT, organizerId: INITIATOR, source: 'notification' });
    assert.equal(job.idempotencyKey, `transcript:${CALL_SUB.integrationId}:${CALL_TRANSCRIPT}`);
  });

  it('falls back to resourceData @odata.id when the resource cannot be read', async () => {
    for (const resource of [undefined, 42, '', 'users/someone/adhocCalls/x/recordings/y', `users/${INITIATOR}/adhoccalls/adhocCalls/${CALL}/recordings/${CALL_RECORDING}`]) {
      queued = [];
      const outcome = await receiveChangeNotifications(deps, { value: [callChange('recordings', CALL_RECORDING, { resource })] });
      assert.deepEqual([outcome.queued, outcome.ignored], [1, 0], JSON.stringify(resource));
      assert.deepEqual(queued[0]!.payload, { callId: CALL, recordingId: CALL_RECORDING, organizerId: INITIATOR, source: 'notification' });
    }
    // the @odata.id in the other form Graph writes, with the call in parentheses and any case
    queued = [];
    const odataId = `Users/${INITIATOR.toUpperCase()}/AdhocCalls('${CALL.toUpperCase()}')/Transcripts('${CALL_TRANSCRIPT}')`;
    await receiveChangeNotifications(deps, { value: [callChange('transcripts', CALL_TRANSCRIPT, { resource: 'garbage', odataId })] });
    assert.deepEqual(queued[0]?.payload, { callId: CALL, transcriptId: CALL_TRANSCRIPT, organizerId: INITIATOR, source: 'notification' });
  });

  it('ignores a forged call notification whose ids are not Graph\'s, and queues nothing', async () => {
    const forged = [
      callChange('recordings', CALL_RECORDING, { callId: '..' }),
      callChange('recordings', CALL_RECORDING, { callId: 'not-a-call' }),
      callChange('recordings', CALL_RECORDING, { callId: `${CALL}/../../x` }),
      callChange('recordings', '..'),
      callChange('recordings', 'a?b=1'),
      callChange('recordings', CALL_RECORDING, { resource: `users/${INITIATOR}/adhocCalls/${CALL}/recordings/${CALL_RECORDING}/content`, odataId: undefined }),
      callChange('recordings', CALL_RECORDING, { resource: undefined, odataId: `users/${INITIATOR}/adhoccalls('..')/recordings('${CALL_RECORDING}')` }),
      callChange('recordings', CALL_RECORDING, { resource: undefined, odataId: { nested: 'object' } }),
    ];
    const outcome = await receiveChangeNotifications(deps, { value: forged });
    assert.deepEqual([outcome.status, outcome.queued, outcome.ignored, outcome.rejected], [202, 0, forged.length, 0]);
    assert.equal(queued.length, 0);
  });

  it('a good resource with a bad @odata.id is taken from the resource; a bad resource does not make a bad @odata.id good', async () => {
    const good = callChange('recordings', CALL_RECORDING, { odataId: "users/x/adhoccalls('..')/recordings('..')" });
    assert.equal((await receiveChangeNotifications(deps, { value: [good] })).queued, 1);
    queued = [];
    const bothBad = callChange('recordings', CALL_RECORDING, { resource: `users/${INITIATOR}/adhocCalls/../recordings/${CALL_RECORDING}`, odataId: `users/${INITIATOR}/adhoccalls/../recordings('${CALL_RECORDING}')` });
    assert.equal((await receiveChangeNotifications(deps, { value: [bothBad] })).ignored, 1);
    assert.equal(queued.length, 0);
  });

  it('rejects a call notification with the wrong clientState', async () => {
    const outcome = await receiveChangeNotifications(deps, { value: [callChange('recordings', CALL_RECORDING, { clientState: 'guess' })] });
    assert.deepEqual([outcome.queued, outcome.rejected], [0, 1]);
    assert.equal(queued.length, 0);
  });

  it('queues the same notification once, and counts the repeat as a duplicate', async () => {
    const n = callChange('recordings', CALL_RECORDING);
    const first = await receiveChangeNotifications(deps, { value: [n, n] });
    assert.deepEqual([first.queued, first.duplicates], [1, 1]);
    // Graph's retry of the same notification in a later batch, and the same recording in the other form
    const retry = await receiveChangeNotifications(deps, { value: [n, callChange('recordings', CALL_RECORDING, { resource: undefined })] });
    assert.deepEqual([retry.queued, retry.duplicates], [0, 2]);
    assert.equal(queued.length, 1);
  });

  it('keeps meeting notifications as they were beside call ones', async () => {
    const outcome = await receiveChangeNotifications(deps, { value: [change(SUB.id, SUB.clientState, 'rec-m'), callChange('recordings', CALL_RECORDING)] });
    assert.equal(outcome.queued, 2);
    assert.deepEqual(queued[0]!.payload, { meetingId: MEETING, recordingId: 'rec-m', organizerId: INITIATOR, source: 'notification' });
    assert.equal((queued[1]!.payload as { callId?: string }).callId, CALL);
  });
});
