// trainingProgress: first the metric points already stored (a client that connects late or
// reconnects with sinceStep misses nothing), then live events from the bus, until the run ends.
// The live subscription opens BEFORE the database is read, and live steps already replayed are
// dropped, so no step is lost or repeated in the hand-over.

import { TERMINAL_RUN_STATUSES, assertNever, type RunStatus } from '../../schema/events.js';
import { createAsyncQueue } from '../async-queue.js';
import type { GatewayServices } from '../context.js';
import { badUserInput, notFound } from '../errors.js';
import type { RunEvent } from '../pubsub.js';
import { readHyperParameters } from './run.mapper.js';
import type { TrainingProgress } from './progress.type.js';

/** Metric names the worker records every logEvery steps. */
export const PROGRESS_METRICS = { loss: 'loss', learningRate: 'learning_rate', pairsPerSecond: 'pairs_per_second' } as const;

interface StoredPoint {
  step: number;
  name: string;
  value: number;
  recordedAt: Date;
}

/** Groups stored points into one progress item per step, in step order. */
export function replayItems(runId: string, totalSteps: number, points: readonly StoredPoint[]): TrainingProgress[] {
  const bySteps = new Map<number, TrainingProgress>();
  for (const point of points) {
    let item = bySteps.get(point.step);
    if (!item) {
      item = {
        runId, step: point.step, totalSteps, loss: null, learningRate: null, pairsPerSecond: null,
        status: 'RUNNING', batchComposition: [], error: null, replayed: true, at: point.recordedAt,
      };
      bySteps.set(point.step, item);
    }
    if (point.recordedAt > item.at) item.at = point.recordedAt;
    switch (point.name) {
      case PROGRESS_METRICS.loss: item.loss = point.value; break;
      case PROGRESS_METRICS.learningRate: item.learningRate = point.value; break;
      case PROGRESS_METRICS.pairsPerSecond: item.pairsPerSecond = point.value; break;
    }
  }
  return [...bySteps.values()].sort((a, b) => a.step - b.step);
}

/**
 * Folds live events into progress items. Returns the items to send and whether the stream ends
 * (terminal status). Status-only items repeat the last step's metrics, so a client that only
 * renders the latest item still shows the final loss.
 */
export class ProgressFolder {
  private last: TrainingProgress | undefined;
  /** Highest step of a metrics item sent; status items do not count. */
  private lastStep = -1;

  constructor(
    private readonly runId: string,
    private readonly totalSteps: number,
  ) {}

  seen(item: TrainingProgress): void {
    this.last = item;
    this.lastStep = Math.max(this.lastStep, item.step);
  }

  fold(event: RunEvent): { items: TrainingProgress[]; done: boolean } {
    switch (event.type) {
      case 'progress': {
        const terminal = TERMINAL_RUN_STATUSES.has(event.status);
        if (event.step <= this.lastStep && !terminal) return { items: [], done: false };
        const item: TrainingProgress = {
          runId: this.runId, step: event.step, totalSteps: event.totalSteps, loss: event.loss,
          learningRate: event.learningRate, pairsPerSecond: event.pairsPerSecond, status: event.status,
          batchComposition: Object.entries(event.batchComposition).map(([pair, count]) => ({ pair, count })),
          error: null, replayed: false, at: new Date(event.at),
        };
        this.seen(item);
        return { items: [item], done: terminal };
      }
      case 'runStatus': {
        const done = TERMINAL_RUN_STATUSES.has(event.status);
        if (!done && this.last?.status === event.status) return { items: [], done };
        return { items: [this.statusItem(event.status, event.error, new Date(event.at))], done };
      }
      default:
        return assertNever(event);
    }
  }

  statusItem(status: RunStatus, error: string | null, at: Date): TrainingProgress {
    const base = this.last;
    const item: TrainingProgress = {
      runId: this.runId, step: base?.step ?? 0, totalSteps: base?.totalSteps ?? this.totalSteps,
      loss: base?.loss ?? null, learningRate: base?.learningRate ?? null, pairsPerSecond: base?.pairsPerSecond ?? null,
      status, batchComposition: base?.batchComposition ?? [], error, replayed: false, at,
    };
    this.last = item;
    return item;
  }
}

export async function openProgressStream(
  services: GatewayServices,
  runId: string,
  sinceStep: number | null | undefined,
): Promise<AsyncIterableIterator<TrainingProgress>> {
  const { prisma, pubSub } = services;
  if (sinceStep != null && sinceStep < 0) throw badUserInput('sinceStep', sinceStep, 'is negative');
  if (!(await prisma.run.findUnique({ where: { id: runId }, select: { id: true } }))) throw notFound('run', 'runId', runId);

  const live = pubSub.subscribe('RUN_EVENT', runId);
  const out = createAsyncQueue<TrainingProgress>(() => void live.return());
  const early: RunEvent[] = [];
  let folder: ProgressFolder | undefined;

  const deliver = (event: RunEvent) => {
    if (!folder) return void early.push(event);
    const { items, done } = folder.fold(event);
    items.forEach((item) => out.push(item));
    if (done) out.end();
  };
  // A Repeater starts listening on its first next(), so pump it now, before reading the database.
  const pump = (async () => {
    for await (const event of live) deliver(event);
  })();
  pump.catch((error: unknown) => out.end(error));

  try {
    const run = await prisma.run.findUniqueOrThrow({ where: { id: runId }, select: { status: true, error: true, hyperParameters: true, updatedAt: true } });
    const points = await prisma.metricPoint.findMany({
      where: { runId, step: { gte: sinceStep ?? 0 }, name: { in: Object.values(PROGRESS_METRICS) } },
      orderBy: [{ step: 'asc' }, { name: 'asc' }],
      select: { step: true, name: true, value: true, recordedAt: true },
    });
    const totalSteps = readHyperParameters(run.hyperParameters).steps;
    const ready = new ProgressFolder(runId, totalSteps);
    for (const item of replayItems(runId, totalSteps, points)) {
      ready.seen(item);
      out.push(item);
    }
    if (TERMINAL_RUN_STATUSES.has(run.status)) {
      out.push(ready.statusItem(run.status, run.error, run.updatedAt));
      out.end();
    } else {
      folder = ready;
      early.splice(0).forEach(deliver);
    }
  } catch (error) {
    out.end(error);
  }
  return out;
}
