// Where a training step's time goes: per-kernel time (tf.profile) over a short run of the real
// training loop, on one backend, for one of train-throughput's models. Not a test.
//
//   npm run build && node dist/bench/profile-step.js [--backend native-cpu] [--model bos-64] [--steps 10]
//
// Kernel times nest: a kernel that calls others (fusedMatMul__op, unnamed scopes) counts their time too.

import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { defaultSharedDir } from '../schema/config.js';
import { loadTrainingGroups } from '../gpu-worker/data/index.js';
import { isBackendName, selectBackend } from '../gpu-worker/encoding/backend.js';
import { pipelineModels } from '../gpu-worker/training/trainer-model.js';
import { train } from '../gpu-worker/training/trainer.js';
import { argument } from './cli.js';
import { LANGUAGES, MODELS, benchSpec } from './training-setup.js';

const backend = argument('backend') ?? 'native-cpu';
if (!isBackendName(backend)) throw new Error(`unknown backend ${backend}`);
const modelName = argument('model') ?? 'bos-64';
const model = MODELS.find((m) => m.name === modelName);
if (!model) throw new Error(`unknown model ${modelName} (${MODELS.map((m) => m.name).join(', ')})`);
const steps = Number(argument('steps') ?? 10);

await selectBackend({ prefer: backend });
const source = await loadTrainingGroups(defaultSharedDir('data', process.cwd(), fs.existsSync), 'mlqa-r', LANGUAGES);
const models = pipelineModels(defaultSharedDir('models', process.cwd(), fs.existsSync));
const started = performance.now();
const info = await tf.profile(async () => {
  await train({ spec: benchSpec(model.spec, steps), sources: [source], signal: new AbortController().signal, models, onLog: async () => {} });
});
const wall = performance.now() - started;

const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  entry.ms += Number(k.kernelTimeMs) || 0;
  entry.calls++;
  byKernel.set(k.name, entry);
}
console.log(`${backend} ${modelName}, ${steps} steps: wall ${wall.toFixed(0)} ms`);
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  console.log(`${name.padEnd(20)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(6)} calls`);
}
