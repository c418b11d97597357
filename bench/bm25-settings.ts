// BM25's k1 and b on validation data, through the serving path's lexical search:
//
//   npm run build && node dist/bench/bm25-settings.js [--premises 400] [--query-stop-words]
//   node dist/bench/bm25-settings.js --own-frequent-weights [--suite xnli|mlqa-r] [--weights 1,0.5,0.2,0] [--merge BEST|ZMUV|SUM]
//
// --query-stop-words instead compares the analysis of queries: as the index analyses them (stop
// words only where they helped), or with stopwords-iso's list removed from every query language.
// --own-frequent-weights compares the weight of a query language's most frequent words searched in
// that language (BridgeOptions.ownFrequentWeight), on XNLI or on MLQA-R (question -> answer
// sentence; the dictionary bridge's validation suite, XQuAD-R being the test suite).
// The validation suite is XNLI's test split as LAReQA-style retrieval (gpu-worker/evaluation/
// xnli-retrieval.ts), in XQuAD-R's 11 languages; LEXICAL with the dictionaries; mAP.

import fs from 'node:fs';
import path from 'node:path';
import { BENCHMARK_LANGUAGES, buildRetrievalBenchmark, type RetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';
import { evaluateWithScorer } from '../gpu-worker/evaluation/retrieval.js';
import { createServedScorer } from '../gpu-worker/evaluation/served.js';
import { buildXnliRetrievalBenchmark } from '../gpu-worker/evaluation/xnli-retrieval.js';
import { createAnalyzers, loadLexicalQueries } from '../gpu-worker/lexical/setup.js';
import { DEFAULT_LANGUAGE_MERGE, type LanguageMerge } from '../gpu-worker/serving/retriever.js';
import { createAnalyzer, type AnalyzerOptions } from '../gpu-worker/lexical/analyzer.js';
import { loadMuseDictionaries } from '../gpu-worker/lexical/muse.js';
import { createLexicalQueries } from '../gpu-worker/lexical/query.js';
import { defaultSharedDir } from '../schema/config.js';
import { argument } from './cli.js';

const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const lexical = await loadLexicalQueries(dataDir);
const benchmark: RetrievalBenchmark =
  argument('suite') === 'mlqa-r'
    ? await buildRetrievalBenchmark(dataDir, 'mlqa-r')
    : await buildXnliRetrievalBenchmark(dataDir, BENCHMARK_LANGUAGES['xquad-r'], Number(argument('premises') ?? 400));
if (process.argv.includes('--own-frequent-weights')) {
  console.log(`${benchmark.name}: ${benchmark.queries.length} queries, ${benchmark.candidates.length} candidates\n`);
  console.log('| own-language weight of frequent words | mono | cross | multi | mean | multi rank distance |');
  console.log('|---|---|---|---|---|---|');
  const languageMerge = (argument('merge') ?? DEFAULT_LANGUAGE_MERGE) as LanguageMerge;
  const weights = (argument('weights') ?? '1,0.5,0.2,0').split(',').map(Number);
  console.log(`languages merged ${languageMerge}\n`);
  for (const ownFrequentWeight of weights) {
    const queries = createLexicalQueries(createAnalyzers(), await loadMuseDictionaries(path.join(dataDir, 'muse'), undefined, { ownFrequentWeight }));
    const scorer = await createServedScorer(benchmark, { retrieval: { mode: 'LEXICAL', fusion: { kind: 'RRF', k: 60 }, dictionary: true }, lexical: queries, languageMerge });
    const ev = await evaluateWithScorer(benchmark, scorer, {});
    await scorer.close();
    const cells = [ev.mono.map, ev.cross.map, ev.multi.map, (ev.mono.map + ev.cross.map + ev.multi.map) / 3].map((x) => x.toFixed(3));
    console.log(`| ${ownFrequentWeight} | ${cells.join(' | ')} | ${ev.multi.rankDistance.toFixed(0)} |`);
  }
  process.exit(0);
}
if (process.argv.includes('--query-stop-words')) {
  const dictionaries = await loadMuseDictionaries(path.join(dataDir, 'muse'));
  const analyzers = (options: AnalyzerOptions) => {
    const made = new Map<string, ReturnType<typeof createAnalyzer>>();
    return (language: string) => made.get(language) ?? made.set(language, createAnalyzer(language, options)).get(language)!;
  };
  console.log('| queries analysed | mono | cross | multi |');
  console.log('|---|---|---|---|');
  for (const [label, options] of [['as the index', {}], ['stop words removed', { stopWords: true }]] as const) {
    const queries = createLexicalQueries(analyzers(options), dictionaries);
    const scorer = await createServedScorer(benchmark, { retrieval: { mode: 'LEXICAL', fusion: { kind: 'RRF', k: 60 }, dictionary: true }, lexical: queries });
    const ev = await evaluateWithScorer(benchmark, scorer, {});
    await scorer.close();
    console.log(`| ${label} | ${[ev.mono.map, ev.cross.map, ev.multi.map].map((x) => x.toFixed(3)).join(' | ')} |`);
  }
  process.exit(0);
}
console.log('| k1 | b | mono | cross | multi | mean |');
console.log('|---|---|---|---|---|---|');
for (const k1 of [0.9, 1.2, 1.6]) {
  for (const b of [0.3, 0.5, 0.75, 0.9]) {
    const scorer = await createServedScorer(benchmark, { retrieval: { mode: 'LEXICAL', fusion: { kind: 'RRF', k: 60 }, dictionary: true }, lexical, bm25: { k1, b } });
    const ev = await evaluateWithScorer(benchmark, scorer, {});
    await scorer.close();
    const cells = [ev.mono.map, ev.cross.map, ev.multi.map, (ev.mono.map + ev.cross.map + ev.multi.map) / 3].map((x) => x.toFixed(3));
    console.log(`| ${k1} | ${b} | ${cells.join(' | ')} |`);
  }
}
