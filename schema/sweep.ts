// Hyper-parameter sweeps: a base training run and a grid or a random draw over some of its
// settings become trials (one run each), run at most maxParallel at a time across the workers
// (schema/admission.ts), stopped early by the median rule on the validation loss, evaluated, and
// ranked by one headline with its interval. A sweep is an Experiment whose plan is a SweepPlan;
// the study presets (schema/experiment.ts) carry the same SweepSettings, so they run, stream and
// rank the same way. Pure: no I/O.

import { createRandom } from './random.js';
import type { BatchStrategy, EvaluationSuite } from './training.js';

/** The settings a sweep may vary; everything else comes from its base run. */
export interface SweepParams {
  strategy?: BatchStrategy;
  alpha?: number;
  seed?: number;
  learningRate?: number;
  batchSize?: number;
  scale?: number;
  weightDecay?: number;
  warmupSteps?: number;
}
export const SWEEP_PARAMS = ['strategy', 'alpha', 'seed', 'learningRate', 'batchSize', 'scale', 'weightDecay', 'warmupSteps'] as const satisfies readonly (keyof SweepParams)[];
export type SweepParamName = (typeof SWEEP_PARAMS)[number];

export type SweepGrid = { [K in SweepParamName]?: Array<NonNullable<SweepParams[K]>> };

export interface FloatRange {
  min: number;
  max: number;
  /** Drawn uniformly in log space (learning rates). */
  logScale?: boolean;
}

export interface RandomSearch {
  trials: number;
  /** Seed of the draw (not of training). */
  samplerSeed: number;
  ranges: { alpha?: FloatRange; learningRate?: FloatRange; scale?: FloatRange; weightDecay?: FloatRange };
  /** Drawn uniformly from these lists. */
  choices: { strategy?: BatchStrategy[]; seed?: number[]; batchSize?: number[]; warmupSteps?: number[] };
}

export const HEADLINE_SETTINGS = ['mono', 'cross', 'multi'] as const;
export const HEADLINE_METRICS = ['map', 'recall1', 'recall10', 'ndcg10', 'mrr10'] as const;

/** What the trials are ranked by: one headline (schema/evaluation.ts Headlines) of one suite. Higher is better. */
export interface SweepMetric {
  suite: EvaluationSuite;
  setting: (typeof HEADLINE_SETTINGS)[number];
  metric: (typeof HEADLINE_METRICS)[number];
}
export const headlineKey = (m: SweepMetric) => `${m.setting}.${m.metric}`;

/**
 * Median stopping (Golovin et al., Google Vizier, 2017; Optuna's MedianPruner): at a validation, a
 * trial whose best validation loss so far is worse than the median of the *completed* trials' best
 * losses up to the same step stops, once it has validated minValidations times and at least
 * minTrials trials completed. Only completed trials are compared with, as in both: comparing with
 * running or stopped ones would compare survivors with survivors and halve the sweep down to
 * minTrials whatever the gaps. The first maxParallel trials therefore always complete.
 */
export interface EarlyTermination {
  rule: 'MEDIAN';
  minValidations: number;
  minTrials: number;
}

export interface SweepSettings {
  maxParallel: number;
  metric: SweepMetric;
  earlyTermination: EarlyTermination | null;
}

export interface SweepPlan {
  kind: 'sweep';
  search: { kind: 'grid' } | { kind: 'random'; trials: number; samplerSeed: number };
  /** The settings that differ between trials, for tables and the dashboard. */
  varied: SweepParamName[];
  trials: SweepParams[];
  evaluation: { suites: EvaluationSuite[]; bootstrap: number; queriesPerLanguage: number | null };
  sweep: SweepSettings;
}

export function isSweepPlan(plan: unknown): plan is SweepPlan {
  return typeof plan === 'object' && plan !== null && (plan as SweepPlan).kind === 'sweep' && Array.isArray((plan as SweepPlan).trials);
}

