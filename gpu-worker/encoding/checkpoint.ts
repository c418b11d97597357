// Checkpoint folders: model.json (spec, text-pipeline state, layouts, training record),
// weights.bin (the model's float32 values, little-endian, concatenated) and, in resumable
// checkpoints, training.bin (optimizer moments and the like, same encoding) kept apart so that
// readers of the model never meet tensors that are not weights. A folder is written whole under a
// temporary name beside its final one and then renamed, so a reader (or a redelivered job that
// rewrites the same step) never sees a half-written checkpoint.

import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ModelSpec } from '../../schema/training.js';

export const CHECKPOINT_FORMAT = 'xling-checkpoint-v1';

export interface NamedWeights {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface CheckpointInfo {
  step: number;
  model: ModelSpec;
  /** The text pipeline's state (tokenizer, vocabulary), as the pipeline exports it. */
  tokenizer: unknown;
  queryPrefix: string;
  passagePrefix: string;
  backend: string;
  metrics: Record<string, number>;
  /** What a run needs besides weights to resume from here (checkpoint-state.ts); absent on final checkpoints. */
  training?: { record: unknown; tensors: readonly NamedWeights[] };
  /** The run's result: nothing to resume, its weights are what the run produced. */
  final?: boolean;
}

export interface TensorLayout {
  name: string;
  shape: number[];
  dtype: 'float32';
  byteOffset: number;
}

export interface CheckpointManifest extends Omit<CheckpointInfo, 'training'> {
  format: typeof CHECKPOINT_FORMAT;
  weights: TensorLayout[];
  /** The training record, and the layout of training.bin. */
  training?: { record: unknown; tensors: TensorLayout[] };
}

export const checkpointPath = (root: string, runId: string, step: number) => path.join(root, runId, `step-${step}`);

async function writeDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves a finished folder into place, replacing an older one of the same name. */
async function replaceFolder(from: string, to: string): Promise<void> {
  try {
    await fs.rename(from, to);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  }
  const old = `${to}.old-${randomBytes(4).toString('hex')}`;
  await fs.rename(to, old);
  await fs.rename(from, to);
  await fs.rm(old, { recursive: true, force: true });
}

function pack(tensors: readonly NamedWeights[]): { layout: TensorLayout[]; bin: Uint8Array } {
  let byteOffset = 0;
  const layout = tensors.map((w) => {
    const entry = { name: w.name, shape: w.shape, dtype: 'float32' as const, byteOffset };
    byteOffset += w.values.byteLength;
    return entry;
  });
  const bin = new Uint8Array(byteOffset);
  tensors.forEach((w, i) => bin.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), layout[i]!.byteOffset));
  return { layout, bin };
}

function unpack(bin: Uint8Array, layout: readonly TensorLayout[], file: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const w of layout) {
    const length = w.shape.reduce((a, b) => a * b, 1);
    if (w.byteOffset + length * 4 > bin.length) throw new Error(`${file} is shorter than its layout (${w.name})`);
    // Copy out of the file buffer: its byte offset need not be 4-aligned.
    out.set(w.name, new Float32Array(Uint8Array.from(bin.subarray(w.byteOffset, w.byteOffset + length * 4)).buffer));
  }
  return out;
}

export async function saveCheckpoint(dir: string, info: CheckpointInfo, weights: readonly NamedWeights[]): Promise<void> {
  const parent = path.dirname(dir);
  await fs.mkdir(parent, { recursive: true });
  const { training: state, ...rest } = info;
  const model = pack(weights);
  const training = state && pack(state.tensors);
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    ...rest,
    weights: model.layout,
    ...(state && training ? { training: { record: state.record, tensors: training.layout } } : {}),
  };
  const temporary = await fs.mkdtemp(path.join(parent, `.${path.basename(dir)}.tmp-`));
  try {
    await writeDurably(path.join(temporary, 'weights.bin'), model.bin);
    if (training) await writeDurably(path.join(temporary, 'training.bin'), training.bin);
    await writeDurably(path.join(temporary, 'model.json'), JSON.stringify(manifest, null, 2));
    await replaceFolder(temporary, dir);
  } catch (err) {
    await fs.rm(temporary, { recursive: true, force: true });
    throw err;
  }
}

/** The manifest and the model weights (what evaluation and serving need). */
export async function loadCheckpoint(dir: string): Promise<{ manifest: CheckpointManifest; weights: Map<string, Float32Array> }> {
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as CheckpointManifest;
  if (manifest.format !== CHECKPOINT_FORMAT) throw new Error(`${dir}: unknown checkpoint format ${manifest.format}`);
  const file = path.join(dir, 'weights.bin');
  return { manifest, weights: unpack(await fs.readFile(file), manifest.weights, file) };
}

/** The tensors of training.bin, for resuming; empty for a checkpoint that has none. */
export async function loadTrainingTensors(dir: string, manifest: CheckpointManifest): Promise<Map<string, Float32Array>> {
  if (!manifest.training) return new Map();
  const file = path.join(dir, 'training.bin');
  return unpack(await fs.readFile(file), manifest.training.tensors, file);
}
