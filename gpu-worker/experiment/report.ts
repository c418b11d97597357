// The experiment report as Markdown plus SVG figures, from the data the REPORT job gathers. Pure:
// no I/O, no clock. Every verdict comes from a 95% bootstrap interval; missing data prints "—".

import type { Baseline, Headlines, IntervalValue } from '../../schema/evaluation.js';
import type { ModelSpec } from '../../schema/training.js';
import { meanStd, type PairedTest } from '../evaluation/stats.js';
import { LAREQA_MBERT, LAREQA_SOURCE, PUBLISHED_ROWS, PUBLISHED_SOURCE, type PublishedScores } from './published.js';
import type { AlignmentResult, Arm, ExperimentReportInput, Protocol, RetrievalSuiteName } from './report-input.js';
import { barChartSvg, heatmapSvg, linePlotSvg } from './svg.js';

export interface RenderedReport {
  markdown: string;
  /** "figures/<name>.svg" -> SVG text; the markdown links these paths relatively. */
  files: Map<string, string>;
}

const DASH = '—';
const HYBRID = 'HYBRID(0.5)';
const SUITE_NAMES: Record<RetrievalSuiteName, string> = { XQUAD_R: 'XQuAD-R', MLQA_R: 'MLQA-R' };
const SETTINGS = [
  ['mono', 'Mo.'],
  ['cross', 'Cr.'],
  ['multi', 'Mul.'],
] as const;
const METRIC_NAMES: Record<string, string> = { map: 'mAP', recall1: 'R@1', recall10: 'R@10', ndcg10: 'nDCG@10', mrr10: 'MRR@10', rankDistance: 'rank distance' };

// ---- formatting ----

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const digitsOf = (headline: string): number => (headline.endsWith('rankDistance') ? 1 : 3);
const fixed = (v: number | null | undefined, digits: number): string => (isNum(v) ? v.toFixed(digits) : DASH);

function signed(v: number | null | undefined, digits: number): string {
  if (!isNum(v)) return DASH;
  const s = v.toFixed(digits);
  return Number(s) === 0 ? (0).toFixed(digits) : v > 0 ? `+${s}` : s;
}

function interval(iv: IntervalValue | undefined, digits: number, sign = false): string {
  if (!iv || !isNum(iv.estimate)) return DASH;
  const f = sign ? signed : fixed;
  return `${f(iv.estimate, digits)} [${f(iv.lo, digits)}, ${f(iv.hi, digits)}]`;
}

const pValue = (p: number): string => (!isNum(p) ? DASH : p < 0.001 ? '< 0.001' : p.toFixed(3));

function meanPlusMinus(values: number[], digits: number): string {
  const s = meanStd(values.filter(isNum));
  return s.n === 0 ? DASH : `${s.mean.toFixed(digits)} ± ${s.std.toFixed(digits)}`;
}

/** Text from the input, safe inside Markdown (and the HTML it may contain). */
const md = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(line)].join('\n');
}

function headlineName(h: string): string {
  const [setting, metric = ''] = h.split('.');
  const s = SETTINGS.find(([k]) => k === setting)?.[1] ?? setting;
  return metric === 'rankDistance' ? 'rank distance' : `${s} ${METRIC_NAMES[metric] ?? metric}`;
}

const date = (d: Date): string => (isNum(d?.getTime?.()) ? d.toISOString() : DASH);
const suiteName = (p: Protocol): string => SUITE_NAMES[p.suite] ?? p.suite;
const protocolName = (p: Protocol): string => `train ${md(p.trainDatasets.join(' + '))} → evaluate ${suiteName(p)}`;
const armOf = (p: Protocol, label: string): Arm | undefined => p.arms.find((a) => a.label === label);
const baselineOf = (p: Protocol, name: Baseline): Headlines | undefined => p.baselines.find((b) => b.baseline === name)?.headlines;
/** Reference rows of every table: BM25 without and with the dictionary bridge, and the untrained encoder. */
const BASELINE_ROWS: ReadonlyArray<[Baseline, string]> = [
  ['BM25', 'BM25'],
  ['DICT_BM25', 'DICT-BM25'],
  ['RANDOM', 'RANDOM (untrained)'],
];
/** An arm's seed-averaged headlines; none when no run succeeded. */
const pooledOf = (arm: Arm | undefined): Headlines | undefined => (arm && arm.runs.length > 0 ? arm.pooled : undefined);

