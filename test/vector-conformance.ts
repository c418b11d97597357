// Behaviour every VectorStore implementation must share, registered as node:test tests for a
// harness. Each test runs in a fresh namespace (embedded: a new folder; Qdrant: a new name prefix).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VectorStoreError, type SearchHit, type VectorPoint, type VectorStore, type VectorStoreErrorKind } from '../gpu-worker/vectors/store.js';

export interface StoreNamespace {
  /** Opens the store on this namespace; after close(), opening again is a restart. */
  open(): Promise<VectorStore>;
  /** Closes what is still open and removes everything the namespace holds. */
  dispose(): Promise<void>;
}

export interface ConformanceOptions {
  /** The store may answer from an approximate index: top-k is checked by recall, not equality. */
  approximate: boolean;
}

const DIM = 16;
const LANGUAGES = ['en', 'en', 'en', 'en', 'en', 'en', 'en', 'de', 'de', 'sw'] as const;

export function vectorConformance(name: string, namespace: () => Promise<StoreNamespace>, options: ConformanceOptions) {
  const withStore = (title: string, body: (store: VectorStore, ns: StoreNamespace) => Promise<void>) =>
    it(title, async () => {
      const ns = await namespace();
      try {
        await body(await ns.open(), ns);
      } finally {
        await ns.dispose();
      }
    });

  describe(`vector store conformance: ${name}`, () => {
    withStore('upsert is idempotent by id: the same id replaces the point', async (store) => {
      await store.createCollection('c', { dimension: 4 });
      const a = point('a', [1, 0, 0, 0], 'en');
      await store.upsert('c', [a, point('b', [0, 1, 0, 0], 'en'), point('c', [0, 0, 1, 0], 'de')]);
      await store.upsert('c', [a]);
      assert.equal(await store.count('c'), 3);
      // Same id again, new vector and payload; within one call the last occurrence wins.
      await store.upsert('c', [point('a', [0, 0, 0, 1], 'fr', 'first'), point('a', [0, 0, 0, 1], 'fr', 'moved')]);
      assert.equal(await store.count('c'), 3);
      const [top] = await store.search('c', new Float32Array([0, 0, 0, 2]), { k: 1 });
      assert.equal(top?.id, 'a');
      assert.ok(Math.abs(top!.score - 1) < 1e-5, `score ${top!.score}`);
      assert.deepEqual(top!.payload, { language: 'fr', dataset: 'ds', documentId: 'doc-a', groupId: 'g-a', text: 'moved' });
      const old = await store.search('c', new Float32Array([1, 0, 0, 0]), { k: 3 });
      assert.ok(!old.some((h) => h.id === 'a' && h.score > 0.5), 'the replaced vector is gone');
      assert.deepEqual(await store.listCollections(), ['c']);
      assert.equal(await store.dimension('c'), 4);
    });

    withStore('searchMany answers every query as search does: its k, its languages, through an alias', async (store) => {
      const { points, queries } = dataset(1500, 24, 5);
      await store.createCollection('c', { dimension: DIM });
      await store.upsert('c', points);
      await store.setAlias('live', 'c');
      await store.waitForIndex('c');
      const asked = queries.map((vector, i) => ({ vector, k: 1 + (i % 12), ...(i % 3 === 1 ? { languages: ['de', 'sw'] } : i % 3 === 2 ? { languages: ['xx'] } : {}) }));
      const together = await store.searchMany('live', asked);
      assert.equal(together.length, asked.length);
      for (const [i, { vector, ...options }] of asked.entries()) {
        const alone = await store.search('c', vector, options);
        assert.deepEqual(together[i]!.map((h) => h.id), alone.map((h) => h.id), `query ${i}`);
        together[i]!.forEach((h, j) => assert.ok(Math.abs(h.score - alone[j]!.score) < 1e-6));
        if (options.languages) assert.ok(together[i]!.every((h) => options.languages!.includes(h.payload.language)));
      }
      assert.deepEqual(await store.searchMany('c', []), []);
      await assert.rejects(store.searchMany('missing', asked.slice(0, 2)), (e: unknown) => e instanceof VectorStoreError && e.kind === 'unknown-collection');
    });

    withStore('lexical search: BM25 over the points sharing a term, idf kept current by upserts and deletes, filters, aliases, restarts', async (store, ns) => {
      await store.createCollection('c', { dimension: 4 });
      // Term 7 is in three documents, 8 in one, 9 in two; 'e' has no lexical terms at all.
      const docs: Record<string, [string, number[], number[]]> = {
        a: ['en', [7, 8], [1.5, 1.2]],
        b: ['en', [7], [0.9]],
        c: ['de', [7, 9], [1.1, 0.7]],
        d: ['de', [9], [2.0]],
      };
      const withTerms = (id: string) => ({ ...point(id, [1, id.charCodeAt(0) % 3, 0, 1], docs[id]![0]), lexical: { indices: docs[id]![1], values: docs[id]![2] } });
      await store.upsert('c', [...Object.keys(docs).map(withTerms), point('e', [0, 0, 1, 0], 'en')]);
      await store.setAlias('live', 'c');
      const idf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));
      /** BM25 computed here, independently of the store: sum of query weight x idf x document weight. */
      const expected = (query: Record<number, number>, ids: string[]) => {
        const holders = Object.keys(docs).filter((id) => ids.includes(id));
        const df = (term: number) => holders.filter((id) => docs[id]![1].includes(term)).length;
        return holders
          .map((id) => {
            const [, indices, values] = docs[id]!;
            const shared = indices.map((t, i) => [t, values[i]!] as const).filter(([t]) => t in query);
            return { id, shared, score: shared.reduce((s, [t, v]) => s + query[t]! * idf(holders.length, df(t)) * v, 0) };
          })
          .filter((x) => x.shared.length > 0)
          .sort((x, y) => y.score - x.score);
      };
      const check = async (target: string, query: Record<number, number>, ids: string[], k: number, languages?: string[]) => {
        const terms = { indices: Object.keys(query).map(Number), values: Object.values(query) };
        const [hits] = await store.searchLexical(target, [{ terms, k, ...(languages ? { languages } : {}) }]);
        const want = expected(query, ids).filter((x) => !languages || languages.includes(docs[x.id]![0])).slice(0, k);
        assert.deepEqual(hits!.map((h) => h.id), want.map((x) => x.id), JSON.stringify({ query, hits }));
        hits!.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]!.score) < 1e-4, `${h.id}: ${h.score} vs ${want[i]!.score}`));
        return hits!;
      };
      const all = ['a', 'b', 'c', 'd'];
      const hits = await check('c', { 7: 1, 8: 0.5 }, all, 10);
      assert.equal(hits[0]!.payload.text, 'text a');
      await check('live', { 9: 1 }, all, 1);
      await check('c', { 7: 1, 9: 2 }, all, 10, ['de']);
      await check('c', { 7: 1 }, all, 10, ['sw']);
      // Several queries in one call keep their own k and filter.
      const [one, two] = await store.searchLexical('c', [{ terms: { indices: [7], values: [1] }, k: 2 }, { terms: { indices: [12345], values: [1] }, k: 5 }]);
      assert.equal(one!.length, 2);
      assert.deepEqual(two, [], 'a term no point has finds nothing');
      // A replaced point's terms change the statistics; a deleted one leaves them.
      docs.b = ['en', [8], [1.0]];
      await store.upsert('c', [withTerms('b')]);
      await store.delete('c', ['d']);
      const after = ['a', 'b', 'c'];
      await check('c', { 7: 1, 8: 1, 9: 1 }, after, 10);
      await store.close();
      const reopened = await ns.open();
      const [again] = await reopened.searchLexical('c', [{ terms: { indices: [7, 8, 9], values: [1, 1, 1] }, k: 10 }]);
      assert.deepEqual(again!.map((h) => h.id), expected({ 7: 1, 8: 1, 9: 1 }, after).map((x) => x.id), 'after a restart');
      for (const bad of [{ indices: [-1], values: [1] }, { indices: [1, 1], values: [1, 1] }, { indices: [1], values: [NaN] }, { indices: [1], values: [] }]) {
        await assert.rejects(reopened.searchLexical('c', [{ terms: bad, k: 3 }]), (e: unknown) => e instanceof VectorStoreError && e.kind === 'invalid-argument', JSON.stringify(bad));
        await assert.rejects(reopened.upsert('c', [{ ...point('z', [1, 0, 0, 0], 'en'), lexical: bad }]), (e: unknown) => e instanceof VectorStoreError && e.kind === 'invalid-argument');
      }
      await assert.rejects(reopened.searchLexical('missing', [{ terms: { indices: [7], values: [1] }, k: 1 }]), (e: unknown) => e instanceof VectorStoreError && e.kind === 'unknown-collection');
      await reopened.close();
    });

    withStore('top-k: descending scores equal to exact cosine similarity', async (store) => {
      const { points, queries } = dataset(2000, 40, 1);
      await store.createCollection('c', { dimension: DIM });
      await store.upsert('c', points);
      await store.waitForIndex('c');
      assert.equal(await store.count('c'), points.length);
      let recalled = 0;
      for (const query of queries) {
        const hits = await store.search('c', query, { k: 10 });
        const expected = exact(points, query, 10);
        assert.equal(hits.length, 10);
        assertScoresExact(hits, points, query);
        if (options.approximate) recalled += hits.filter((h) => expected.some((e) => e.id === h.id)).length;
        else assert.deepEqual(hits.map((h) => h.id), expected.map((e) => e.id));
      }
      if (options.approximate) {
        const recall = recalled / (queries.length * 10);
        assert.ok(recall >= 0.95, `recall@10 ${recall.toFixed(3)} < 0.95`);
      }
      const all = await store.search('c', queries[0]!, { k: 5000 });
      assert.equal(all.length, points.length, 'k beyond the collection returns every point');
    });

    withStore('filters by language: large, small and absent subsets', async (store) => {
      const { points, queries } = dataset(1200, 20, 2);
      await store.createCollection('c', { dimension: DIM });
      await store.upsert('c', points);
      await store.waitForIndex('c');
      for (const languages of [['de'], ['sw'], ['de', 'sw'], ['en', 'de', 'sw']]) {
        const subset = points.filter((p) => languages.includes(p.payload.language));
        let recalled = 0;
        for (const query of queries) {
          const hits = await store.search('c', query, { k: 10, languages });
          const expected = exact(subset, query, 10);
          assert.equal(hits.length, Math.min(10, subset.length), `languages ${languages}`);
          assert.ok(hits.every((h) => languages.includes(h.payload.language)), `languages ${languages}`);
          assertScoresExact(hits, points, query);
          if (options.approximate) recalled += hits.filter((h) => expected.some((e) => e.id === h.id)).length;
          else assert.deepEqual(hits.map((h) => h.id), expected.map((e) => e.id), `languages ${languages}`);
        }
        if (options.approximate) assert.ok(recalled / (queries.length * 10) >= 0.95, `recall for ${languages}`);
      }
      const sw = points.filter((p) => p.payload.language === 'sw').length;
      assert.equal((await store.search('c', queries[0]!, { k: 5000, languages: ['sw'] })).length, sw);
      assert.deepEqual(await store.search('c', queries[0]!, { k: 10, languages: ['xx'] }), []);
      await assertFails(store.search('c', queries[0]!, { k: 10, languages: [] }), 'invalid-argument', /languages/);
    });

    withStore('delete removes points; unknown ids are ignored', async (store) => {
      const { points, queries } = dataset(300, 5, 3);
      await store.createCollection('c', { dimension: DIM });
      await store.upsert('c', points);
      const gone = points.slice(0, 100).map((p) => p.id);
      await store.delete('c', [...gone, 'never-there']);
      assert.equal(await store.count('c'), 200);
      const kept = points.slice(100);
      for (const query of queries) {
        const hits = await store.search('c', query, { k: 300 });
        assert.equal(hits.length, 200);
        assert.ok(!hits.some((h) => gone.includes(h.id)));
        assertScoresExact(hits, kept, query);
      }
      // A deleted id can come back.
      await store.upsert('c', [points[0]!]);
      assert.equal(await store.count('c'), 201);
      const [top] = await store.search('c', points[0]!.vector, { k: 1 });
      assert.equal(top?.id, points[0]!.id);
    });

    withStore('alias swap is atomic: searches through the alias never fail or mix', async (store) => {
      const a = dataset(120, 1, 4, 'A').points;
      const b = dataset(120, 1, 5, 'B').points;
      await store.createCollection('ckpt-a', { dimension: DIM });
      await store.createCollection('ckpt-b', { dimension: DIM });
      await store.upsert('ckpt-a', a);
      await store.upsert('ckpt-b', b);
      assert.equal(await store.resolveAlias('live'), undefined);
      await store.setAlias('live', 'ckpt-a');
      assert.equal(await store.resolveAlias('live'), 'ckpt-a');

      let searching = true;
      const searches = (async () => {
        let n = 0;
        while (searching || n < 20) {
          const hits = await store.search('live', a[n % a.length]!.vector, { k: 20 });
          const datasets = new Set(hits.map((h) => h.payload.dataset));
          assert.equal(hits.length, 20);
          assert.equal(datasets.size, 1, 'one search saw both collections');
          n++;
          await new Promise((resolve) => setImmediate(resolve)); // let the swaps' I/O run
        }
        return n;
      })();
      try {
        for (let swap = 0; swap < 10; swap++) await store.setAlias('live', swap % 2 === 0 ? 'ckpt-b' : 'ckpt-a');
      } catch (error) {
        searching = false;
        await searches.catch(() => undefined); // report the failed swap, not the searches cut off by dispose()
        throw error;
      }
      searching = false;
      assert.ok((await searches) >= 20);
      assert.equal(await store.resolveAlias('live'), 'ckpt-a');

      await store.setAlias('live', 'ckpt-b');
      const [hit] = await store.search('live', b[0]!.vector, { k: 1 });
      assert.equal(hit?.id, b[0]!.id);
      await assertFails(store.setAlias('live', 'nope'), 'unknown-collection', /"nope"/);
      await assertFails(store.setAlias('ckpt-a', 'ckpt-b'), 'collection-exists', /"ckpt-a"/);
      await assertFails(store.setAlias('other', 'live'), 'unknown-collection', /"live"/); // an alias is no target
      assert.equal(await store.dropCollection('live'), false, 'an alias is not a collection to drop');
      await assertFails(store.dimension('live'), 'unknown-collection', /"live"/); // collection operations take collections
      await assertFails(store.upsert('live', [b[0]!]), 'unknown-collection', /"live"/);
      await assertFails(store.delete('live', [b[0]!.id]), 'unknown-collection', /"live"/);
      assert.equal(await store.resolveAlias('live'), 'ckpt-b');
      await assertFails(store.createCollection('live', { dimension: DIM }), 'collection-exists', /"live"/);
      await assertFails(store.search('nope', b[0]!.vector, { k: 1 }), 'unknown-collection', /"nope"/);

      assert.equal(await store.removeAlias('live'), true);
      assert.equal(await store.removeAlias('live'), false);
      await assertFails(store.search('live', b[0]!.vector, { k: 1 }), 'unknown-collection', /"live"/);

      // Dropping a collection removes the aliases that point at it.
      await store.setAlias('live', 'ckpt-a');
      assert.equal(await store.dropCollection('ckpt-a'), true);
      assert.equal(await store.dropCollection('ckpt-a'), false);
      assert.equal(await store.resolveAlias('live'), undefined);
      assert.deepEqual(await store.listCollections(), ['ckpt-b']);
    });

    withStore('persists across a restart', async (first, ns) => {
      const { points, queries } = dataset(600, 10, 6);
      await first.createCollection('c', { dimension: DIM });
      await first.upsert('c', points);
      await first.delete('c', points.slice(0, 50).map((p) => p.id));
      const edited = { ...points[60]!, payload: { ...points[60]!.payload, text: 'edited' } };
      await first.upsert('c', [edited]);
      const current = points.slice(50).map((p) => (p.id === edited.id ? edited : p));
      await first.createCollection('empty', { dimension: 3 });
      await first.setAlias('live', 'c');
      await first.waitForIndex('c');
      const before = await Promise.all(queries.map((q) => first.search('live', q, { k: 10, languages: ['en', 'de'] })));
      await first.close();

      const store = await ns.open();
      assert.deepEqual(await store.listCollections(), ['c', 'empty']);
      assert.equal(await store.count('c'), 550);
      assert.equal(await store.count('empty'), 0);
      assert.equal(await store.dimension('empty'), 3);
      assert.equal(await store.resolveAlias('live'), 'c');
      const after = await Promise.all(queries.map((q) => store.search('live', q, { k: 10, languages: ['en', 'de'] })));
      for (let i = 0; i < queries.length; i++) {
        assertScoresExact(after[i]!, current, queries[i]!);
        if (!options.approximate) assert.deepEqual(after[i], before[i]);
      }
      const [top] = await store.search('c', points[60]!.vector, { k: 1 });
      assert.equal(top?.payload.text, 'edited');
      // Still writable after the restart.
      await store.delete('c', [points[60]!.id]);
      assert.equal(await store.count('c'), 549);
    });

    withStore('errors name the collection and the dimensions', async (store) => {
      await store.createCollection('c', { dimension: 4 });
      await store.setAlias('live', 'c');
      await assertFails(store.upsert('c', [point('p1', [1, 2, 3], 'en')]), 'dimension-mismatch', /"c".*4.*"p1".*3/);
      await assertFails(store.search('c', new Float32Array(8).fill(1), { k: 1 }), 'dimension-mismatch', /"c"/);
      await assertFails(store.search('live', new Float32Array(8).fill(1), { k: 1 }), 'dimension-mismatch', /"live"|"c"/);
      await assertFails(store.upsert('missing', [point('p1', [1, 2, 3, 4], 'en')]), 'unknown-collection', /"missing"/);
      await assertFails(store.count('missing'), 'unknown-collection', /"missing"/);
      await assertFails(store.waitForIndex('missing'), 'unknown-collection', /"missing"/);
      await assertFails(store.delete('missing', ['p1']), 'unknown-collection', /"missing"/);
      await assertFails(store.createCollection('c', { dimension: 4 }), 'collection-exists', /"c"/);
      await assertFails(store.createCollection('bad/name', { dimension: 4 }), 'invalid-argument', /bad\/name/);
      await assertFails(store.upsert('c', [point('z', [0, 0, 0, 0], 'en')]), 'invalid-argument', /"z"/);
      assert.equal(await store.count('c'), 0, 'a rejected upsert writes nothing');
    });
  });
}

