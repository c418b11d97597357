// The vector store conformance suite on the embedded store: below the HNSW threshold (exact scans
// only), and with a threshold of 50 so that the same cases run through usearch — built inline
// (every search above the threshold uses the index) and in the background (searches scan exactly
// until the worker's index is adopted, which happens in the middle of the cases).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedStore } from '../gpu-worker/vectors/embedded.js';
import type { VectorStore } from '../gpu-worker/vectors/store.js';
import { vectorConformance } from './vector-conformance.js';

function namespace(hnswThreshold?: number, hnswBuild?: 'inline' | 'background') {
  return async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'xling-vectors-'));
    const stores: VectorStore[] = [];
    return {
      async open() {
        const store = await openEmbeddedStore({ dir, hnswThreshold, hnswBuild });
        stores.push(store);
        return store;
      },
      async dispose() {
        for (const store of stores) await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  };
}

vectorConformance('embedded, exact search', namespace(), { approximate: false });
vectorConformance('embedded, HNSW above 50 points, built inline', namespace(50, 'inline'), { approximate: true });
vectorConformance('embedded, HNSW above 50 points, built in the background', namespace(50), { approximate: true });
