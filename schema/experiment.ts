// Experiment presets: the study's comparison (MONO vs CROSS vs HYBRID(alpha), several seeds, two
// zero-shot protocols) sized for a machine. startExperiment expands a preset into a plan, stored
// on the Experiment row; the gateway creates its runs and baseline evaluations from it, workers
// chain each run's evaluation and finally the report (experiment-progress.ts).

import { RECIPES, XQUAD_R_LANGUAGES, type RecipeName } from './recipes.js';
import { DEFAULT_MODEL, type BatchStrategy, type EvaluationSuite, type ModelSpec } from './training.js';
import type { SweepSettings } from './sweep.js';

export const EXPERIMENT_PRESETS = ['smoke', 'quick', 'paper-cpu'] as const;
export type ExperimentPreset = (typeof EXPERIMENT_PRESETS)[number];

export interface ArmSpec {
  /** MONO, CROSS, HYBRID(0.5), ... */
  label: string;
  strategy: BatchStrategy;
  alpha: number;
}

export interface ProtocolSpec {
  /** Evaluated on this suite, zero-shot: */
  suite: 'XQUAD_R' | 'MLQA_R';
  /** trained on these datasets, in these languages. */
  trainDatasets: string[];
  languages: string[];
}

export interface ExperimentPlan {
  preset: ExperimentPreset;
  /**
   * The runs take this recipe's settings (schema/recipes.ts: model, learning rate, loss, ...)
   * where the plan says nothing; the plan's steps, batch size, validation and each arm's batching
   * still win. Null (and absent, in plans stored before recipes): the plan's own model and the
   * trainer's defaults.
   */
  recipe?: RecipeName | null;
  seeds: number[];
  arms: ArmSpec[];
  protocols: ProtocolSpec[];
  model: ModelSpec;
  steps: number;
  batchSize: number;
  /** Validation loss every this many steps. */
  validateEvery: number;
  /** Stop after this many validations without improvement, keeping the best weights, as the study does; 0: train every step. */
  earlyStoppingPatience: number;
  evaluation: {
    bootstrap: number;
    /** First N questions (and XNLI sentences) per language; null: the whole suites. */
    queriesPerLanguage: number | null;
    /** XNLI alignment of the first protocol's runs. */
    xnli: boolean;
    /**
     * Beside the DENSE evaluation that compares the encoders, the first `seeds` seeds of every
     * arm are also evaluated the way search answers users (HYBRID, the default fusion), on
     * `queriesPerLanguage` questions (null: all). HYBRID costs a lexical search per question and
     * pool (about 4 minutes for the full XQuAD-R on 2 cores), hence the subset. Null or absent:
     * DENSE only.
     */
    hybrid?: { seeds: number; queriesPerLanguage: number | null } | null;
  };
  /** What the preset is sized for on a 2-core machine with one worker of concurrency 2. */
  budgetMinutes: number;
  /**
   * A preset runs as a sweep over its arms, seeds and protocols (schema/sweep.ts): trials admitted
   * at most maxParallel at a time, ranked by multi mAP on the first protocol's suite, never stopped
   * early (the study compares every arm to its end). Absent in plans stored before.
   */
  sweep?: SweepSettings;
}

const MLQA_LANGUAGES = ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh'];
const XQUAD_LANGUAGES = [...XQUAD_R_LANGUAGES];

/** Train on MLQA-R pairs to evaluate on XQuAD-R, and the other way round (method.md). */
export const PROTOCOLS: readonly ProtocolSpec[] = [
  { suite: 'XQUAD_R', trainDatasets: ['mlqa-r'], languages: MLQA_LANGUAGES },
  { suite: 'MLQA_R', trainDatasets: ['xquad-r'], languages: XQUAD_LANGUAGES },
];

/**
 * The protocols on a recipe: the recipe's other sources (NTREX-128 for CPU_DEFAULT) join each
 * protocol's QA pairs, in the recipe's languages. The evaluation suite's own dataset stays out.
 */
export function recipeProtocols(recipe: RecipeName): ProtocolSpec[] {
  const { trainDatasets, languages } = RECIPES[recipe];
  const others = trainDatasets.filter((d) => d !== 'mlqa-r' && d !== 'xquad-r');
  return PROTOCOLS.map((p) => ({ ...p, trainDatasets: [...p.trainDatasets, ...others], languages: [...languages] }));
}

export function armLabel(strategy: BatchStrategy, alpha: number): string {
  switch (strategy) {
    case 'MONO':
    case 'CROSS':
      return strategy;
    case 'HYBRID':
      return `HYBRID(${alpha})`;
  }
}

