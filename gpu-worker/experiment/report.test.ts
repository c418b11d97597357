import assert from 'node:assert/strict';
import test from 'node:test';
import type { EvaluationPairRow, Headlines } from '../../schema/evaluation.js';
import { DEFAULT_MODEL } from '../../schema/training.js';
import { PUBLISHED_ROWS } from './published.js';
import { renderReport } from './report.js';
import type { Arm, ExperimentReportInput, PairedComparison, Protocol, RetrievalSuiteName } from './report-input.js';

// ---- a synthetic experiment: every arm's numbers derive from one base mAP ----

const SEEDS = [1, 2, 3];
const BASE: Record<string, { alpha: number; base: number }> = {
  MONO: { alpha: 1, base: 0.5 },
  CROSS: { alpha: 0, base: 0.45 },
  'HYBRID(0.25)': { alpha: 0.25, base: 0.47 },
  'HYBRID(0.5)': { alpha: 0.5, base: 0.52 },
  'HYBRID(0.75)': { alpha: 0.75, base: 0.51 },
};

const iv = (estimate: number, half = 0.01) => ({ estimate, lo: estimate - half, hi: estimate + half });

function headlines(base: number): Headlines {
  const h: Headlines = {};
  ['mono', 'cross', 'multi'].forEach((s, i) => {
    h[`${s}.map`] = iv(base - 0.1 * i);
    h[`${s}.recall1`] = iv(base - 0.1 * i - 0.05);
    h[`${s}.recall10`] = iv(base - 0.1 * i + 0.2);
  });
  h['multi.rankDistance'] = iv(400 - 400 * base, 5);
  return h;
}

function pairRows(languages: string[], base: number): EvaluationPairRow[] {
  const row = (setting: EvaluationPairRow['setting'], q: string, c: string, map: number): EvaluationPairRow => ({
    setting, queryLanguage: q, candidateLanguage: c, map, recallAt1: map, recallAt10: map, ndcgAt10: map, mrrAt10: map, rankDistance: setting === 'MULTI' ? 10 : null, count: 5,
  });
  return languages.flatMap((q, i) => [
    ...languages.map((c, j) => row(i === j ? 'MONO' : 'CROSS', q, c, base - 0.01 * Math.abs(i - j))),
    row('MULTI', q, 'all', base - 0.2),
  ]);
}

function arm(label: string, languages: string[], shift: number): Arm {
  const { alpha, base } = BASE[label]!;
  const strategy = label.startsWith('HYBRID') ? 'HYBRID' : (label as 'MONO' | 'CROSS');
  const runs = SEEDS.map((seed, k) => ({ runId: `${label}-${seed}`, seed, headlines: headlines(base + shift + 0.01 * (k - 1)), rows: pairRows(languages, base + shift + 0.01 * (k - 1)), trainSeconds: 60 + k }));
  // HYBRID search of the first seed, lifted well above DENSE as lexical search lifts it.
  return { label, strategy, alpha, runs, pooled: headlines(base + shift), hybrid: [{ runId: `${label}-1`, seed: 1, headlines: headlines(base + shift + 0.25) }] };
}

/** A paired test of a − b with the given interval. */
const paired = (a: string, b: string, headline: string, estimate: number, lo: number, hi: number): PairedComparison => ({ a, b, headline, test: { difference: { estimate, lo, hi }, pValue: 0.0004, B: 1000 } });

function protocol(suite: RetrievalSuiteName, trainDatasets: string[], evalLanguages: string[], pairedTests: PairedComparison[], bm25: number, shift = 0): Protocol {
  return {
    suite,
    trainDatasets,
    trainLanguages: ['en', 'de'],
    evalLanguages,
    queriesPerLanguage: suite === 'XQUAD_R' ? null : 100,
    ...(suite === 'XQUAD_R' ? { hybridQueriesPerLanguage: 200 } : {}),
    arms: Object.keys(BASE).map((label) => arm(label, evalLanguages, shift)),
    baselines: [
      { baseline: 'BM25', headlines: { ...headlines(0.4), 'mono.map': iv(bm25, 0.02) }, rows: [] },
      { baseline: 'DICT_BM25', headlines: { ...headlines(0.45), 'mono.map': iv(bm25, 0.02) }, rows: [] },
      { baseline: 'RANDOM', headlines: headlines(0.05), rows: [] },
    ],
    paired: pairedTests,
  };
}

