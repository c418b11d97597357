// Cross-lingual BM25 with query translation through MUSE dictionaries (gpu-worker/lexical): each
// question, segmented into words, is translated word by word into the pool's language and ranks
// that language's sentences with BM25 weighted by the translation weights. Settings are compared on
// MLQA-R (validation: the defaults are chosen there) and reported on XQuAD-R, whose numbers chose nothing.
//
//   npm run build && node --expose-gc dist/bench/dictionary-bridge.js [--data DIR]
//
// Metric: mean reciprocal rank of the question's answer sentence in the pool language (one relevant
// sentence per pool, so this is mAP), ties broken pessimistically. Not a test: nothing is asserted.

import fs from 'node:fs';
import path from 'node:path';
import { argument } from './cli.js';
import { defaultSharedDir } from '../schema/config.js';
import { buildRetrievalBenchmark, type RetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';
import { buildBm25Index, tokenize, type Bm25Index } from '../gpu-worker/evaluation/bm25.js';
import { createDictionaryBridge, type BridgeOptions, type DictionaryBridge } from '../gpu-worker/lexical/dictionary.js';
import { loadMuseDictionaries, readMusePairs } from '../gpu-worker/lexical/muse.js';

const dataDir = argument('data') ?? defaultSharedDir('data', process.cwd(), fs.existsSync);
const museDir = path.join(dataDir, 'muse');

/** Words as an analyzer gives them: NFKC, case-folded, ICU word segments without punctuation. */
function segmentWords(text: string, language: string): string[] {
  const segmenter = new Intl.Segmenter(language, { granularity: 'word' });
  return [...segmenter.segment(text.normalize('NFKC').toLowerCase())].filter((s) => s.isWordLike).map((s) => s.segment);
}

type WeightedTokens = Map<string, number>;

interface Variant {
  name: string;
  /** undefined: the question's own tokens, untranslated. */
  options?: BridgeOptions;
  /** Every translated token weighs 1, as plain text would. */
  ignoreWeights?: boolean;
}

// Every variant names each setting it uses, so that a label stays true whatever the defaults are.
const PLAIN: BridgeOptions = { senseWeighting: 'rank', senseNormalisation: 'sum', frequentWords: 0, frequentWeight: 1 };
const FREQUENT = { frequentWords: 100, frequentWeight: 0.2 } as const;
const VARIANTS: Variant[] = [
  { name: 'none' },
  { name: '1 sense', options: { maxSenses: 1 } },
  { name: '3 senses, unweighted', options: { maxSenses: 3 }, ignoreWeights: true },
  { name: '3 uniform/sum', options: { maxSenses: 3, senseWeighting: 'uniform' } },
  { name: '3 rank/sum', options: { maxSenses: 3, senseWeighting: 'rank' } },
  { name: '3 rank/sum, top100 x0.2', options: { maxSenses: 3, ...FREQUENT } },
  { name: '3 rank/max', options: { maxSenses: 3, senseNormalisation: 'max' } },
  { name: '3 uniform/max', options: { maxSenses: 3, senseWeighting: 'uniform', senseNormalisation: 'max' } },
  { name: '3 uniform/max, top100 x0.2', options: { maxSenses: 3, senseWeighting: 'uniform', senseNormalisation: 'max', ...FREQUENT } },
  { name: '3 uniform/max, top300 x0.2', options: { maxSenses: 3, senseWeighting: 'uniform', senseNormalisation: 'max', frequentWords: 300, frequentWeight: 0.2 } },
  { name: '3 uniform/max, top100 x0.05', options: { maxSenses: 3, senseWeighting: 'uniform', senseNormalisation: 'max', frequentWords: 100, frequentWeight: 0.05 } },
  { name: '5 uniform/max', options: { maxSenses: 5, senseWeighting: 'uniform', senseNormalisation: 'max' } },
  { name: '5 uniform/max, top100 x0.2', options: { maxSenses: 5, senseWeighting: 'uniform', senseNormalisation: 'max', ...FREQUENT } },
  { name: '3 rank/max, top100 x0.2', options: { maxSenses: 3, senseNormalisation: 'max', ...FREQUENT } },
  { name: '5 rank/max, top100 x0.2', options: { maxSenses: 5, senseNormalisation: 'max', ...FREQUENT } },
];

const VALIDATION_PAIRS: [string, string][] = [
  ['en', 'de'], ['de', 'en'], ['de', 'es'], ['es', 'de'], ['en', 'zh'], ['zh', 'en'], ['ar', 'en'], ['en', 'ar'], ['hi', 'en'], ['vi', 'en'], ['zh', 'de'],
];
const REPORT_PAIRS: [string, string][] = [
  ['en', 'de'], ['de', 'en'], ['de', 'es'], ['en', 'zh'], ['zh', 'en'], ['ar', 'en'], ['th', 'en'], ['ru', 'en'],
  ['en', 'ru'], ['el', 'en'], ['tr', 'en'], ['hi', 'en'], ['vi', 'en'], ['es', 'de'], ['zh', 'de'],
];

function weightedTokens(bridge: DictionaryBridge | undefined, text: string, from: string, to: string, ignoreWeights = false): WeightedTokens {
  const tokens: WeightedTokens = new Map();
  const words = bridge ? bridge.translate(segmentWords(text, from), from, to) : [{ text, weight: 1 }];
  for (const w of words) for (const t of tokenize(w.text)) tokens.set(t, (tokens.get(t) ?? 0) + (ignoreWeights ? 1 : w.weight));
  return tokens;
}

/** Weighted BM25: each query token's contribution, scaled by its weight (a repeated token adds up, as in BM25). */
function scoreWeighted(index: Bm25Index, tokens: WeightedTokens, out: Float32Array, one: Float32Array): void {
  out.fill(0);
  for (const [t, w] of tokens) {
    index.score([t], one);
    for (let i = 0; i < out.length; i++) out[i]! += w * one[i]!;
  }
}

function pairMrr(benchmark: RetrievalBenchmark, from: string, to: string, bridge: DictionaryBridge | undefined, ignoreWeights: boolean, index: Bm25Index) {
  const qr = benchmark.queryRanges[benchmark.languages.indexOf(from)]!;
  const cr = benchmark.candidateRanges[benchmark.languages.indexOf(to)]!;
  const out = new Float32Array(index.size);
  const one = new Float32Array(index.size);
  let sum = 0;
  let n = 0;
  for (const q of benchmark.queries.slice(qr.start, qr.end)) {
    const relevant = q.relevant.find((c) => c >= cr.start && c < cr.end);
    if (relevant === undefined) continue;
    scoreWeighted(index, weightedTokens(bridge, q.text, from, to, ignoreWeights), out, one);
    const target = out[relevant - cr.start]!;
    let rank = 1;
    for (let i = 0; i < out.length; i++) if (i !== relevant - cr.start && out[i]! >= target) rank++;
    sum += 1 / rank;
    n++;
  }
  return { mrr: sum / n, n };
}

async function table(name: 'mlqa-r' | 'xquad-r', pairs: [string, string][], bridges: Map<Variant, DictionaryBridge | undefined>) {
  const benchmark = await buildRetrievalBenchmark(dataDir, name);
  const indexes = new Map<string, Bm25Index>();
  const indexOf = (language: string) => {
    let index = indexes.get(language);
    if (!index) {
      const r = benchmark.candidateRanges[benchmark.languages.indexOf(language)]!;
      indexes.set(language, (index = buildBm25Index(benchmark.candidates.slice(r.start, r.end).map((c) => tokenize(c.text)))));
    }
    return index;
  };
  const means = VARIANTS.map(() => 0);
  const ceiling: number[] = [];
  console.log(`\n${name}: MRR (= mAP) of the answer sentence in the pool language\n`);
  console.log(`| pair | questions | same-language ceiling | ${VARIANTS.map((v) => v.name).join(' | ')} |`);
  console.log(`|---|---|---|${VARIANTS.map(() => '---|').join('')}`);
  for (const [from, to] of pairs) {
    const mono = pairMrr(benchmark, to, to, undefined, false, indexOf(to));
    ceiling.push(mono.mrr);
    const cells = VARIANTS.map((v, i) => {
      const { mrr, n } = pairMrr(benchmark, from, to, bridges.get(v), v.ignoreWeights ?? false, indexOf(to));
      means[i]! += mrr / pairs.length;
      return { mrr, n };
    });
    console.log(`| ${from}→${to} | ${cells[0]!.n} | ${mono.mrr.toFixed(3)} | ${cells.map((c) => c.mrr.toFixed(3)).join(' | ')} |`);
  }
  const meanCeiling = ceiling.reduce((a, b) => a + b, 0) / ceiling.length;
  console.log(`| mean | | ${meanCeiling.toFixed(3)} | ${means.map((m) => m.toFixed(3)).join(' | ')} |`);
  return means;
}

// Load time and heap of the whole MUSE folder with the defaults, as the product would load it.
globalThis.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const loadStart = performance.now();
const loaded = await loadMuseDictionaries(museDir);
const loadMs = performance.now() - loadStart;
globalThis.gc?.();
const heapMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
console.log(`MUSE, 12 languages x 2 directions: loaded in ${(loadMs / 1000).toFixed(2)} s, heap +${heapMiB.toFixed(0)} MiB${globalThis.gc ? '' : ' (run with --expose-gc for a settled figure)'}; covers de→es: ${loaded.covers('de', 'es')}`);

const pairs = await readMusePairs(museDir);
const bridges = new Map(VARIANTS.map((v) => [v, v.options ? createDictionaryBridge(pairs, { ...PLAIN, ...v.options }) : undefined]));
const validation = await table('mlqa-r', VALIDATION_PAIRS, bridges);
const best = VARIANTS.map((v, i) => ({ v, m: validation[i]! })).sort((a, b) => b.m - a.m)[0]!;
console.log(`\nBest on MLQA-R (validation): ${best.v.name} (${best.m.toFixed(3)})`);
await table('xquad-r', REPORT_PAIRS, bridges);
