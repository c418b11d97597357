import { createMemoryBus } from '../schema/bus/memory.js';
import { busConformance, CONFORMANCE_ACK_WAIT_MS, CONFORMANCE_MAX_DELIVERIES } from './bus-conformance.js';

// In-process, one bus is the whole namespace: every open() sees the same queue.
busConformance('memory', async () => {
  const bus = createMemoryBus({ maxDeliveries: CONFORMANCE_MAX_DELIVERIES, ackWaitMs: CONFORMANCE_ACK_WAIT_MS });
  return {
    open: async () => bus,
    settle: async () => undefined,
    childArgs: ['memory'],
    dispose: () => bus.close(),
  };
});