function syntheticInput(): ExperimentReportInput {
  const xquad = protocol('XQUAD_R', ['mlqa-r'], ['ar', 'de', 'en'], [
    paired('MONO', 'HYBRID(0.5)', 'mono.map', -0.02, -0.03, -0.01), // (a) stored the other way round: supported
    paired('HYBRID(0.5)', 'CROSS', 'cross.map', -0.03, -0.05, -0.01), // (b) contradicted
    paired('HYBRID(0.5)', 'MONO', 'multi.map', 0.01, -0.005, 0.025), // (c) straddles 0 ...
    paired('HYBRID(0.5)', 'CROSS', 'multi.map', 0.02, 0.01, 0.03), // ... cannot decide
    paired('CROSS', 'MONO', 'multi.rankDistance', -20, -30, -10), // (d) supported
    paired('HYBRID(0.5)', 'MONO', 'multi.rankDistance', -15, -25, -5),
  ], 0.3);
  const mlqa = protocol('MLQA_R', ['xquad-r'], ['de', 'en'], [
    // (a) not tested: no mono.map test
    paired('HYBRID(0.5)', 'CROSS', 'cross.map', 0, -0.01, 0.01), // (b) cannot decide
    paired('HYBRID(0.5)', 'MONO', 'multi.map', -0.02, -0.03, -0.01), // (c) contradicted
    paired('HYBRID(0.5)', 'CROSS', 'multi.map', 0.02, 0.01, 0.03),
    paired('CROSS', 'MONO', 'multi.rankDistance', 5, 1, 9), // (d) contradicted
    paired('HYBRID(0.5)', 'MONO', 'multi.rankDistance', -15, -25, -5),
  ], 0.6, -0.1);
  const summary = (acc: number) => ({
    languages: ['en', 'de', 'fr'], meanTranslationAccuracy: acc, meanSimilarityIndex: 2 * acc, meanCka: acc / 2, pooledMap: iv(acc - 0.1),
    translationAccuracy: [[1, acc, acc], [acc, 1, acc], [acc, acc, 1]], cka: [[1, 0.5, 0.5], [0.5, 1, 0.5], [0.5, 0.5, 1]],
  });
  return {
    experiment: {
      id: 'exp-1', name: 'hybrid batching', preset: 'smoke', createdAt: new Date('2025-01-02T03:04:05Z'), finishedAt: new Date('2025-01-02T05:04:05Z'),
      seeds: SEEDS, steps: 200, batchSize: 32, model: DEFAULT_MODEL, backend: 'wasm (SIMD on)', bootstrap: 1000, recipe: 'CPU_DEFAULT',
    },
    protocols: [xquad, mlqa],
    alignment: ['MONO', 'CROSS', 'HYBRID(0.5)'].map((label, i) => ({ label, runs: SEEDS.map((seed, k) => ({ seed, summary: summary(0.5 + 0.1 * i + 0.01 * k) })) })),
    failures: [{ suite: 'MLQA_R', label: 'HYBRID(0.75)', seed: 4, error: 'out of memory <&> at step 3' }],
  };
}

// ---- reading the rendered markdown ----

/** The cells of the table row that starts with `first` (and contains `also`), within `text`. */
function rowCells(text: string, first: string, also = ''): string[] {
  const rows = text.split('\n').filter((l) => l.startsWith('| ') && l.includes(also)).map((l) => l.slice(2, -2).split(' | '));
  const row = rows.find((cells) => cells[0] === first || cells[0]!.startsWith(`${first} `));
  assert.ok(row, `no row ${first} ${also}`);
  return row;
}

