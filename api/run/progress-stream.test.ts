import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProgressEvent, RunStatusEvent } from '../../schema/events.js';
import { ProgressFolder, replayItems } from './progress-stream.js';

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

const progress = (step: number, status: ProgressEvent['status'] = 'RUNNING'): ProgressEvent => ({
  type: 'progress', runId: 'r', step, totalSteps: 10, loss: 1 / step, learningRate: 0.001, pairsPerSecond: 50,
  status, batchComposition: { 'en-de': 3, 'de-de': 1 }, at: t(step).toISOString(),
});
const status = (s: RunStatusEvent['status'], error: string | null = null): RunStatusEvent => ({
  type: 'runStatus', runId: 'r', status: s, error, at: t(99).toISOString(),
});

test('stored points are grouped into one item per step, in step order', () => {
  const items = replayItems('r', 10, [
    { step: 5, name: 'loss', value: 0.5, recordedAt: t(5) },
    { step: 5, name: 'learning_rate', value: 0.001, recordedAt: t(5) },
    { step: 10, name: 'pairs_per_second', value: 80, recordedAt: t(10) },
    { step: 5, name: 'pairs_per_second', value: 70, recordedAt: t(6) },
  ]);
  assert.deepEqual(items.map((i) => [i.step, i.loss, i.learningRate, i.pairsPerSecond, i.replayed]), [
    [5, 0.5, 0.001, 70, true],
    [10, null, null, 80, true],
  ]);
  assert.deepEqual(items[0]!.at, t(6));
  assert.equal(items[0]!.totalSteps, 10);
});

test('live events after a replay: replayed steps are dropped, terminal status ends the stream', () => {
  const folder = new ProgressFolder('r', 10);
  for (const item of replayItems('r', 10, [{ step: 5, name: 'loss', value: 0.2, recordedAt: t(5) }])) folder.seen(item);
  assert.deepEqual(folder.fold(progress(5)), { items: [], done: false });
  const six = folder.fold(progress(6));
  assert.equal(six.done, false);
  assert.equal(six.items[0]!.step, 6);
  assert.deepEqual(six.items[0]!.batchComposition, [{ pair: 'en-de', count: 3 }, { pair: 'de-de', count: 1 }]);
  assert.deepEqual(folder.fold(status('RUNNING')), { items: [], done: false }, 'no news: already RUNNING');
  const end = folder.fold(status('FAILED', 'out of memory'));
  assert.equal(end.done, true);
  assert.deepEqual(
    end.items.map((i) => [i.step, i.status, i.error, i.loss]),
    [[6, 'FAILED', 'out of memory', 1 / 6]],
  );
});

test('a status change before any step yields a step-0 item, and step 0 still follows', () => {
  const folder = new ProgressFolder('r', 10);
  const running = folder.fold(status('RUNNING'));
  assert.deepEqual(running.items.map((i) => [i.step, i.status, i.totalSteps]), [[0, 'RUNNING', 10]]);
  assert.equal(folder.fold(progress(0)).items.length, 1);
  assert.equal(folder.fold(progress(3, 'SUCCEEDED')).done, true);
});

test('stored validations join the item of their step (one per suite); validation loss is replayed', () => {
  const headlines = [{ name: 'mono.map', value: 0.5 }];
  const items = replayItems('r', 10, [
    { step: 5, name: 'loss', value: 0.5, recordedAt: t(5) },
    { step: 5, name: 'validation_loss', value: 0.7, recordedAt: t(5) },
  ], [
    { step: 5, suite: 'MLQA_R', headlines, createdAt: t(7) },
    { step: 5, suite: 'XNLI_ALIGNMENT', headlines: [], createdAt: t(6) },
    { step: 8, suite: 'MLQA_R', headlines, createdAt: t(8) },
  ]);
  assert.deepEqual(items.map((i) => [i.step, i.loss, i.validationLoss, i.validations.map((v) => v.suite)]), [
    [5, 0.5, 0.7, ['MLQA_R', 'XNLI_ALIGNMENT']],
    [8, null, null, ['MLQA_R']],
  ]);
  assert.deepEqual(items[0]!.at, t(7));
  assert.deepEqual(items[0]!.validations[0]!.headlines, headlines);
});

test('a live validation is sent once, also as a second event of a step already sent; status items carry none', () => {
  const folder = new ProgressFolder('r', 10);
  for (const item of replayItems('r', 10, [], [{ step: 5, suite: 'MLQA_R', headlines: [], createdAt: t(5) }])) folder.seen(item);
  const validation = (suite: string) => ({ ...progress(5), validation: { suite, headlines: { 'cross.map': 0.4, 'mono.map': 0.6 } } });
  assert.deepEqual(folder.fold(validation('MLQA_R')).items, [], 'replayed already');
  const second = folder.fold({ ...validation('XQUAD_R'), validationLoss: 0.3 }).items;
  assert.deepEqual(second.map((i) => [i.step, i.validationLoss, i.validations]), [
    [5, 0.3, [{ suite: 'XQUAD_R', headlines: [{ name: 'mono.map', value: 0.6 }, { name: 'cross.map', value: 0.4 }] }]],
  ]);
  assert.deepEqual(folder.fold(validation('XQUAD_R')).items, [], 'sent already');
  assert.deepEqual(folder.fold(progress(5)).items, [], 'no validation: an old step');
  const end = folder.fold(status('SUCCEEDED'));
  assert.deepEqual(end.items.map((i) => [i.step, i.validationLoss, i.validations]), [[5, 0.3, []]]);
});
