import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bm25Idf, LexicalIndex, TopHeap } from './lexical-index.js';
import type { SparseVector } from './store.js';

function seeded(seed: number) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** BM25 by brute force over live rows: sum of query weight x idf x document weight, only rows sharing a term. */
function bruteForce(rows: (SparseVector | undefined)[], query: SparseVector, k: number, accept: (row: number) => boolean) {
  const holders = rows.filter((r) => r && r.indices.length > 0).length;
  const df = (term: number) => rows.filter((r) => r?.indices.includes(term)).length;
  const scored: { row: number; score: number }[] = [];
  rows.forEach((r, row) => {
    if (!r || !accept(row)) return;
    let score: number | undefined;
    query.indices.forEach((term, i) => {
      const at = r.indices.indexOf(term);
      if (at >= 0) score = (score ?? 0) + query.values[i]! * bm25Idf(holders, df(term)) * r.values[at]!;
    });
    if (score !== undefined) scored.push({ row, score });
  });
  return scored.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, k);
}

test('lexical search equals brute-force BM25 through appends, replacements and deletions, with a filter', () => {
  const random = seeded(7);
  const doc = (): SparseVector => {
    const indices = [...new Set(Array.from({ length: 1 + Math.floor(random() * 6) }, () => Math.floor(random() * 40)))];
    return { indices, values: indices.map(() => 0.2 + random() * 2) };
  };
  const index = new LexicalIndex();
  const rows: (SparseVector | undefined)[] = [];
  for (let row = 0; row < 300; row++) {
    const terms = row % 17 === 0 ? undefined : doc();
    rows.push(terms);
    index.set(row, terms);
  }
  const check = (label: string) => {
    for (let q = 0; q < 25; q++) {
      const query = doc();
      const k = 1 + (q % 12);
      const accept = q % 3 === 0 ? (row: number) => row % 2 === 0 : () => true;
      const want = bruteForce(rows, query, k, accept);
      const got = index.search(query, k, q % 3 === 0 ? accept : undefined);
      assert.deepEqual(got.rows, want.map((w) => w.row), `${label}, query ${q}`);
      got.scores.forEach((s, i) => assert.ok(Math.abs(s - want[i]!.score) < 1e-4));
    }
  };
  check('appended');
  assert.equal(index.size, rows.filter(Boolean).length);
  for (const row of [3, 50, 120]) {
    rows[row] = doc();
    index.set(row, rows[row]);
  }
  check('replaced');
  for (const row of [10, 0, 200]) {
    index.moveLast(row);
    const last = rows.pop();
    if (row < rows.length) rows[row] = last;
  }
  check('deleted');
  assert.deepEqual(index.get(5), rows[5] && { indices: rows[5].indices, values: rows[5].values.map((v) => Math.fround(v)) });
});

test('TopHeap keeps the k best, best first, lower rows first among ties', () => {
  const heap = new TopHeap(3);
  for (const [row, score] of [[5, 1], [1, 3], [9, 2], [2, 3], [7, 0.5], [4, 2]] as const) heap.offer(row, score);
  assert.deepEqual(heap.sorted(), { rows: [1, 2, 4], scores: [3, 3, 2] });
  assert.deepEqual(new TopHeap(0).sorted(), { rows: [], scores: [] });
});
