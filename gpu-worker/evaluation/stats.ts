// Uncertainty of the headline numbers. A headline is a macro-average: a mean over groups (language
// pairs, or query languages) of the mean over the group's queries. The bootstrap resamples
// resampling units (question ids) with replacement and applies the SAME draw to every group, so a
// question and its translations enter or leave every pair together, as the parallel data demands.

import { createRng } from './random.js';

/** groups[g][u]: the value of unit u in group g; NaN when the unit has no query in the group. */
export interface MacroTable {
  units: number;
  groups: Float64Array[];
}

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  /** Replicates (default 1000). */
  B?: number;
  seed?: number;
  /** Coverage of the percentile interval (default 0.95). */
  level?: number;
}

export interface PairedTest {
  /** estimate(a) - estimate(b), with its percentile interval. */
  difference: Interval;
  /** Two-sided bootstrap p-value for "no difference" (see pairedBootstrap). */
  pValue: number;
  /** Replicates used: draws that leave a target without any query are skipped. */
  B: number;
}

/** Compact form of a table: per group, the units that have a value and their values. */
interface Compact {
  units: Int32Array[];
  values: Float64Array[];
}

function compact(table: MacroTable): Compact {
  const units: Int32Array[] = [];
  const values: Float64Array[] = [];
  for (const g of table.groups) {
    if (g.length !== table.units) throw new RangeError(`group of ${g.length} values in a table of ${table.units} units`);
    const idx: number[] = [];
    g.forEach((v, u) => v === v && idx.push(u));
    if (idx.length === 0) continue; // a group without queries takes no part in the macro-average
    units.push(Int32Array.from(idx));
    values.push(Float64Array.from(idx, (u) => g[u]!));
  }
  return { units, values };
}

/** Macro-average under unit weights (multiplicities of a bootstrap draw); all ones = the plain estimate. */
function weightedMacro(c: Compact, weights: Float64Array | null): number {
  let sum = 0;
  let groups = 0;
  for (let g = 0; g < c.units.length; g++) {
    const units = c.units[g]!;
    const values = c.values[g]!;
    let num = 0;
    let den = 0;
    if (weights === null) {
      for (let i = 0; i < values.length; i++) num += values[i]!;
      den = values.length;
    } else {
      for (let i = 0; i < units.length; i++) {
        const w = weights[units[i]!]!;
        num += w * values[i]!;
        den += w;
      }
    }
    if (den > 0) {
      sum += num / den;
      groups++;
    }
  }
  return groups === 0 ? NaN : sum / groups;
}

export function macroMean(table: MacroTable): number {
  return weightedMacro(compact(table), null);
}

/** Multiplicities of n draws with replacement from n units. */
function drawWeights(n: number, rng: ReturnType<typeof createRng>, into: Float64Array): Float64Array {
  into.fill(0);
  for (let i = 0; i < n; i++) into[rng.int(n)]!++;
  return into;
}

/** Type-7 quantile of sorted values (NaNs removed by the caller). */
function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

function percentile(estimate: number, replicates: number[], level: number): Interval {
  const sorted = Float64Array.from(replicates.filter((x) => x === x)).sort();
  return { estimate, lo: quantile(sorted, (1 - level) / 2), hi: quantile(sorted, 1 - (1 - level) / 2) };
}

function sameUnits(tables: MacroTable[]): number {
  const units = tables[0]?.units ?? 0;
  if (tables.some((t) => t.units !== units)) throw new RangeError('tables resampled together must share their units');
  return units;
}

/**
 * Percentile bootstrap intervals for several tables at once. Every replicate draws one resample
 * of the units and evaluates every table on it, so the intervals are mutually consistent.
 */
export function bootstrapIntervals<K extends string>(tables: Record<K, MacroTable>, options: BootstrapOptions = {}): Record<K, Interval> {
  const { B = 1000, seed = 0, level = 0.95 } = options;
  const keys = Object.keys(tables) as K[];
  const units = sameUnits(keys.map((k) => tables[k]));
  const compacts = keys.map((k) => compact(tables[k]));
  const replicates = keys.map(() => [] as number[]);
  const rng = createRng(seed);
  const weights = new Float64Array(units);
  for (let b = 0; b < B; b++) {
    drawWeights(units, rng, weights);
    compacts.forEach((c, i) => replicates[i]!.push(weightedMacro(c, weights)));
  }
  return Object.fromEntries(keys.map((k, i) => [k, percentile(weightedMacro(compacts[i]!, null), replicates[i]!, level)])) as Record<K, Interval>;
}

export function bootstrapInterval(table: MacroTable, options: BootstrapOptions = {}): Interval {
  return bootstrapIntervals({ table }, options).table;
}

/**
 * Paired bootstrap of estimate(a) - estimate(b) over the same units (the same questions answered
 * by two targets). p-value: the share of centred replicate differences at least as far from zero
 * as the observed one, |d* - d| >= |d|, with the +1 correction so p is never 0.
 */
export function pairedBootstrap(a: MacroTable, b: MacroTable, options: BootstrapOptions = {}): PairedTest {
  const { B = 1000, seed = 0, level = 0.95 } = options;
  const units = sameUnits([a, b]);
  const ca = compact(a);
  const cb = compact(b);
  const observed = weightedMacro(ca, null) - weightedMacro(cb, null);
  const rng = createRng(seed);
  const weights = new Float64Array(units);
  const diffs: number[] = [];
  let extreme = 0;
  for (let i = 0; i < B; i++) {
    drawWeights(units, rng, weights);
    const diff = weightedMacro(ca, weights) - weightedMacro(cb, weights);
    if (diff !== diff) continue; // a draw that left some target without any query
    diffs.push(diff);
    if (Math.abs(diff - observed) >= Math.abs(observed)) extreme++;
  }
  return { difference: percentile(observed, diffs, level), pValue: (extreme + 1) / (diffs.length + 1), B: diffs.length };
}

export interface SeedSummary {
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single seed. */
  std: number;
  n: number;
}

export function meanStd(values: readonly number[]): SeedSummary {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const ss = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return { mean, std: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}
