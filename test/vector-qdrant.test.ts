// The vector store conformance suite on a Qdrant server, when QDRANT_URL names one (for instance
// `QDRANT_URL=http://127.0.0.1:6333`). Each namespace is a random name prefix whose collections
// are dropped afterwards. Without QDRANT_URL the run reports one skipped test saying so.

import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { createQdrantStore } from '../schema/vectors/qdrant.js';
import type { VectorStore } from '../schema/vectors/store.js';
import { vectorConformance } from './vector-conformance.js';

const url = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY || undefined;

if (!url) {
  it('Qdrant vector store conformance', (t) => {
    t.skip('QDRANT_URL not set: Qdrant conformance not run');
  });
} else {
  vectorConformance(
    `Qdrant at ${url}`,
    async () => {
      const prefix = `xlingtest_${randomBytes(5).toString('hex')}_`;
      const stores: VectorStore[] = [];
      return {
        async open() {
          const store = createQdrantStore({ url, apiKey, prefix });
          stores.push(store);
          return store;
        },
        async dispose() {
          for (const store of stores) await store.close();
          const admin = createQdrantStore({ url, apiKey, prefix });
          for (const name of await admin.listCollections()) await admin.dropCollection(name);
          await admin.close();
        },
      };
    },
    { approximate: false },
  );
}