// ---- claims ----

type Verdict = 'supported' | 'contradicted' | 'cannot decide' | 'not tested';

/** x − y on one headline, claimed positive (sign 1) or negative (sign −1). */
interface ClaimPart {
  x: string;
  y: string;
  headline: string;
  sign: 1 | -1;
}

interface Claim {
  id: string;
  text: string;
  /** "at least as good": an interval straddling 0 is consistent with it but does not show it. */
  atLeast: boolean;
  parts: ClaimPart[];
}

const CLAIMS: Claim[] = [
  { id: 'a', text: 'HYBRID ≥ MONO on Mo. mAP', atLeast: true, parts: [{ x: HYBRID, y: 'MONO', headline: 'mono.map', sign: 1 }] },
  { id: 'b', text: 'HYBRID ≥ CROSS on Cr. mAP', atLeast: true, parts: [{ x: HYBRID, y: 'CROSS', headline: 'cross.map', sign: 1 }] },
  {
    id: 'c',
    text: 'HYBRID is best on Mul. mAP',
    atLeast: true,
    parts: [
      { x: HYBRID, y: 'MONO', headline: 'multi.map', sign: 1 },
      { x: HYBRID, y: 'CROSS', headline: 'multi.map', sign: 1 },
    ],
  },
  {
    id: 'd',
    text: 'CROSS and HYBRID have a smaller rank distance than MONO',
    atLeast: false,
    parts: [
      { x: 'CROSS', y: 'MONO', headline: 'multi.rankDistance', sign: -1 },
      { x: HYBRID, y: 'MONO', headline: 'multi.rankDistance', sign: -1 },
    ],
  },
];

/** The paired test of x − y, whichever way round the input stored it. */
export function pairedDifference(p: Protocol, x: string, y: string, headline: string): PairedTest | null {
  const same = p.paired.find((c) => c.headline === headline && c.a === x && c.b === y);
  if (same) return same.test;
  const swapped = p.paired.find((c) => c.headline === headline && c.a === y && c.b === x);
  if (!swapped) return null;
  const d = swapped.test.difference;
  return { ...swapped.test, difference: { estimate: -d.estimate, lo: -d.hi, hi: -d.lo } };
}

/** Interval entirely on the claimed side: supported; entirely on the other: contradicted. */
export function verdictOf(difference: IntervalValue, sign: 1 | -1): Verdict {
  const [lo, hi] = sign > 0 ? [difference.lo, difference.hi] : [-difference.hi, -difference.lo];
  if (!isNum(lo) || !isNum(hi)) return 'cannot decide';
  return lo > 0 ? 'supported' : hi < 0 ? 'contradicted' : 'cannot decide';
}

function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes('contradicted')) return 'contradicted';
  if (verdicts.includes('not tested')) return 'not tested';
  return verdicts.every((v) => v === 'supported') ? 'supported' : 'cannot decide';
}

function verdictText(v: Verdict, atLeast: boolean): string {
  if (v !== 'cannot decide') return `**${v}**`;
  return atLeast
    ? '**cannot decide** (not significantly different: consistent with “at least as good” but does not show it)'
    : '**cannot decide** (not significantly different)';
}

function judgeClaim(claim: Claim, p: Protocol): { verdict: Verdict; evidence: string } {
  const judged = claim.parts.map((part) => {
    const label = `${md(part.x)} − ${md(part.y)}, ${headlineName(part.headline)}`;
    const test = pairedDifference(p, part.x, part.y, part.headline);
    if (!test) return { verdict: 'not tested' as Verdict, evidence: `${label}: not tested` };
    const diff = interval(test.difference, digitsOf(part.headline), true);
    return { verdict: verdictOf(test.difference, part.sign), evidence: `${label}: ${diff} (p ${pValue(test.pValue)})` };
  });
  return { verdict: combine(judged.map((j) => j.verdict)), evidence: judged.map((j) => j.evidence).join('; ') };
}

