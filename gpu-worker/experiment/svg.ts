// Dependency-free SVG figures for the experiment report: a heatmap, a line plot with error bars and
// a grouped bar chart with error bars. Output depends on the input only (coordinates rounded to 0.1
// px, no ids, no clocks), so the same data gives the same bytes. Missing values are NaN / null.

export interface IntervalPoint {
  estimate: number;
  lo: number;
  hi: number;
}

const FONT = 'font-family="Helvetica, Arial, sans-serif"';
const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7f7f7f', '#f0e442', '#000000'];
const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];
const DIVERGING = ['#2166ac', '#92c5de', '#f7f7f7', '#f4a582', '#b2182b'];
const CHAR_WIDTH = 0.6; // of the font size: a rough width of one character, for layout only

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** A coordinate rounded to 0.1 (never "-0"). */
const n = (x: number): string => {
  const r = Math.round(x * 10) / 10;
  return String(r === 0 ? 0 : r);
};

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${n(x)}" y="${n(y)}"${attrs ? ' ' + attrs : ''}>${escapeXml(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string, width = 1): string {
  return `<line x1="${n(x1)}" y1="${n(y1)}" x2="${n(x2)}" y2="${n(y2)}" stroke="${stroke}" stroke-width="${width}"/>`;
}

function rect(x: number, y: number, w: number, h: number, fill: string, extra = ''): string {
  return `<rect x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" fill="${fill}"${extra ? ' ' + extra : ''}/>`;
}

function svgDocument(width: number, height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" ${FONT} font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    rect(0, 0, width, height, '#ffffff'),
    text(width / 2, 22, title, 'text-anchor="middle" font-size="15" font-weight="bold"'),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

const textWidth = (s: string, size: number): number => s.length * size * CHAR_WIDTH;

// ---- scales ----

function hex(c: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
}

/** Colour at t in [0, 1] along evenly spaced stops. */
function interpolate(stops: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const [a, b] = [hex(stops[i]!), hex(stops[i + 1]!)];
  const mix = a.map((v, k) => Math.round(v + (x - i) * (b[k]! - v)));
  return '#' + mix.map((v) => v.toString(16).padStart(2, '0')).join('');
}

function isDark(colour: string): boolean {
  const [r, g, b] = hex(colour);
  return 0.299 * r + 0.587 * g + 0.114 * b < 140;
}

/** Evenly spaced round ticks covering [lo, hi]; the domain is widened to the outer ticks. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!finite(lo) || !finite(hi)) return [0, 1];
  if (hi - lo < 1e-12) [lo, hi] = [lo - 0.5 * Math.max(Math.abs(lo), 0.1), hi + 0.5 * Math.max(Math.abs(hi), 0.1)];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toFixed(12)));
  return ticks;
}

function tickLabel(value: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(digits);
}

// ---- heatmap ----

export interface HeatmapSpec {
  title: string;
  rowLabels: string[];
  columnLabels: string[];
  /** values[row][column]; NaN = no value. */
  values: number[][];
  rowTitle?: string;
  columnTitle?: string;
  /** diverging: centred on 0, symmetric (for differences). */
  scale?: 'sequential' | 'diverging';
  /** Decimals of the values printed in the cells. */
  digits?: number;
}

function heatmapDomain(values: number[][], scale: 'sequential' | 'diverging'): [number, number] {
  const all = values.flat().filter(finite);
  if (all.length === 0) return [0, 1];
  if (scale === 'diverging') {
    const m = Math.max(...all.map(Math.abs)) || 1;
    return [-m, m];
  }
  const [lo, hi] = [Math.min(...all), Math.max(...all)];
  return hi > lo ? [lo, hi] : [lo - 0.5, hi + 0.5];
}

function colourBar(x: number, y: number, height: number, domain: [number, number], stops: readonly string[], digits: number): string[] {
  const parts: string[] = [];
  const segments = 24;
  for (let s = 0; s < segments; s++) {
    const t = 1 - (s + 0.5) / segments;
    parts.push(rect(x, y + (s * height) / segments, 16, height / segments + 0.5, interpolate(stops, t)));
  }
  parts.push(rect(x, y, 16, height, 'none', 'stroke="#555555"'));
  for (let k = 0; k <= 4; k++) {
    const v = domain[1] - (k / 4) * (domain[1] - domain[0]);
    parts.push(text(x + 20, y + (k / 4) * height + 4, v.toFixed(digits), 'font-size="11"'));
  }
  return parts;
}