/** MONO and CROSS are the sweep's ends (alpha 1 and 0); HYBRID takes the alphas in between. */
export function armsOf(hybridAlphas: readonly number[]): ArmSpec[] {
  const arm = (strategy: BatchStrategy, alpha: number): ArmSpec => ({ label: armLabel(strategy, alpha), strategy, alpha });
  return [arm('MONO', 1), arm('CROSS', 0), ...hybridAlphas.map((a) => arm('HYBRID', a))];
}

const PRESETS: Record<ExperimentPreset, Omit<ExperimentPlan, 'preset' | 'seeds'> & { seeds: number }> = {
  // Plumbing check for tests: every job kind and report section, on a sliver of the data.
  smoke: {
    seeds: 1,
    arms: armsOf([0.5]),
    protocols: [...PROTOCOLS],
    model: DEFAULT_MODEL,
    steps: 40,
    batchSize: 16,
    validateEvery: 40,
    earlyStoppingPatience: 0,
    evaluation: { bootstrap: 100, queriesPerLanguage: 40, xnli: true, hybrid: { seeds: 1, queriesPerLanguage: 10 } },
    budgetMinutes: 2,
  },
  quick: {
    seeds: 3,
    arms: armsOf([0.25, 0.5, 0.75]),
    protocols: [...PROTOCOLS],
    model: DEFAULT_MODEL,
    steps: 250,
    batchSize: 32,
    validateEvery: 250,
    earlyStoppingPatience: 0,
    evaluation: { bootstrap: 200, queriesPerLanguage: 150, xnli: true },
    budgetMinutes: 10,
  },
  // The study on the CPU recipe (its model, data and optimiser) at 1,500 of its 4,000 steps, so
  // that 30 runs fit in about an hour and a half; DENSE compares the encoders, HYBRID beside.
  'paper-cpu': {
    seeds: 3,
    recipe: 'CPU_DEFAULT',
    arms: armsOf([0.25, 0.5, 0.75]),
    protocols: recipeProtocols('CPU_DEFAULT'),
    model: RECIPES.CPU_DEFAULT.model,
    steps: 1500,
    batchSize: RECIPES.CPU_DEFAULT.hyperParameters.batchSize,
    validateEvery: 250,
    earlyStoppingPatience: 2,
    evaluation: { bootstrap: 1000, queriesPerLanguage: null, xnli: true, hybrid: { seeds: 1, queriesPerLanguage: 200 } },
    budgetMinutes: 100,
  },
};

export interface PlanOptions {
  /** Seeds to run (default 1..n of the preset). */
  seeds?: readonly number[];
  steps?: number;
  /** Trials training at the same time at most (default: all of them). */
  maxParallel?: number;
}

export function planExperiment(preset: ExperimentPreset, options: PlanOptions = {}): ExperimentPlan {
  const { seeds: count, ...rest } = PRESETS[preset];
  const plan: ExperimentPlan = {
    preset,
    ...structuredClone(rest),
    seeds: options.seeds ? [...options.seeds] : Array.from({ length: count }, (_, i) => i + 1),
    ...(options.steps !== undefined ? { steps: options.steps, validateEvery: Math.min(rest.validateEvery, options.steps) } : {}),
  };
  const trials = plan.protocols.length * plan.arms.length * plan.seeds.length;
  plan.sweep = { maxParallel: options.maxParallel ?? trials, metric: { suite: plan.protocols[0]!.suite, setting: 'multi', metric: 'map' }, earlyTermination: null };
  return plan;
}

/** The runs of a plan: protocol x arm x seed. */
export function plannedRuns(plan: ExperimentPlan): Array<{ protocol: ProtocolSpec; arm: ArmSpec; seed: number }> {
  return plan.protocols.flatMap((protocol) => plan.arms.flatMap((arm) => plan.seeds.map((seed) => ({ protocol, arm, seed }))));
}

/** A run's evaluation: its protocol's suite, plus XNLI for the first protocol when the plan has it. */
export function evaluationSuitesOf(plan: ExperimentPlan, protocol: ProtocolSpec): EvaluationSuite[] {
  return plan.evaluation.xnli && protocol.suite === plan.protocols[0]?.suite ? [protocol.suite, 'XNLI_ALIGNMENT'] : [protocol.suite];
}

export function isExperimentPlan(value: unknown): value is ExperimentPlan {
  const plan = value as ExperimentPlan | null;
  return typeof plan === 'object' && plan !== null && Array.isArray(plan.seeds) && Array.isArray(plan.arms) && Array.isArray(plan.protocols);
}
