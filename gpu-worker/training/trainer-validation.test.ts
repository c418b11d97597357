import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobError } from '../../schema/jobs.js';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL, type TrainingSpec } from '../../schema/training.js';
import type { ParallelSource } from './sampler.js';
import type { PairText } from './trainer-batch.js';
import { buildValidationSet, createEarlyStopping } from './trainer-validation.js';

function source(groups: number, languages = ['en', 'de', 'fr']): ParallelSource<PairText> {
  return {
    name: 's',
    groups: Array.from({ length: groups }, (_, g) => ({
      id: `g${g}`,
      items: new Map(languages.map((l) => [l, { query: `q${g} ${l}`, passage: `p${g} ${l}` }])),
    })),
  };
}

const spec = (strategy: TrainingSpec['strategy'], alpha: number, batchSize = 8): TrainingSpec => ({
  strategy,
  alpha,
  trainDatasets: ['s'],
  languages: ['en', 'de', 'fr'],
  seed: 1,
  evaluationSuites: [],
  model: DEFAULT_MODEL,
  hyperParameters: { ...DEFAULT_HYPER_PARAMETERS, batchSize, validationFraction: 0.1 },
});

const isMono = (batch: { composition: Record<string, number> }) => Object.keys(batch.composition).every((k) => k.split('-')[0] === k.split('-')[1]);

test('validation batches follow the strategy: round(alpha * n) monolingual, the rest cross-lingual', () => {
  const hybrid = buildValidationSet([source(40)], spec('HYBRID', 0.5))!;
  assert.equal(hybrid.batchSize, 8);
  assert.equal(hybrid.batches.length, 5, 'ceil(40 / 8)');
  assert.deepEqual(hybrid.batches.map(isMono), [true, true, true, false, false], 'round(0.5 * 5) = 3 mono');
  for (const b of hybrid.batches) assert.ok(b.queries.length === 8 && new Set(b.passages).size === 8);
  assert.ok(buildValidationSet([source(40)], spec('MONO', 1))!.batches.every(isMono));
  assert.ok(buildValidationSet([source(40)], spec('CROSS', 0))!.batches.every((b) => !isMono(b) && Object.keys(b.composition).every((k) => k.split('-')[0] !== k.split('-')[1])));
  assert.equal(buildValidationSet([source(400)], spec('HYBRID', 0.5))!.batches.length, 8, 'at most 8 batches');
  assert.deepEqual(buildValidationSet([source(40)], spec('HYBRID', 0.5)), hybrid, 'fixed for the seed');
});

test('held-out groups too few for the batch size give smaller validation batches; too few for 2 pairs is an error', () => {
  const small = buildValidationSet([source(5)], spec('HYBRID', 0.5, 32))!;
  assert.equal(small.batchSize, 5);
  assert.equal(small.batches.length, 2, 'at least 2 batches');
  assert.equal(buildValidationSet([source(40)], { ...spec('HYBRID', 0.5), hyperParameters: { ...DEFAULT_HYPER_PARAMETERS, validationFraction: 0 } }), null);
  assert.throws(
    () => buildValidationSet([source(1)], spec('HYBRID', 0.5)),
    (err: unknown) => err instanceof JobError && !err.retryable && /validationFraction 0.1 holds out 1 groups/.test(err.message),
  );
});

test('early stopping stops after `patience` validations without a strictly lower loss', () => {
  const stopping = createEarlyStopping(2);
  const seen = [
    [10, 2.0],
    [20, 1.5],
    [30, 1.5],
    [40, 1.2],
    [50, 1.3],
    [60, 1.25],
  ].map(([step, loss]) => stopping.observe(step!, loss!));
  assert.deepEqual(seen, [
    { improved: true, stop: false },
    { improved: true, stop: false },
    { improved: false, stop: false },
    { improved: true, stop: false },
    { improved: false, stop: false },
    { improved: false, stop: true },
  ]);
  assert.deepEqual(stopping.state(), { bestLoss: 1.2, bestStep: 40, sinceImprovement: 2, lastLoss: 1.25 });
  const resumed = createEarlyStopping(2, { bestLoss: 1.2, bestStep: 40, sinceImprovement: 1, lastLoss: 1.3 });
  assert.deepEqual(resumed.observe(60, 1.25), { improved: false, stop: true }, 'the count survives a resume');
  const off = createEarlyStopping(0);
  for (let i = 0; i < 10; i++) assert.equal(off.observe(i, 1).stop, false, 'patience 0 never stops');
});

test('a sweep\'s shared validation: trials of any strategy, seed and batch size validate on the same batches', () => {
  const shared = { seed: 9, alpha: 0.5, batchSize: 4, scale: 20 };
  const trial = (strategy: TrainingSpec['strategy'], alpha: number, batchSize: number, seed: number): TrainingSpec => {
    const s = spec(strategy, alpha, batchSize);
    return { ...s, seed, hyperParameters: { ...s.hyperParameters, validationSet: shared } };
  };
  const sets = [trial('MONO', 1, 8, 1), trial('CROSS', 0, 16, 2), trial('HYBRID', 0.25, 32, 3)].map((s) => buildValidationSet([source(40)], s)!);
  for (const set of sets.slice(1)) assert.deepEqual(set, sets[0]);
  assert.equal(sets[0]!.batchSize, 4);
  assert.ok(sets[0]!.batches.some(isMono) && sets[0]!.batches.some((b) => !isMono(b)), 'half monolingual, as the shared alpha says');
  assert.notDeepEqual(buildValidationSet([source(40)], spec('MONO', 1, 8))!.batches, sets[0]!.batches, 'without it, the run\'s own');
});
