// A worker's query serving without the rest of the worker (no job consumer, no Worker row): for
// gateway tests that need answers to search, embed, registerModel or promoteCollection.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bus } from '../../schema/bus.js';
import { selectBackend } from '../../gpu-worker/encoding/backend.js';
import { createQueryServer } from '../../gpu-worker/serving/query-server.js';
import { lazyLexicalQueries } from '../../gpu-worker/lexical/setup.js';
import { openEmbeddedStore } from '../../gpu-worker/vectors/embedded.js';
import type { VectorStore } from '../../gpu-worker/vectors/store.js';

export interface ServedQueries {
  vectors: VectorStore;
  stop(): Promise<void>;
}

export async function serveQueries(bus: Bus, options: { modelsDir: string; dataDir: string; vectors?: VectorStore }): Promise<ServedQueries> {
  await selectBackend({ log: () => undefined });
  const dir = options.vectors ? undefined : await mkdtemp(path.join(tmpdir(), 'xling-served-'));
  const vectors = options.vectors ?? (await openEmbeddedStore({ dir: dir! }));
  const server = createQueryServer({ vectors, modelsDir: options.modelsDir, cachedEncoders: 2, batchWaitMs: 0, lexical: lazyLexicalQueries(options.dataDir) });
  const endpoint = bus.serving.serve((request) => server.handle(request));
  return {
    vectors,
    async stop() {
      await endpoint.stop();
      server.close();
      if (dir) {
        await vectors.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