/** The text of the "## ..." section whose heading includes `heading`. */
function section(markdown: string, heading: string): string {
  const parts = markdown.split(/\n(?=## )/);
  const found = parts.find((p) => p.startsWith('## ') && p.split('\n')[0]!.includes(heading));
  assert.ok(found, `no section ${heading}`);
  return found;
}

const verdict = (markdown: string, claim: string, suite: string) => rowCells(section(markdown, 'Claims'), claim, `evaluate ${suite}`)[2]!;

test('claims get the verdict their intervals imply, per protocol', () => {
  const { markdown } = renderReport(syntheticInput());
  const expected: Array<[string, string, string]> = [
    ['(a)', 'XQuAD-R', 'supported'], ['(a)', 'MLQA-R', 'not tested'],
    ['(b)', 'XQuAD-R', 'contradicted'], ['(b)', 'MLQA-R', 'cannot decide'],
    ['(c)', 'XQuAD-R', 'cannot decide'], ['(c)', 'MLQA-R', 'contradicted'],
    ['(d)', 'XQuAD-R', 'supported'], ['(d)', 'MLQA-R', 'contradicted'],
    ['(e)', 'XQuAD-R', 'supported'], ['(e)', 'MLQA-R', 'contradicted'],
  ];
  for (const [claim, suite, v] of expected) {
    const cell = verdict(markdown, claim, suite);
    assert.ok(cell.startsWith(`**${v}**`), `${claim} ${suite}: ${cell}`);
  }
  assert.match(verdict(markdown, '(b)', 'MLQA-R'), /at least as good/);
  // (a) on XQuAD-R was stored as MONO − HYBRID: the report prints HYBRID − MONO.
  assert.ok(rowCells(section(markdown, 'Claims'), '(a)', 'XQuAD-R')[3]!.includes('HYBRID(0.5) − MONO, Mo. mAP: +0.020 [+0.010, +0.030]'));
  assert.ok(section(markdown, 'Claims').includes('best arm HYBRID(0.5) 0.520 [0.510, 0.530] vs BM25 0.300 [0.280, 0.320]'));
});

test('the headline table shows each arm\'s pooled estimates with intervals', () => {
  const input = syntheticInput();
  const { markdown } = renderReport(input);
  const xquad = section(markdown, 'evaluate XQuAD-R');
  const pooled = input.protocols[0]!.arms.find((a) => a.label === 'HYBRID(0.5)')!.pooled;
  const cells = rowCells(xquad, 'HYBRID(0.5)', '3/3');
  const show = (k: string, d: number) => `${pooled[k]!.estimate.toFixed(d)} [${pooled[k]!.lo.toFixed(d)}, ${pooled[k]!.hi.toFixed(d)}]`;
  assert.equal(cells[2], show('mono.map', 3));
  assert.equal(cells[3], show('cross.map', 3));
  assert.equal(cells[4], show('multi.map', 3));
  assert.equal(cells[11], show('multi.rankDistance', 1));
  assert.equal(rowCells(xquad, 'BM25')[2], '0.300 [0.280, 0.320]');
  // Ours − paper against the published XLM-R Hybrid row.
  const paper = PUBLISHED_ROWS.find((r) => r.model === 'XLM-R' && r.batching === 'Hybrid')!.suites.XQUAD_R;
  const diff = rowCells(xquad, 'XLM-R', 'Hybrid').at(-1)!;
  assert.ok(diff.startsWith((pooled['mono.map']!.estimate - paper.monoMap).toFixed(3)), diff);
  // Seeds: the mean ± sample sd of 0.51, 0.52, 0.53.
  assert.equal(rowCells(xquad, 'HYBRID(0.5)', '1, 2, 3')[2], '0.520 ± 0.010');
});

test('HYBRID search of the first seeds sits beside the DENSE comparison, with DICT-BM25 among the baselines', () => {
  const input = syntheticInput();
  const { markdown } = renderReport(input);
  const xquad = section(markdown, 'evaluate XQuAD-R');
  const hybrid = xquad.slice(xquad.indexOf('### As search answers users (HYBRID)'));
  assert.ok(xquad.includes('### As search answers users (HYBRID)'), 'planned HYBRID evaluations get their table');
  assert.match(hybrid, /first 200 questions per language/);
  // HYBRID(0.5): base 0.52 + 0.25, seed 1.
  const cells = rowCells(hybrid, 'HYBRID(0.5)', '| 1 |');
  assert.deepEqual(cells.slice(1, 4), ['1', '0.770 [0.760, 0.780]', '0.670 [0.660, 0.680]']);
  assert.equal(rowCells(xquad, 'DICT-BM25')[4], '0.250 [0.240, 0.260]', 'DICT-BM25 multi mAP (base 0.45 - 0.2)');
  assert.ok(rowCells(xquad, 'RANDOM')[0]!.includes('untrained'));
  // The protocol that planned no HYBRID evaluation has no such table.
  assert.ok(!section(markdown, 'evaluate MLQA-R').includes('As search answers users'));
  assert.match(section(markdown, 'Setup'), /recipe `CPU_DEFAULT`/);
});

test('the subsampled protocol says so', () => {
  const { markdown } = renderReport(syntheticInput());
  assert.match(section(markdown, 'evaluate MLQA-R'), /first 100 questions per language.*not comparable/);
  assert.doesNotMatch(section(markdown, 'evaluate XQuAD-R').split('\n').slice(0, 4).join('\n'), /not comparable/);
});

test('every linked figure exists, every figure is linked, and SVGs contain their labels', () => {
  const { markdown, files } = renderReport(syntheticInput());
  const links = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
  assert.deepEqual([...links].sort(), [...files.keys()].sort());
  for (const name of ['figures/xquad-r-heatmap-hybrid.svg', 'figures/xquad-r-heatmap-hybrid-minus-mono.svg', 'figures/mlqa-r-alpha-sweep.svg', 'figures/xnli-translation-accuracy-hybrid.svg'])
    assert.ok(files.has(name), name);
  for (const [name, svg] of files) {
    assert.ok(svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>'), name);
    assert.equal((svg.match(/<(?!\/)[a-z]+[^>]*[^/]>/g) ?? []).length, (svg.match(/<\/[a-z]+>/g) ?? []).length, `balanced ${name}`);
  }
  assert.ok(files.get('figures/xquad-r-map-bars.svg')!.includes('>HYBRID(0.25)</text>'));
  assert.ok(files.get('figures/xquad-r-heatmap-mono.svg')!.includes('>ar</text>'));
  assert.ok(files.get('figures/xquad-r-alpha-sweep.svg')!.includes('>Mul. mAP</text>'));
});

test('the report is deterministic and escapes input text', () => {
  const a = renderReport(syntheticInput());
  const b = renderReport(syntheticInput());
  assert.equal(a.markdown, b.markdown);
  assert.deepEqual([...a.files], [...b.files]);
  const failures = section(a.markdown, 'Failures');
  assert.ok(failures.includes('out of memory &lt;&amp;&gt; at step 3'));
  assert.ok(!a.markdown.includes('<&'));
});

test('missing data renders as "—" without throwing', () => {
  const input = syntheticInput();
  const mlqa = input.protocols[1]!;
  mlqa.arms.find((a) => a.label === 'MONO')!.runs = [];
  mlqa.baselines = [];
  mlqa.paired = [];
  input.alignment = [];
  input.failures = [];
  const { markdown, files } = renderReport(input);
  const text = section(markdown, 'evaluate MLQA-R');
  assert.deepEqual(rowCells(text, 'MONO', '0/3').slice(2), new Array(10).fill('—'));
  assert.deepEqual(rowCells(text, 'BM25').slice(1), new Array(11).fill('—'));
  assert.deepEqual(rowCells(text, 'RANDOM').slice(1), new Array(11).fill('—'));
  assert.deepEqual(rowCells(text, 'DICT-BM25').slice(1), new Array(11).fill('—'));
  assert.ok(!files.has('figures/mlqa-r-heatmap-mono.svg') && !files.has('figures/mlqa-r-heatmap-hybrid-minus-mono.svg'));
  assert.ok(files.has('figures/mlqa-r-heatmap-cross.svg'));
  assert.ok(verdict(markdown, '(e)', 'MLQA-R').startsWith('**not tested**'));
  assert.ok(verdict(markdown, '(d)', 'MLQA-R').startsWith('**not tested**'));
  assert.match(section(markdown, 'XNLI alignment'), /—/);
  assert.ok(!markdown.includes('## Failures'));
  assert.ok(!markdown.includes('NaN') && !markdown.includes('undefined'));
});
