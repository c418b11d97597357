// Training throughput of the real training loop (trainer.ts: sampling, tokenization, forward,
// InfoNCE, backward, clipping, AdamW) per model size and TensorFlow.js backend, on MLQA-R
// (en, de, es; HYBRID alpha 0.5; batch 32). Not a test: nothing here asserts a timing.
//
//   npm run build && node dist/bench/train-throughput.js [--backends wasm,cpu] [--models bos-64,bos-256,transformer-small] [--steps 20]
//
// The first steps of each configuration are warm-up (kernel set-up, first tokenizations) and are
// not measured. Prints a Markdown table: median and mean milliseconds per step, pairs per second.

import fs from 'node:fs';
import os from 'node:os';
import { defaultSharedDir } from '../schema/config.js';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL, type ModelSpec, type TrainingSpec } from '../schema/training.js';
import { loadTrainingGroups, type TrainingSource } from '../gpu-worker/data/index.js';
import { isBackendName, selectBackend, describeBackend, type BackendName } from '../schema/encoding/backend.js';
import { pipelineModels } from '../gpu-worker/training/trainer-model.js';
import { train } from '../gpu-worker/training/trainer.js';

interface BenchModel {
  name: string;
  spec: ModelSpec;
  /** Measured steps, after WARMUP_STEPS; fewer for slow models. */
  steps?: number;
}

const WARMUP_STEPS = 3;
const BATCH_SIZE = 32;
const LANGUAGES = ['en', 'de', 'es'];

// The product's defaults (XLM-R tokenizer pruned to 8,192 pieces, 48 tokens per text) at each size.
const MODELS: readonly BenchModel[] = [
  { name: 'bos-64', spec: { ...DEFAULT_MODEL, family: 'BAG_OF_SUBWORDS', dimension: 64 } },
  { name: 'bos-256', spec: { ...DEFAULT_MODEL, family: 'BAG_OF_SUBWORDS', dimension: 256 } },
  {
    name: 'transformer-small',
    spec: { ...DEFAULT_MODEL, family: 'TRANSFORMER', dimension: 256, layers: 2, heads: 4, ffnDimension: 1024 },
    steps: 3,
  },
];

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function measure(model: BenchModel, steps: number, source: TrainingSource) {
  const total = WARMUP_STEPS + (model.steps ?? steps);
  const spec: TrainingSpec = {
    strategy: 'HYBRID',
    alpha: 0.5,
    trainDatasets: ['mlqa-r'],
    languages: LANGUAGES,
    seed: 1,
    evaluationSuites: [],
    model: model.spec,
    // No validation: it is not part of a training step's cost.
    hyperParameters: { ...DEFAULT_HYPER_PARAMETERS, steps: total, batchSize: BATCH_SIZE, logEvery: 1, validationFraction: 0, warmupSteps: 1 },
  };
  const stepMs: number[] = [];
  let last = performance.now();
  const result = await train({
    spec,
    sources: [source],
    signal: new AbortController().signal,
    models: pipelineModels(modelsDir),
    onLog: async (point) => {
      const at = performance.now();
      if (point.step > WARMUP_STEPS) stepMs.push(at - last);
      last = at;
    },
  });
  if (result.kind !== 'completed') throw new Error('benchmark run did not complete');
  const mean = stepMs.reduce((a, b) => a + b, 0) / stepMs.length;
  return { steps: stepMs.length, median: median(stepMs), mean, pairsPerSecond: (BATCH_SIZE * 1000) / mean };
}

const backends = (argument('backends') ?? 'wasm,cpu').split(',').filter(Boolean);
for (const b of backends) if (!isBackendName(b)) throw new Error(`unknown backend ${b}`);
const wanted = argument('models')?.split(',');
const models = MODELS.filter((m) => !wanted || wanted.includes(m.name));
const steps = Number(argument('steps') ?? 20);

const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const modelsDir = defaultSharedDir('models', process.cwd(), fs.existsSync);
const source = await loadTrainingGroups(dataDir, 'mlqa-r', LANGUAGES);
const cpu = os.cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}`);
console.log(`data: mlqa-r ${LANGUAGES.join(' ')} (${source.groups.length} groups), HYBRID alpha 0.5, batch ${BATCH_SIZE}, ${WARMUP_STEPS} warm-up steps\n`);
console.log('| model | backend | measured steps | ms/step (median) | ms/step (mean) | pairs/s |');
console.log('|---|---|---|---|---|---|');
for (const backend of backends as BackendName[]) {
  const choice = await selectBackend({ prefer: backend });
  for (const model of models) {
    const r = await measure(model, steps, source);
    console.log(`| ${model.name} | ${describeBackend(choice)} | ${r.steps} | ${r.median.toFixed(1)} | ${r.mean.toFixed(1)} | ${r.pairsPerSecond.toFixed(r.pairsPerSecond < 10 ? 1 : 0)} |`);
  }
}
