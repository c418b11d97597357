// One suite evaluated end to end for one scorer: encode (or index, for lexical search), rank,
// bootstrap. DENSE ranks every candidate by cosine similarity, the scores the serving path's exact
// search gives; LEXICAL and HYBRID go through the serving path itself (served.ts).
// Knows nothing of jobs or databases; progress leaves through `log`, cancellation comes in
// through the signal (checked between batches and between blocks of queries).

import type { Headline } from './headlines.js';
import { headlineIntervals } from './headlines.js';
import { alignmentIntervals, evaluateAlignment, type AlignmentEvaluation } from './alignment.js';
import type { RetrievalBenchmark } from './benchmark.js';
import { embedTexts, type EmbedFn } from '../encoding/encode.js';
import type { RetrievalSettings } from '../../schema/serving.js';
import type { LexicalQueries } from '../lexical/query.js';
import { createServedScorer } from './served.js';
import type { LanguageMerge } from '../serving/retriever.js';
import { evaluateRetrieval, evaluateWithScorer, type RetrievalEvaluation } from './retrieval.js';
import type { Interval } from './stats.js';
import type { XnliSentences } from './xnli.js';
import type { BitextSet } from '../../schema/bitext-format.js';
import { bitextMining, MARGIN_K, type BlockDots } from './bitext.js';
import { loadNative } from '../encoding/native/addon.js';
import { bootstrapIntervals } from './stats.js';
import { normalized } from '../vectors/matrix.js';

/** An encoder with the role prefixes it was trained with. */
export interface PrefixedEncoder {
  embed: EmbedFn;
  queryPrefix: string;
  passagePrefix: string;
}

/** What is evaluated and how it is searched; `lexical` is required unless the mode is DENSE. */
export interface RetrievalSource {
  /** Absent: lexical search only (the mode must be LEXICAL). */
  encoder?: PrefixedEncoder;
  retrieval: RetrievalSettings;
  lexical?: LexicalQueries;
  /** For benchmarks comparing merges; default: the serving default. */
  languageMerge?: LanguageMerge;
}

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
  const { encoder, retrieval } = source;
  let embeddings: { queries: Float32Array; candidates: Float32Array; dimension: number } | undefined;
  if (encoder && retrieval.mode !== 'LEXICAL') {
    const { embed, queryPrefix, passagePrefix } = encoder;
    const texts = [...benchmark.queries.map((q) => queryPrefix + q.text), ...benchmark.candidates.map((c) => passagePrefix + c.text)];
    const { values, dimension } = await embedTexts(embed, texts, { signal, batchSize: options.batchSize, onProgress: quarters(`${benchmark.name} encoded`, log) });
    const split = benchmark.queries.length * dimension;
    embeddings = { queries: values.subarray(0, split), candidates: values.subarray(split), dimension };
  }
  const encodeSeconds = embeddings ? since(t0) : 0;
  const ranked = { signal, onProgress: quarters(`${benchmark.name} ranked (${retrieval.mode})`, log) };
  if (retrieval.mode === 'DENSE') {
    if (!embeddings) throw new Error('DENSE evaluation needs an encoder');
    evaluation = await evaluateRetrieval(benchmark, embeddings.queries, embeddings.candidates, embeddings.dimension, ranked);
  } else {
    if (!source.lexical) throw new Error(`${retrieval.mode} evaluation needs the lexical analysis`);
    const scorer = await createServedScorer(benchmark, {
      retrieval,
      lexical: source.lexical,
      ...(embeddings ? { embeddings } : {}),
      ...(source.languageMerge ? { languageMerge: source.languageMerge } : {}),
    });
    try {
      evaluation = await evaluateWithScorer(benchmark, scorer, ranked);
    } finally {
      await scorer.close();
    }
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

export interface BitextSuiteResult {
  /** `<a>-<b>.accuracy` and `<a>-<b>.xsimError` for both directions, with 95% intervals over the gold pairs. */
  intervals: Record<string, Interval>;
  seconds: { encode: number; mine: number; bootstrap: number };
}

/** Bitext mining (bitext.ts) over a set's two sides, every sentence embedded with the passage prefix. */
export async function runBitextSuite(set: BitextSet, encoder: PrefixedEncoder, options: SuiteOptions): Promise<BitextSuiteResult> {
  const { signal, log } = options;
  const t0 = performance.now();
  const side = async (s: BitextSet['a']) => {
    const { values, dimension } = await embedTexts(encoder.embed, s.texts.map((t) => encoder.passagePrefix + t), { signal, batchSize: options.batchSize, onProgress: quarters(`${s.language} encoded`, log) });
    return Array.from({ length: s.texts.length }, (_, i) => normalized(values.subarray(i * dimension, (i + 1) * dimension)));
  };
  const a = await side(set.a);
  const b = await side(set.b);
  const t1 = performance.now();
  signal?.throwIfAborted();
  const native = loadNative();
  const dots: BlockDots | undefined = native.kind === 'loaded'
    ? (block, rows, packed, n, d, out) => native.addon.matmul(block, packed, out, 1, rows, n, d, false, true, 1, 1, null)
    : undefined;
  const mined = bitextMining({ language: set.a.language, rows: a }, { language: set.b.language, rows: b }, set.gold, MARGIN_K, dots);
  const t2 = performance.now();
  signal?.throwIfAborted();
  const tables = Object.fromEntries([
    ...Object.entries(mined.accuracy).map(([pair, table]) => [`${pair}.accuracy`, table] as const),
    ...Object.entries(mined.xsimError).map(([pair, table]) => [`${pair}.xsimError`, table] as const),
  ]);
  const intervals = bootstrapIntervals(tables, { B: options.bootstrap, seed: options.seed });
  return { intervals, seconds: { encode: (t1 - t0) / 1000, mine: (t2 - t1) / 1000, bootstrap: since(t2) } };
}
