// The vector store conformance suite on the remote store: a VECTOR_STORE=remote worker's view of
// the store another worker owns, every call a request over the bus (copied through JSON as on the
// wire) answered by applyStoreCall on an embedded store. Store errors must arrive with their kind.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMemoryBus } from '../schema/bus/memory.js';
import { applyStoreCall, createRemoteStore } from '../gpu-worker/serving/store-calls.js';
import { openEmbeddedStore } from '../gpu-worker/vectors/embedded.js';
import { vectorConformance } from './vector-conformance.js';

vectorConformance(
  'remote, over the bus to an embedded store',
  async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'xling-remote-'));
    const bus = createMemoryBus({ maxDeliveries: 2, ackWaitMs: 5_000 });
    const owner = await openEmbeddedStore({ dir });
    const endpoint = bus.serving.serve(async (request) =>
      request.kind === 'store' ? applyStoreCall(owner, request.call) : { ok: false, failure: { kind: 'invalid', message: `not a store call: ${request.kind}` } },
    );
    return {
      open: async () => createRemoteStore(bus.serving, { timeoutMs: 10_000 }),
      async dispose() {
        await endpoint.stop();
        await owner.close();
        await bus.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  { approximate: false },
);
