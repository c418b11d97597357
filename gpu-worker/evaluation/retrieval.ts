// LAReQA-style evaluation of one scorer on a retrieval benchmark: every query against every
// single-language pool (Mo. on the diagonal, Cr. off it) and against the pool of all candidates
// (Mul.), keeping every per-query value so the bootstrap can resample questions.

import type { RetrievalBenchmark } from './benchmark.js';
import {
  countItem,
  meanDefined,
  pessimisticRanks,
  queryMetrics,
  rankDistance,
  ranksFromCounts,
  RETRIEVAL_METRICS,
  sortedThresholds,
  type MetricValues,
  type RetrievalMetric,
} from './metrics.js';
import { embeddingScorer, type Pool, type RetrievalScorer } from './scoring.js';

export type MultiMetric = RetrievalMetric | 'rankDistance';

/** Per-query values: one array per group, indexed by resampling unit (question id); NaN = absent. */
export interface PerQueryTables {
  /** pair[metric][qi * L + ci]: queries of language qi against the pool of language ci. */
  pair: Record<RetrievalMetric, Float64Array[]>;
  /** multi[metric][qi]: queries of language qi against all candidates. */
  multi: Record<MultiMetric, Float64Array[]>;
}

export interface RetrievalEvaluation {
  benchmark: RetrievalBenchmark['name'];
  languages: string[];
  units: number;
  /** Macro-average over the L runs with query language = pool language. */
  mono: MetricValues;
  /** Macro-average over the L(L-1) ordered pairs with different languages. */
  cross: MetricValues;
  /** Mean over query languages of the per-language mean against the pool of all candidates. */
  multi: MetricValues & { rankDistance: number };
  /** [qi][ci] matrices: query language x pool language. */
  pairs: { queries: number[][]; metrics: Record<RetrievalMetric, number[][]> };
  multiByLanguage: { queries: number[]; metrics: Record<MultiMetric, number[]> };
  perQuery: PerQueryTables;
}

export interface EvaluateOptions {
  /** Queries scored at a time (memory: blockSize x pool size floats). */
  blockSize?: number;
  onProgress?: (queriesDone: number, queriesTotal: number) => void;
  signal?: AbortSignal;
}

const metricRecord = <K extends string, T>(keys: readonly K[], make: (k: K) => T) =>
  Object.fromEntries(keys.map((k) => [k, make(k)])) as Record<K, T>;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Cosine retrieval with query and candidate embeddings (row-major, d columns, benchmark order). */
export async function evaluateRetrieval(
  benchmark: RetrievalBenchmark,
  queryEmbeddings: Float32Array,
  candidateEmbeddings: Float32Array,
  d: number,
  options: EvaluateOptions = {},
): Promise<RetrievalEvaluation> {
  if (queryEmbeddings.length !== benchmark.queries.length * d) throw new RangeError(`expected ${benchmark.queries.length} query embeddings of ${d} values`);
  if (candidateEmbeddings.length !== benchmark.candidates.length * d) throw new RangeError(`expected ${benchmark.candidates.length} candidate embeddings of ${d} values`);
  return evaluateWithScorer(benchmark, embeddingScorer(queryEmbeddings, candidateEmbeddings, d), options);
}

