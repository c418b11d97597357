// Time of a full XQuAD-R evaluation as an EVALUATE job runs it (gpu-worker/evaluation/suites.ts):
// encode 13,090 queries and 13,014 candidates, rank every query in all 121 language pairs and in
// the multilingual pool (rank distances included), bootstrap intervals for every headline. Then
// the same for BM25. Not a test: nothing here asserts a timing.
//
//   npm run build && node dist/bench/eval-speed.js [--checkpoint <dir>] [--backend wasm] [--bootstrap 1000]
//
// Without --checkpoint the model is DEFAULT_MODEL, untrained (seed 1), its XLM-R vocabulary pruned
// to the benchmark's texts; it is then restored from its state and weights, as a checkpoint is, so
// that encoding starts with a cold tokenization cache like a job's first evaluation of a checkpoint.

import fs from 'node:fs';
import os from 'node:os';
import { defaultSharedDir } from '../schema/config.js';
import { DEFAULT_MODEL } from '../schema/training.js';
import { buildRetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';
import { DENSE_RETRIEVAL } from '../schema/serving.js';
import { loadLexicalQueries } from '../gpu-worker/lexical/setup.js';
import { runRetrievalSuite, type RetrievalSource, type RetrievalSuiteResult } from '../gpu-worker/evaluation/suites.js';
import { describeBackend, isBackendName, selectBackend } from '../gpu-worker/encoding/backend.js';
import { loadCheckpoint } from '../gpu-worker/encoding/checkpoint.js';
import { PASSAGE_PREFIX, QUERY_PREFIX, readWeights } from '../gpu-worker/encoding/encoder.js';
import { createTextPipeline, restoreTextPipeline, type PipelineState, type TextPipeline } from '../gpu-worker/encoding/pipeline.js';
import { argument } from './cli.js';

const seconds = (t0: number) => (performance.now() - t0) / 1000;
const s = (x: number) => `${x.toFixed(1)} s`;

const backendName = argument('backend') ?? 'wasm';
if (!isBackendName(backendName)) throw new Error(`unknown backend ${backendName}`);
const bootstrap = Number(argument('bootstrap') ?? 1000);
const checkpoint = argument('checkpoint');
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const modelsDir = defaultSharedDir('models', process.cwd(), fs.existsSync);

const cpu = os.cpus();
const backend = await selectBackend({ prefer: backendName });
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`backend: ${describeBackend(backend)}; bootstrap B = ${bootstrap}\n`);

let t0 = performance.now();
const benchmark = await buildRetrievalBenchmark(dataDir, 'xquad-r');
console.log(`XQuAD-R: ${benchmark.queries.length} queries, ${benchmark.candidates.length} candidates, ${benchmark.languages.length} languages (read in ${s(seconds(t0))})`);

async function openModel(): Promise<{ pipeline: TextPipeline; queryPrefix: string; passagePrefix: string; what: string }> {
  if (checkpoint) {
    const { manifest, weights } = await loadCheckpoint(checkpoint);
    const pipeline = await restoreTextPipeline(manifest.tokenizer as PipelineState, weights, { modelsDir });
    return { pipeline, queryPrefix: manifest.queryPrefix, passagePrefix: manifest.passagePrefix, what: `checkpoint ${checkpoint} (step ${manifest.step})` };
  }
  const texts = [...benchmark.queries.map((q) => QUERY_PREFIX + q.text), ...benchmark.candidates.map((c) => PASSAGE_PREFIX + c.text)];
  const built = await createTextPipeline(DEFAULT_MODEL, { modelsDir, seed: 1, trainingTexts: texts });
  const pipeline = await restoreTextPipeline(built.state(), readWeights(built.encoder), { modelsDir });
  built.dispose();
  return { pipeline, queryPrefix: QUERY_PREFIX, passagePrefix: PASSAGE_PREFIX, what: `DEFAULT_MODEL untrained (${JSON.stringify(DEFAULT_MODEL)})` };
}

t0 = performance.now();
const model = await openModel();
console.log(`model: ${model.what}, ${model.pipeline.rows} embedding rows (set up in ${s(seconds(t0))})\n`);

function report(label: string, result: RetrievalSuiteResult, total: number) {
  const ev = result.evaluation;
  const { encode, rank, bootstrap: boot } = result.seconds;
  const maps = [ev.mono.map, ev.cross.map, ev.multi.map].map((x) => x.toFixed(4));
  console.log(`| ${[label, s(encode), s(rank), s(boot), s(total), ...maps, ev.multi.rankDistance.toFixed(1)].join(' | ')} |`);
}

console.log('| scorer | encode | rank (121 pairs + pool) | bootstrap | total | mono mAP | cross mAP | multi mAP | rank distance |');
console.log('|---|---|---|---|---|---|---|---|---|');
const run = async (label: string, source: RetrievalSource) => {
  const start = performance.now();
  const result = await runRetrievalSuite(benchmark, source, { bootstrap, seed: 0 });
  report(label, result, seconds(start));
};
const encoder = { embed: (texts: readonly string[]) => model.pipeline.encoder.encode(model.pipeline.tokenize(texts)), queryPrefix: model.queryPrefix, passagePrefix: model.passagePrefix };
await run(checkpoint ? 'checkpoint' : 'DEFAULT_MODEL (cold token cache)', { encoder, retrieval: DENSE_RETRIEVAL });
await run(checkpoint ? 'checkpoint, again' : 'DEFAULT_MODEL, again (tokens cached)', { encoder, retrieval: DENSE_RETRIEVAL });
await run('BM25 (serving path, LEXICAL without dictionary)', { retrieval: { ...DENSE_RETRIEVAL, mode: 'LEXICAL' }, lexical: await loadLexicalQueries(dataDir) });
model.pipeline.dispose();
