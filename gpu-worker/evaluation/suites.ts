// One suite evaluated end to end for one scorer: encode (or index, for BM25), rank, bootstrap.
// Knows nothing of jobs or databases; progress leaves through `log`, cancellation comes in
// through the signal (checked between batches and between blocks of queries).

import type { Headline } from './headlines.js';
import { headlineIntervals } from './headlines.js';
import { alignmentIntervals, evaluateAlignment, type AlignmentEvaluation } from './alignment.js';
import type { RetrievalBenchmark } from './benchmark.js';
import { bm25Scorer } from './bm25.js';
import { embedTexts, type EmbedFn } from '../encoding/encode.js';
import { evaluateRetrieval, evaluateWithScorer, type RetrievalEvaluation } from './retrieval.js';
import type { Interval } from './stats.js';
import type { XnliSentences } from './xnli.js';

/** An encoder with the role prefixes it was trained with. */
export interface PrefixedEncoder {
  embed: EmbedFn;
  queryPrefix: string;
  passagePrefix: string;
}

export type RetrievalSource = { kind: 'encoder'; encoder: PrefixedEncoder } | { kind: 'bm25' };

export interface SuiteOptions {
  /** Bootstrap replicates and seed of the intervals. */
  bootstrap: number;
  seed: number;
  signal?: AbortSignal;
  /** Progress lines, about every quarter of each phase. */
  log?: (line: string) => void;
  /** Texts per forward pass. */
  batchSize?: number;
}

export interface RetrievalSuiteResult {
  evaluation: RetrievalEvaluation;
  intervals: Record<Headline, Interval>;
  /** Seconds per phase. */
  seconds: { encode: number; rank: number; bootstrap: number };
}

export interface AlignmentSuiteResult {
  evaluation: AlignmentEvaluation;
  pooledMap: Interval;
  seconds: { encode: number; align: number; bootstrap: number };
}

/** Calls log at 25%, 50%, 75% and 100% of a phase. */
function quarters(label: string, log: ((line: string) => void) | undefined) {
  let next = 1;
  return (done: number, total: number) => {
    if (!log || total === 0 || done * 4 < next * total) return;
    while (next <= 4 && done * 4 >= next * total) next++;
    log(`${label}: ${done}/${total}`);
  };
}

const since = (t0: number) => (performance.now() - t0) / 1000;

export async function runRetrievalSuite(benchmark: RetrievalBenchmark, source: RetrievalSource, options: SuiteOptions): Promise<RetrievalSuiteResult> {
  const { signal, log } = options;
  const t0 = performance.now();
  let evaluation: RetrievalEvaluation;
  let encodeSeconds = 0;
  switch (source.kind) {
    case 'encoder': {
      const { embed, queryPrefix, passagePrefix } = source.encoder;
      const texts = [...benchmark.queries.map((q) => queryPrefix + q.text), ...benchmark.candidates.map((c) => passagePrefix + c.text)];
      const { values, dimension } = await embedTexts(embed, texts, { signal, batchSize: options.batchSize, onProgress: quarters(`${benchmark.name} encoded`, log) });
      encodeSeconds = since(t0);
      const split = benchmark.queries.length * dimension;
      evaluation = await evaluateRetrieval(benchmark, values.subarray(0, split), values.subarray(split), dimension, {
        signal,
        onProgress: quarters(`${benchmark.name} ranked`, log),
      });
      break;
    }
    case 'bm25':
      evaluation = await evaluateWithScorer(benchmark, bm25Scorer(benchmark), { signal, onProgress: quarters(`${benchmark.name} ranked (BM25)`, log) });
      break;
    default:
      return source satisfies never;
  }
  const t1 = performance.now();
  signal?.throwIfAborted();
  const intervals = headlineIntervals(evaluation, { B: options.bootstrap, seed: options.seed });
  return { evaluation, intervals, seconds: { encode: encodeSeconds, rank: (t1 - t0) / 1000 - encodeSeconds, bootstrap: since(t1) } };
}

/** Every sentence is a passage-side text: XNLI premises are statements, not questions. */
export async function runAlignmentSuite(data: XnliSentences, encoder: PrefixedEncoder, options: SuiteOptions): Promise<AlignmentSuiteResult> {
  const { signal, log } = options;
  const t0 = performance.now();
  const n = data.sentences[0]?.length ?? 0;
  const texts = data.sentences.flatMap((language) => language.map((s) => encoder.passagePrefix + s));
  const { values, dimension } = await embedTexts(encoder.embed, texts, { signal, batchSize: options.batchSize, onProgress: quarters('xnli encoded', log) });
  const t1 = performance.now();
  const perLanguage = data.languages.map((_, l) => values.subarray(l * n * dimension, (l + 1) * n * dimension));
  const evaluation = evaluateAlignment(data.languages, perLanguage, dimension);
  const t2 = performance.now();
  signal?.throwIfAborted();
  const { pooledMap } = alignmentIntervals(evaluation, { B: options.bootstrap, seed: options.seed });
  return { evaluation, pooledMap, seconds: { encode: (t1 - t0) / 1000, align: (t2 - t1) / 1000, bootstrap: since(t2) } };
}