/** The arm with the highest pooled Mo. mAP. */
function bestArm(p: Protocol): Arm | undefined {
  const scored = p.arms.filter((a) => isNum(pooledOf(a)?.['mono.map']?.estimate));
  return scored.reduce<Arm | undefined>((best, a) => (!best || a.pooled['mono.map']!.estimate > best.pooled['mono.map']!.estimate ? a : best), undefined);
}

/** Claim (e): the best arm's pooled interval against BM25's; only non-overlapping intervals decide. */
function judgeBm25(p: Protocol): { verdict: Verdict; evidence: string } {
  const best = bestArm(p);
  const bm25 = baselineOf(p, 'BM25')?.['mono.map'];
  if (!best || !bm25 || !isNum(bm25.estimate)) {
    const missing = [best ? null : 'no arm with runs', bm25 ? null : 'no BM25 result'].filter((m) => m !== null);
    return { verdict: 'not tested', evidence: missing.join('; ') };
  }
  const ours = best.pooled['mono.map']!;
  const verdict: Verdict = ours.lo > bm25.hi ? 'supported' : ours.hi < bm25.lo ? 'contradicted' : 'cannot decide';
  return { verdict, evidence: `best arm ${md(best.label)} ${interval(ours, 3)} vs BM25 ${interval(bm25, 3)}${verdict === 'cannot decide' ? ' (intervals overlap)' : ''}` };
}

function claimsSection(input: ExperimentReportInput): string {
  const rows: string[][] = [];
  for (const claim of CLAIMS)
    for (const p of input.protocols) {
      const { verdict, evidence } = judgeClaim(claim, p);
      rows.push([`(${claim.id}) ${claim.text}`, protocolName(p), verdictText(verdict, claim.atLeast), evidence]);
    }
  for (const p of input.protocols) {
    const { verdict, evidence } = judgeBm25(p);
    const note = p.suite === 'XQUAD_R' ? '' : ' (the study states it for XQuAD-R)';
    rows.push([`(e) the best strategy beats BM25 on Mo. mAP${note}`, protocolName(p), verdictText(verdict, false), evidence]);
  }
  return [
    '## Claims',
    '',
    `The study's claims, judged per protocol from the 95% paired bootstrap interval of the difference (seed-averaged models, resampled over questions): an interval entirely on the claimed side **supports** the claim, entirely on the other side **contradicts** it, and an interval containing 0 **cannot decide** (the two are not significantly different). HYBRID is ${HYBRID}. Claim (e) compares the best arm's interval with BM25's; overlapping intervals cannot decide. These intervals cover the sampling of questions, not of training seeds: where the seed-to-seed spread (*Over seeds*) is as large as a difference, more seeds are needed before trusting its verdict.`,
    '',
    input.protocols.length === 0 ? `${DASH} (no protocol)` : table(['claim', 'protocol', 'verdict', 'difference [95% interval]'], rows),
  ].join('\n');
}

// ---- header, setup and why the numbers differ ----

function describeModel(m: ModelSpec): string {
  const tokens = `${m.tokenizer} tokenizer, ${m.vocabularySize} embedding rows, ${m.maxLength} tokens per text, ${m.pooling} pooling`;
  switch (m.family) {
    case 'BAG_OF_SUBWORDS':
      return `a ${m.dimension}-dimensional bag-of-subwords encoder trained from scratch (${tokens})`;
    case 'TRANSFORMER':
      return `a ${m.layers}-layer, ${m.dimension}-dimensional transformer (${m.heads} heads) trained from scratch (${tokens})`;
    case 'PRETRAINED':
      return `the pretrained ${md(m.pretrained?.name ?? 'model')} (${m.layers} layers, ${m.dimension} dimensions, ${m.pooling} pooling), fine-tuned`;
  }
}

