// The job dispatcher on this machine's NATS JetStream: jobs per second it sustains with W workers
// (each its own connection and consumer, as worker processes would be) on jobs that finish at once,
// and the time from a worker joining to its first job.
//   npm run build && node dist/bench/dispatch.js [--workers 8] [--jobs 2000] [--joins 10]
// Each worker takes one job at a time (WORKER_CONCURRENCY=1), acknowledges it and pulls the next:
// the number is the dispatch path (publish, pull, deliver, ack), not any job's work.

import { randomBytes } from 'node:crypto';
import type { Bus } from '../schema/bus.js';
import { connectNatsBus } from '../schema/bus/nats.js';
import { dropJobStream } from '../test/support/processes.js';
import { argument, median } from './cli.js';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const workers = Number(argument('workers') ?? 8);
const jobs = Number(argument('jobs') ?? 2000);
const joins = Number(argument('joins') ?? 10);
const prefix = `bench${randomBytes(4).toString('hex')}`;
const open = () => connectNatsBus({ servers, prefix, maxDeliveries: 3, ackWaitMs: 30_000 });

const publisher = await open();
const buses: Bus[] = [];
try {
  for (let i = 0; i < workers; i++) buses.push(await open());
  let done = 0;
  let finished: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const perWorker = new Array<number>(workers).fill(0);
  const consumers = buses.map((bus, w) =>
    bus.jobs.consume(async (d) => {
      await d.ack();
      perWorker[w]!++;
      if (++done === jobs) finished();
    }, { concurrency: 1 }),
  );
  const t0 = performance.now();
  await Promise.all(Array.from({ length: jobs }, (_, i) => publisher.jobs.publish({ jobId: `j${i}`, kind: 'EMBED' })));
  const published = performance.now();
  await all;
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${jobs} jobs, ${workers} workers: published in ${((published - t0) / 1000).toFixed(2)} s, all acknowledged in ${seconds.toFixed(2)} s: ${(jobs / seconds).toFixed(0)} jobs/s (per worker ${Math.min(...perWorker)}..${Math.max(...perWorker)} jobs)`);
  await Promise.all(consumers.map((c) => c.stop()));

  // A job waiting, then a worker joining: from its connecting to NATS (the bus checks the stream
  // and the class consumers) to the handler; and from its consume() call alone.
  const latencies: number[] = [];
  const consumeOnly: number[] = [];
  for (let i = 0; i < joins; i++) {
    await publisher.jobs.publish({ jobId: `join${i}`, kind: 'EMBED' });
    const joined = performance.now();
    const bus = await open();
    const started = performance.now();
    let stop: () => Promise<void> = async () => undefined;
    await new Promise<void>((resolve) => {
      const consumer = bus.jobs.consume(async (d) => {
        latencies.push(performance.now() - joined);
        consumeOnly.push(performance.now() - started);
        await d.ack();
        resolve();
      }, { concurrency: 1 });
      stop = () => consumer.stop();
    });
    await stop();
    await bus.close();
  }
  console.log(`worker join to first job (${joins} joins): from connecting median ${median(latencies).toFixed(1)} ms (max ${Math.max(...latencies).toFixed(1)}), from consume() median ${median(consumeOnly).toFixed(1)} ms`);
} finally {
  await Promise.all(buses.map((b) => b.close()));
  await publisher.close();
  await dropJobStream(servers, prefix);
}
