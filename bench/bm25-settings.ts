// BM25's k1 and b on validation data, through the serving path's lexical search:
//
//   npm run build && node dist/bench/bm25-settings.js [--premises 400] [--query-stop-words]
//
// --query-stop-words instead compares the analysis of queries: as the index analyses them (stop
// words only where they helped), or with stopwords-iso's list removed from every query language.
// The validation suite is XNLI's test split as LAReQA-style retrieval (gpu-worker/evaluation/
// xnli-retrieval.ts), in XQuAD-R's 11 languages; LEXICAL with the dictionaries; mAP.

import fs from 'node:fs';
import path from 'node:path';
import { BENCHMARK_LANGUAGES } from '../gpu-worker/evaluation/benchmark.js';
import { evaluateWithScorer } from '../gpu-worker/evaluation/retrieval.js';
import { createServedScorer } from '../gpu-worker/evaluation/served.js';
import { buildXnliRetrievalBenchmark } from '../gpu-worker/evaluation/xnli-retrieval.js';
import { loadLexicalQueries } from '../gpu-worker/lexical/setup.js';
import { createAnalyzer, type AnalyzerOptions } from '../gpu-worker/lexical/analyzer.js';
import { loadMuseDictionaries } from '../gpu-worker/lexical/muse.js';
import { createLexicalQueries } from '../gpu-worker/lexical/query.js';
import { defaultSharedDir } from '../schema/config.js';
import { argument } from './cli.js';

const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const lexical = await loadLexicalQueries(dataDir);
const benchmark = await buildXnliRetrievalBenchmark(dataDir, BENCHMARK_LANGUAGES['xquad-r'], Number(argument('premises') ?? 400));
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