function subsamplingText(p: Protocol): string {
  if (p.queriesPerLanguage === null) return 'all questions of the suite';
  return `the first ${p.queriesPerLanguage} questions per language, against the full candidate pools — subsampled numbers are **not comparable** to full-suite numbers (such as the paper's), only to each other`;
}

function header(input: ExperimentReportInput): string {
  const e = input.experiment;
  const protocols = input.protocols.map(
    (p) =>
      `  - ${protocolName(p)}: trained on ${md(p.trainDatasets.join(', '))} in ${md(p.trainLanguages.join(', '))}; ` +
      `evaluated zero-shot on ${suiteName(p)} in ${p.evalLanguages.length} languages (${md(p.evalLanguages.join(', '))}) with ${subsamplingText(p)}.`,
  );
  return [
    `# Experiment report: ${md(e.name)}`,
    '',
    `Experiment \`${md(e.id)}\`, preset \`${md(e.preset)}\`. Created ${date(e.createdAt)}, finished ${date(e.finishedAt)}.`,
    '',
    '## Setup',
    '',
    `- Model: ${describeModel(e.model)}.`,
    `- Training: ${e.recipe ? `recipe \`${md(e.recipe)}\` (schema/recipes.ts: its model, data and optimiser) at ` : ''}${e.steps} steps, batch size ${e.batchSize}, seeds ${e.seeds.join(', ') || DASH}; backend ${md(e.backend)}.`,
    `- Uncertainty: 95% percentile bootstrap intervals over questions, B = ${e.bootstrap} replicates; arms are seed-averaged.`,
    '- Protocols (zero-shot: never trained on the evaluation suite):',
    ...(protocols.length ? protocols : [`  - ${DASH}`]),
  ].join('\n');
}

function whyDifferent(input: ExperimentReportInput): string {
  const e = input.experiment;
  const facts = [
    `Model: ours is ${describeModel(e.model)}; the paper fine-tunes XLM-R (base) and LaBSE, pretrained 12-layer transformers with 768-dimensional embeddings.`,
    `Training: ${e.steps} steps of ${e.batchSize} pairs (${e.steps * e.batchSize} pairs per run); the paper uses batch 100, AdamW with lr 3e-5, and early stopping on validation loss.`,
    ...input.protocols.map((p) => `Data (${suiteName(p)}): trained on ${md(p.trainDatasets.join(', '))} in ${p.trainLanguages.length} languages (${md(p.trainLanguages.join(', '))}).`),
    ...input.protocols.filter((p) => p.queriesPerLanguage !== null).map((p) => `Subsampling (${suiteName(p)}): ${subsamplingText(p)}.`),
    `Reporting: ours are means over ${e.seeds.length} seed(s) with bootstrap intervals; the paper reports point estimates without intervals.`,
  ];
  return ['### Why our numbers differ from the paper’s', '', ...facts.map((f) => `- ${f}`)].join('\n');
}

// ---- per-protocol tables ----

const HEADLINE_COLUMNS = [...SETTINGS.map(([s]) => `${s}.map`), ...SETTINGS.map(([s]) => `${s}.recall1`), ...SETTINGS.map(([s]) => `${s}.recall10`), 'multi.rankDistance'];

function headlineTable(p: Protocol, seedCount: number): string {
  const header = ['arm', 'seeds', ...HEADLINE_COLUMNS.map(headlineName)];
  const cells = (h: Headlines | undefined) => HEADLINE_COLUMNS.map((k) => interval(h?.[k], digitsOf(k)));
  const rows = [
    ...p.arms.map((a) => [md(a.label), `${a.runs.length}/${seedCount}`, ...cells(pooledOf(a))]),
    ...BASELINE_ROWS.map(([b, label]) => [label, DASH, ...cells(baselineOf(p, b))]),
  ];
  return table(header, rows);
}

const HYBRID_COLUMNS = ['mono.map', 'cross.map', 'multi.map', 'multi.rankDistance'];

/** The arms' encoders searched the way users get them (HYBRID, default fusion), beside the DENSE comparison. */
function hybridSection(p: Protocol): string | null {
  if (p.hybridQueriesPerLanguage === undefined) return null;
  const rows = p.arms.flatMap((a) => a.hybrid.map((r) => [md(a.label), String(r.seed), ...HYBRID_COLUMNS.map((k) => interval(r.headlines[k], digitsOf(k)))]));
  const questions =
    p.hybridQueriesPerLanguage === null
      ? 'all questions'
      : `the first ${p.hybridQueriesPerLanguage} questions per language (against the full pools): compare these rows with each other, and only loosely with the full-suite tables`;
  return [
    '### As search answers users (HYBRID)',
    '',
    `The same encoders through the serving path's default HYBRID retrieval (BM25 with the dictionary bridge, fused with the dense scores), on ${questions}. The study's claims above are judged on DENSE, which isolates the encoder.`,
    '',
    rows.length > 0 ? table(['arm', 'seed', ...HYBRID_COLUMNS.map(headlineName)], rows) : DASH,
  ].join('\n');
}

const SCORE_KEYS: Array<[keyof PublishedScores, string]> = [
  ['monoMap', 'mono.map'],
  ['crossMap', 'cross.map'],
  ['multiMap', 'multi.map'],
  ['rankDistance', 'multi.rankDistance'],
];

function publishedTable(p: Protocol): string {
  const ours = (label: string | null, key: string) => (label ? pooledOf(armOf(p, label))?.[key]?.estimate : undefined);
  const diff = (label: string | null, key: string, paper: number | undefined) => {
    const o = ours(label, key);
    return isNum(o) && isNum(paper) ? signed(o - paper, digitsOf(key)) : DASH;
  };
  const synergy = PUBLISHED_ROWS.map((r) => {
    const s = r.suites[p.suite];
    return [r.model, r.batching, r.arm, ...SCORE_KEYS.map(([k, h]) => fixed(s[k], digitsOf(h))), SCORE_KEYS.map(([k, h]) => diff(r.arm, h, s[k])).join(' / ')];
  });
  const lareqa = LAREQA_MBERT.map((r) => {
    const paper = r.multiMap[p.suite];
    return [r.model, r.batching, r.arm ?? DASH, DASH, DASH, fixed(paper, 2), DASH, [DASH, DASH, diff(r.arm, 'multi.map', paper), DASH].join(' / ')];
  });
  const header = ['model', 'batching', 'our arm', 'Mo. mAP', 'Cr. mAP', 'Mul. mAP', 'rank distance', 'ours − paper (Mo. / Cr. / Mul. / rank distance)'];
  const caveat = p.queriesPerLanguage === null ? '' : ` Ours are on ${p.queriesPerLanguage} questions per language, so the differences are not like-for-like.`;
  return [`Published ${suiteName(p)} numbers (${PUBLISHED_SOURCE}; mBERT rows: ${LAREQA_SOURCE}), beside our seed-averaged estimates.${caveat}`, '', table(header, [...synergy, ...lareqa])].join('\n');
}

function perSeedTable(p: Protocol): string {
  const keys = ['mono.map', 'cross.map', 'multi.map', 'multi.rankDistance'];
  const rows = p.arms.map((a) => [
    md(a.label),
    a.runs.map((r) => r.seed).join(', ') || DASH,
    ...keys.map((k) => meanPlusMinus(a.runs.map((r) => r.headlines[k]?.estimate ?? NaN), digitsOf(k))),
    meanPlusMinus(a.runs.map((r) => r.trainSeconds ?? NaN), 0),
  ]);
  return table(['arm', 'seeds', ...keys.map(headlineName), 'training s'], rows);
}

function pairedTable(p: Protocol): string {
  if (p.paired.length === 0) return `${DASH} (no paired tests)`;
  const rows = p.paired.map((c) => [md(c.a), md(c.b), headlineName(c.headline), interval(c.test.difference, digitsOf(c.headline), true), pValue(c.test.pValue), String(c.test.B)]);
  return table(['a', 'b', 'headline', 'a − b [95% interval]', 'p', 'B'], rows);
}

// ---- figures ----

type Files = Map<string, string>;

function figure(files: Files, name: string, svg: string, alt: string): string {
  files.set(`figures/${name}.svg`, svg);
  return `![${alt}](figures/${name}.svg)`;
}

function barFigure(p: Protocol, slug: string, files: Files): string {
  const entries: Array<[string, Headlines | undefined]> = [
    ...p.arms.map((a): [string, Headlines | undefined] => [a.label, pooledOf(a)]),
    ...BASELINE_ROWS.map(([b, label]): [string, Headlines | undefined] => [label, baselineOf(p, b)]),
  ];
  const svg = barChartSvg({
    title: `${suiteName(p)}: mAP by setting (95% intervals)`,
    yLabel: 'mAP',
    groups: SETTINGS.map(([, name]) => name),
    series: entries.map(([label]) => label),
    values: entries.map(([, h]) => SETTINGS.map(([s]) => h?.[`${s}.map`] ?? null)),
  });
  return figure(files, `${slug}-map-bars`, svg, `${suiteName(p)} mAP by setting`);
}

/** Query language x candidate language mAP (MONO and CROSS rows), averaged over the arm's seeds; null without runs. */
export function pairMatrix(p: Protocol, arm: Arm | undefined): number[][] | null {
  if (!arm || arm.runs.length === 0) return null;
  return p.evalLanguages.map((q) =>
    p.evalLanguages.map((c) => {
      const values = arm.runs.flatMap((r) => r.rows.filter((row) => row.setting !== 'MULTI' && row.queryLanguage === q && row.candidateLanguage === c).map((row) => row.map));
      return values.length ? values.reduce((s, v) => s + v, 0) / values.length : NaN;
    }),
  );
}

function heatmapFigures(p: Protocol, slug: string, files: Files): string[] {
  const out: string[] = [];
  const heat = (name: string, title: string, values: number[][], scale: 'sequential' | 'diverging') => {
    const axes = { rowLabels: p.evalLanguages, columnLabels: p.evalLanguages, rowTitle: 'query language', columnTitle: 'candidate language' };
    return figure(files, `${slug}-heatmap-${name}`, heatmapSvg({ title, values, scale, digits: scale === 'diverging' ? 3 : 2, ...axes }), title);
  };
  const matrices = new Map<string, number[][] | null>();
  for (const [label, name] of [['MONO', 'mono'], ['CROSS', 'cross'], [HYBRID, 'hybrid']] as const) {
    const m = pairMatrix(p, armOf(p, label));
    matrices.set(label, m);
    out.push(m ? heat(name, `${suiteName(p)}: mAP per language pair, ${label}`, m, 'sequential') : `${DASH} (no ${label} runs: no ${label} heatmap)`);
  }
  const [hybrid, mono] = [matrices.get(HYBRID), matrices.get('MONO')];
  if (hybrid && mono) out.push(heat('hybrid-minus-mono', `${suiteName(p)}: mAP ${HYBRID} − MONO (red: ${HYBRID} higher)`, hybrid.map((row, i) => row.map((v, j) => v - mono[i]![j]!)), 'diverging'));
  else out.push(`${DASH} (no ${HYBRID} − MONO heatmap: an arm has no runs)`);
  return out;
}

function alphaFigure(p: Protocol, slug: string, files: Files): string {
  const arms = [...p.arms].filter((a) => a.runs.length > 0).sort((a, b) => a.alpha - b.alpha);
  if (arms.length === 0) return `${DASH} (no arm has runs: no alpha sweep)`;
  const series = SETTINGS.map(([s, name]) => ({
    label: `${name} mAP`,
    points: arms.flatMap((a) => {
      const v = a.pooled[`${s}.map`];
      return v && isNum(v.estimate) ? [{ x: a.alpha, ...v }] : [];
    }),
  }));
  const svg = linePlotSvg({ title: `${suiteName(p)}: mAP vs alpha (CROSS = 0, MONO = 1)`, xLabel: 'alpha (probability of a monolingual batch)', yLabel: 'mAP', series, xDomain: [0, 1] });
  return figure(files, `${slug}-alpha-sweep`, svg, `${suiteName(p)} alpha sweep`);
}

function protocolSection(p: Protocol, input: ExperimentReportInput, slug: string, files: Files): string {
  return [
    `## ${protocolName(p)}`,
    '',
    `Questions: ${subsamplingText(p)}. Each cell: seed-averaged estimate [95% interval]; mAP and recall with 3 decimals, rank distance with 1.`,
    '',
    headlineTable(p, input.experiment.seeds.length),
    '',
    ...[hybridSection(p)].flatMap((h) => (h ? [h, ''] : [])),
    publishedTable(p),
    '',
    '### Over seeds (mean ± standard deviation)',
    '',
    perSeedTable(p),
    '',
    '### Paired tests (a − b, seed-averaged models, paired over questions)',
    '',
    pairedTable(p),
    '',
    '### Figures',
    '',
    barFigure(p, slug, files),
    '',
    ...heatmapFigures(p, slug, files).flatMap((f) => [f, '']),
    alphaFigure(p, slug, files),
  ].join('\n');
}

