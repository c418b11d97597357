// The headline numbers of a retrieval evaluation (Mo./Cr./Mul. x metric, and the rank distance)
// as bootstrap tables, with intervals, paired comparisons and aggregation over seeds.

import { RETRIEVAL_METRICS, type RetrievalMetric } from './metrics.js';
import type { RetrievalEvaluation } from './retrieval.js';
import { bootstrapIntervals, meanStd, pairedBootstrap, type BootstrapOptions, type Interval, type MacroTable, type PairedTest, type SeedSummary } from './stats.js';

export const SETTINGS = ['mono', 'cross', 'multi'] as const;
export type Setting = (typeof SETTINGS)[number];
export type Headline = `${Setting}.${RetrievalMetric}` | 'multi.rankDistance';

export const HEADLINES: readonly Headline[] = [
  ...SETTINGS.flatMap((s) => RETRIEVAL_METRICS.map((m): Headline => `${s}.${m}`)),
  'multi.rankDistance',
];

export function headlineValue(ev: RetrievalEvaluation, h: Headline): number {
  const [setting, metric] = h.split('.') as [Setting, RetrievalMetric | 'rankDistance'];
  return metric === 'rankDistance' ? ev.multi.rankDistance : ev[setting][metric];
}

export function headlineTable(ev: RetrievalEvaluation, h: Headline): MacroTable {
  const [setting, metric] = h.split('.') as [Setting, RetrievalMetric | 'rankDistance'];
  const L = ev.languages.length;
  const pairs = (keep: (qi: number, ci: number) => boolean) =>
    ev.perQuery.pair[metric as RetrievalMetric].filter((_, g) => keep(Math.floor(g / L), g % L));
  switch (setting) {
    case 'mono':
      return { units: ev.units, groups: pairs((qi, ci) => qi === ci) };
    case 'cross':
      return { units: ev.units, groups: pairs((qi, ci) => qi !== ci) };
    case 'multi':
      return { units: ev.units, groups: ev.perQuery.multi[metric] };
    default:
      return setting satisfies never;
  }
}

export function headlineTables(ev: RetrievalEvaluation, headlines: readonly Headline[] = HEADLINES): Record<Headline, MacroTable> {
  return Object.fromEntries(headlines.map((h) => [h, headlineTable(ev, h)])) as Record<Headline, MacroTable>;
}

/** 95% (by default) bootstrap intervals over questions for every headline, from one shared resampling. */
export function headlineIntervals(ev: RetrievalEvaluation, options: BootstrapOptions = {}): Record<Headline, Interval> {
  return bootstrapIntervals(headlineTables(ev), options);
}

/** Paired bootstrap of a - b on one headline; both evaluations must be of the same benchmark. */
export function compareHeadline(a: RetrievalEvaluation, b: RetrievalEvaluation, h: Headline, options: BootstrapOptions = {}): PairedTest {
  if (a.benchmark !== b.benchmark || a.units !== b.units) throw new Error('paired comparisons need two evaluations of the same benchmark');
  return pairedBootstrap(headlineTable(a, h), headlineTable(b, h), options);
}

/** Mean and standard deviation of every headline over runs that differ only in their seed. */
export function aggregateSeeds(evaluations: readonly RetrievalEvaluation[]): Record<Headline, SeedSummary> {
  return Object.fromEntries(HEADLINES.map((h) => [h, meanStd(evaluations.map((ev) => headlineValue(ev, h)))])) as Record<Headline, SeedSummary>;
}
