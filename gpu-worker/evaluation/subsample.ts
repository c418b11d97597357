// A cheaper benchmark for watching training: the first n queries of every language (file order),
// against the FULL candidate pools, so that the numbers stay comparable with a full evaluation
// (mAP depends on the pool size). Units (question ids) are renumbered to those still asked, so the
// bootstrap resamples only questions that have a value.

import type { IndexRange, RetrievalBenchmark, RetrievalQuery } from './benchmark.js';

export function firstQueriesPerLanguage(benchmark: RetrievalBenchmark, n: number): RetrievalBenchmark {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`queries per language must be a positive integer, got ${n}`);
  const kept: RetrievalQuery[] = [];
  const queryRanges: IndexRange[] = [];
  for (const range of benchmark.queryRanges) {
    const start = kept.length;
    kept.push(...benchmark.queries.slice(range.start, Math.min(range.end, range.start + n)));
    queryRanges.push({ start, end: kept.length });
  }
  const units: string[] = [];
  const unitOf = new Map<string, number>();
  for (const q of kept) if (!unitOf.has(q.id)) unitOf.set(q.id, units.push(q.id) - 1);
  const queries = kept.map((q) => ({ ...q, unit: unitOf.get(q.id)! }));
  return { ...benchmark, queries, queryRanges, units };
}
