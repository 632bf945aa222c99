import assert from 'node:assert/strict';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay } from '../../../api/src/queue/backoff.js';
import { describeFailure, PermanentJobError } from '../../../api/src/queue/failure.js';

describe('retry backoff', function () {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1000, factor: 2, maxDelayMs: 60_000, jitter: 0.5, minDelayMs: 500 };

  it('grows exponentially with the attempt and stops at the ceiling', function () {
    const noJitter = { ...policy, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4, 10].map((a) => retryDelay(a, noJitter, () => 0)), [1000, 2000, 4000, 8000, 60_000]);
  });

  it('randomizes only the jittered share, so a delay never collapses to zero', function () {
    assert.equal(retryDelay(3, policy, () => 0), 2000);
    assert.equal(retryDelay(3, policy, () => 0.999999), 4000);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelay(3, policy, Math.random)));
    assert.ok(spread.size > 10, 'jitter spreads retries');
    for (const d of spread) assert.ok(d >= 2000 && d <= 4000);
  });

  it("honours Retry-After: never earlier, even when backoff would be shorter or longer", function () {
    assert.ok(retryDelay(1, policy, () => 0, 30_000) >= 30_000);
    assert.ok(retryDelay(1, policy, () => 0.99, 30_000) <= 31_000);
    assert.ok(retryDelay(8, policy, () => 0, 2_000) < 60_000, 'the server said 2 s; no need to wait the backoff');
    assert.equal(retryDelay(1, policy, () => 0, 0), 500, 'Retry-After: 0 still waits the floor');
  });

  it('parses Retry-After seconds and HTTP dates', function () {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 1.5 ', now), 1500);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });
});

describe('failure description', function () {
  it('reads code, retryable, Retry-After and blocking from an error', function () {
    const e = Object.assign(new Error('throttled'), { code: 'GRAPH_THROTTLED', retryable: true, retryAfterMs: 5000 });
    assert.deepEqual(describeFailure(e), { code: 'GRAPH_THROTTLED', message: 'throttled', retryable: true, retryAfterMs: 5000 });
    const blocking = Object.assign(new Error('secret expired'), { code: 'SECRET_EXPIRED', retryable: false, blocking: true });
    assert.deepEqual(describeFailure(blocking), { code: 'SECRET_EXPIRED', message: 'secret expired', retryable: false, blocking: true });
    assert.deepEqual(describeFailure(new PermanentJobError('BAD_INPUT', 'no such meeting')), { code: 'BAD_INPUT', message: 'no such meeting', retryable: false });
  });

  it('treats anything else as an unexpected, retryable error', function () {
    assert.deepEqual(describeFailure(new TypeError('x is undefined')), { code: 'UNEXPECTED_ERROR', message: 'x is undefined', retryable: true });
    assert.deepEqual(describeFailure('boom'), { code: 'UNEXPECTED_ERROR', message: 'boom', retryable: true });
    assert.equal(describeFailure({ message: 'x'.repeat(5000) }).message.length, 2000);
  });
});
