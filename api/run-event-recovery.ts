// Run events the gateway missed, read back from the database. Events travel on core NATS, with
// no persistence: while the gateway's connection to NATS is down (a network partition, the server
// dropping it as a slow consumer, NATS restarting) whatever the workers publish is lost for this
// gateway, and once reconnected its subscription simply carries on with the next event. A
// trainingProgress stream would then show a hole, or, when the run's end was announced during the
// outage, never end. Workers store every point and status before announcing it
// (schema/events.ts), so the bridge (api/pubsub.ts) follows each run it hears of:
//
// - an event that shows a gap (a step more than logEvery past the last one forwarded) is preceded
//   by the stored points in between, in step order;
// - a run with no event for SILENCE_MS is looked up: stored points past the last forwarded step
//   are forwarded, and its end, when the database has it, is announced.
//
// Streams drop steps they already sent (api/run/progress-stream.ts, ProgressFolder), so a step
// forwarded twice is harmless; one forwarded after a later step would be dropped, so each run's
// events pass one at a time, in arrival order. After a run's end nothing more of it is forwarded
// (a worker that lost the job may still publish what it had buffered). Limit: a run's first event
// only sets where following starts (the gateway cannot tell what came before it).

import type { PrismaClient } from '../prisma/generated/client.js';
import { TERMINAL_RUN_STATUSES, type ProgressEvent, type RunStatus, type RunStatusEvent } from '../schema/events.js';
import type { RunEvent } from './pubsub.js';
import { PROGRESS_METRICS } from './run/progress-stream.js';
import { readHyperParameters } from './run/run.mapper.js';

/** A followed run with no event for this long is looked up in the database. */
export const SILENCE_MS = 5_000;
/** How long an ended run stays known, so that late events of it are dropped rather than followed. */
const ENDED_MEMORY_MS = 120_000;

export interface RunEventRecoveryOptions {
  prisma: PrismaClient;
  silenceMs?: number;
  log?: (line: string) => void;
}

