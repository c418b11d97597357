import assert from 'node:assert/strict';
import { it } from 'node:test';
import { batches, pointUuid, retryDelay, withRetry } from './qdrant-support.js';

it('maps string ids to stable, distinct version-5 UUIDs', () => {
  const a = pointUuid('doc-1:en');
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(pointUuid('doc-1:en'), a);
  assert.notEqual(pointUuid('doc-1:de'), a);
  assert.notEqual(pointUuid(''), pointUuid(' '));
});

it('retries server errors, 429, timeouts and network failures, not other client errors', () => {
  const status = (s: number) => Object.assign(new Error('x'), { status: s });
  assert.notEqual(retryDelay(status(503), 0, 100), null);
  assert.notEqual(retryDelay(status(500), 0, 100), null);
  assert.notEqual(retryDelay(status(429), 0, 100), null);
  assert.equal(retryDelay(status(400), 0, 100), null);
  assert.equal(retryDelay(status(404), 0, 100), null);
  assert.notEqual(retryDelay(new TypeError('fetch failed'), 0, 100), null);
  assert.notEqual(retryDelay(Object.assign(new Error('socket'), { cause: { code: 'ECONNRESET' } }), 0, 100), null);
  const timeout = new Error('t');
  timeout.name = 'QdrantClientTimeoutError';
  assert.notEqual(retryDelay(timeout, 0, 100), null);
  assert.equal(retryDelay(new Error('bug'), 0, 100), null);
  assert.ok(retryDelay(Object.assign(new Error('slow down'), { retry_after: 2 }), 0, 100)! >= 2000);
  const delays = [0, 1, 2, 3].map((attempt) => retryDelay(status(502), attempt, 100)!);
  delays.forEach((d, i) => assert.ok(d >= 50 * 2 ** i && d <= 100 * 2 ** i, `attempt ${i}: ${d}`));
});

it('withRetry gives up after the allowed retries and stops at once on a client error', async () => {
  const slept: number[] = [];
  const sleep = async (ms: number) => void slept.push(ms);
  let calls = 0;
  assert.equal(await withRetry(3, 10, async () => (++calls < 3 ? Promise.reject(Object.assign(new Error(), { status: 503 })) : 'ok'), sleep), 'ok');
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(withRetry(2, 10, async () => { calls++; throw Object.assign(new Error('down'), { status: 503 }); }, sleep), /down/);
  assert.equal(calls, 3);
  calls = 0;
  await assert.rejects(withRetry(5, 10, async () => { calls++; throw Object.assign(new Error('bad'), { status: 400 }); }, sleep), /bad/);
  assert.equal(calls, 1);
  assert.deepEqual([...batches([1, 2, 3, 4, 5], 2)], [[1, 2], [3, 4], [5]]);
});
