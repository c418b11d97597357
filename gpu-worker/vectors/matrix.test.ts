import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ChunkedMatrix, dot, exactSearch, normalized, TopK } from './matrix.js';

it('keeps rows across chunk boundaries and frees emptied chunks', () => {
  const d = 1 << 19; // two rows per 4 MiB chunk
  const m = new ChunkedMatrix(d);
  assert.equal(m.rowsPerChunk, 2);
  for (let r = 0; r < 5; r++) m.push(new Float32Array(d).fill(r + 1));
  assert.equal(m.length, 5);
  assert.deepEqual([...m.blocks()].map((b) => [b.first, b.data.length / d]), [[0, 2], [2, 2], [4, 1]]);
  assert.equal(m.row(3)[d - 1], 4);
  m.set(3, m.row(4));
  m.pop();
  assert.equal(m.row(3)[0], 5);
  assert.deepEqual([...m.blocks()].map((b) => b.first), [0, 2]);
});

it('TopK keeps the k best, best first, earlier row on ties', () => {
  const top = new TopK(3);
  for (const [row, score] of [[0, 0.1], [1, 0.9], [2, 0.5], [3, 0.9], [4, 0.2], [5, 0.95]] as const) top.offer(row, score);
  assert.deepEqual(top.rows, [5, 1, 3]);
  assert.deepEqual(top.scores, [0.95, 0.9, 0.9]);
});

it('exact search scores are dot products of normalised rows and honour the filter', () => {
  const m = new ChunkedMatrix(3);
  const rows = [[1, 0, 0], [0, 2, 0], [1, 1, 0], [0, 0, -3]].map((r) => normalized(new Float32Array(r)));
  rows.forEach((r) => m.push(r));
  const q = normalized(new Float32Array([1, 1, 0]));
  const all = exactSearch(m, q, 4);
  assert.deepEqual(all.rows, [2, 0, 1, 3]);
  assert.ok(Math.abs(all.scores[0]! - 1) < 1e-6);
  assert.ok(Math.abs(all.scores[1]! - Math.SQRT1_2) < 1e-6);
  assert.ok(Math.abs(all.scores[3]!) < 1e-6);
  assert.deepEqual(exactSearch(m, q, 4, (row) => row % 2 === 1).rows, [1, 3]);
  assert.equal(dot(new Float32Array([9, 1, 2, 3, 4, 5]), 1, new Float32Array([1, 1, 1, 1, 1]), 5), 15);
});
