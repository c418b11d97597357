// Trains a named CPU recipe (schema/recipes.ts) end to end on this machine and evaluates it DENSE:
// wall-clock training time, a held-out NTREX-128 cross-lingual retrieval score (the selection
// metric: sentences excluded from training), XQuAD-R mono/cross/multi mAP (zero-shot: the run
// names XQUAD_R, so the leakage guard applies), and with --mlqa a variant trained without MLQA-R
// evaluated on MLQA-R. Not a test: nothing here asserts a number.
//
//   npm run build && node dist/bench/cpu-recipe.js [--recipe CPU_DEFAULT] [--steps N] [--mlqa]
//     [--override '{"model":{"dimension":64},"hyperParameters":{"batchSize":64}}'] [--label text]
//     [--backend native-cpu] [--no-xquad] [--bootstrap 0] [--modes] [--save <folder prefix>]
//
// --modes adds the table of the issue's targets: the suite through the serving path (what
// `evaluate` runs) in DENSE and HYBRID (default fusion) mode, next to BM25 and DICT-BM25, with
// 95% bootstrap intervals and the multilingual rank distance. --save writes the trained weights as
// a final checkpoint (<prefix>-<suite>) for bench/fusion-validation.ts.
//
// --steps scales a run down (tests run a tiny one); --override merges JSON into the recipe.

import fs from 'node:fs';
import os from 'node:os';
import { defaultSharedDir } from '../schema/config.js';
import { RECIPES, type RecipeName, type RecipeSettings } from '../schema/recipes.js';
import type { EvaluationSuite, TrainingSpec } from '../schema/training.js';
import { createDataCache, type TrainingSource } from '../gpu-worker/data/index.js';
import { describeBackend, isBackendName, selectBackend } from '../gpu-worker/encoding/backend.js';
import { embedTexts } from '../gpu-worker/encoding/encode.js';
import { restoreTextPipeline, type PipelineState } from '../gpu-worker/encoding/pipeline.js';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../gpu-worker/encoding/encoder.js';
import { buildRetrievalBenchmark, type RetrievalBenchmarkName } from '../gpu-worker/evaluation/benchmark.js';
import { runRetrievalSuite, type RetrievalSource } from '../gpu-worker/evaluation/suites.js';
import { saveCheckpoint } from '../gpu-worker/encoding/checkpoint.js';
import { loadLexicalQueries } from '../gpu-worker/lexical/setup.js';
import type { LexicalQueries } from '../gpu-worker/lexical/query.js';
import { DEFAULT_RETRIEVAL, DENSE_RETRIEVAL } from '../schema/serving.js';
import { loadTrainingSources, refuseEvaluationLeakage } from '../gpu-worker/jobs/train-data.js';
import { groupHash } from '../gpu-worker/training/sampler-split.js';
import { pipelineModels } from '../gpu-worker/training/trainer-model.js';
import { train } from '../gpu-worker/training/trainer.js';
import type { PrismaClient } from '../prisma/generated/client.js';
import { argument } from './cli.js';

/** NTREX-128 lines held out of every bench run for selection: about 15%, by a fixed hash of the line id. */
export const NTREX_HOLDOUT_SEED = 9001;
export const isNtrexHoldout = (id: string) => groupHash(NTREX_HOLDOUT_SEED, id) % 100 < 15;

type Json = Record<string, unknown>;
const merge = (base: Json, over: Json): Json => {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && base[k] && typeof base[k] === 'object' ? merge(base[k] as Json, v as Json) : v;
  }
  return out;
};

const recipeName = (argument('recipe') ?? 'CPU_DEFAULT') as RecipeName;
if (!(recipeName in RECIPES)) throw new Error(`unknown recipe ${recipeName}; known: ${Object.keys(RECIPES).join(', ')}`);
let settings = merge(RECIPES[recipeName] as unknown as Json, JSON.parse(argument('override') ?? '{}') as Json) as unknown as RecipeSettings;
const steps = argument('steps');
if (steps) {
  const n = Number(steps);
  const hp = settings.hyperParameters;
  const every = (k: number) => Math.max(1, Math.min(k, n));
  settings = { ...settings, hyperParameters: { ...hp, steps: n, warmupSteps: Math.min(hp.warmupSteps, Math.floor(n / 10)), validateEvery: every(hp.validateEvery), checkpointEvery: every(hp.checkpointEvery), logEvery: every(hp.logEvery) } };
}
const label = argument('label') ?? recipeName;
let lexical: LexicalQueries | undefined;
const backendName = argument('backend') ?? 'native-cpu';
if (!isBackendName(backendName)) throw new Error(`unknown backend ${backendName}`);
const bootstrap = Number(argument('bootstrap') ?? 0);
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const modelsDir = defaultSharedDir('models', process.cwd(), fs.existsSync);
const cache = createDataCache();
const seconds = (t0: number) => (performance.now() - t0) / 1000;

