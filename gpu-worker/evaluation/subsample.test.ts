import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RetrievalBenchmark } from './benchmark.js';
import { firstQueriesPerLanguage } from './subsample.js';

const query = (id: string, language: string, unit: number) => ({ id, language, text: `${id}?`, relevant: [0], unit });

const benchmark: RetrievalBenchmark = {
  name: 'mlqa-r',
  languages: ['de', 'en'],
  queries: [query('q1', 'de', 0), query('q2', 'de', 1), query('q3', 'de', 2), query('q2', 'en', 1), query('q4', 'en', 3)],
  queryRanges: [{ start: 0, end: 3 }, { start: 3, end: 5 }],
  candidates: [{ language: 'de', text: 'x', context: 'x', paragraphIndex: 0, sentenceIndex: 0 }],
  candidateRanges: [{ start: 0, end: 1 }, { start: 1, end: 1 }],
  units: ['q1', 'q2', 'q3', 'q4'],
};

test('keeps the first n queries of every language, every candidate, and renumbers the units asked', () => {
  const sub = firstQueriesPerLanguage(benchmark, 1);
  assert.deepEqual(sub.queries.map((q) => [q.id, q.language, q.unit]), [['q1', 'de', 0], ['q2', 'en', 1]]);
  assert.deepEqual(sub.queryRanges, [{ start: 0, end: 1 }, { start: 1, end: 2 }]);
  assert.deepEqual(sub.units, ['q1', 'q2']);
  assert.equal(sub.candidates, benchmark.candidates);
  assert.equal(sub.candidateRanges, benchmark.candidateRanges);
  assert.equal(benchmark.queries[3]!.unit, 1, 'the benchmark itself is not changed');

  const all = firstQueriesPerLanguage(benchmark, 10);
  assert.deepEqual(all.queries, benchmark.queries);
  assert.deepEqual(all.units, benchmark.units);
  assert.throws(() => firstQueriesPerLanguage(benchmark, 0), RangeError);
});