export function heatmapSvg(spec: HeatmapSpec): string {
  const { rowLabels, columnLabels, values } = spec;
  const scale = spec.scale ?? 'sequential';
  const digits = spec.digits ?? 2;
  const stops = scale === 'diverging' ? DIVERGING : VIRIDIS;
  const domain = heatmapDomain(values, scale);
  const labelSize = 12;
  const left = 34 + Math.max(20, ...rowLabels.map((l) => textWidth(l, labelSize)));
  const legendWidth = 90;
  const cols = Math.max(1, columnLabels.length);
  const rows = Math.max(1, rowLabels.length);
  const cell = Math.max(12, Math.min(56, Math.floor((760 - left - legendWidth - 10) / cols)));
  const longest = Math.max(0, ...columnLabels.map((l) => textWidth(l, labelSize)));
  const rotate = longest > cell - 4;
  const top = 72 + (rotate ? longest * 0.72 : 0);
  const showValues = cell >= 30;
  const valueSize = Math.min(11, Math.floor(cell / 4));
  const body: string[] = [];
  values.forEach((row, r) =>
    row.forEach((v, c) => {
      const [x, y] = [left + c * cell, top + r * cell];
      const fill = finite(v) ? interpolate(stops, (v - domain[0]) / (domain[1] - domain[0])) : '#dddddd';
      body.push(rect(x, y, cell, cell, fill, 'stroke="#ffffff" stroke-width="1"'));
      if (showValues) {
        const colour = finite(v) && isDark(fill) ? '#ffffff' : '#000000';
        body.push(text(x + cell / 2, y + cell / 2 + valueSize / 3, finite(v) ? v.toFixed(digits) : '—', `text-anchor="middle" font-size="${valueSize}" fill="${colour}"`));
      }
    }),
  );
  rowLabels.forEach((l, r) => body.push(text(left - 6, top + r * cell + cell / 2 + 4, l, 'text-anchor="end"')));
  columnLabels.forEach((l, c) => {
    const x = left + c * cell + cell / 2;
    body.push(rotate ? text(x, top - 6, l, `text-anchor="start" transform="rotate(-45 ${n(x)} ${n(top - 6)})"`) : text(x, top - 6, l, 'text-anchor="middle"'));
  });
  const [gridW, gridH] = [cols * cell, rows * cell];
  if (spec.columnTitle) body.push(text(left + gridW / 2, 44, spec.columnTitle, 'text-anchor="middle" font-style="italic"'));
  if (spec.rowTitle) body.push(text(14, top + gridH / 2, spec.rowTitle, `text-anchor="middle" font-style="italic" transform="rotate(-90 14 ${n(top + gridH / 2)})"`));
  body.push(...colourBar(left + gridW + 16, top, Math.max(gridH, 80), domain, stops, 3));
  // A title wider than the grid: centre the grid under it.
  const content = left + gridW + legendWidth;
  const width = Math.max(content, textWidth(spec.title, 15) * 1.15 + 30);
  const shifted = [`<g transform="translate(${n((width - content) / 2)} 0)">`, ...body, '</g>'];
  return svgDocument(width, top + Math.max(gridH, 80) + 16, spec.title, shifted);
}

// ---- axes shared by the line plot and the bar chart ----

interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
}

const WIDTH = 760;
const HEIGHT = 420;
const LEGEND_WIDTH = 160;

function plotFrame(): Frame {
  return { left: 64, top: 44, width: WIDTH - 64 - LEGEND_WIDTH - 16, height: HEIGHT - 44 - 56 };
}

function yAxis(frame: Frame, ticks: number[], label: string): { y: (v: number) => number; parts: string[] } {
  const [lo, hi] = [ticks[0]!, ticks[ticks.length - 1]!];
  const y = (v: number) => frame.top + frame.height * (1 - (v - lo) / (hi - lo));
  const parts = ticks.flatMap((t) => [
    line(frame.left, y(t), frame.left + frame.width, y(t), '#e5e5e5'),
    text(frame.left - 6, y(t) + 4, tickLabel(t, ticks), 'text-anchor="end" font-size="11"'),
  ]);
  const mid = frame.top + frame.height / 2;
  parts.push(text(16, mid, label, `text-anchor="middle" transform="rotate(-90 16 ${n(mid)})"`));
  parts.push(line(frame.left, frame.top, frame.left, frame.top + frame.height, '#333333'));
  return { y, parts };
}

function legend(frame: Frame, labels: string[], marker: (i: number, x: number, y: number) => string): string[] {
  const x = frame.left + frame.width + 20;
  return labels.flatMap((l, i) => {
    const y = frame.top + 8 + i * 20;
    return [marker(i, x, y), text(x + 24, y + 4, l, 'font-size="12"')];
  });
}

function errorBar(x: number, yLo: number, yHi: number, colour: string, cap = 4): string[] {
  return [line(x, yLo, x, yHi, colour, 1.5), line(x - cap, yLo, x + cap, yLo, colour, 1.5), line(x - cap, yHi, x + cap, yHi, colour, 1.5)];
}

const colourOf = (i: number): string => PALETTE[i % PALETTE.length]!;

// ---- line plot ----

export interface LineSeries {
  label: string;
  points: Array<{ x: number } & IntervalPoint>;
}

