import assert from 'node:assert/strict';
import { it, mock } from 'node:test';
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
  // Slept before the second and third call, then before each of the two retries of the second run: never after the last try or a 400.
  assert.equal(slept.length, 2 + 2);
  assert.deepEqual([...batches([1, 2, 3, 4, 5], 2)], [[1, 2], [3, 4], [5]]);
});

it('withRetry waits as documented (QdrantStoreOptions.retryBaseMs): the base delay, doubling per retry, at most 10 s, times a jitter in [0.5, 1]', async () => {
  const down = async () => {
    throw Object.assign(new Error('down'), { status: 503 });
  };
  /** The delays slept by a request that fails every time, with Math.random() returning `random`. */
  const delays = async (retries: number, baseMs: number, random?: number) => {
    const slept: number[] = [];
    if (random !== undefined) mock.method(Math, 'random', () => random);
    try {
      await assert.rejects(withRetry(retries, baseMs, down, async (ms) => void slept.push(ms)), /down/);
    } finally {
      mock.restoreAll();
    }
    return slept;
  };
  // The jitter's ends: half the nominal delay and (almost) all of it.
  assert.deepEqual(await delays(4, 100, 0), [50, 100, 200, 400]);
  const highest = await delays(4, 100, 1 - 2 ** -20);
  [100, 200, 400, 800].forEach((nominal, i) => assert.ok(Math.abs(highest[i]! - nominal) < 0.01, `retry ${i + 1}: ${highest[i]} ms, nominal ${nominal}`));
  // The cap: 3 s, 6 s, then 10 s however many retries follow.
  assert.deepEqual(await delays(5, 3000, 0), [1500, 3000, 5000, 5000, 5000]);
  assert.deepEqual((await delays(5, 3000, 1 - 2 ** -20)).map(Math.round), [3000, 6000, 10000, 10000, 10000]);
  // With the real jitter, every delay lies in [0.5, 1] x min(10 s, base x 2^retry).
  for (let round = 0; round < 20; round++) {
    const slept = await delays(6, 700);
    assert.equal(slept.length, 6);
    slept.forEach((ms, i) => {
      const nominal = Math.min(10_000, 700 * 2 ** i);
      assert.ok(ms >= nominal / 2 && ms <= nominal, `retry ${i + 1}: ${ms} ms, nominal ${nominal}`);
    });
  }
  // A server's retry_after (seconds) is a floor: never sooner, even when the backoff is shorter.
  const slept: number[] = [];
  let calls = 0;
  const slowDown = async () => (++calls < 3 ? Promise.reject(Object.assign(new Error('slow down'), { status: 429, retry_after: 4 })) : 'ok');
  assert.equal(await withRetry(3, 10, slowDown, async (ms) => void slept.push(ms)), 'ok');
  assert.deepEqual(slept, [4000, 4000]);
});
