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
import { loadTrainingGroups, type TrainingSource } from '../gpu-worker/data/index.js';
import { isBackendName, selectBackend, describeBackend, type BackendName } from '../gpu-worker/encoding/backend.js';
import { pipelineModels } from '../gpu-worker/training/trainer-model.js';
import { train } from '../gpu-worker/training/trainer.js';
import { argument, median } from './cli.js';
import { BATCH_SIZE, LANGUAGES, MODELS, benchSpec, type BenchModel } from './training-setup.js';

const WARMUP_STEPS = 3;


async function measure(model: BenchModel, steps: number, source: TrainingSource) {
  const total = WARMUP_STEPS + (model.steps ?? steps);
  const spec = benchSpec(model.spec, total);
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
