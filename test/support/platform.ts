// GraphQL documents and fixtures shared by the end-to-end tests.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNative } from '../../gpu-worker/encoding/native/addon.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
// This machine has no tfjs-node: workers choose the project's native kernels where they built, else WASM.
export const automaticBackend = loadNative().kind === 'loaded' ? 'native-cpu' : 'wasm';
export const dataDir = process.env.DATA_DIR ?? path.resolve(repoRoot, '..', 'shared', 'data');

export const START_RUN = `
  mutation Start($input: TrainingRunInput!) {
    startTrainingRun(input: $input) { id status strategy alpha createdBy }
  }`;

export const PROGRESS = `
  subscription Progress($runId: ID!, $sinceStep: Int) {
    trainingProgress(runId: $runId, sinceStep: $sinceStep) {
      step totalSteps loss learningRate pairsPerSecond status
      batchComposition { pair count }
    }
  }`;

export const RUN = `
  query Run($id: ID!) {
    run(id: $id) {
      id status backend error
      metrics(names: ["loss"]) { step name value }
      checkpoints { id step location }
      jobs { id status attempts workerId error }
    }
  }`;

export function smallRun(overrides: Record<string, unknown> = {}) {
  return {
    strategy: 'HYBRID',
    alpha: 0.5,
    trainDatasets: ['mlqa-r'],
    languages: ['en', 'de', 'es'],
    steps: 20,
    batchSize: 16,
    seed: 7,
    model: { family: 'BAG_OF_SUBWORDS', dimension: 32, layers: 0, vocabularySize: 4096 },
    ...overrides,
  };
}

export const randomName = (prefix: string) => `${prefix}${Math.random().toString(36).slice(2, 10)}`;
