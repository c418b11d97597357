import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PrismaClient } from '../prisma/generated/client.js';
import type { ProgressEvent, RunStatus } from '../schema/events.js';
import type { RunEvent } from './pubsub.js';
import { createRunEventRecovery } from './run-event-recovery.js';

interface StoredRun {
  status: RunStatus;
  error: string | null;
  finishedAt: Date | null;
  updatedAt: Date;
  hyperParameters: unknown;
}

/** The two tables the recovery reads, in memory. */
function fakeDatabase() {
  const runs = new Map<string, StoredRun>();
  const points: Array<{ runId: string; step: number; name: string; value: number; recordedAt: Date }> = [];
  const prisma = {
    run: { findUnique: async ({ where }: { where: { id: string } }) => runs.get(where.id) ?? null },
    metricPoint: {
      findMany: async ({ where }: { where: { runId: string; step: { gt: number; lt?: number } } }) =>
        points
          .filter((p) => p.runId === where.runId && p.step > where.step.gt && (where.step.lt === undefined || p.step < where.step.lt))
          .sort((a, b) => a.step - b.step || a.name.localeCompare(b.name)),
    },
  } as unknown as PrismaClient;
  const addRun = (id: string, status: RunStatus = 'RUNNING') =>
    runs.set(id, { status, error: null, finishedAt: status === 'RUNNING' ? null : new Date(), updatedAt: new Date(), hyperParameters: { steps: 100, logEvery: 5 } });
  const store = (runId: string, ...steps: number[]) => {
    for (const step of steps) {
      for (const name of ['loss', 'learning_rate', 'pairs_per_second']) points.push({ runId, step, name, value: step / 100, recordedAt: new Date() });
    }
  };
  return { prisma, runs, addRun, store };
}

const progress = (runId: string, step: number): ProgressEvent => ({
  type: 'progress', runId, step, totalSteps: 100, loss: 1, learningRate: 0.001, pairsPerSecond: 10, status: 'RUNNING',
  batchComposition: { 'en-de': 4 }, at: new Date().toISOString(),
});
const end = (runId: string, status: RunStatus = 'SUCCEEDED'): RunEvent => ({ type: 'runStatus', runId, status, error: null, at: new Date().toISOString() });
const seen = (events: RunEvent[]) => events.map((e) => (e.type === 'progress' ? `${e.step}${Object.keys(e.batchComposition).length ? '' : 'r'}` : e.status));
const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));

test('a gap in a run\'s steps is filled from the database before the event that shows it, in step order', async () => {
  const { prisma, addRun, store } = fakeDatabase();
  addRun('r1');
  store('r1', 5, 10, 15, 20, 25, 30);
  const out: RunEvent[] = [];
  const recovery = createRunEventRecovery({ prisma, silenceMs: 60_000 }, (e) => out.push(e));
  try {
    for (const step of [5, 10, 30, 35]) recovery.receive(progress('r1', step));
    recovery.receive(end('r1'));
    await settle();
    // "r": read back (no batch composition stored).
    assert.deepEqual(seen(out), ['5', '10', '15r', '20r', '25r', '30', '35', 'SUCCEEDED']);
  } finally {
    recovery.stop();
  }
});

test('a silent run is looked up: the steps it stored and its end, when the announcement was lost; the late live end is not repeated', async () => {
  const { prisma, runs, addRun, store } = fakeDatabase();
  addRun('r2');
  store('r2', 5, 10, 15);
  const out: RunEvent[] = [];
  const recovery = createRunEventRecovery({ prisma, silenceMs: 50 }, (e) => out.push(e));
  try {
    recovery.receive(progress('r2', 5));
    await settle(120);
    assert.deepEqual(seen(out), ['5', '10r', '15r'], 'still running: its stored steps');
    runs.set('r2', { ...runs.get('r2')!, status: 'SUCCEEDED', finishedAt: new Date() });
    await settle(150);
    assert.deepEqual(seen(out), ['5', '10r', '15r', 'SUCCEEDED']);
    recovery.receive(end('r2'));
    recovery.receive(progress('r2', 20));
    await settle();
    assert.deepEqual(seen(out), ['5', '10r', '15r', 'SUCCEEDED'], 'nothing after its end');
  } finally {
    recovery.stop();
  }
});

test('a run that ended before its first event was read is passed on as it comes, in order, its end included', async () => {
  const { prisma, addRun } = fakeDatabase();
  addRun('r3', 'SUCCEEDED');
  const out: RunEvent[] = [];
  const recovery = createRunEventRecovery({ prisma, silenceMs: 50 }, (e) => out.push(e));
  try {
    for (const step of [5, 10, 15, 20]) recovery.receive(progress('r3', step));
    recovery.receive(end('r3'));
    await settle(150);
    assert.deepEqual(seen(out), ['5', '10', '15', '20', 'SUCCEEDED']);
  } finally {
    recovery.stop();
  }
});

test('the live event still goes out when the database cannot be read', async () => {
  const prisma = {
    run: { findUnique: async () => { throw new Error('database down'); } },
    metricPoint: { findMany: async () => { throw new Error('database down'); } },
  } as unknown as PrismaClient;
  const out: RunEvent[] = [];
  const lines: string[] = [];
  const recovery = createRunEventRecovery({ prisma, silenceMs: 60_000, log: (l) => lines.push(l) }, (e) => out.push(e));
  try {
    for (const step of [5, 30]) recovery.receive(progress('r4', step));
    recovery.receive(end('r4', 'FAILED'));
    await settle();
    assert.deepEqual(seen(out), ['5', '30', 'FAILED']);
    assert.ok(lines.every((l) => l.includes('database down')) && lines.length > 0);
  } finally {
    recovery.stop();
  }
});
