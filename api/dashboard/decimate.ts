// Curve decimation for the dashboard's charts: a 10,000-step run logged every step would otherwise
// hand uPlot 10,000 points per series on every update. Pure; the web app imports it.

/**
 * At most about `max` points: x split into max/2 equal buckets, each keeping its minimum and its
 * maximum (in x order), so spikes survive. The first and last points are always kept.
 */
export function decimate(xs: readonly number[], ys: ReadonlyArray<number | null>, max: number): { xs: number[]; ys: Array<number | null> } {
  if (xs.length <= max || max < 4) return { xs: [...xs], ys: [...ys] };
  const buckets = Math.floor(max / 2) - 1;
  const first = xs[0]!;
  const span = xs[xs.length - 1]! - first || 1;
  const outX: number[] = [first];
  const outY: Array<number | null> = [ys[0] ?? null];
  let i = 1;
  for (let b = 0; b < buckets; b++) {
    const end = first + (span * (b + 1)) / buckets;
    let lo = -1;
    let hi = -1;
    for (; i < xs.length - 1 && xs[i]! <= end; i++) {
      const y = ys[i];
      if (y === null || y === undefined || Number.isNaN(y)) continue;
      if (lo < 0 || y < ys[lo]!) lo = i;
      if (hi < 0 || y > ys[hi]!) hi = i;
    }
    for (const k of lo < 0 ? [] : lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) {
      outX.push(xs[k]!);
      outY.push(ys[k]!);
    }
  }
  outX.push(xs[xs.length - 1]!);
  outY.push(ys[ys.length - 1] ?? null);
  return { xs: outX, ys: outY };
}
