// The encoder against outputs of Hugging Face transformers itself (shared/models/*/reference.json):
// hidden states on unpadded positions, pooler and mean-pooled outputs within 1e-4, padded batches
// against single runs, RoBERTa's padding-offset positions (a left-padded row included).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { defaultSharedDir } from '../../../schema/config.js';
import type { PaddedBatch } from '../tokenizer.js';
import { loadHfEncoder, loadHfTokenizer } from './model.js';

await tf.setBackend('cpu');
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const modelsDir = defaultSharedDir('models', repoRoot, fs.existsSync);
const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const TOLERANCE = 1e-4;

type Matrix = number[][];
interface BertItem { text: string; input_ids: number[]; attention_mask: number[]; token_type_ids: number[]; last_hidden_state: Matrix; pooler_output: number[]; mean_pooled: number[] }
interface BertReference {
  items: BertItem[];
  padded_batch: { input_ids: Matrix; attention_mask: Matrix; token_type_ids: Matrix; last_hidden_state: Matrix[]; pooler_output: Matrix; mean_pooled: Matrix };
}
interface XlmrItem {
  input_ids: number[];
  attention_mask: number[];
  last_hidden_state: Matrix;
  pooler_output: number[];
  mean_pooled: number[];
  unpadded_alone: { input_ids: number[]; last_hidden_state: Matrix; pooler_output: number[]; mean_pooled: number[] };
}

function batchOf(ids: number[][], mask?: number[][], types?: number[][]): PaddedBatch & { tokenTypes?: Int32Array } {
  const width = ids[0]!.length;
  return {
    ids: Int32Array.from(ids.flat()),
    mask: Float32Array.from(mask ? mask.flat() : ids.flat().map(() => 1)),
    rows: ids.length,
    width,
    ...(types ? { tokenTypes: Int32Array.from(types.flat()) } : {}),
  };
}

/** Largest |a - b| over the rows where mask is 1. */
function maxDiff(actual: ArrayLike<number>, expected: Matrix | number[], width: number, mask?: number[]): number {
  const flat = (expected as unknown[]).flat() as number[];
  let worst = 0;
  for (let i = 0; i < flat.length; i++) {
    if (mask && !mask[Math.floor(i / width)]) continue;
    worst = Math.max(worst, Math.abs(actual[i]! - flat[i]!));
  }
  return worst;
}

const tiny = { bert: path.join(modelsDir, 'tiny-bert'), xlmr: path.join(modelsDir, 'tiny-xlmr') };
const bert = await loadHfEncoder(tiny.bert);
const xlmr = await loadHfEncoder(tiny.xlmr);
after(() => {
  bert.encoder.dispose();
  xlmr.encoder.dispose();
});

test('tiny-bert: hidden states, pooler and mean pooling of 6 texts match transformers within 1e-4', async () => {
  const reference = readJson<BertReference>(path.join(tiny.bert, 'reference.json'));
  assert.deepEqual(bert.ignored.sort(), ['classifier.bias', 'classifier.weight'], 'the classification head is not part of the encoder');
  assert.equal(bert.encoder.hasPooler, true);
  const tokenizer = await loadHfTokenizer(tiny.bert);
  const d = bert.config.hiddenSize;
  for (const item of reference.items) {
    const ids = [...tokenizer.encode(item.text, 32)];
    assert.deepEqual(ids, item.input_ids, item.text);
    const batch = batchOf([ids], [item.attention_mask], [item.token_type_ids]);
    const { hidden, pooled } = bert.encoder.forward(batch);
    assert.ok(maxDiff(hidden.dataSync(), item.last_hidden_state, d) < TOLERANCE, `hidden states of ${JSON.stringify(item.text)}`);
    assert.ok(maxDiff(pooled!.dataSync(), item.pooler_output, d) < TOLERANCE, `pooler output of ${JSON.stringify(item.text)}`);
    const mean = bert.encoder.embed(batch, { pooling: 'MEAN', normalize: false });
    assert.ok(maxDiff(mean.dataSync(), item.mean_pooled, d) < TOLERANCE, `mean pooling of ${JSON.stringify(item.text)}`);
    const pooler = bert.encoder.embed(batch, { pooling: 'POOLER', normalize: false });
    assert.deepEqual(pooler.dataSync(), pooled!.dataSync());
    tf.dispose([hidden, pooled!, mean, pooler]);
  }
});