export async function evaluateWithScorer(benchmark: RetrievalBenchmark, scorer: RetrievalScorer, options: EvaluateOptions = {}): Promise<RetrievalEvaluation> {
  const { languages, queries, candidates, candidateRanges } = benchmark;
  const L = languages.length;
  const U = benchmark.units.length;
  const blockSize = options.blockSize ?? 64;
  const table = () => new Float64Array(U).fill(NaN);
  const perQuery: PerQueryTables = {
    pair: metricRecord(RETRIEVAL_METRICS, () => Array.from({ length: L * L }, table)),
    multi: metricRecord([...RETRIEVAL_METRICS, 'rankDistance'] as const, () => Array.from({ length: L }, table)),
  };
  const queryLanguage = new Int32Array(queries.length);
  benchmark.queryRanges.forEach((r, i) => queryLanguage.fill(i, r.start, r.end));
  const candidateLanguage = new Int32Array(candidates.length);
  candidateRanges.forEach((r, i) => candidateLanguage.fill(i, r.start, r.end));

  const record = (q: number, group: number, ranks: Int32Array, into: Record<RetrievalMetric, Float64Array[]>) => {
    const values = queryMetrics(ranks);
    for (const m of RETRIEVAL_METRICS) into[m][group]![queries[q]!.unit] = values[m];
  };
  const recordMulti = (q: number, ranks: Int32Array) => {
    record(q, queryLanguage[q]!, ranks, perQuery.multi);
    perQuery.multi.rankDistance[queryLanguage[q]!]![queries[q]!.unit] = rankDistance(ranks);
  };

  // Pool-invariant scores: one pass over the query's row counts every candidate against all its
  // relevant scores, per language; that yields its ranks in every language pool and in the pool of all.
  let hist = new Int32Array(0);
  const rankAllPools = (q: number, row: Float32Array) => {
    const { relevant } = queries[q]!;
    const m = relevant.length;
    const t = sortedThresholds(relevant.map((r) => row[r]!));
    const stride = m + 1;
    if (hist.length < L * stride) hist = new Int32Array(L * stride);
    hist.fill(0, 0, L * stride);
    for (let l = 0; l < L; l++) {
      const { start, end } = candidateRanges[l]!;
      for (let c = start; c < end; c++) countItem(hist, l * stride, t, 0, m, row[c]!);
    }
    const all = new Int32Array(stride);
    for (let l = 0; l < L; l++) for (let k = 0; k < stride; k++) all[k]! += hist[l * stride + k]!;
    recordMulti(q, ranksFromCounts(t, 0, m, all, 0));
    for (let l = 0; l < L; l++) {
      const own = sortedThresholds(relevant.filter((r) => candidateLanguage[r] === l).map((r) => row[r]!));
      if (own.length > 0) record(q, queryLanguage[q]! * L + l, ranksFromCounts(t, 0, m, hist, l * stride, own), perQuery.pair);
    }
  };
  // Pool-dependent scores: `row` holds the scores of one pool, indexed from its first candidate.
  const rankInPool = (q: number, pool: Pool, row: Float32Array) => {
    const query = queries[q]!;
    switch (pool.kind) {
      case 'language': {
        const { start, end } = candidateRanges[pool.language]!;
        const relevant = query.relevant.filter((r) => r >= start && r < end).map((r) => r - start);
        if (relevant.length === 0) return; // the question does not exist in this language
        record(q, queryLanguage[q]! * L + pool.language, pessimisticRanks(row, 0, end - start, relevant), perQuery.pair);
        return;
      }
      case 'all':
        recordMulti(q, pessimisticRanks(row, 0, candidates.length, query.relevant));
        return;
      default:
        return pool satisfies never;
    }
  };

  const pools: Pool[] = [...languages.map((_, language): Pool => ({ kind: 'language', language })), { kind: 'all' }];
  const passes: Pool[] = scorer.poolInvariant ? [{ kind: 'all' }] : pools;
  const total = queries.length * passes.length;
  let done = 0;
  for (const pool of passes) {
    const range = pool.kind === 'all' ? { start: 0, end: candidates.length } : candidateRanges[pool.language]!;
    const width = range.end - range.start;
    const buffer = new Float32Array(blockSize * width);
    for (let start = 0; start < queries.length; start += blockSize) {
      options.signal?.throwIfAborted();
      const end = Math.min(queries.length, start + blockSize);
      await scorer.scoreBlock(start, end, pool, buffer);
      for (let q = start; q < end; q++) {
        const row = buffer.subarray((q - start) * width, (q - start + 1) * width);
        if (scorer.poolInvariant) rankAllPools(q, row);
        else rankInPool(q, pool, row);
      }
      done += end - start;
      options.onProgress?.(done, total);
      await yieldToEventLoop();
    }
  }
  return summarize(benchmark, perQuery);
}

function countDefined(values: Float64Array): number {
  let n = 0;
  for (const v of values) if (v === v) n++;
  return n;
}

function summarize(benchmark: RetrievalBenchmark, perQuery: PerQueryTables): RetrievalEvaluation {
  const { languages } = benchmark;
  const L = languages.length;
  const matrix = (groups: Float64Array[], f: (g: Float64Array) => number) =>
    languages.map((_, qi) => languages.map((_, ci) => f(groups[qi * L + ci]!)));
  const pairs = {
    queries: matrix(perQuery.pair.map, countDefined),
    metrics: metricRecord(RETRIEVAL_METRICS, (m) => matrix(perQuery.pair[m], meanDefined)),
  };
  const diagonal = (x: number[][]) => meanDefined(x.map((row, i) => row[i]!));
  const offDiagonal = (x: number[][]) => meanDefined(x.flatMap((row, i) => row.filter((_, j) => j !== i)));
  const multiByLanguage = {
    queries: perQuery.multi.map.map(countDefined),
    metrics: metricRecord([...RETRIEVAL_METRICS, 'rankDistance'] as const, (m) => perQuery.multi[m].map(meanDefined)),
  };
  return {
    benchmark: benchmark.name,
    languages: [...languages],
    units: benchmark.units.length,
    mono: metricRecord(RETRIEVAL_METRICS, (m) => diagonal(pairs.metrics[m])),
    cross: metricRecord(RETRIEVAL_METRICS, (m) => offDiagonal(pairs.metrics[m])),
    multi: metricRecord([...RETRIEVAL_METRICS, 'rankDistance'] as const, (m) => meanDefined(multiByLanguage.metrics[m])),
    pairs,
    multiByLanguage,
    perQuery,
  };
}
