import assert from 'node:assert/strict';
import test from 'node:test';
import { barChartSvg, escapeXml, heatmapSvg, linePlotSvg, niceTicks } from './svg.js';

/** Problems that would stop an XML parser: unbalanced tags, stray '<' or '>', bare '&', content outside the root. */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const checkText = (t: string) => {
    if (/[<>]/.test(t)) problems.push(`stray < or > in ${JSON.stringify(t.slice(0, 40))}`);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(t)) problems.push(`bare & in ${JSON.stringify(t.slice(0, 40))}`);
  };
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  const stack: string[] = [];
  let last = 0;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    const [, close, name, attrs, self] = m;
    checkText(xml.slice(last, m.index));
    checkText(attrs!.replace(/"[^"]*"/g, (v) => v.slice(1, -1).replace(/>/g, '&gt;')));
    if (stack.length === 0 && last > 0) problems.push(`second root <${name}>`);
    last = tag.lastIndex;
    if (close) {
      if (stack.pop() !== name) problems.push(`unexpected </${name}>`);
    } else if (!self) stack.push(name!);
  }
  if (xml.slice(last).trim() !== '') problems.push('content after the root');
  if (stack.length > 0) problems.push(`unclosed ${stack.join(', ')}`);
  if (!xml.startsWith('<svg')) problems.push('root is not <svg>');
  return problems;
}

const languages = ['ar', 'de', 'en', 'x<&y'];
const matrix = languages.map((_, i) => languages.map((_, j) => (i === j ? 0.8 : 0.4 + 0.05 * (i + j))));

test('the checker itself rejects broken XML', () => {
  assert.deepEqual(xmlProblems('<svg><g></g></svg>'), []);
  assert.ok(xmlProblems('<svg><g></svg>').length > 0);
  assert.ok(xmlProblems('<svg><text>a<b</text></svg>').length > 0);
  assert.ok(xmlProblems('<svg><text>a & b</text></svg>').length > 0);
  assert.ok(xmlProblems('<svg></svg><svg></svg>').length > 0);
});

test('escapeXml escapes the five XML specials', () => {
  assert.equal(escapeXml(`<a & "b" 'c'>`), '&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;');
});

test('a heatmap is well-formed, labelled, escaped, and prints its values when small', () => {
  const svg = heatmapSvg({ title: 'mAP <&>', rowLabels: languages, columnLabels: languages, values: matrix, rowTitle: 'query', columnTitle: 'candidate' });
  assert.deepEqual(xmlProblems(svg), []);
  for (const l of ['ar', 'de', 'en', 'query', 'candidate']) assert.ok(svg.includes(`>${l}</text>`), l);
  assert.ok(svg.includes('x&lt;&amp;y') && !svg.includes('x<&y'));
  assert.ok(svg.includes('mAP &lt;&amp;&gt;'));
  assert.ok(svg.includes('>0.80</text>'), 'cell values are printed');
  assert.equal((svg.match(/<rect /g) ?? []).length >= languages.length ** 2, true);
});

test('a heatmap marks missing cells and stops printing values when the matrix is large', () => {
  const withGap = matrix.map((row) => [...row]);
  withGap[0]![1] = NaN;
  const small = heatmapSvg({ title: 't', rowLabels: languages, columnLabels: languages, values: withGap });
  assert.ok(small.includes('>—</text>'));
  assert.deepEqual(xmlProblems(small), []);
  const many = Array.from({ length: 30 }, (_, i) => `l${i}`);
  const big = heatmapSvg({ title: 't', rowLabels: many, columnLabels: many, values: many.map(() => many.map(() => 0.5)) });
  assert.deepEqual(xmlProblems(big), []);
  assert.ok(!big.includes('>0.50</text>'));
});

test('a diverging heatmap is symmetric around zero', () => {
  const svg = heatmapSvg({ title: 'diff', rowLabels: ['a', 'b'], columnLabels: ['a', 'b'], values: [[-0.1, 0.02], [0.05, 0]], scale: 'diverging', digits: 2 });
  assert.deepEqual(xmlProblems(svg), []);
  assert.ok(svg.includes('>0.100</text>') && svg.includes('>-0.100</text>'), 'legend spans -max..max');
});

test('a line plot draws every series with whiskers, ticks and a legend', () => {
  const series = ['Mo. mAP', 'Cr. <mAP>'].map((label, s) => ({
    label,
    points: [0, 0.25, 0.5, 1].map((x) => ({ x, estimate: 0.3 + 0.1 * s + 0.05 * x, lo: 0.28 + 0.1 * s, hi: 0.4 + 0.1 * s })),
  }));
  const svg = linePlotSvg({ title: 'sweep', xLabel: 'alpha', yLabel: 'mAP', series, xDomain: [0, 1] });
  assert.deepEqual(xmlProblems(svg), []);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2);
  assert.equal((svg.match(/<circle /g) ?? []).length, 8);
  for (const label of ['Mo. mAP', 'Cr. &lt;mAP&gt;', 'alpha', '0.0', '1.0']) assert.ok(svg.includes(`>${label}</text>`), label);
});

test('a grouped bar chart draws one bar per value and "—" for a missing one', () => {
  const iv = (e: number) => ({ estimate: e, lo: e - 0.02, hi: e + 0.02 });
  const svg = barChartSvg({ title: 'bars', yLabel: 'mAP', groups: ['Mo.', 'Cr.', 'Mul.'], series: ['MONO', 'A&B'], values: [[iv(0.5), iv(0.4), iv(0.3)], [iv(0.55), null, iv(0.35)]] });
  assert.deepEqual(xmlProblems(svg), []);
  for (const label of ['Mo.', 'Cr.', 'Mul.', 'MONO', 'A&amp;B', '—']) assert.ok(svg.includes(`>${label}</text>`), label);
  // Background + 5 bars + 2 legend swatches.
  assert.equal((svg.match(/<rect /g) ?? []).length, 1 + 5 + 2);
});

test('figures are deterministic and survive empty input', () => {
  const spec = { title: 't', rowLabels: languages, columnLabels: languages, values: matrix };
  assert.equal(heatmapSvg(spec), heatmapSvg(structuredClone(spec)));
  for (const svg of [
    heatmapSvg({ title: 'empty', rowLabels: [], columnLabels: [], values: [] }),
    linePlotSvg({ title: 'empty', xLabel: 'x', yLabel: 'y', series: [] }),
    barChartSvg({ title: 'empty', yLabel: 'y', groups: [], series: [], values: [] }),
  ]) {
    assert.deepEqual(xmlProblems(svg), []);
    assert.ok(!svg.includes('NaN') && !svg.includes('Infinity'));
  }
});

test('nice ticks cover the range with round steps', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  const t = niceTicks(0.123, 0.456);
  assert.ok(t[0]! <= 0.123 && t[t.length - 1]! >= 0.456);
  assert.deepEqual(niceTicks(0.5, 0.5).length > 1, true);
});
