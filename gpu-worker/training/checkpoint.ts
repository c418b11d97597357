// Checkpoint files: model.json (spec, tokenizer, weight layout) and weights.bin (float32 values,
// little-endian, concatenated). Files are written under temporary names and renamed, so a reader
// (or a redelivered job rewriting the same step) never sees a half-written checkpoint.

import fs from 'node:fs/promises';
import path from 'node:path';
import type { ModelSpec } from '../../schema/training.js';
import type { TokenizerConfig } from './tokenizer.js';

export const CHECKPOINT_FORMAT = 'xling-checkpoint-v1';

export interface NamedWeights {
  name: string;
  shape: number[];
  values: Float32Array;
}

export interface CheckpointInfo {
  step: number;
  model: ModelSpec;
  tokenizer: TokenizerConfig;
  queryPrefix: string;
  passagePrefix: string;
  backend: string;
  metrics: Record<string, number>;
}

export interface CheckpointManifest extends CheckpointInfo {
  format: typeof CHECKPOINT_FORMAT;
  weights: { name: string; shape: number[]; dtype: 'float32'; byteOffset: number }[];
}

export const checkpointPath = (root: string, runId: string, step: number) => path.join(root, runId, `step-${step}`);

async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, data);
  await fs.rename(temporary, file);
}

export async function saveCheckpoint(dir: string, info: CheckpointInfo, weights: readonly NamedWeights[]): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  let byteOffset = 0;
  const layout = weights.map((w) => {
    const entry = { name: w.name, shape: w.shape, dtype: 'float32' as const, byteOffset };
    byteOffset += w.values.byteLength;
    return entry;
  });
  const bin = new Uint8Array(byteOffset);
  weights.forEach((w, i) => bin.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), layout[i]!.byteOffset));
  const manifest: CheckpointManifest = { format: CHECKPOINT_FORMAT, ...info, weights: layout };
  await writeAtomically(path.join(dir, 'weights.bin'), bin);
  await writeAtomically(path.join(dir, 'model.json'), JSON.stringify(manifest, null, 2));
}

export async function loadCheckpoint(dir: string): Promise<{ manifest: CheckpointManifest; weights: Map<string, Float32Array> }> {
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8')) as CheckpointManifest;
  if (manifest.format !== CHECKPOINT_FORMAT) throw new Error(`${dir}: unknown checkpoint format ${manifest.format}`);
  const bin = await fs.readFile(path.join(dir, 'weights.bin'));
  const weights = new Map<string, Float32Array>();
  for (const w of manifest.weights) {
    const length = w.shape.reduce((a, b) => a * b, 1);
    // Copy out of the file buffer: its byte offset need not be 4-aligned.
    const bytes = bin.subarray(w.byteOffset, w.byteOffset + length * 4);
    weights.set(w.name, new Float32Array(Uint8Array.from(bytes).buffer));
  }
  return { manifest, weights };
}
