// The in-memory collection's index behaviour: built lazily above the threshold, kept in step
// with upserts and deletes, filtered searches that fall back to exact scans.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { indexCandidates, MemoryCollection } from './collection.js';
import { exactSearch, normalized } from './matrix.js';
import type { VectorPayload } from './store.js';
import { syntheticSet } from './synthetic.js';

const D = 8;
const hnsw = { connectivity: 16, expansionAdd: 64, expansionSearch: 64 };
const inline = 'inline' as const;

function rows(n: number, seed: number, language = (i: number) => (i % 10 === 0 ? 'sw' : 'en')) {
  let s = seed >>> 0;
  const random = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
  const ids: string[] = [];
  const payloads: VectorPayload[] = [];
  const vectors = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    ids.push(`p${seed}-${i}`);
    payloads.push({ language: language(i), dataset: 'd', documentId: `${i}`, groupId: `${i}`, text: `${i}` });
    vectors.set(normalized(Float32Array.from({ length: D }, random)), i * D);
  }
  return { ids, payloads, vectors };
}

function recall(c: MemoryCollection, queries: Float32Array[], languages?: string[]) {
  let hit = 0;
  const accept = languages && ((row: number) => languages.includes(c.payloads[row]!.language));
  for (const q of queries) {
    const expected = new Set(exactSearch(c.matrix, q, 10, accept).rows.map((r) => c.ids[r]));
    hit += c.search(q, 10, languages).filter((h) => expected.has(h.id)).length;
  }
  return hit / (queries.length * 10);
}

const queries = Array.from({ length: 30 }, (_, i) => normalized(rows(1, 1000 + i).vectors));

it('builds the index on the first search above the threshold, not before', () => {
  const c = new MemoryCollection(D, { hnswThreshold: 100, hnsw, hnswBuild: inline });
  const a = rows(99, 1);
  c.upsert(a.ids, a.payloads, a.vectors);
  c.search(queries[0]!, 5);
  assert.deepEqual(c.stats, { exact: 1, hnsw: 0, fallback: 0 });
  assert.equal(c.hnsw.stats.builds, 0);
  const b = rows(900, 2);
  c.upsert(b.ids, b.payloads, b.vectors);
  assert.equal(c.hnsw.ready, false);
  assert.ok(recall(c, queries) >= 0.95);
  assert.equal(c.hnsw.ready, true);
  assert.equal(c.hnsw.stats.builds, 1);
  assert.equal(c.stats.hnsw, queries.length);
});

it('keeps the index in step with replacements and deletes', () => {
  const c = new MemoryCollection(D, { hnswThreshold: 100, hnsw, hnswBuild: inline });
  const a = rows(1000, 3);
  c.upsert(a.ids, a.payloads, a.vectors);
  c.hnsw.acquire();
  // Replace 100 vectors, delete 300 rows from the middle (rows move), add 200 new ones.
  const replaced = rows(100, 4);
  c.upsert(a.ids.slice(0, 100), replaced.payloads, replaced.vectors);
  c.delete(a.ids.slice(400, 700));
  const added = rows(200, 5);
  c.upsert(added.ids, added.payloads, added.vectors);
  assert.equal(c.count, 900);
  assert.equal(c.hnsw.ready, true, 'few tombstones: the index is kept');
  assert.equal(c.hnsw.stats.builds, 1);
  assert.ok(recall(c, queries) >= 0.95);
  // Every vector finds itself first, with score 1: row numbers and index keys agree.
  for (const row of [0, 50, 399, 400, 650, 899]) {
    const [top] = c.search(c.matrix.row(row).slice(), 1);
    assert.equal(top?.id, c.ids[row]);
    assert.ok(Math.abs(top!.score - 1) < 1e-5);
  }
  assert.equal(c.search(c.matrix.row(0).slice(), 1)[0]!.payload.documentId, replaced.payloads[0]!.documentId);
});

