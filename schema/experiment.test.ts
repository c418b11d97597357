import { test } from 'node:test';
import assert from 'node:assert/strict';
import { armsOf, evaluationSuitesOf, planExperiment, plannedRuns, PROTOCOLS, recipeProtocols } from './experiment.js';
import { RECIPES } from './recipes.js';

test('arms: MONO and CROSS are the ends of the alpha sweep, HYBRID the points between', () => {
  assert.deepEqual(armsOf([0.25, 0.5]), [
    { label: 'MONO', strategy: 'MONO', alpha: 1 },
    { label: 'CROSS', strategy: 'CROSS', alpha: 0 },
    { label: 'HYBRID(0.25)', strategy: 'HYBRID', alpha: 0.25 },
    { label: 'HYBRID(0.5)', strategy: 'HYBRID', alpha: 0.5 },
  ]);
});

test('every preset crosses both zero-shot protocols with every arm and seed', () => {
  for (const preset of ['smoke', 'quick', 'paper-cpu'] as const) {
    const plan = planExperiment(preset);
    const runs = plannedRuns(plan);
    assert.equal(runs.length, 2 * plan.arms.length * plan.seeds.length, preset);
    // Zero-shot: no run trains on the dataset of the suite it is evaluated on.
    for (const { protocol } of runs) assert.ok(!protocol.trainDatasets.includes(protocol.suite === 'XQUAD_R' ? 'xquad-r' : 'mlqa-r'));
  }
  assert.deepEqual(planExperiment('quick').seeds, [1, 2, 3]);
  assert.deepEqual(planExperiment('quick').arms.map((a) => a.alpha), [1, 0, 0.25, 0.5, 0.75], 'the alpha sweep 0, .25, .5, .75, 1');
  assert.equal(planExperiment('paper-cpu').evaluation.queriesPerLanguage, null, 'paper-cpu evaluates the whole suites');
});

test('options replace seeds and steps; validation never comes after the last step', () => {
  const plan = planExperiment('quick', { seeds: [7, 9], steps: 100 });
  assert.deepEqual(plan.seeds, [7, 9]);
  assert.equal(plan.steps, 100);
  assert.equal(plan.validateEvery, 100);
});

test('XNLI alignment is evaluated on the first protocol only, and survives a JSON round trip', () => {
  const plan = JSON.parse(JSON.stringify(planExperiment('smoke')));
  assert.deepEqual(evaluationSuitesOf(plan, plan.protocols[0]), ['XQUAD_R', 'XNLI_ALIGNMENT']);
  assert.deepEqual(evaluationSuitesOf(plan, PROTOCOLS[1]!), ['MLQA_R']);
});

test('paper-cpu runs the study on the CPU recipe: its model and batch, its extra sources in its languages, HYBRID beside', () => {
  const plan = planExperiment('paper-cpu');
  assert.equal(plan.recipe, 'CPU_DEFAULT');
  assert.deepEqual(plan.model, RECIPES.CPU_DEFAULT.model);
  assert.equal(plan.batchSize, RECIPES.CPU_DEFAULT.hyperParameters.batchSize);
  assert.deepEqual(
    plan.protocols.map((p) => [p.suite, p.trainDatasets]),
    [
      ['XQUAD_R', ['mlqa-r', 'ntrex128']],
      ['MLQA_R', ['xquad-r', 'ntrex128']],
    ],
  );
  for (const p of plan.protocols) assert.deepEqual(p.languages, RECIPES.CPU_DEFAULT.languages);
  assert.deepEqual(recipeProtocols('CPU_DEFAULT'), plan.protocols);
  assert.deepEqual(plan.evaluation.hybrid, { seeds: 1, queriesPerLanguage: 200 });
  assert.equal(planExperiment('quick').recipe, undefined, 'the other presets keep their own model');
});