// ---- XNLI alignment and failures ----

function alignmentSection(alignment: AlignmentResult[], files: Files): string {
  if (alignment.length === 0) return ['## XNLI alignment', '', DASH].join('\n');
  const rows = alignment.map((a) => {
    const of = (f: (s: AlignmentResult['runs'][number]['summary']) => number) => meanPlusMinus(a.runs.map((r) => f(r.summary)), 3);
    return [md(a.label), a.runs.map((r) => r.seed).join(', ') || DASH, of((s) => s.meanTranslationAccuracy), of((s) => s.meanSimilarityIndex), of((s) => s.meanCka), of((s) => s.pooledMap.estimate)];
  });
  const parts = [
    '## XNLI alignment',
    '',
    'Runs of the first protocol, mean ± standard deviation over seeds.',
    '',
    table(['arm', 'seeds', 'translation accuracy', 'similarity index', 'CKA', 'pooled mAP'], rows),
  ];
  const first = alignment.find((a) => a.label === HYBRID)?.runs[0];
  if (first) {
    const s = first.summary;
    const title = `XNLI translation accuracy, ${HYBRID}, seed ${first.seed}`;
    const axes = { rowLabels: s.languages, columnLabels: s.languages, rowTitle: 'source language', columnTitle: 'target language' };
    parts.push('', figure(files, 'xnli-translation-accuracy-hybrid', heatmapSvg({ title, values: s.translationAccuracy, ...axes }), title));
  }
  return parts.join('\n');
}

