// Per-kernel time of the real training loop on one backend (tf.profile over a short run).
//   npm run build && node dist/bench/profile-step.js --backend native-cpu --model bos-64 --steps 10
import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { defaultSharedDir } from '../schema/config.js';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL, type TrainingSpec } from '../schema/training.js';
import { loadTrainingGroups } from '../gpu-worker/data/index.js';
import { selectBackend, type BackendName } from '../schema/encoding/backend.js';
import { pipelineModels } from '../gpu-worker/training/trainer-model.js';
import { train } from '../gpu-worker/training/trainer.js';

const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : undefined; };
const backend = (arg('backend') ?? 'native-cpu') as BackendName;
const steps = Number(arg('steps') ?? 10);
const model = arg('model') === 'transformer-small'
  ? { ...DEFAULT_MODEL, family: 'TRANSFORMER' as const, dimension: 256, layers: 2, heads: 4, ffnDimension: 1024 }
  : { ...DEFAULT_MODEL, family: 'BAG_OF_SUBWORDS' as const, dimension: Number(arg('dim') ?? 64) };
await selectBackend({ prefer: backend });
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const modelsDir = defaultSharedDir('models', process.cwd(), fs.existsSync);
const source = await loadTrainingGroups(dataDir, 'mlqa-r', ['en', 'de', 'es']);
const spec: TrainingSpec = {
  strategy: 'HYBRID', alpha: 0.5, trainDatasets: ['mlqa-r'], languages: ['en', 'de', 'es'], seed: 1, evaluationSuites: [], model,
  hyperParameters: { ...DEFAULT_HYPER_PARAMETERS, steps, batchSize: 32, logEvery: 1, validationFraction: 0, warmupSteps: 1 },
};
const started = performance.now();
const info = await tf.profile(async () => {
  await train({ spec, sources: [source], signal: new AbortController().signal, models: pipelineModels(modelsDir), onLog: async () => {} });
});
const wall = performance.now() - started;
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += Number(k.kernelTimeMs) || 0;
  e.calls++;
  byKernel.set(k.name, e);
}
const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
console.log(`${backend} ${arg('model') ?? 'bos-64'} ${steps} steps: wall ${wall.toFixed(0)} ms, kernels ${total.toFixed(0)} ms`);
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`${name.padEnd(20)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(6)} calls`);