export interface LinePlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  xDomain?: [number, number];
}

export function linePlotSvg(spec: LinePlotSpec): string {
  const frame = plotFrame();
  const points = spec.series.flatMap((s) => s.points).filter((p) => finite(p.estimate));
  const ys = points.flatMap((p) => [p.estimate, p.lo, p.hi]).filter(finite);
  const yTicks = niceTicks(Math.min(...ys), Math.max(...ys));
  const xs = points.map((p) => p.x);
  const xTicks = niceTicks(spec.xDomain?.[0] ?? Math.min(...xs), spec.xDomain?.[1] ?? Math.max(...xs));
  const [x0, x1] = [xTicks[0]!, xTicks[xTicks.length - 1]!];
  const pad = 14; // keeps whiskers at the domain ends off the axis
  const x = (v: number) => frame.left + pad + ((frame.width - 2 * pad) * (v - x0)) / (x1 - x0);
  const { y, parts } = yAxis(frame, yTicks, spec.yLabel);
  const bottom = frame.top + frame.height;
  parts.push(line(frame.left, bottom, frame.left + frame.width, bottom, '#333333'));
  for (const t of xTicks) parts.push(line(x(t), bottom, x(t), bottom + 5, '#333333'), text(x(t), bottom + 18, tickLabel(t, xTicks), 'text-anchor="middle" font-size="11"'));
  parts.push(text(frame.left + frame.width / 2, bottom + 40, spec.xLabel, 'text-anchor="middle"'));
  spec.series.forEach((s, i) => {
    const colour = colourOf(i);
    const dodge = (i - (spec.series.length - 1) / 2) * 4;
    const shown = s.points.filter((p) => finite(p.estimate)).sort((a, b) => a.x - b.x);
    if (shown.length > 1) parts.push(`<polyline points="${shown.map((p) => `${n(x(p.x) + dodge)},${n(y(p.estimate))}`).join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    for (const p of shown) {
      if (finite(p.lo) && finite(p.hi)) parts.push(...errorBar(x(p.x) + dodge, y(p.lo), y(p.hi), colour));
      parts.push(`<circle cx="${n(x(p.x) + dodge)}" cy="${n(y(p.estimate))}" r="3.5" fill="${colour}"/>`);
    }
  });
  parts.push(...legend(frame, spec.series.map((s) => s.label), (i, lx, ly) => line(lx, ly, lx + 18, ly, colourOf(i), 3)));
  return svgDocument(WIDTH, HEIGHT, spec.title, parts);
}

// ---- grouped bar chart ----

export interface BarChartSpec {
  title: string;
  yLabel: string;
  /** Groups along the x axis (e.g. settings). */
  groups: string[];
  /** One bar per series in every group (e.g. strategies). */
  series: string[];
  /** values[series][group]; null = no value, drawn as "—". */
  values: Array<Array<IntervalPoint | null>>;
}

export function barChartSvg(spec: BarChartSpec): string {
  const frame = plotFrame();
  const present = spec.values.flat().filter((v): v is IntervalPoint => v !== null && finite(v.estimate));
  const ys = present.flatMap((v) => [v.estimate, v.lo, v.hi]).filter(finite);
  const ticks = niceTicks(Math.min(0, ...ys), Math.max(0, ...ys));
  const { y, parts } = yAxis(frame, ticks, spec.yLabel);
  const groupWidth = frame.width / Math.max(1, spec.groups.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, spec.series.length);
  const zero = y(0);
  parts.push(line(frame.left, zero, frame.left + frame.width, zero, '#333333'));
  spec.groups.forEach((g, gi) => {
    const start = frame.left + gi * groupWidth + groupWidth * 0.1;
    parts.push(text(frame.left + (gi + 0.5) * groupWidth, frame.top + frame.height + 22, g, 'text-anchor="middle"'));
    spec.series.forEach((_, si) => {
      const v = spec.values[si]?.[gi] ?? null;
      const cx = start + (si + 0.5) * barWidth;
      if (v === null || !finite(v.estimate)) {
        parts.push(text(cx, zero - 4, '—', 'text-anchor="middle" font-size="11" fill="#555555"'));
        return;
      }
      const [top, bottom] = [Math.min(y(v.estimate), zero), Math.max(y(v.estimate), zero)];
      parts.push(rect(cx - barWidth * 0.45, top, barWidth * 0.9, bottom - top, colourOf(si)));
      if (finite(v.lo) && finite(v.hi)) parts.push(...errorBar(cx, y(v.lo), y(v.hi), '#222222', Math.min(4, barWidth * 0.3)));
    });
  });
  parts.push(...legend(frame, spec.series, (i, lx, ly) => rect(lx, ly - 6, 18, 12, colourOf(i))));
  return svgDocument(WIDTH, HEIGHT, spec.title, parts);
}