interface Followed {
  /** Highest step forwarded; undefined until the first progress event. */
  last?: number;
  /** Read once, with the run's status at that moment. */
  settings?: { logEvery: number; totalSteps: number; status: string };
  heardAt: number;
  lookingUp: boolean;
  /** The run had ended when first heard of (late events of a lost job, say): passed on in order, nothing read back. */
  passive: boolean;
  /** Work queued on `queue` and not done yet. */
  pending: number;
  queue: Promise<void>;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createRunEventRecovery(options: RunEventRecoveryOptions, forward: (event: RunEvent) => void) {
  const { prisma, silenceMs = SILENCE_MS, log = () => undefined } = options;
  const followed = new Map<string, Followed>();
  /** Runs whose end was forwarded, and when. */
  const ended = new Map<string, number>();
  const markEnded = (runId: string) => {
    followed.delete(runId);
    ended.set(runId, Date.now());
  };

  function enqueue(runId: string, run: Followed, work: () => Promise<void>): void {
    run.pending++;
    run.queue = run.queue
      .then(work)
      .catch((error: unknown) => log(`run ${runId}: reading back missed events failed: ${describe(error)}`))
      .finally(() => run.pending--);
  }

  async function settingsOf(runId: string, run: Followed) {
    if (!run.settings) {
      const row = await prisma.run.findUnique({ where: { id: runId }, select: { hyperParameters: true, status: true } });
      const hp = readHyperParameters(row?.hyperParameters);
      run.settings = { logEvery: hp.logEvery, totalSteps: hp.steps, status: row?.status ?? 'CANCELLED' };
    }
    return run.settings;
  }

  function forwardProgress(run: Followed, event: ProgressEvent): void {
    run.last = Math.max(run.last ?? -1, event.step);
    forward(event);
  }

  /** Forwards the stored points with a step in (after, before), one progress event per step. */
  async function readBack(runId: string, run: Followed, after: number, before: number | null): Promise<void> {
    const { totalSteps } = await settingsOf(runId, run);
    const points = await prisma.metricPoint.findMany({
      where: { runId, step: before === null ? { gt: after } : { gt: after, lt: before }, name: { in: Object.values(PROGRESS_METRICS) } },
      orderBy: [{ step: 'asc' }, { name: 'asc' }],
      select: { step: true, name: true, value: true, recordedAt: true },
    });
    const steps = new Map<number, { values: Map<string, number>; at: Date }>();
    for (const { step, name, value, recordedAt } of points) {
      const entry = steps.get(step) ?? { values: new Map<string, number>(), at: recordedAt };
      entry.values.set(name, value);
      if (recordedAt > entry.at) entry.at = recordedAt;
      steps.set(step, entry);
    }
    let count = 0;
    for (const [step, { values, at }] of steps) {
      const loss = values.get(PROGRESS_METRICS.loss);
      if (loss === undefined) continue;
      const validationLoss = values.get(PROGRESS_METRICS.validationLoss);
      forwardProgress(run, {
        type: 'progress', runId, step, totalSteps, loss, status: 'RUNNING', batchComposition: {},
        learningRate: values.get(PROGRESS_METRICS.learningRate) ?? 0, pairsPerSecond: values.get(PROGRESS_METRICS.pairsPerSecond) ?? 0,
        ...(validationLoss !== undefined ? { validationLoss } : {}), at: at.toISOString(),
      });
      count++;
    }
    if (count > 0) log(`run ${runId}: ${count} progress step(s) missed on the bus, read back from the database`);
  }

  function receive(event: RunEvent): void {
    const { runId } = event;
    if (ended.has(runId)) return;
    const terminal = event.type === 'runStatus' && TERMINAL_RUN_STATUSES.has(event.status);
    let run = followed.get(runId);
    if (!run) {
      if (terminal) {
        markEnded(runId);
        return forward(event);
      }
      run = { heardAt: Date.now(), lookingUp: false, passive: false, pending: 0, queue: Promise.resolve() };
      followed.set(runId, run);
    }
    const current = run;
    current.heardAt = Date.now();
    enqueue(runId, current, async () => {
      if (ended.has(runId)) return; // ended by a lookup meanwhile
      try {
        const first = current.settings === undefined;
        const { logEvery, status } = await settingsOf(runId, current);
        // Ended already when first heard of: a late event (of a worker that lost the job, say), or
        // a short run that ended while this was read. Its events pass in order, its end included.
        if (first && TERMINAL_RUN_STATUSES.has(status as RunStatus)) current.passive = true;
        if (current.passive) return;
        if (event.type === 'progress' && current.last !== undefined && event.step > current.last + logEvery) {
          await readBack(runId, current, current.last, event.step);
        }
        if (terminal && current.last !== undefined) await readBack(runId, current, current.last, null);
      } catch (error) {
        // The live event still goes out: a hole is better than a stream that stops.
        log(`run ${runId}: reading back missed events failed: ${describe(error)}`);
      } finally {
        if (event.type === 'progress') forwardProgress(current, event);
        else forward(event);
        if (terminal) markEnded(runId);
      }
    });
  }

  /** A silent run: its stored points past the last forwarded step, and its end if it ended. */
  function lookUp(runId: string, run: Followed): void {
    run.lookingUp = true;
    enqueue(runId, run, async () => {
      try {
        const row = await prisma.run.findUnique({ where: { id: runId }, select: { status: true, error: true, finishedAt: true, updatedAt: true } });
        if (!row) return void followed.delete(runId);
        if (run.last !== undefined) await readBack(runId, run, run.last, null);
        if (!TERMINAL_RUN_STATUSES.has(row.status)) return;
        const end: RunStatusEvent = { type: 'runStatus', runId, status: row.status, error: row.error, at: (row.finishedAt ?? row.updatedAt).toISOString() };
        log(`run ${runId}: its end (${row.status}) was missed on the bus, read back from the database`);
        markEnded(runId);
        forward(end);
      } finally {
        run.lookingUp = false;
        run.heardAt = Date.now();
      }
    });
  }

  const timer = setInterval(() => {
    const now = Date.now();
    for (const [runId, run] of followed) {
      if (now - run.heardAt < silenceMs || run.lookingUp) continue;
      if (!run.passive) lookUp(runId, run);
      else if (run.pending === 0) followed.delete(runId);
    }
    for (const [runId, at] of ended) if (now - at > ENDED_MEMORY_MS) ended.delete(runId);
  }, Math.max(100, Math.floor(silenceMs / 2)));
  timer.unref();

  return {
    receive,
    stop(): void {
      clearInterval(timer);
      followed.clear();
      ended.clear();
    },
  };
}
