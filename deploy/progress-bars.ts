// Text progress bars for the experiment CLI: one line per training run and one for the
// experiment's jobs. Pure: the caller decides where the lines go (redrawn in place on a terminal,
// printed now and then otherwise).

export interface RunLine {
  label: string;
  status: string;
  step: number;
  steps: number;
}

export function bar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

export function runLines(runs: readonly RunLine[]): string[] {
  const width = Math.max(0, ...runs.map((r) => r.label.length));
  return runs.map((r) => {
    const fraction = r.status === 'SUCCEEDED' ? 1 : r.steps > 0 ? r.step / r.steps : 0;
    return `${r.label.padEnd(width)} ${bar(fraction)} ${String(r.step).padStart(String(r.steps).length)}/${r.steps} ${r.status}`;
  });
}

export function jobsLine(progress: { jobs: number; succeeded: number; failed: number; running: number; queued: number }, elapsedSeconds: number): string {
  const done = progress.succeeded + progress.failed;
  const minutes = Math.floor(elapsedSeconds / 60);
  const seconds = Math.floor(elapsedSeconds % 60);
  return `jobs ${bar(progress.jobs > 0 ? done / progress.jobs : 0)} ${done}/${progress.jobs} done (${progress.running} running, ${progress.queued} queued, ${progress.failed} failed) ${minutes}:${String(seconds).padStart(2, '0')}`;
}