async function assertFails(promise: Promise<unknown>, kind: VectorStoreErrorKind, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof VectorStoreError, `expected a VectorStoreError, got ${String(error)}`);
    assert.equal(error.kind, kind, error.message);
    assert.match(error.message, message);
    return true;
  });
}

function point(id: string, vector: number[], language: string, text = `text ${id}`): VectorPoint {
  return {
    id,
    vector: new Float32Array(vector),
    payload: { language, dataset: 'ds', documentId: `doc-${id}`, groupId: `g-${id}`, text },
  };
}

/** Seeded random points (languages mostly en, some de, few sw) and queries. */
function dataset(n: number, queryCount: number, seed: number, name = 'ds') {
  const random = mulberry32(seed);
  const vector = () => Float32Array.from({ length: DIM }, () => random() * 2 - 1);
  const points: VectorPoint[] = Array.from({ length: n }, (_, i) => ({
    id: `${name}-${i}`,
    vector: vector(),
    payload: {
      language: LANGUAGES[Math.floor(random() * LANGUAGES.length)]!,
      dataset: name,
      documentId: `doc-${i}`,
      groupId: `g-${i % 50}`,
      text: `passage ${i} of ${name}`,
    },
  }));
  return { points, queries: Array.from({ length: queryCount }, vector) };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}

function exact(points: readonly VectorPoint[], query: Float32Array, k: number) {
  return points
    .map((p) => ({ id: p.id, score: cosine(p.vector, query) }))
    .sort((x, y) => y.score - x.score)
    .slice(0, k);
}

/** Every hit's score is its exact cosine, and hits come by descending score. */
function assertScoresExact(hits: readonly SearchHit[], points: readonly VectorPoint[], query: Float32Array): void {
  const byId = new Map(points.map((p) => [p.id, p]));
  hits.forEach((hit, i) => {
    const p = byId.get(hit.id);
    assert.ok(p, `unexpected hit ${hit.id}`);
    assert.ok(Math.abs(hit.score - cosine(p.vector, query)) < 1e-4, `score of ${hit.id}: ${hit.score}`);
    assert.deepEqual(hit.payload, p.payload);
    if (i > 0) assert.ok(hits[i - 1]!.score >= hit.score, 'hits are not in descending order');
  });
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
