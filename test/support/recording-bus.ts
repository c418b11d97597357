// A bus whose job publishing is recorded (every call, duplicates included) and can be held until a
// test releases it: for tests of timers that publish (the outbox, the experiment sweeper) and of
// stop() in the middle of a sweep. Events and consuming go to a real in-process bus.

import type { Bus } from '../../schema/bus.js';
import type { JobMessage } from '../../schema/jobs.js';
import { createMemoryBus } from '../../schema/bus/memory.js';

export interface RecordingBus {
  bus: Bus;
  /** Every job message handed to publish, in order, duplicates included. */
  calls: JobMessage[];
  /** While set, publish waits for it. */
  hold?: Promise<void>;
}

export function recordingBus(): RecordingBus {
  const inner = createMemoryBus({ maxDeliveries: 3, ackWaitMs: 60_000, duplicateWindowMs: 0 });
  const recording: RecordingBus = {
    calls: [],
    bus: {
      events: inner.events,
      serving: inner.serving,
      maxDeliveries: inner.maxDeliveries,
      close: () => inner.close(),
      jobs: {
        consume: (handler, options) => inner.jobs.consume(handler, options),
      stats: () => inner.jobs.stats(),
      withdraw: (job) => inner.jobs.withdraw(job),
      abandoned: (job) => inner.jobs.abandoned(job),
        async publish(message) {
          recording.calls.push(message);
          await recording.hold;
        },
      },
    },
  };
  return recording;
}
