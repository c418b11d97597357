// trainingProgress: first the metric points and validation reports already stored (a client that
// connects late or reconnects with sinceStep misses nothing), then live events from the bus, until
// the run ends.
// The live subscription opens BEFORE the database is read, and live steps already replayed are
// dropped, so no step is lost or repeated in the hand-over.

import { TERMINAL_RUN_STATUSES, assertNever, type RunStatus, type ValidationSnapshot } from '../../schema/events.js';
import { createAsyncQueue } from '../async-queue.js';
import type { GatewayServices } from '../context.js';
import { badUserInput, notFound } from '../errors.js';
import { byHeadline, headlineEstimates } from '../evaluation/report-data.js';
import type { RunEvent } from '../pubsub.js';
import { readHyperParameters } from './run.mapper.js';
import type { TrainingProgress, ValidationResult } from './progress.type.js';

/** Metric names the worker records every logEvery steps. */
export const PROGRESS_METRICS = {
  loss: 'loss', learningRate: 'learning_rate', pairsPerSecond: 'pairs_per_second', validationLoss: 'validation_loss',
} as const;

interface StoredPoint {
  step: number;
  name: string;
  value: number;
  recordedAt: Date;
}

/** A stored validation report of the run (EvaluationReport with a step). */
export interface StoredValidation extends ValidationResult {
  step: number;
  createdAt: Date;
}

const emptyItem = (runId: string, step: number, totalSteps: number, at: Date): TrainingProgress => ({
  runId, step, totalSteps, loss: null, learningRate: null, pairsPerSecond: null, validationLoss: null, validations: [],
  status: 'RUNNING', batchComposition: [], error: null, replayed: true, at,
});

/** Groups stored points and validations into one progress item per step, in step order. */
export function replayItems(
  runId: string,
  totalSteps: number,
  points: readonly StoredPoint[],
  validations: readonly StoredValidation[] = [],
): TrainingProgress[] {
  const bySteps = new Map<number, TrainingProgress>();
  const itemAt = (step: number, at: Date) => {
    let item = bySteps.get(step);
    if (!item) bySteps.set(step, (item = emptyItem(runId, step, totalSteps, at)));
    if (at > item.at) item.at = at;
    return item;
  };
  for (const point of points) {
    const item = itemAt(point.step, point.recordedAt);
    switch (point.name) {
      case PROGRESS_METRICS.loss: item.loss = point.value; break;
      case PROGRESS_METRICS.learningRate: item.learningRate = point.value; break;
      case PROGRESS_METRICS.pairsPerSecond: item.pairsPerSecond = point.value; break;
      case PROGRESS_METRICS.validationLoss: item.validationLoss = point.value; break;
    }
  }
  for (const { step, createdAt, suite, headlines } of validations) itemAt(step, createdAt).validations.push({ suite, headlines });
  return [...bySteps.values()].sort((a, b) => a.step - b.step);
}

const toValidation = ({ suite, headlines }: ValidationSnapshot): ValidationResult => ({
  suite,
  headlines: byHeadline(Object.entries(headlines).map(([name, value]) => ({ name, value }))),
});

const validationKey = (step: number, suite: string) => `${step}\u0000${suite}`;

/**
 * Folds live events into progress items. Returns the items to send and whether the stream ends
 * (terminal status). Status-only items repeat the last step's metrics, so a client that only
 * renders the latest item still shows the final loss.
 */
export class ProgressFolder {
  private last: TrainingProgress | undefined;
  /** Highest step of a metrics item sent; status items do not count. */
  private lastStep = -1;
  /** (step, suite) of validations sent, so a replayed one is not sent again live. */
  private readonly validated = new Set<string>();

  constructor(
    private readonly runId: string,
    private readonly totalSteps: number,
  ) {}

  seen(item: TrainingProgress): void {
    if (!this.last || item.step >= this.last.step) this.last = item;
    this.lastStep = Math.max(this.lastStep, item.step);
    for (const v of item.validations) this.validated.add(validationKey(item.step, v.suite));
  }

  fold(event: RunEvent): { items: TrainingProgress[]; done: boolean } {
    switch (event.type) {
      case 'progress': {
        const terminal = TERMINAL_RUN_STATUSES.has(event.status);
        // One validation per event: a step validated on several suites arrives as several events.
        const fresh = event.validation && !this.validated.has(validationKey(event.step, event.validation.suite));
        if (event.step <= this.lastStep && !terminal && !fresh) return { items: [], done: false };
        const item: TrainingProgress = {
          runId: this.runId, step: event.step, totalSteps: event.totalSteps, loss: event.loss,
          learningRate: event.learningRate, pairsPerSecond: event.pairsPerSecond, status: event.status,
          validationLoss: event.validationLoss ?? null, validations: fresh ? [toValidation(event.validation!)] : [],
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
      validationLoss: base?.validationLoss ?? null, validations: [], status, batchComposition: base?.batchComposition ?? [], error, replayed: false, at,
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
    const reports = await prisma.evaluationReport.findMany({
      where: { runId, step: { gte: sinceStep ?? 0 } },
      orderBy: [{ step: 'asc' }, { suite: 'asc' }],
      select: { step: true, suite: true, headlines: true, alignment: true, createdAt: true },
    });
    const validations = reports.map(({ step, suite, headlines, alignment, createdAt }) => ({
      step: step!, suite, createdAt, headlines: headlineEstimates(headlines, alignment),
    }));
    const totalSteps = readHyperParameters(run.hyperParameters).steps;
    const ready = new ProgressFolder(runId, totalSteps);
    for (const item of replayItems(runId, totalSteps, points, validations)) {
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
