import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BodyError, createBodyBudget, sendBodyError, type BodyBudget, type BodyLimits } from '../../../api/src/http/body-budget.js';
import { eventually, rawSocket, statusOf } from './support.js';

const KiB = 1024;

describe('body budget: what request bodies may hold in memory', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    server = undefined;
  });

  /** a server echoing the size of each body it read, answering refusals as the app does */
  async function serve(limits: BodyLimits, maxBytes: number): Promise<{ budget: BodyBudget; port: number; read: number[] }> {
    const budget = createBodyBudget(limits);
    const read: number[] = [];
    server = createServer((req, res) => {
      budget.readBody(req, { maxBytes }).then(
        (body) => {
          read.push(body.length);
          res.end(String(body.length));
        },
        (err: unknown) => {
          if (err instanceof BodyError) sendBodyError(res, err);
          else res.destroy();
        },
      );
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return { budget, port: (server.address() as AddressInfo).port, read };
  }

  const head = (length: number | 'chunked') =>
    `POST /x HTTP/1.1\r\nhost: 127.0.0.1\r\n${length === 'chunked' ? 'transfer-encoding: chunked' : `content-length: ${length}`}\r\n\r\n`;

  it('reads a body that fits and gives its reservation back', async () => {
    const { budget, port } = await serve({ budgetBytes: 64 * KiB, idleTimeoutMs: 5_000, timeoutMs: 5_000 }, 32 * KiB);
    const res = await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: 'x'.repeat(20 * KiB) });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), String(20 * KiB));
    assert.equal(budget.reserved(), 0);
  });

  it('answers 413 from the Content-Length alone, before reading, and closes the connection', async () => {
    const { budget, port, read } = await serve({ budgetBytes: 64 * KiB, idleTimeoutMs: 5_000, timeoutMs: 5_000 }, 32 * KiB);
    const s = await rawSocket(port);
    s.write(head(33 * KiB)); // headers only: the answer must not wait for the body
    await s.gone;
    assert.equal(statusOf(s.received()), 413);
    assert.match(s.received(), /connection: close/i);
    assert.deepEqual(read, []);
    assert.equal(budget.reserved(), 0);
  });

  it('a chunked body growing past the cap is cut off with 413', async () => {
    const { budget, port } = await serve({ budgetBytes: 64 * KiB, idleTimeoutMs: 5_000, timeoutMs: 5_000 }, 8 * KiB);
    const s = await rawSocket(port);
    const chunk = 'y'.repeat(4 * KiB);
    s.write(head('chunked'));
    for (let i = 0; i < 3; i += 1) s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await s.gone;
    assert.equal(statusOf(s.received()), 413);
    assert.equal(budget.reserved(), 0);
  });

  it('holds the declared length of a slow body, and answers 503 with Retry-After to one that does not fit', async () => {
    const { budget, port } = await serve({ budgetBytes: 100 * KiB, idleTimeoutMs: 5_000, timeoutMs: 5_000 }, 64 * KiB);
    const slow = await rawSocket(port);
    slow.write(head(64 * KiB) + 'z'.repeat(KiB)); // 1 KiB of 64 sent, the rest never comes
    await eventually('the slow body reserved', () => budget.reserved() === 64 * KiB);

    const refused = await rawSocket(port);
    refused.write(head(40 * KiB)); // would take the budget to 104 KiB
    await refused.gone;
    assert.equal(statusOf(refused.received()), 503);
    assert.match(refused.received(), /retry-after: \d+/i);
    assert.equal(budget.reserved(), 64 * KiB, 'the refused body reserved nothing');

    const small = await fetch(`http://127.0.0.1:${port}/x`, { method: 'POST', body: 'w'.repeat(30 * KiB) });
    assert.equal(small.status, 200, 'a body that fits beside the slow one is still read');

    slow.destroy();
    await eventually('the aborted body released', () => budget.reserved() === 0);
  });

  it('a chunked body reserves as it arrives and is refused when the budget runs out', async () => {
    const { budget, port } = await serve({ budgetBytes: 1024 * KiB, idleTimeoutMs: 5_000, timeoutMs: 5_000 }, 1024 * KiB);
    const held = await rawSocket(port);
    held.write(head(1000 * KiB));
    await eventually('the held body reserved', () => budget.reserved() === 1000 * KiB);
    const s = await rawSocket(port);
    const chunk = 'c'.repeat(16 * KiB);
    s.write(head('chunked'));
    s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    s.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await s.gone;
    assert.equal(statusOf(s.received()), 503);
    assert.equal(budget.reserved(), 1000 * KiB);
    held.destroy();
    await eventually('released', () => budget.reserved() === 0);
  });

  it('answers 408 to a body that stalls, and to one that trickles past its total time', async () => {
    const { budget, port } = await serve({ budgetBytes: 64 * KiB, idleTimeoutMs: 150, timeoutMs: 600 }, 32 * KiB);
    const stalled = await rawSocket(port);
    const started = Date.now();
    stalled.write(head(10 * KiB) + 'a'.repeat(100));
    await stalled.gone;
    assert.equal(statusOf(stalled.received()), 408);
    assert.ok(Date.now() - started < 2_000);

    const trickle = await rawSocket(port);
    trickle.write(head(10 * KiB));
    const drip = setInterval(() => trickle.writable && trickle.write('b'), 50); // never idle, never done
    try {
      await trickle.gone;
    } finally {
      clearInterval(drip);
    }
    assert.equal(statusOf(trickle.received()), 408);
    assert.equal(budget.reserved(), 0);
  });

  it('refuses a Content-Length that is not a number', async () => {
    const budget = createBodyBudget({ budgetBytes: 64 * KiB, idleTimeoutMs: 5_000, timeoutMs: 5_000 });
    await assert.rejects(
      budget.readBody({ headers: { 'content-length': '-1' } } as never, { maxBytes: 10 }),
      (err: unknown) => err instanceof BodyError && err.status === 400,
    );
    assert.equal(budget.reserved(), 0);
  });
});
