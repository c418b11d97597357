// The vector store conformance suite on the Qdrant store. With QDRANT_URL (for instance
// `QDRANT_URL=http://127.0.0.1:6333`) it runs against that real Qdrant server; without it, against
// the Qdrant stand-in (test/support/qdrant-stand-in.ts: not Qdrant, an in-process HTTP server with
// the subset of Qdrant's REST API the store calls), so the store's code runs in every CI run. The
// suite's title says which one ran. Each namespace is a random name prefix on the shared server,
// whose collections are dropped afterwards; a restart is a new store client on the same server.
// The store-specific tests after it (batching, retries, prefixes) need the stand-in's request log
// and fault injection, so they always run against the stand-in.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { createQdrantStore, type QdrantStoreOptions } from '../gpu-worker/vectors/qdrant.js';
import type { VectorPoint, VectorStore } from '../gpu-worker/vectors/store.js';
import { startQdrantStandIn, type QdrantStandIn } from './support/qdrant-stand-in.js';
import { vectorConformance } from './vector-conformance.js';

const realUrl = process.env.QDRANT_URL;
const apiKey = process.env.QDRANT_API_KEY || undefined;

let standIn: Promise<QdrantStandIn> | undefined;
const startedStandIn = () => (standIn ??= startQdrantStandIn());
after(async () => {
  if (standIn) await (await standIn).close();
});

function namespaceOn(server: () => Promise<{ url: string; apiKey?: string }>) {
  return async () => {
    const { url, apiKey } = await server();
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
        assert.deepEqual(await admin.listCollections(), [], 'the namespace is left empty');
        await admin.close();
      },
    };
  };
}

if (realUrl) {
  vectorConformance(`Qdrant store on the real Qdrant server at ${realUrl} (QDRANT_URL)`, namespaceOn(async () => ({ url: realUrl, apiKey })), {
    approximate: false,
  });
} else {
  vectorConformance(
    'Qdrant store on the Qdrant stand-in (not Qdrant: test/support/qdrant-stand-in.ts; set QDRANT_URL for a real server)',
    namespaceOn(startedStandIn),
    { approximate: false },
  );
}

describe('Qdrant store against the Qdrant stand-in: requests, batches, retries', () => {
  const points = (n: number, language = 'en'): VectorPoint[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `p-${i}`,
      vector: Float32Array.from([1, i + 1, (i % 7) - 3, 0.5]),
      payload: { language, dataset: 'ds', documentId: `d-${i}`, groupId: `g-${i}`, text: `t ${i}` },
    }));
  const withStore = async (options: Partial<QdrantStoreOptions>, body: (store: VectorStore, server: QdrantStandIn) => Promise<void>) => {
    const server = await startedStandIn();
    const store = createQdrantStore({ url: server.url, prefix: `xlingtest_${randomBytes(5).toString('hex')}_`, retryBaseMs: 1, ...options });
    try {
      await body(store, server);
    } finally {
      for (const name of await store.listCollections()) await store.dropCollection(name);
      await store.close();
    }
  };
  const since = (server: QdrantStandIn, from: number, pattern: RegExp) => server.requests.slice(from).filter((r) => pattern.test(r));

  it('creates a Cosine collection with a keyword index on language; upserts and deletes in batches, waiting', async () => {
    await withStore({ batchSize: 100 }, async (store, server) => {
      let from = server.requests.length;
      await store.createCollection('c', { dimension: 4 });
      assert.equal(since(server, from, /^PUT \/collections\/[^/]+$/).length, 1);
      assert.equal(since(server, from, /^PUT \/collections\/[^/]+\/index\?wait=true$/).length, 1);
      from = server.requests.length;
      await store.upsert('c', points(250));
      assert.equal(since(server, from, /^PUT \/collections\/[^/]+\/points\?wait=true$/).length, 3);
      from = server.requests.length;
      await store.delete('c', points(250).map((p) => p.id).slice(0, 120));
      assert.equal(since(server, from, /^POST \/collections\/[^/]+\/points\/delete\?wait=true$/).length, 2);
      assert.equal(await store.count('c'), 130);
      // The stand-in reports "yellow" once after a write, as Qdrant does while optimising.
      from = server.requests.length;
      await store.waitForIndex('c');
      assert.equal(since(server, from, /^GET \/collections\/[^/]+$/).length, 2);
    });
  });

  it('retries 5xx and 429 (with and without Retry-After) and gives up at once on a 400', async () => {
    await withStore({ retries: 3 }, async (store, server) => {
      await store.createCollection('c', { dimension: 4 });
      server.failNext(2, 503, /^PUT .*\/points$/);
      let from = server.requests.length;
      await store.upsert('c', points(10));
      assert.equal(since(server, from, /\/points\?/).length, 3);
      server.failNext(1, 429, /points\/query$/);
      server.failNext(1, 429, /points\/query$/, 0);
      from = server.requests.length;
      assert.equal((await store.search('c', points(1)[0]!.vector, { k: 3 })).length, 3);
      assert.equal(since(server, from, /points\/query$/).length, 3);
      server.failNext(4, 502, /points\/count$/);
      await assert.rejects(store.count('c'), (error: { status?: number }) => error.status === 502);
      server.failNext(1, 400, /points\/count$/);
      from = server.requests.length;
      await assert.rejects(store.count('c'), (error: { status?: number }) => error.status === 400);
      assert.equal(since(server, from, /points\/count$/).length, 1);
      assert.equal(await store.count('c'), 10);
    });
  });

  it('each store sees only its own prefix on a shared server', async () => {
    await withStore({}, async (store, server) => {
      const other = createQdrantStore({ url: server.url, prefix: 'xlingtest_other_' });
      try {
        await store.createCollection('c', { dimension: 4 });
        await other.createCollection('c', { dimension: 2 });
        await other.setAlias('live', 'c');
        assert.deepEqual(await store.listCollections(), ['c']);
        assert.equal(await store.dimension('c'), 4);
        assert.equal(await store.resolveAlias('live'), undefined);
        assert.equal(await other.resolveAlias('live'), 'c');
      } finally {
        await other.dropCollection('c');
        await other.close();
      }
    });
  });

  it('the stand-in answers unknown routes 404 and malformed bodies 400, Qdrant-shaped', async () => {
    const { url } = await startedStandIn();
    const unknown = await fetch(`${url}/collections/x/points/scroll`, { method: 'POST', body: '{}' });
    assert.equal(unknown.status, 404);
    assert.match(((await unknown.json()) as { status: { error: string } }).status.error, /stand-in/);
    const malformed = await fetch(`${url}/collections/x`, { method: 'PUT', body: '{"vectors":' });
    assert.equal(malformed.status, 400);
    assert.match(((await malformed.json()) as { status: { error: string } }).status.error, /Json deserialize error/);
    const root = (await (await fetch(url)).json()) as { version: string };
    assert.equal(root.version, '1.18.0');
  });
});
