// Chooses the HYBRID fusion default on validation data, never on the test suites:
//
//   npm run build && node dist/bench/fusion-validation.js --checkpoint <checkpoint folder> [--premises 500]
//       [--suite xnli|xquad-r|mlqa-r] [--only <substrings of settings, comma-separated>] [--merge BEST|ZMUV|SUM] [--bootstrap 200]
//
// The validation suite is XNLI's test split as LAReQA-style retrieval (gpu-worker/evaluation/
// xnli-retrieval.ts: entailment hypotheses as queries, premises as candidates, XQuAD-R's 11
// languages); the alignment suite reads XNLI dev, and no training run can read XNLI. Every
// setting runs through the evaluation's serving path (runRetrievalSuite, as `evaluate` does):
// DENSE, LEXICAL with the dictionaries, HYBRID with RRF (k 5 to 200) and weighted fusion
// (dense weight 0.2 to 0.8). Printed: mono / cross / multi mAP and their mean, which picks the
// default. `--suite xquad-r` prints the same table on a test suite, for the record only.

import fs from 'node:fs';
import os from 'node:os';
import { buildRetrievalBenchmark, BENCHMARK_LANGUAGES, type RetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';
import { runRetrievalSuite } from '../gpu-worker/evaluation/suites.js';
import { buildXnliRetrievalBenchmark } from '../gpu-worker/evaluation/xnli-retrieval.js';
import { describeBackend, selectBackend } from '../gpu-worker/encoding/backend.js';
import { loadCheckpoint } from '../gpu-worker/encoding/checkpoint.js';
import { restoreTextPipeline, type PipelineState } from '../gpu-worker/encoding/pipeline.js';
import { loadLexicalQueries } from '../gpu-worker/lexical/setup.js';
import { DEFAULT_LANGUAGE_MERGE, LANGUAGE_MERGES, type LanguageMerge } from '../gpu-worker/serving/retriever.js';
import { defaultSharedDir } from '../schema/config.js';
import type { RetrievalSettings } from '../schema/serving.js';
import { argument } from './cli.js';

const checkpoint = argument('checkpoint');
if (!checkpoint) throw new Error('--checkpoint <folder> is required: the dense model whose fusion with BM25 is tuned');
const premises = Number(argument('premises') ?? 500);
const suite = argument('suite') ?? 'xnli';
/** Comma-separated substrings: the settings whose label contains one of them. */
const only = argument('only')?.split(',');
const bootstrap = Number(argument('bootstrap') ?? 200);
const languageMerge = (argument('merge') ?? DEFAULT_LANGUAGE_MERGE) as LanguageMerge;
if (!LANGUAGE_MERGES.includes(languageMerge)) throw new Error(`--merge must be one of ${LANGUAGE_MERGES.join(', ')}`);
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const modelsDir = defaultSharedDir('models', process.cwd(), fs.existsSync);

const backend = await selectBackend({});
const cpu = os.cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}; backend ${describeBackend(backend)}`);
const benchmark: RetrievalBenchmark =
  suite === 'xnli'
    ? await buildXnliRetrievalBenchmark(dataDir, BENCHMARK_LANGUAGES['xquad-r'], premises)
    : await buildRetrievalBenchmark(dataDir, suite === 'mlqa-r' ? 'mlqa-r' : 'xquad-r');
console.log(`${benchmark.name}: ${benchmark.queries.length} queries, ${benchmark.candidates.length} candidates, ${benchmark.languages.length} languages`);

const { manifest, weights } = await loadCheckpoint(checkpoint);
const pipeline = await restoreTextPipeline(manifest.tokenizer as PipelineState, weights, { modelsDir });
const encoder = { embed: (texts: readonly string[]) => pipeline.encoder.encode(pipeline.tokenize(texts)), queryPrefix: manifest.queryPrefix, passagePrefix: manifest.passagePrefix };
const lexical = await loadLexicalQueries(dataDir);
console.log(`checkpoint ${checkpoint} (step ${manifest.step}); languages merged ${languageMerge}\n`);

const settings: Array<[string, RetrievalSettings]> = [
  ['DENSE', { mode: 'DENSE', fusion: { kind: 'RRF', k: 60 }, dictionary: true }],
  ['BM25 (LEXICAL, no dictionary)', { mode: 'LEXICAL', fusion: { kind: 'RRF', k: 60 }, dictionary: false }],
  ['LEXICAL (dictionary)', { mode: 'LEXICAL', fusion: { kind: 'RRF', k: 60 }, dictionary: true }],
  ...[5, 20, 60, 200].map((k): [string, RetrievalSettings] => [`HYBRID RRF k=${k}`, { mode: 'HYBRID', fusion: { kind: 'RRF', k }, dictionary: true }]),
  ...[0.1, 0.2, 0.35, 0.5, 0.65, 0.8].map((w): [string, RetrievalSettings] => [`HYBRID WEIGHTED dense ${w}`, { mode: 'HYBRID', fusion: { kind: 'WEIGHTED', denseWeight: w }, dictionary: true }]),
];
console.log('| setting | mono mAP [95%] | cross mAP [95%] | multi mAP [95%] | mean | multi rank distance | seconds |');
console.log('|---|---|---|---|---|---|---|');
let best: { label: string; mean: number } | undefined;
for (const [label, retrieval] of settings.filter(([label]) => !only || only.some((o) => label.includes(o)))) {
  const t0 = performance.now();
  const { evaluation: ev, intervals: iv } = await runRetrievalSuite(benchmark, { encoder, retrieval, lexical, languageMerge }, { bootstrap, seed: 0 });
  const mean = (ev.mono.map + ev.cross.map + ev.multi.map) / 3;
  if (retrieval.mode === 'HYBRID' && (!best || mean > best.mean)) best = { label, mean };
  const cell = (h: 'mono.map' | 'cross.map' | 'multi.map') => `${iv[h].estimate.toFixed(3)} [${iv[h].lo.toFixed(3)}, ${iv[h].hi.toFixed(3)}]`;
  console.log(`| ${label} | ${cell('mono.map')} | ${cell('cross.map')} | ${cell('multi.map')} | ${mean.toFixed(3)} | ${ev.multi.rankDistance.toFixed(0)} | ${((performance.now() - t0) / 1000).toFixed(0)} |`);
}
console.log(`\nbest HYBRID setting by the mean of mono, cross and multi mAP: ${best?.label} (${best?.mean.toFixed(3)})`);
pipeline.dispose();