const backend = await selectBackend({ prefer: backendName });
const cpu = os.cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, backend ${describeBackend(backend)}, load ${os.loadavg()[0]!.toFixed(2)}`);

/**
 * Held-out translation retrieval: query = sentence in A, candidates = the held-out sentences in B;
 * mean over ordered pairs of 1/rank (= mAP, one relevant). NTREX-128: the held-out lines, all run
 * languages. PAWS-X (never in the recipe's training data; Wikipedia sentences like XQuAD-R's): the
 * first 500 paraphrase rows' sentence1 in de, en, es, zh.
 */
async function heldOut(embed: (texts: readonly string[]) => import('@tensorflow/tfjs').Tensor2D, dataset: 'ntrex128' | 'pawsx', runLanguages: readonly string[]) {
  const languages = dataset === 'ntrex128' ? [...runLanguages] : ['de', 'en', 'es', 'zh'];
  const [source] = await loadTrainingSources({ prisma: {} as PrismaClient, dataDir, cache }, { trainDatasets: [dataset], languages });
  const complete = source!.groups.filter((g) => languages.every((l) => g.items.has(l)));
  const groups = dataset === 'ntrex128' ? complete.filter((g) => isNtrexHoldout(g.id)) : complete.slice(0, 500);
  const n = groups.length;
  const vectors = new Map<string, { q: Float32Array; p: Float32Array; d: number }>();
  for (const l of languages) {
    const texts = groups.map((g) => g.items.get(l)!.query);
    const q = await embedTexts(embed, texts.map((t) => QUERY_PREFIX + t));
    const p = await embedTexts(embed, texts.map((t) => PASSAGE_PREFIX + t));
    vectors.set(l, { q: q.values, p: p.values, d: q.dimension });
  }
  let total = 0;
  let pairs = 0;
  let top1 = 0;
  for (const a of languages) {
    for (const b of languages) {
      if (a === b) continue;
      const { q, d } = vectors.get(a)!;
      const { p } = vectors.get(b)!;
      let sum = 0;
      let hits = 0;
      for (let i = 0; i < n; i++) {
        const score = (j: number) => {
          let s = 0;
          for (let k = 0; k < d; k++) s += q[i * d + k]! * p[j * d + k]!;
          return s;
        };
        const own = score(i);
        let rank = 1;
        for (let j = 0; j < n; j++) if (j !== i && score(j) > own) rank++;
        sum += 1 / rank;
        if (rank === 1) hits++;
      }
      total += sum / n;
      top1 += hits / n;
      pairs++;
    }
  }
  return { sentences: n, map: total / pairs, accuracy: top1 / pairs };
}

async function trainAndEvaluate(settings: RecipeSettings, suite: EvaluationSuite, benchmarkName: RetrievalBenchmarkName, what: string) {
  const spec: TrainingSpec = { ...settings, evaluationSuites: [suite] };
  const t0 = performance.now();
  const deps = { prisma: {} as PrismaClient, dataDir, cache };
  const loaded = await loadTrainingSources(deps, spec);
  await refuseEvaluationLeakage(deps, spec, loaded);
  // Held-out NTREX-128 lines never reach training (nor the vocabulary).
  const sources: TrainingSource[] = loaded.map((s) => (s.name === 'ntrex128' ? { ...s, groups: s.groups.filter((g) => !isNtrexHoldout(g.id)) } : s));
  const loadSeconds = seconds(t0);
  const sizes = sources.map((s) => `${s.name} ${s.groups.length}`).join(', ');
  const t1 = performance.now();
  let lastValidation: number | undefined;
  const result = await train({
    spec,
    sources,
    signal: new AbortController().signal,
    models: pipelineModels(modelsDir),
    onLog: async (point) => {
      if (point.validationLoss !== undefined) lastValidation = point.validationLoss;
      if (point.step % Math.max(1, Math.floor(spec.hyperParameters.steps / 5)) === 0) {
        console.log(`  step ${point.step}/${point.totalSteps} loss ${point.loss.toFixed(3)}${point.validationLoss !== undefined ? ` val ${point.validationLoss.toFixed(3)}` : ''} ${point.pairsPerSecond.toFixed(0)} pairs/s (${seconds(t1).toFixed(0)} s)`);
      }
    },
  });
  if (result.kind !== 'completed') throw new Error('training did not complete');
  const trainSeconds = seconds(t1);
  const pipeline = await restoreTextPipeline(result.pipeline as PipelineState, new Map(result.weights.map((w) => [w.name, w.values])), { modelsDir });
  const embed = (texts: readonly string[]) => pipeline.encoder.encode(pipeline.tokenize(texts));
  const ntrex = await heldOut(embed, 'ntrex128', spec.languages);
  const pawsx = await heldOut(embed, 'pawsx', spec.languages);
  let maps = '| – | – | – |';
  const modes: string[] = [];
  if (!process.argv.includes('--no-xquad') || benchmarkName !== 'xquad-r') {
    const benchmark = await buildRetrievalBenchmark(dataDir, benchmarkName);
    const encoder = { embed, queryPrefix: QUERY_PREFIX, passagePrefix: PASSAGE_PREFIX };
    const r = await runRetrievalSuite(benchmark, { encoder, retrieval: DENSE_RETRIEVAL }, { bootstrap, seed: 0 });
    const ev = r.evaluation;
    maps = `| ${ev.mono.map.toFixed(4)} | ${ev.cross.map.toFixed(4)} | ${ev.multi.map.toFixed(4)} |`;
    if (process.argv.includes('--modes')) {
      // The serving path in every mode, next to the lexical baselines (what `evaluate` reports).
      lexical ??= await loadLexicalQueries(dataDir);
      const row = async (name: string, source: RetrievalSource) => {
        const t = performance.now();
        const { intervals: iv, evaluation: e } = await runRetrievalSuite(benchmark, source, { bootstrap: Math.max(bootstrap, 200), seed: 0 });
        const cell = (h: 'mono.map' | 'cross.map' | 'multi.map') => `${iv[h].estimate.toFixed(3)} [${iv[h].lo.toFixed(3)}, ${iv[h].hi.toFixed(3)}]`;
        modes.push(`| ${benchmarkName} | ${name} | ${cell('mono.map')} | ${cell('cross.map')} | ${cell('multi.map')} | ${e.multi.rankDistance.toFixed(0)} | ${seconds(t).toFixed(0)} s |`);
      };
      await row('BM25 (LEXICAL, no dictionary)', { retrieval: { ...DEFAULT_RETRIEVAL, mode: 'LEXICAL', dictionary: false }, lexical });
      await row('DICT-BM25 (LEXICAL)', { retrieval: { ...DEFAULT_RETRIEVAL, mode: 'LEXICAL' }, lexical });
      await row(`${label} DENSE`, { encoder, retrieval: DENSE_RETRIEVAL, lexical });
      await row(`${label} HYBRID ${JSON.stringify(DEFAULT_RETRIEVAL.fusion)}`, { encoder, retrieval: DEFAULT_RETRIEVAL, lexical });
    }
  }
  const save = argument('save');
  if (save) {
    await saveCheckpoint(`${save}-${benchmarkName}`, {
      step: result.step, model: spec.model, tokenizer: result.pipeline, queryPrefix: QUERY_PREFIX, passagePrefix: PASSAGE_PREFIX,
      backend: backendName, metrics: {}, final: true,
    }, result.weights);
    console.log(`checkpoint saved to ${save}-${benchmarkName}`);
  }
  pipeline.dispose();
  if (modes.length > 0) {
    console.log('| suite | retrieval | mono mAP [95%] | cross mAP [95%] | multi mAP [95%] | multi rank distance | time |');
    console.log('|---|---|---|---|---|---|---|');
    for (const line of modes) console.log(line);
  }
  console.log(`${what}: data ${sizes} (loaded in ${loadSeconds.toFixed(1)} s)`);
  console.log(`| ${label}${what ? ` (${what})` : ''} | ${trainSeconds.toFixed(0)} s | ${(result.validation?.loss ?? lastValidation)?.toFixed(3) ?? '–'} | ${ntrex.map.toFixed(4)} (${ntrex.sentences}) | ${pawsx.map.toFixed(4)} (${pawsx.sentences}) | ${benchmarkName} ${maps}`);
  console.log(`settings: ${JSON.stringify(settings)}`);
}

console.log('| configuration | training time | validation loss | NTREX held-out cross mAP (sentences) | PAWS-X cross mAP (sentences) | suite | mono mAP | cross mAP | multi mAP |');
await trainAndEvaluate(settings, 'XQUAD_R', 'xquad-r', 'XQuAD-R');
if (process.argv.includes('--mlqa')) {
  const without = { ...settings, trainDatasets: settings.trainDatasets.filter((d) => d !== 'mlqa-r') };
  await trainAndEvaluate(without, 'MLQA_R', 'mlqa-r', 'without mlqa-r, MLQA-R');
}
