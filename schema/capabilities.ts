// Capability routing (issue 18): what a job needs and what a worker offers. Jobs are published to
// the queue of one worker class; a worker takes from the classes it serves. Pure: the gateway
// derives a run's requirements with it, workers advertise with it, and both explain a wait.

import type { TrainingSpec } from './training.js';

/**
 * cpu: long work any worker can do (training, indexing); gpu: work for a GPU backend
 * (tfjs-node-gpu); interactive: short work users wait for (evaluations, dataset pulls, experiment
 * reports), which workers also take on a slot of their own so it never waits behind a training.
 */
export const WORKER_CLASSES = ['cpu', 'gpu', 'interactive'] as const;
export type WorkerClass = (typeof WORKER_CLASSES)[number];

/** What a consumer takes when it names no class: everything but GPU work. */
export const DEFAULT_CONSUMER_CLASSES: readonly WorkerClass[] = ['interactive', 'cpu'];

/** Job kinds (schema/jobs.ts) users wait for. */
const INTERACTIVE_KINDS: readonly string[] = ['EVALUATE', 'PULL', 'REPORT'];

/** A job's class: its recorded requirements' (TRAIN jobs), else by kind. */
export function jobClass(kind: string, requirements: unknown): WorkerClass {
  if (requirements !== null && requirements !== undefined) return readRequirements(requirements).workerClass;
  return INTERACTIVE_KINDS.includes(kind) ? 'interactive' : 'cpu';
}

/** Parameters from which a PRETRAINED run needs a GPU unless it allows CPU: base-size encoders (BERT-base 110 M, XLM-R base 278 M). */
export const DEFAULT_GPU_REQUIRED_PARAMETERS = 100_000_000;

export interface JobRequirements {
  workerClass: WorkerClass;
  /** Trainable parameters of the run's model. */
  parameters?: number;
  /** Host (CPU class) or device (GPU class) memory the job needs, estimated. */
  memoryBytes?: number;
  /** Why the class was chosen, for users reading a wait. */
  reason?: string;
}

/** What a worker offers, as its Worker row records it. */
export interface WorkerOffer {
  workerClasses: readonly string[];
  hostMemoryBytes: number | null;
  /** GPU memory; null on CPU workers or when unknown (then not held against a job). */
  deviceMemoryBytes?: number | null;
  lastSeen: Date;
}

/** A worker whose heartbeat is older than this is not counted as live. */
export const LIVE_WORKER_MS = 60_000;

/**
 * Memory for training: float32 weights, gradients and AdamW's two moments (16 bytes per
 * parameter), and activations kept for the backward pass (queries and passages of a batch, about a
 * dozen tensors of tokens x dimension per layer).
 */
export function trainingMemoryBytes(spec: Pick<TrainingSpec, 'model' | 'hyperParameters'>, parameters: number): number {
  const { dimension, layers, maxLength } = spec.model;
  const tokens = 2 * spec.hyperParameters.batchSize * maxLength;
  return 16 * parameters + 12 * 4 * tokens * dimension * Math.max(1, layers);
}

export function trainingRequirements(
  spec: Pick<TrainingSpec, 'model' | 'hyperParameters'>,
  parameters: number,
  options: { allowCpu: boolean; gpuRequiredParameters: number },
): JobRequirements {
  const memoryBytes = trainingMemoryBytes(spec, parameters);
  const large = spec.model.family === 'PRETRAINED' && parameters >= options.gpuRequiredParameters;
  if (large && !options.allowCpu) {
    const millions = Number((parameters / 1e6).toPrecision(3));
    return { workerClass: 'gpu', parameters, memoryBytes, reason: `a PRETRAINED model of ${millions} M parameters trains on a GPU worker (allowCpu lets a CPU worker take it)` };
  }
  return { workerClass: 'cpu', parameters, memoryBytes };
}

const isClass = (value: unknown): value is WorkerClass => (WORKER_CLASSES as readonly unknown[]).includes(value);

/** The requirements column as stored; absent or unreadable: any worker (cpu). */
export function readRequirements(json: unknown): JobRequirements {
  const o = json && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  return {
    workerClass: isClass(o.workerClass) ? o.workerClass : 'cpu',
    ...(typeof o.parameters === 'number' ? { parameters: o.parameters } : {}),
    ...(typeof o.memoryBytes === 'number' ? { memoryBytes: o.memoryBytes } : {}),
    ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
  };
}

const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * Why no live worker can take a job with these requirements, or null when one can. Memory is
 * checked against host memory for CPU jobs and device memory for GPU jobs, where workers know it.
 */
export function waitingReason(requirements: JobRequirements, workers: readonly WorkerOffer[], now = Date.now()): string | null {
  const live = workers.filter((w) => now - w.lastSeen.getTime() <= LIVE_WORKER_MS);
  const ofClass = live.filter((w) => w.workerClasses.includes(requirements.workerClass));
  if (ofClass.length === 0) {
    const why = requirements.reason ? `: ${requirements.reason}` : '';
    return `no live ${requirements.workerClass.toUpperCase()} worker${why}; it starts when one joins`;
  }
  const need = requirements.memoryBytes;
  if (need === undefined) return null;
  // A GPU job's weights, moments and activations live in device memory; a CPU job's in the host's.
  const memoryOf = (w: WorkerOffer) => (requirements.workerClass === 'gpu' ? (w.deviceMemoryBytes ?? null) : w.hostMemoryBytes);
  if (requirements.workerClass !== 'interactive' && ofClass.every((w) => memoryOf(w) !== null && memoryOf(w)! < need)) {
    const most = Math.max(...ofClass.map((w) => memoryOf(w) ?? 0));
    const kind = requirements.workerClass === 'gpu' ? 'GPU memory' : 'memory';
    return `needs about ${gib(need)} of ${kind}; the largest live ${requirements.workerClass.toUpperCase()} worker has ${gib(most)}`;
  }
  return null;
}

/** The classes a worker serves, preferred in this order: a GPU worker's own class first, then interactive work, then CPU work. */
export function classesOfBackend(backend: string): WorkerClass[] {
  return backend === 'tensorflow-gpu' ? ['gpu', ...DEFAULT_CONSUMER_CLASSES] : [...DEFAULT_CONSUMER_CLASSES];
}

export function parseWorkerClasses(raw: string): WorkerClass[] | string {
  const classes = [...new Set(raw.split(',').map((c) => c.trim()).filter(Boolean))];
  const unknown = classes.find((c) => !isClass(c));
  if (unknown !== undefined) return `"${unknown}" is not one of ${WORKER_CLASSES.join(', ')}`;
  return classes.length > 0 ? (classes as WorkerClass[]) : 'names no class';
}
