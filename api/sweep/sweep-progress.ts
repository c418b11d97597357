// sweepProgress: the sweep as it stands first, then a new snapshot when a trial's run reported
// progress or changed status (bus events, from any worker; read at most once per changeMs), and
// every pollMs regardless (evaluations and the sweep's end send no run event). The stream ends
// after the snapshot that shows the sweep finished. Snapshots are whole: a client that missed one
// (or reconnects) loses nothing by taking the next.

import { createAsyncQueue } from '../async-queue.js';
import type { GatewayServices } from '../context.js';
import { badUserInput, notFound } from '../errors.js';
import type { Sweep } from './sweep.type.js';
import { loadSweep } from './sweep-state.js';

export const SWEEP_CHANGE_MS = 1000;
export const SWEEP_POLL_MS = 5000;

export async function openSweepProgress(services: GatewayServices, experimentId: string, changeMs = SWEEP_CHANGE_MS, pollMs = SWEEP_POLL_MS): Promise<AsyncIterableIterator<Sweep>> {
  const { prisma, pubSub } = services;
  const read = async () => {
    const experiment = await prisma.experiment.findUnique({ where: { id: experimentId }, select: { id: true, plan: true, status: true } });
    if (!experiment) throw notFound('experiment', 'experimentId', experimentId);
    return loadSweep(prisma, experiment);
  };
  const first = await read();
  if (!first) throw badUserInput('experimentId', experimentId, 'is an experiment that is not a sweep');

  const runs = first.trials.map((t) => t.runId);
  const live = [pubSub.subscribe('RUN_STATUS'), ...runs.map((id) => pubSub.subscribe('RUN_EVENT', id))];
  const timers: NodeJS.Timeout[] = [];
  const out = createAsyncQueue<Sweep>(() => {
    timers.forEach(clearInterval);
    for (const stream of live) void stream.return?.();
  });
  let shown = '';
  const emit = (sweep: Sweep) => {
    const { at: _at, ...content } = sweep;
    const signature = JSON.stringify(content);
    if (signature !== shown) {
      shown = signature;
      out.push(sweep);
    }
    if (sweep.status !== 'RUNNING') out.end();
  };
  // One read at a time; a change during a read asks for one more.
  let reading: Promise<void> | undefined;
  let again = false;
  const refresh = () => {
    if (out.closed) return;
    if (reading) return void (again = true);
    reading = read()
      .then((sweep) => {
        if (sweep) emit(sweep);
      })
      .catch((error: unknown) => out.end(error))
      .finally(() => {
        reading = undefined;
        if (again) {
          again = false;
          refresh();
        }
      });
  };
  const trialRuns = new Set(runs);
  let changed = false;
  for (const stream of live) {
    void (async () => {
      for await (const event of stream) if (trialRuns.has(event.runId)) changed = true;
    })().catch((error: unknown) => out.end(error));
  }
  timers.push(
    setInterval(() => {
      if (!changed) return;
      changed = false;
      refresh();
    }, changeMs),
    setInterval(refresh, pollMs),
  );
  for (const timer of timers) timer.unref();
  emit(first);
  return out;
}