test('tiny-bert: a right-padded batch matches the reference batch and the single runs', () => {
  const { padded_batch: b, items } = readJson<BertReference>(path.join(tiny.bert, 'reference.json'));
  const batch = batchOf(b.input_ids, b.attention_mask, b.token_type_ids);
  const { hidden, pooled } = bert.encoder.forward(batch);
  const d = bert.config.hiddenSize;
  const values = hidden.dataSync();
  b.input_ids.forEach((_, row) => {
    const rowValues = values.subarray(row * batch.width * d, (row + 1) * batch.width * d);
    assert.ok(maxDiff(rowValues, b.last_hidden_state[row]!, d, b.attention_mask[row]) < TOLERANCE, `row ${row} vs reference batch`);
    const alone = items.find((item) => item.input_ids.join() === b.input_ids[row]!.slice(0, item.input_ids.length).join())!;
    assert.ok(maxDiff(rowValues, alone.last_hidden_state, d, b.attention_mask[row]) < TOLERANCE, `row ${row} vs its single run`);
  });
  assert.ok(maxDiff(pooled!.dataSync(), b.pooler_output, d) < TOLERANCE);
  const mean = bert.encoder.embed(batch, { pooling: 'MEAN', normalize: false });
  assert.ok(maxDiff(mean.dataSync(), b.mean_pooled, d) < TOLERANCE);
  tf.dispose([hidden, pooled!, mean]);
});

test('tiny-xlmr: padding-offset positions, a left-padded row, batched and alone, match transformers within 1e-4', () => {
  const reference = readJson<{ items: XlmrItem[]; batch: { input_ids: Matrix; attention_mask: Matrix } }>(path.join(tiny.xlmr, 'reference.json'));
  assert.equal(xlmr.config.modelType, 'xlm-roberta');
  const d = xlmr.config.hiddenSize;
  const batch = batchOf(reference.batch.input_ids, reference.batch.attention_mask);
  const { hidden, pooled } = xlmr.encoder.forward(batch);
  const values = hidden.dataSync();
  const mean = xlmr.encoder.embed(batch, { pooling: 'MEAN', normalize: false }).dataSync();
  reference.items.forEach((item, row) => {
    const rowValues = values.subarray(row * batch.width * d, (row + 1) * batch.width * d);
    assert.ok(maxDiff(rowValues, item.last_hidden_state, d, item.attention_mask) < TOLERANCE, `row ${row} hidden states`);
    assert.ok(maxDiff(mean.subarray(row * d, (row + 1) * d), item.mean_pooled, d) < TOLERANCE, `row ${row} mean pooling`);
    // Position 0 of the left-padded row is a pad: its batched pooler output is not the CLS one.
    if (item.attention_mask[0]) assert.ok(maxDiff(pooled!.dataSync().subarray(row * d, (row + 1) * d), item.pooler_output, d) < TOLERANCE, `row ${row} pooler`);

    const alone = item.unpadded_alone;
    const single = xlmr.encoder.forward(batchOf([alone.input_ids]));
    assert.ok(maxDiff(single.hidden.dataSync(), alone.last_hidden_state, d) < TOLERANCE, `row ${row} alone`);
    assert.ok(maxDiff(single.pooled!.dataSync(), alone.pooler_output, d) < TOLERANCE, `row ${row} alone, pooler`);
    const realRows = item.attention_mask.flatMap((m, t) => (m ? [t] : []));
    const realValues = realRows.flatMap((t) => [...rowValues.subarray(t * d, (t + 1) * d)]);
    assert.ok(maxDiff(realValues, alone.last_hidden_state, d) < TOLERANCE, `row ${row}: padded batch equals the single run`);
    tf.dispose([single.hidden, single.pooled!]);
  });
  tf.dispose([hidden, pooled!]);
});

test('encode L2-normalises the chosen pooling and keeps the tensor count steady', () => {
  const batch = batchOf([[0, 581, 37, 2]]);
  const before = tf.memory().numTensors;
  const raw = xlmr.encoder.embed(batch, { pooling: 'CLS', normalize: false });
  const normalized = xlmr.encoder.embed(batch, { pooling: 'CLS', normalize: true });
  const norm = Math.hypot(...normalized.dataSync());
  assert.ok(Math.abs(norm - 1) < 1e-5);
  const rawValues = raw.dataSync();
  const rawNorm = Math.hypot(...rawValues);
  normalized.dataSync().forEach((v, i) => assert.ok(Math.abs(v - rawValues[i]! / rawNorm) < 1e-6));
  tf.dispose([raw, normalized]);
  for (let i = 0; i < 3; i++) xlmr.encoder.encode(batch).dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('inputs longer than the position table allows are refused', () => {
  const width = xlmr.config.maxPositions - 1; // 62 tokens fit, 63 do not
  assert.throws(() => xlmr.encoder.encode(batchOf([Array.from({ length: width }, () => 5)])), /exceeds the 62 tokens/);
});