it('drops an index full of tombstones and below the threshold, then rebuilds lazily', () => {
  const c = new MemoryCollection(D, { hnswThreshold: 100, hnsw, hnswBuild: inline });
  const a = rows(3000, 6);
  c.upsert(a.ids, a.payloads, a.vectors);
  c.hnsw.acquire();
  c.delete(a.ids.slice(0, 1200));
  assert.equal(c.hnsw.ready, false);
  assert.ok(recall(c, queries) >= 0.95);
  assert.equal(c.hnsw.stats.builds, 2);
  c.delete(a.ids.slice(1200, 2950));
  assert.equal(c.count, 50);
  assert.equal(c.hnsw.ready, false);
  c.search(queries[0]!, 10);
  assert.equal(c.stats.exact, 1);
});

it('filters: rare languages scan exactly, common ones use the index', () => {
  const c = new MemoryCollection(D, { hnswThreshold: 200, hnsw, hnswBuild: inline });
  const a = rows(1500, 7); // 150 rows in sw, 1350 in en
  c.upsert(a.ids, a.payloads, a.vectors);
  assert.equal(recall(c, queries, ['sw']), 1);
  assert.equal(c.stats.exact, queries.length);
  assert.ok(recall(c, queries, ['en']) >= 0.95);
  assert.ok(c.stats.hnsw + c.stats.fallback === queries.length);
  assert.ok(c.search(queries[0]!, 1000, ['sw', 'xx']).length === 150);
  assert.deepEqual(c.search(queries[0]!, 10, ['xx']), []);
});

it('falls back to an exact scan of the subset when too few index hits survive the filter', () => {
  const c = new MemoryCollection(D, { hnswThreshold: 100, hnsw, hnswBuild: inline });
  const a = rows(2000, 8);
  // The sw rows (one in ten) all point away from the query, so the index's nearest neighbours
  // of the query are en rows.
  for (let i = 0; i < 2000; i++) a.vectors[i * D] = a.payloads[i]!.language === 'sw' ? -3 : 3;
  for (let i = 0; i < 2000; i++) a.vectors.set(normalized(a.vectors.subarray(i * D, (i + 1) * D)), i * D);
  c.upsert(a.ids, a.payloads, a.vectors);
  const query = normalized(new Float32Array(D).fill(0.01).fill(1, 0, 1));
  const hits = c.search(query, 10, ['sw']);
  assert.equal(c.stats.fallback, 1);
  const expected = exactSearch(c.matrix, query, 10, (row) => c.payloads[row]!.language === 'sw');
  assert.deepEqual(hits.map((h) => h.id), expected.rows.map((r) => c.ids[r]));
});

it('builds in the background: exact answers meanwhile, then an index that includes writes made during the build', async () => {
  const c = new MemoryCollection(D, { hnswThreshold: 100, hnsw });
  const a = rows(3000, 9);
  c.upsert(a.ids, a.payloads, a.vectors);
  c.search(queries[0]!, 10); // starts the build
  assert.equal(c.stats.exact, 1);
  // Writes while the worker builds: replace rows, delete (moving rows), append.
  const replaced = rows(50, 10);
  c.upsert(a.ids.slice(0, 50), replaced.payloads, replaced.vectors);
  c.delete(a.ids.slice(100, 200));
  const added = rows(300, 11);
  c.upsert(added.ids, added.payloads, added.vectors);
  await c.hnsw.settled();
  assert.equal(c.hnsw.ready, true);
  assert.equal(c.hnsw.stats.builds, 1);
  assert.equal(c.count, 3200);
  assert.ok(recall(c, queries) >= 0.95);
  // Each row is indexed under its current number with its current vector.
  for (const row of [0, 49, 100, 150, 199, 2899, 3199]) {
    const [top] = c.search(c.matrix.row(row).slice(), 1);
    assert.equal(top?.id, c.ids[row], `row ${row}`);
  }
  assert.ok(c.stats.hnsw > 0);
});