/** The sweep settings of any experiment plan (a sweep's or a preset's); null for plain experiments. */
export function sweepSettingsOf(plan: unknown): SweepSettings | null {
  const settings = (plan as { sweep?: SweepSettings } | null)?.sweep;
  return typeof settings === 'object' && settings !== null && Number.isInteger(settings.maxParallel) ? settings : null;
}

/** Every combination, in SWEEP_PARAMS order: strategy varies slowest, then alpha, seed, learningRate, ... */
export function gridTrials(grid: SweepGrid): SweepParams[] {
  let trials: SweepParams[] = [{}];
  for (const name of SWEEP_PARAMS) {
    const values = grid[name];
    if (!values || values.length === 0) continue;
    trials = trials.flatMap((t) => (values as unknown[]).map((v) => ({ ...t, [name]: v })));
  }
  return trials;
}

export function randomTrials(search: RandomSearch): SweepParams[] {
  // Seeded: a random sweep started again is the same sweep.
  const { next } = createRandom(search.samplerSeed);
  const draw = ({ min, max, logScale }: FloatRange) => {
    const u = next();
    const value = logScale ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
    return Number(value.toPrecision(4));
  };
  return Array.from({ length: search.trials }, () => {
    const trial: SweepParams = {};
    for (const name of ['alpha', 'learningRate', 'scale', 'weightDecay'] as const) {
      const range = search.ranges[name];
      if (range) trial[name] = draw(range);
    }
    for (const name of ['strategy', 'seed', 'batchSize', 'warmupSteps'] as const) {
      const list = search.choices[name] as unknown[] | undefined;
      if (list && list.length > 0) (trial as Record<string, unknown>)[name] = list[Math.floor(next() * list.length)];
    }
    return trial;
  });
}

export interface ValidationPoint {
  step: number;
  loss: number;
}

/** Best (lowest) loss among points at or before step; undefined when none. */
function bestUpTo(points: readonly ValidationPoint[], step: number): number | undefined {
  let best: number | undefined;
  for (const p of points) if (p.step <= step && (best === undefined || p.loss < best)) best = p.loss;
  return best;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export type MedianDecision =
  | { stop: false; reason: 'warming up' | 'too few trials to compare'; compared: number }
  | { stop: boolean; reason: 'compared'; best: number; median: number; compared: number };

/**
 * The median rule at `step` for a trial with `own` validation points (this step's included),
 * against the points of the completed trials (`completed`: trained to their end, or stopped by
 * their own patience). A completed trial without a validation by `step` is not compared.
 */
export function medianDecision(own: readonly ValidationPoint[], completed: readonly (readonly ValidationPoint[])[], step: number, rule: EarlyTermination): MedianDecision {
  const validations = own.filter((p) => p.step <= step).length;
  if (validations < rule.minValidations) return { stop: false, reason: 'warming up', compared: 0 };
  const values = completed.map((points) => bestUpTo(points, step)).filter((v): v is number => v !== undefined);
  if (values.length < rule.minTrials) return { stop: false, reason: 'too few trials to compare', compared: values.length };
  const best = bestUpTo(own, step)!;
  const m = median(values);
  return { stop: best > m, reason: 'compared', best, median: m, compared: values.length };
}

export interface RankedValue {
  id: string;
  estimate: number;
  lo: number;
  hi: number;
}

/**
 * Best first. A trial is tiedWithBest when its interval reaches the best's lower bound: with
 * 95% intervals over the same queries, the data do not tell them apart.
 */
export function rankTrials<T extends RankedValue>(values: readonly T[]): Array<T & { rank: number; tiedWithBest: boolean }> {
  const sorted = [...values].sort((a, b) => b.estimate - a.estimate || a.id.localeCompare(b.id));
  const best = sorted[0];
  return sorted.map((v, i) => ({ ...v, rank: i + 1, tiedWithBest: best !== undefined && v.hi >= best.lo }));
}
