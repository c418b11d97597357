import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classesOfBackend, jobClass, parseWorkerClasses, readRequirements, trainingRequirements, waitingReason } from './capabilities.js';
import { DEFAULT_HYPER_PARAMETERS, DEFAULT_MODEL } from './training.js';

const spec = (family: string, maxLength = 128) => ({ model: { ...DEFAULT_MODEL, family, maxLength, dimension: 768, layers: 12 } as typeof DEFAULT_MODEL, hyperParameters: { ...DEFAULT_HYPER_PARAMETERS, batchSize: 32 } });
const options = { allowCpu: false, gpuRequiredParameters: 100_000_000 };

test('a base-size PRETRAINED run needs a GPU worker unless it allows CPU; smaller or other families do not', () => {
  const base = trainingRequirements(spec('PRETRAINED'), 278_000_000, options);
  assert.equal(base.workerClass, 'gpu');
  assert.match(base.reason!, /278 M parameters trains on a GPU worker/);
  // 16 bytes per parameter (weights, gradients, AdamW moments) plus activations.
  assert.ok(base.memoryBytes! > 16 * 278_000_000 && base.memoryBytes! < 16 * 278_000_000 + 8 * 2 ** 30, `${base.memoryBytes}`);
  assert.equal(trainingRequirements(spec('PRETRAINED'), 278_000_000, { ...options, allowCpu: true }).workerClass, 'cpu');
  assert.equal(trainingRequirements(spec('PRETRAINED'), 4_000_000, options).workerClass, 'cpu');
  assert.equal(trainingRequirements(spec('TRANSFORMER'), 278_000_000, options).workerClass, 'cpu');
});

test('a wait is explained: no live worker of the class, or not enough memory on any; null when one can take it', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  const live = new Date(now - 5_000);
  const stale = new Date(now - 120_000);
  const gpuJob = { workerClass: 'gpu' as const, reason: 'a big model' };
  assert.equal(waitingReason(gpuJob, [{ workerClasses: ['cpu'], hostMemoryBytes: 2 ** 34, lastSeen: live }], now), 'no live GPU worker: a big model; it starts when one joins');
  assert.match(waitingReason(gpuJob, [{ workerClasses: ['gpu', 'cpu'], hostMemoryBytes: null, lastSeen: stale }], now)!, /no live GPU worker/, 'a stale heartbeat does not count');
  assert.equal(waitingReason(gpuJob, [{ workerClasses: ['gpu', 'cpu'], hostMemoryBytes: null, lastSeen: live }], now), null);
  const cpuJob = { workerClass: 'cpu' as const, memoryBytes: 8 * 2 ** 30 };
  assert.equal(waitingReason(cpuJob, [{ workerClasses: ['cpu'], hostMemoryBytes: 4 * 2 ** 30, lastSeen: live }], now), 'needs about 8.0 GiB of memory; the largest live CPU worker has 4.0 GiB');
  assert.equal(waitingReason(cpuJob, [{ workerClasses: ['cpu'], hostMemoryBytes: 16 * 2 ** 30, lastSeen: live }], now), null);
});

test('a GPU job is held against device memory where GPU workers know it, never against their host memory', () => {
  const now = Date.parse('2026-12-05T12:00:00Z');
  const live = new Date(now - 5_000);
  const job = { workerClass: 'gpu' as const, memoryBytes: 20 * 2 ** 30 };
  const gpu = (deviceMemoryBytes: number | null) => ({ workerClasses: ['gpu', 'cpu'], hostMemoryBytes: 2 ** 40, deviceMemoryBytes, lastSeen: live });
  assert.equal(waitingReason(job, [gpu(16 * 2 ** 30)], now), 'needs about 20.0 GiB of GPU memory; the largest live GPU worker has 16.0 GiB');
  assert.equal(waitingReason(job, [gpu(16 * 2 ** 30), gpu(40 * 2 ** 30)], now), null);
  assert.equal(waitingReason(job, [gpu(null)], now), null, 'unknown device memory: the worker may take it');
  assert.equal(waitingReason({ workerClass: 'interactive' }, [{ workerClasses: ['interactive'], hostMemoryBytes: 1, lastSeen: live }], now), null);
});

test('a job\'s class: its requirements\' when recorded, else interactive for the kinds users wait for', () => {
  assert.equal(jobClass('TRAIN', { workerClass: 'gpu' }), 'gpu');
  assert.equal(jobClass('TRAIN', null), 'cpu');
  assert.equal(jobClass('EMBED', null), 'cpu');
  for (const kind of ['EVALUATE', 'PULL', 'REPORT']) assert.equal(jobClass(kind, null), 'interactive');
});

test('stored requirements read back; anything else is a CPU job', () => {
  assert.deepEqual(readRequirements({ workerClass: 'gpu', parameters: 5, reason: 'r' }), { workerClass: 'gpu', parameters: 5, reason: 'r' });
  assert.deepEqual(readRequirements(null), { workerClass: 'cpu' });
  assert.deepEqual(readRequirements({ workerClass: 'tpu' }), { workerClass: 'cpu' });
});

test('worker classes: from the backend, or from WORKER_CLASSES', () => {
  assert.deepEqual(classesOfBackend('tensorflow-gpu'), ['gpu', 'interactive', 'cpu']);
  assert.deepEqual(classesOfBackend('native-cpu'), ['interactive', 'cpu']);
  assert.deepEqual(parseWorkerClasses('gpu, cpu'), ['gpu', 'cpu']);
  assert.equal(parseWorkerClasses('gpu,tpu'), '"tpu" is not one of cpu, gpu, interactive');
  assert.equal(parseWorkerClasses(' , '), 'names no class');
});
