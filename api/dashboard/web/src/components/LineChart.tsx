// A uPlot line chart that follows its container's width and takes new data without being rebuilt,
// so a curve can grow live. Series are decimated to MAX_POINTS before drawing.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { decimate } from '../../../decimate.js';

export interface Series {
  label: string;
  xs: number[];
  ys: Array<number | null>;
}

const MAX_POINTS = 1500;

/** Axis ticks with three significant digits: learning rates are 1e-3, throughput 1e4. */
const tick = (v: number) => (v === 0 ? '0' : Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en') : Number(v.toPrecision(3)).toString());
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];

/** Series on one x axis (their union), gaps where a series has no point. */
function aligned(series: readonly Series[]): uPlot.AlignedData {
  const thinned = series.map((s) => decimate(s.xs, s.ys, MAX_POINTS));
  const xs = [...new Set(thinned.flatMap((s) => s.xs))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const columns = thinned.map((s) => {
    const column: Array<number | null> = new Array(xs.length).fill(null);
    s.xs.forEach((x, i) => (column[index.get(x)!] = s.ys[i] ?? null));
    return column;
  });
  return [xs, ...columns] as uPlot.AlignedData;
}

export function LineChart({ title, series, xLabel = 'step', height = 220, log = false }: { title: string; series: Series[]; xLabel?: string; height?: number; log?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const labels = series.map((s) => s.label).join('\u0000');
  useEffect(() => {
    const el = box.current!;
    plot.current = new uPlot(
      {
        width: el.clientWidth || 600,
        height,
        title,
        scales: { x: { time: false }, ...(log ? { y: { distr: 3 } } : {}) },
        axes: [{ label: xLabel }, { size: 70, values: (_u, splits) => splits.map(tick) }],
        series: [{ label: xLabel }, ...series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true }))],
      },
      aligned(series),
      el,
    );
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
    // Rebuilt only when the set of series changes; data updates below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [labels, height, title, log]);
  useEffect(() => {
    plot.current?.setData(aligned(series));
  }, [series]);
  return <div className="chart" ref={box} role="img" aria-label={`${title}: ${series.map((s) => `${s.label} ${s.ys.length} points`).join(', ')}`} data-points={series.reduce((n, s) => n + s.ys.length, 0)} />;
}