it('abandons a background build when the collection shrinks below the threshold', async () => {
  const c = new MemoryCollection(D, { hnswThreshold: 100, hnsw });
  const a = rows(2000, 12);
  c.upsert(a.ids, a.payloads, a.vectors);
  c.search(queries[0]!, 10);
  c.delete(a.ids.slice(0, 1950));
  await c.hnsw.settled();
  assert.equal(c.hnsw.ready, false);
  assert.equal(c.hnsw.stats.builds, 0);
  assert.equal(c.search(queries[0]!, 100).length, 50);
});

it('discards a background build that too many writes overtook, and builds again', async () => {
  const c = new MemoryCollection(D, { hnswThreshold: 100, hnsw });
  const a = rows(3000, 13);
  c.upsert(a.ids, a.payloads, a.vectors);
  assert.equal(c.hnsw.acquire(), null); // the build starts
  const more = rows(2500, 14);
  c.upsert(more.ids, more.payloads, more.vectors); // before the worker can answer
  await c.hnsw.whenReady();
  assert.equal(c.hnsw.ready, true);
  assert.equal(c.hnsw.stats.discarded, 1);
  assert.equal(c.hnsw.stats.builds, 1);
  assert.ok(recall(c, queries) >= 0.95);
});

it('asks the index for expansionSearch candidates up to top-10, proportionally more for larger k and for filters', () => {
  assert.equal(indexCandidates(1, 1, 256), 256);
  assert.equal(indexCandidates(10, 1, 256), 256);
  assert.equal(indexCandidates(20, 1, 256), 512);
  assert.equal(indexCandidates(100, 1, 256), 2560);
  assert.equal(indexCandidates(15, 1, 64), 96);
  assert.equal(indexCandidates(10, 0.2, 256), 1280, 'one row in five wanted: five times the candidates');
  assert.equal(indexCandidates(10, 1, 8), 20, 'never fewer than k + 10');
});

it('a top-k search explores k / 10 times the candidates of a top-10 search, so recall holds as k grows', () => {
  // Uniform random vectors with a sparse graph (connectivity 4), where recall depends on the
  // candidate list: a top-50 search asks usearch for 5 x expansionSearch candidates.
  const d = 32;
  const n = 3000;
  const set = syntheticSet({ rows: n, dimension: d, kind: 'random', seed: 99 });
  const ids = Array.from({ length: n }, (_, i) => `r${i}`);
  const payloads: VectorPayload[] = ids.map((_, i) => ({ language: 'en', dataset: 'd', documentId: `${i}`, groupId: `${i}`, text: '' }));
  const qs = Array.from({ length: 50 }, set.query);
  const c = new MemoryCollection(d, { hnswThreshold: 100, hnsw: { connectivity: 4, expansionAdd: 16, expansionSearch: 100 }, hnswBuild: inline });
  c.upsert(ids, payloads, set.vectors);
  const recallAt = (k: number) => {
    let hit = 0;
    for (const q of qs) {
      const expected = new Set(exactSearch(c.matrix, q, k).rows.map((r) => c.ids[r]));
      hit += c.search(q, k).filter((h) => expected.has(h.id)).length;
    }
    return hit / (qs.length * k);
  };
  const top10 = recallAt(10);
  const top50 = recallAt(50);
  // The same index asked for 100 candidates directly (what a top-50 search got before): fewer found.
  let direct = 0;
  for (const q of qs) {
    const expected = new Set(exactSearch(c.matrix, q, 50).rows);
    const found = c.hnsw.acquire()!.search(q, 100, 0);
    for (let i = 0; i < 50; i++) if (expected.has(Number(found.keys[i]!))) direct++;
  }
  assert.equal(c.stats.hnsw, 2 * qs.length);
  assert.ok(top50 >= top10 - 0.02, `recall@50 ${top50}, recall@10 ${top10}`);
  assert.ok(top50 > direct / (qs.length * 50) + 0.05, `recall@50 ${top50}; with 100 candidates ${direct / (qs.length * 50)}`);
});
