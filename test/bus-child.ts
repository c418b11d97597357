// Child process for the conformance suite: leaves a bus busy (a held handler, a delayed retry, a
// subscription), closes it and must then exit on its own, proving close() leaves no handle open.
// Usage: node bus-child.js memory | nats <servers> <prefix>

import type { Bus } from '../schema/bus.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import { connectNatsBus } from '../schema/bus/nats.js';

const [kind, servers, prefix] = process.argv.slice(2);
const options = { maxDeliveries: 2, ackWaitMs: 60_000 };
const bus: Bus =
  kind === 'nats' && servers && prefix
    ? await connectNatsBus({ servers, prefix, ...options })
    : createMemoryBus(options);

let events = 0;
bus.events.subscribe(() => events++);
const seen = new Set<string>();
bus.jobs.consume(
  async (d) => {
    seen.add(d.message.jobId);
    if (d.message.jobId === 'delayed') d.retry(60_000);
    else await new Promise(() => undefined); // held: never settles
  },
  { concurrency: 2 },
);
await bus.jobs.publish({ jobId: 'delayed', kind: 'TRAIN' });
await bus.jobs.publish({ jobId: 'held', kind: 'TRAIN' });
const end = Date.now() + 5000;
while (seen.size < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
if (seen.size < 2) throw new Error(`only ${seen.size} jobs delivered`);
bus.events.publish({ type: 'cancelRun', runId: 'r', at: new Date().toISOString() });
await bus.close();
console.log(`closed (events seen: ${events})`);
