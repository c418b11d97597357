// Opens the bus the settings name: NATS JetStream for clusters, the in-process bus otherwise.

import type { Bus } from '../bus.js';
import type { PlatformSettings } from '../config.js';
import { assertNever } from '../events.js';
import { createMemoryBus } from './memory.js';
import { connectNatsBus } from './nats.js';

export async function openBus(settings: PlatformSettings): Promise<Bus> {
  const { maxDeliveries, ackWaitMs } = settings;
  switch (settings.bus.kind) {
    case 'nats':
      return connectNatsBus({ servers: settings.bus.servers, prefix: settings.bus.prefix, maxDeliveries, ackWaitMs });
    case 'memory':
      return createMemoryBus({ maxDeliveries, ackWaitMs });
    default:
      return assertNever(settings.bus);
  }
}
