// Behaviour every Bus implementation must share, registered as node:test tests for a factory.
// Each test runs in a fresh namespace so that redeliveries never leak from one test to another.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServingUnavailableError, type Bus, type JobDelivery } from '../schema/bus.js';
import { decodeVector, encodeVector, type ModelInspection } from '../schema/serving.js';
import type { JobMessage } from '../schema/jobs.js';
import type { PlatformEvent } from '../schema/events.js';

export const CONFORMANCE_ACK_WAIT_MS = 1000;
export const CONFORMANCE_MAX_DELIVERIES = 2;

export interface BusNamespace {
  /** A bus on this namespace as another process would see it (NATS: its own connection). */
  open(): Promise<Bus>;
  /** Resolves once every subscription made so far is active. */
  settle(): Promise<void>;
  /** Arguments for test/bus-child.js to open a bus on this namespace in a child process. */
  childArgs: string[];
  /** Closes every bus opened here and removes the namespace. */
  dispose(): Promise<void>;
}

/** Namespaces must use CONFORMANCE_ACK_WAIT_MS and CONFORMANCE_MAX_DELIVERIES. */
export function busConformance(name: string, namespace: () => Promise<BusNamespace>): void {
  const ackWait = CONFORMANCE_ACK_WAIT_MS;
  const max = CONFORMANCE_MAX_DELIVERIES;

  const withBus = (title: string, body: (bus: Bus, ns: BusNamespace) => Promise<void>) =>
    it(title, async () => {
      const ns = await namespace();
      try {
        await body(await ns.open(), ns);
      } finally {
        await ns.dispose();
      }
    });

  describe(`bus conformance: ${name}`, () => {
    withBus('drops a second publish of the same jobId', async (bus) => {
      const seen: string[] = [];
      const c = bus.jobs.consume(record(seen, (d) => d.ack()), { concurrency: 2 });
      await bus.jobs.publish(job('a'));
      await bus.jobs.publish(job('a'));
      await bus.jobs.publish(job('b'));
      await waitFor(() => seen.length >= 2);
      await sleep(300);
      assert.deepEqual(seen.sort(), ['a#1', 'b#1']);
      await c.stop();
    });

    withBus('routes jobs by worker class: CPU consumers never see GPU jobs, a GPU consumer takes both, its own class first', async (bus) => {
      const cpuSeen: string[] = [];
      const cpu = bus.jobs.consume(record(cpuSeen, (d) => d.ack()), { concurrency: 1 });
      await bus.jobs.publish({ jobId: 'g1', kind: 'TRAIN', workerClass: 'gpu' });
      await bus.jobs.publish({ jobId: 'c1', kind: 'EMBED', workerClass: 'cpu' });
      await bus.jobs.publish({ jobId: 'c2', kind: 'EMBED' });
      await waitFor(() => cpuSeen.length === 2);
      await sleep(300);
      assert.deepEqual(cpuSeen.sort(), ['c1#1', 'c2#1'], 'the GPU job waits');
      assert.equal((await bus.jobs.stats()).pending, 1);
      await cpu.stop();
      const gpuSeen: JobMessage[] = [];
      const gpu = bus.jobs.consume(async (d) => {
        gpuSeen.push(d.message);
        await d.ack();
      }, { concurrency: 1, classes: ['gpu', 'cpu'] });
      await waitFor(() => gpuSeen.length === 1, 15_000);
      assert.deepEqual(gpuSeen[0], { jobId: 'g1', kind: 'TRAIN', workerClass: 'gpu' });
      await bus.jobs.publish({ jobId: 'c3', kind: 'EMBED' });
      await waitFor(() => gpuSeen.length === 2, 15_000);
      assert.equal(gpuSeen[1]!.jobId, 'c3', 'and CPU jobs when it has no GPU job');
      await gpu.stop();
      // Both kinds waiting: the GPU job first, though it was published later.
      await bus.jobs.publish({ jobId: 'c4', kind: 'EMBED' });
      await bus.jobs.publish({ jobId: 'g2', kind: 'TRAIN', workerClass: 'gpu' });
      const order: string[] = [];
      const again = bus.jobs.consume(async (d) => {
        order.push(d.message.jobId);
        await d.ack();
      }, { concurrency: 1, classes: ['gpu', 'cpu'] });
      await waitFor(() => order.length === 2, 15_000);
      assert.deepEqual(order, ['g2', 'c4']);
      await again.stop();
    });

    withBus('withdraw removes a job no worker has taken; it is never delivered', async (bus) => {
      const seq = await bus.jobs.publish({ jobId: 'w1', kind: 'TRAIN', workerClass: 'gpu' });
      await bus.jobs.publish({ jobId: 'w2', kind: 'TRAIN', workerClass: 'gpu' });
      assert.equal((await bus.jobs.stats()).pending, 2);
      assert.equal(await bus.jobs.withdraw({ jobId: 'w1', seq }), true);
      assert.equal((await bus.jobs.stats()).pending, 1);
      const seen: string[] = [];
      const c = bus.jobs.consume(record(seen, (d) => d.ack()), { concurrency: 1, classes: ['gpu'] });
      await waitFor(() => seen.length === 1, 15_000);
      await sleep(500);
      assert.deepEqual(seen, ['w2#1']);
      assert.equal(await bus.jobs.withdraw({ jobId: 'w1', seq }), false, 'gone already');
      await c.stop();
    });

    withBus('ack removes the job: no redelivery after ack-wait', async (bus) => {
      const seen: string[] = [];
      const c = bus.jobs.consume(record(seen, (d) => d.ack()), { concurrency: 1 });
      await bus.jobs.publish(job('a', 'runA'));
      await waitFor(() => seen.length === 1);
      await sleep(ackWait + 700);
      assert.deepEqual(seen, ['a#1']);
      await c.stop();
    });

    withBus('delivers the message content', async (bus) => {
      const got: JobMessage[] = [];
      const c = bus.jobs.consume(
        async (d) => {
          got.push(d.message);
          await d.ack();
        },
        { concurrency: 1 },
      );
      await bus.jobs.publish({ jobId: 'x', kind: 'EMBED', runId: 'r1' });
      await waitFor(() => got.length === 1);
      assert.deepEqual(got[0], { jobId: 'x', kind: 'EMBED', runId: 'r1' });
      await c.stop();
    });

    withBus('retry redelivers with attempt + 1, after the delay', async (bus) => {
      const seen: string[] = [];
      const times: number[] = [];
      const c = bus.jobs.consume(
        record(seen, async (d) => {
          times.push(Date.now());
          if (d.attempt === 1) d.retry(0);
          else if (d.attempt === 2) d.retry(600);
          else await d.ack();
        }),
        { concurrency: 1 },
      );
      await bus.jobs.publish(job('a'));
      await waitFor(() => seen.length === 3);
      assert.deepEqual(seen, ['a#1', 'a#2', 'a#3']);
      assert.ok(times[2]! - times[1]! >= 500, `delayed retry came after ${times[2]! - times[1]!} ms`);
      await c.stop();
    });

    withBus('without heartbeat the job is redelivered after ack-wait', async (bus) => {
      const seen: string[] = [];
      const times: number[] = [];
      const hold = deferred();
      const c = bus.jobs.consume(
        record(seen, async (d) => {
          times.push(Date.now());
          if (d.attempt === 1) await hold.promise;
          else await d.ack();
        }),
        { concurrency: 2 },
      );
      await bus.jobs.publish(job('a'));
      await waitFor(() => seen.length === 2, ackWait * 4);
      assert.deepEqual(seen, ['a#1', 'a#2']);
      assert.ok(times[1]! - times[0]! >= ackWait * 0.8, `redelivered after ${times[1]! - times[0]!} ms`);
      hold.resolve();
      await c.stop({ drain: true });
    });

    withBus('heartbeat keeps the job with its handler', async (bus) => {
      const seen: string[] = [];
      const c = bus.jobs.consume(
        record(seen, async (d) => {
          const end = Date.now() + ackWait * 2.5;
          while (Date.now() < end) {
            d.heartbeat();
            await sleep(ackWait / 4);
          }
          await d.ack();
        }),
        { concurrency: 2 },
      );
      await bus.jobs.publish(job('a'));
      await waitFor(() => seen.length === 1);
      await sleep(ackWait * 3.5);
      assert.deepEqual(seen, ['a#1']);
      await c.stop();
    });

    withBus('after maxDeliveries the next delivery has attempt maxDeliveries + 1, then none', async (bus) => {
      assert.equal(bus.maxDeliveries, max);
      const seen: string[] = [];
      const c = bus.jobs.consume(
        record(seen, (d) => (d.attempt > bus.maxDeliveries ? d.reject() : d.retry(0))),
        { concurrency: 1 },
      );
      await bus.jobs.publish(job('a'));
      await waitFor(() => seen.length === max + 1);
      await sleep(ackWait + 700);
      assert.deepEqual(seen, Array.from({ length: max + 1 }, (_, i) => `a#${i + 1}`));
      await c.stop();
    });

    withBus('abandoned: not while a message waits for a worker; yes once its deliveries ran out unsettled, or once it is gone', async (bus) => {
      const waiting = (await bus.jobs.publish({ jobId: 'idle', kind: 'TRAIN', workerClass: 'gpu' })) ?? null;
      const given = (await bus.jobs.publish({ jobId: 'given-up', kind: 'TRAIN' })) ?? null;
      const seen: string[] = [];
      // A worker that can record nothing (its database is down) hands every delivery back.
      const c = bus.jobs.consume(record(seen, (d) => d.retry(0)), { concurrency: 1, classes: ['cpu'] });
      await waitFor(() => seen.length === max + 1);
      await sleep(300);
      await c.stop();
      assert.equal(await bus.jobs.abandoned({ jobId: 'idle', seq: waiting, workerClass: 'gpu' }), false, 'waiting for a GPU worker');
      assert.equal(await bus.jobs.abandoned({ jobId: 'given-up', seq: given, workerClass: 'cpu' }), true, 'delivered, never settled, never again');
      assert.equal(await bus.jobs.withdraw({ jobId: 'idle', seq: waiting }), true);
      assert.equal(await bus.jobs.abandoned({ jobId: 'idle', seq: waiting, workerClass: 'gpu' }), true, 'gone');
    });

    withBus('a handler that settles nothing gives the job back, up to the last attempt', async (bus) => {
      const seen: string[] = [];
      const c = bus.jobs.consume(record(seen, () => undefined), { concurrency: 1 });
      await bus.jobs.publish(job('a'));
      await waitFor(() => seen.length === max + 1);
      await sleep(ackWait + 700);
      assert.equal(seen.length, max + 1);
      await c.stop();
    });

    withBus('never runs more handlers than the concurrency', async (bus) => {
      let running = 0;
      let peak = 0;
      const done: string[] = [];
      const c = bus.jobs.consume(
        async (d) => {
          peak = Math.max(peak, ++running);
          await sleep(100);
          running--;
          done.push(d.message.jobId);
          await d.ack();
        },
        { concurrency: 3 },
      );
      for (let i = 0; i < 9; i++) await bus.jobs.publish(job(`j${i}`));
      await waitFor(() => done.length === 9);
      assert.equal(peak, 3);
      assert.equal(new Set(done).size, 9);
      await c.stop();
    });

    withBus('two consumers share the queue', async (bus, ns) => {
      const other = await ns.open();
      const byConsumer: string[][] = [[], []];
      const consumers = [bus, other].map((b, i) =>
        b.jobs.consume(
          async (d) => {
            byConsumer[i]!.push(d.message.jobId);
            await sleep(50);
            await d.ack();
          },
          { concurrency: 1 },
        ),
      );
      await sleep(200);
      for (let i = 0; i < 10; i++) await bus.jobs.publish(job(`j${i}`));
      await waitFor(() => byConsumer.flat().length === 10);
      await sleep(300);
      const all = byConsumer.flat();
      assert.equal(all.length, 10);
      assert.equal(new Set(all).size, 10);
      assert.ok(byConsumer[0]!.length > 0 && byConsumer[1]!.length > 0, `split ${byConsumer.map((b) => b.length)}`);
      await Promise.all(consumers.map((c) => c.stop()));
    });

    withBus('events reach every subscriber, on every bus', async (bus, ns) => {
      const gatewayA = await ns.open();
      const gatewayB = await ns.open();
      const a: PlatformEvent[] = [];
      const b: PlatformEvent[] = [];
      const c: PlatformEvent[] = [];
      gatewayA.events.subscribe((e) => a.push(e));
      const offB = gatewayB.events.subscribe((e) => b.push(e));
      gatewayB.events.subscribe((e) => c.push(e));
      await ns.settle();
      const event: PlatformEvent = { type: 'runStatus', runId: 'r1', status: 'RUNNING', error: null, at: new Date(0).toISOString() };
      bus.events.publish(event);
      await waitFor(() => a.length === 1 && b.length === 1 && c.length === 1);
      assert.deepEqual(a[0], event);
      assert.deepEqual(b[0], event);
      offB();
      await ns.settle();
      bus.events.publish({ type: 'cancelRun', runId: 'r1', at: event.at });
      await waitFor(() => a.length === 2 && c.length === 2);
      await sleep(100);
      assert.equal(b.length, 1);
    });

    withBus('event handlers run after publish returns', async (bus, ns) => {
      let publishing = false;
      let reentered: boolean | undefined;
      bus.events.subscribe(() => void (reentered = publishing));
      await ns.settle();
      publishing = true;
      bus.events.publish({ type: 'cancelRun', runId: 'r1', at: new Date(0).toISOString() });
      publishing = false;
      await waitFor(() => reentered !== undefined);
      assert.equal(reentered, false);
    });

    withBus('after stop() the consumer gets nothing; the job waits for another', async (bus) => {
      const seen: string[] = [];
      const c = bus.jobs.consume(record(seen, (d) => d.ack()), { concurrency: 2 });
      await sleep(100);
      await c.stop();
      await bus.jobs.publish(job('a'));
      await sleep(500);
      assert.deepEqual(seen, []);
      const later: string[] = [];
      const c2 = bus.jobs.consume(record(later, (d) => d.ack()), { concurrency: 1 });
      await waitFor(() => later.length === 1);
      assert.deepEqual(later, ['a#1']);
      await c2.stop();
    });

    withBus('stop({ drain: true }) waits for in-flight handlers', async (bus) => {
      let finished = false;
      const seen: string[] = [];
      const c = bus.jobs.consume(
        record(seen, async (d) => {
          await sleep(300);
          finished = true;
          await d.ack();
        }),
        { concurrency: 1 },
      );
      await bus.jobs.publish(job('a'));
      await waitFor(() => seen.length === 1);
      await c.stop({ drain: true });
      assert.equal(finished, true);
    });

    withBus('serving: each request reaches one server, which answers it', async (bus, ns) => {
      const other = await ns.open();
      const handled: number[][] = [[], []];
      const endpoints = [bus, other].map((b, i) =>
        b.serving.serve(async (request) => {
          assert.equal(request.kind, 'inspectModel');
          handled[i]!.push(Number(request.kind === 'inspectModel' && request.path));
          await sleep(5);
          return { ok: true, value: inspection(request.kind === 'inspectModel' ? request.path : '') };
        }),
      );
      await ns.settle();
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => bus.serving.request({ kind: 'inspectModel', path: String(i) }, { timeoutMs: 5000 })));
      for (const [i, reply] of replies.entries()) {
        assert.ok(reply.ok);
        assert.equal(reply.value.headerSha256, String(i), 'each reply answers its own request');
      }
      assert.deepEqual(handled.flat().sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), 'each request handled exactly once');
      assert.ok(handled[0]!.length > 0 && handled[1]!.length > 0, `split ${handled.map((h) => h.length)}`);
      await Promise.all(endpoints.map((e) => e.stop()));
    });

    withBus('serving: with no server a request fails at once as no-worker', async (bus) => {
      const started = Date.now();
      const error = await bus.serving.request({ kind: 'inspectModel', path: 'x' }, { timeoutMs: 20_000 }).then(
        () => assert.fail('answered'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ServingUnavailableError, String(error));
      assert.equal(error.reason, 'no-worker');
      assert.ok(Date.now() - started < 10_000, 'did not wait for the timeout');
    });

    withBus('serving: a server slower than the timeout fails the request as timeout', async (bus, ns) => {
      const endpoint = bus.serving.serve(async () => {
        await sleep(1500);
        return { ok: true, value: inspection('late') };
      });
      await ns.settle();
      const error = await bus.serving.request({ kind: 'inspectModel', path: 'x' }, { timeoutMs: 200 }).then(
        () => assert.fail('answered'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ServingUnavailableError, String(error));
      assert.equal(error.reason, 'timeout');
      await endpoint.stop();
    });

    withBus('serving: a handler that throws answers an internal failure instead of leaving the request to time out', async (bus, ns) => {
      const endpoint = bus.serving.serve(async () => {
        throw new Error('encoder exploded');
      });
      await ns.settle();
      const reply = await bus.serving.request({ kind: 'inspectModel', path: 'x' }, { timeoutMs: 5000 });
      assert.deepEqual(reply, { ok: false, failure: { kind: 'internal', message: 'encoder exploded' } });
      await endpoint.stop();
    });

    withBus('serving: a server restarting mid-request finishes what it took; the next request reaches its successor', async (bus, ns) => {
      const first = await ns.open();
      const second = await ns.open();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const old = first.serving.serve(async () => {
        await held;
        return { ok: true, value: inspection('old') };
      });
      await ns.settle();
      const inFlight = bus.serving.request({ kind: 'inspectModel', path: 'x' }, { timeoutMs: 5000 });
      await sleep(100);
      const stopping = old.stop();
      const successor = second.serving.serve(async () => ({ ok: true, value: inspection('new') }));
      await ns.settle();
      release();
      await stopping;
      const answered = await inFlight;
      assert.ok(answered.ok && answered.value.headerSha256 === 'old', JSON.stringify(answered));
      const next = await bus.serving.request({ kind: 'inspectModel', path: 'x' }, { timeoutMs: 5000 });
      assert.ok(next.ok && next.value.headerSha256 === 'new', JSON.stringify(next));
      await successor.stop();
    });

    withBus('serving: requests and replies travel as copies, vectors exactly', async (bus, ns) => {
      const sent = new Float32Array([0.1, -2.5, 3e-8, Math.PI]);
      const endpoint = bus.serving.serve(async (request) => {
        assert.equal(request.kind, 'store');
        if (request.kind !== 'store' || request.call.method !== 'search') return { ok: false, failure: { kind: 'invalid', message: 'unexpected' } };
        return { ok: true, value: Array.from(decodeVector(request.call.vector)) };
      });
      await ns.settle();
      const call = { method: 'search' as const, collection: 'c', vector: encodeVector(sent), k: 1 };
      const reply = await bus.serving.request({ kind: 'store', call }, { timeoutMs: 5000 });
      assert.ok(reply.ok);
      assert.deepEqual(reply.value, Array.from(sent));
      await endpoint.stop();
    });

    withBus('stop() without drain hands in-flight jobs back at once', async (bus) => {
      const hold = deferred();
      const first: JobDelivery[] = [];
      const c = bus.jobs.consume(
        async (d) => {
          first.push(d);
          await hold.promise;
        },
        { concurrency: 1 },
      );
      await bus.jobs.publish(job('a'));
      await waitFor(() => first.length === 1);
      const stoppedAt = Date.now();
      await c.stop();
      const later: string[] = [];
      const c2 = bus.jobs.consume(record(later, (d) => d.ack()), { concurrency: 1 });
      await waitFor(() => later.length === 1);
      assert.ok(Date.now() - stoppedAt < ackWait * 0.8, 'handed back before ack-wait ran out');
      assert.deepEqual(later, ['a#2']);
      // The abandoned delivery can no longer settle the job.
      await first[0]!.ack();
      hold.resolve();
      await c2.stop();
    });

    it(`bus conformance: ${name}: close() leaves no handle behind (the process exits)`, async () => {
      const ns = await namespace();
      try {
        const child = fileURLToPath(new URL('./bus-child.js', import.meta.url));
        const { code, stdout, stderr } = await run(process.execPath, [child, ...ns.childArgs], 15_000);
        assert.equal(code, 0, stderr);
        assert.match(stdout, /closed/);
      } finally {
        await ns.dispose();
      }
    });
  });
}

function job(jobId: string, runId?: string): JobMessage {
  return runId ? { jobId, kind: 'TRAIN', runId } : { jobId, kind: 'TRAIN' };
}

function record(seen: string[], then: (d: JobDelivery) => unknown) {
  return async (d: JobDelivery) => {
    seen.push(`${d.message.jobId}#${d.attempt}`);
    await then(d);
  };
}

export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function run(cmd: string, args: string[], timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (b) => (stdout += b));
    p.stderr.on('data', (b) => (stderr += b));
    const timer = setTimeout(() => {
      stderr += `\nstill running after ${timeoutMs} ms: a handle was left open`;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A recognisable inspectModel answer: `tag` comes back in headerSha256. */
function inspection(tag: string): ModelInspection {
  return { modelType: 'bert', parameters: 1, hiddenSize: 1, layers: 1, heads: 1, intermediateSize: 1, vocabSize: 1, maxTokens: 2, hasPooler: false, hasTokenizer: true, headerSha256: tag };
}