function failuresSection(input: ExperimentReportInput): string | null {
  if (input.failures.length === 0) return null;
  const clip = (s: string) => (s.length > 300 ? s.slice(0, 300) + '…' : s);
  const rows = input.failures.map((f) => [SUITE_NAMES[f.suite] ?? f.suite, md(f.label), String(f.seed), md(clip(f.error))]);
  return ['## Failures', '', table(['suite', 'arm', 'seed', 'error'], rows)].join('\n');
}

/** "xquad-r", and "xquad-r-2" if a second protocol evaluates the same suite. */
function slugs(protocols: Protocol[]): string[] {
  const seen = new Map<string, number>();
  return protocols.map((p) => {
    const base = p.suite.toLowerCase().replace(/_/g, '-');
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base}-${k}`;
  });
}

export function renderReport(input: ExperimentReportInput): RenderedReport {
  const files: Files = new Map();
  const names = slugs(input.protocols);
  const sections = [
    header(input),
    claimsSection(input),
    whyDifferent(input),
    ...input.protocols.map((p, i) => protocolSection(p, input, names[i]!, files)),
    alignmentSection(input.alignment, files),
    failuresSection(input),
  ].filter((s): s is string => s !== null);
  return { markdown: sections.join('\n\n') + '\n', files };
}
