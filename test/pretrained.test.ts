// Pretrained Hugging Face encoders through the platform, in one process (gateway + worker on
// PGlite, the memory bus): registerModel and its errors, models, embed against transformers'
// reference vectors, and a run that fine-tunes tiny-bert and exports a Hugging Face folder whose
// outputs equal the checkpoint's.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildApp, type App } from '../api/app.js';
import { testConfig } from '../api/testing.js';
import { HF_EXPORT_DIR } from '../gpu-worker/jobs/train-checkpoints.js';
import { buildWorker, type Worker } from '../gpu-worker/app.js';
import { openDatabase, type Database } from '../prisma/db.js';
import { createMemoryBus } from '../schema/bus/memory.js';
import { loadCheckpointEncoder } from '../gpu-worker/encoding/checkpoint-encoder.js';
import { embedWithHfModel } from '../gpu-worker/encoding/hf/embed.js';
import { loadHfEncoder, loadHfTokenizer } from '../gpu-worker/encoding/hf/model.js';
import { readSafetensorsHeader } from '../gpu-worker/encoding/hf/safetensors.js';
import { dataDir, repoRoot, START_RUN } from './support/platform.js';
import { gql as request } from './support/processes.js';

const modelsDir = path.join(repoRoot, '..', 'shared', 'models');
let db: Database;
let home: string;
let worker: Worker;
let gateway: App;
let url: string;
const bus = createMemoryBus({ maxDeliveries: 2, ackWaitMs: 60_000, duplicateWindowMs: 0 });
const logs: string[] = [];

before(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'xling-pretrained-'));
  db = await openDatabase({ kind: 'embedded', dataDir: null }, { migrate: true });
  const base = testConfig(home);
  const settings = { ...base.settings, dataDir, modelsDir, heartbeatMs: 50 };
  worker = buildWorker({
    config: { settings, workerId: 'w-pretrained', concurrency: 1, checkpointDir: path.join(home, 'checkpoints'), retryBackoffMs: 10, vectorStore: 'local' as const, serveQueries: true, servingEncoders: 2, servingBatchWaitMs: 0 },
    db, bus, log: (l) => logs.push(l),
  });
  await worker.start();
  gateway = buildApp({ config: { ...base, settings }, db, bus, log: (l) => logs.push(l) });
  ({ url } = await gateway.start());
});
after(async () => {
  await gateway?.stop();
  await worker?.stop();
  await bus.close();
  await db?.close();
  await fs.rm(home, { recursive: true, force: true });
});

const gql = (query: string, variables?: Record<string, unknown>) => request(url, query, variables);

const REGISTER = 'mutation($input: RegisterModelInput!) { registerModel(input: $input) { id name modelType parameters hiddenSize layers heads maxTokens vocabSize hasPooler } }';
const EMBED = `query($model: String!, $texts: [String!]!, $prefix: Boolean, $pooling: Pooling, $normalize: Boolean, $maxLength: Int, $role: EncodingRole) {
  embed(model: $model, texts: $texts, prefix: $prefix, pooling: $pooling, normalize: $normalize, maxLength: $maxLength, role: $role) }`;

function expectBadInput(response: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }, field: string, message?: RegExp) {
  const error = response.errors?.[0];
  assert.equal(error?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(response));
  assert.equal(error?.extensions?.field, field, error?.message);
  if (message) assert.match(error!.message, message);
}

test('registerModel records a Hugging Face folder; bad folders and names are refused and nothing is written', async () => {
  const registered = await gql(REGISTER, { input: { name: 'tiny-bert', path: 'tiny-bert' } });
  assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
  const model = registered.data.registerModel;
  assert.deepEqual(
    [model.modelType, model.hiddenSize, model.layers, model.heads, model.maxTokens, model.vocabSize, model.hasPooler],
    ['bert', 32, 5, 4, 512, 1124, true],
  );
  // Every tensor of the encoder in the file (bert.*; not the classifier head).
  const header = readSafetensorsHeader(await fs.readFile(path.join(modelsDir, 'tiny-bert', 'model.safetensors'))).tensors;
  const encoderValues = [...header].filter(([name]) => name.startsWith('bert.')).reduce((n, [, t]) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  assert.equal(model.parameters, encoderValues);

  const unsupported = path.join(home, 'gpt');
  await fs.mkdir(unsupported);
  await fs.writeFile(path.join(unsupported, 'config.json'), JSON.stringify({ model_type: 'gpt2' }));
  for (const [input, field, message] of [
    [{ name: 'tiny-bert', path: 'tiny-bert' }, 'input.name', /already/],
    [{ name: 'bad name!', path: 'tiny-bert' }, 'input.name', /must match/],
    [{ name: 'nowhere', path: 'no-such-folder' }, 'input.path', /is not a folder inside the models folder/],
    [{ name: 'no-tokenizer', path: 'tiny-xlmr' }, 'input.path', /tokenizer\.json/],
    // Outside MODELS_DIR: refused before it is read (test/api-paths.test.ts checks folders inside).
    [{ name: 'gpt', path: unsupported }, 'input.path', /is not a folder inside the models folder/],
  ] as const) {
    expectBadInput(await gql(REGISTER, { input }), field, message);
  }
  const { data } = await gql('{ models { name path } }');
  assert.deepEqual(data.models, [{ name: 'tiny-bert', path: 'tiny-bert' }]);
});

test('embed with prefix off, MEAN, no normalisation returns the reference mean_pooled vectors', async () => {
  const reference = JSON.parse(await fs.readFile(path.join(modelsDir, 'tiny-bert', 'reference.json'), 'utf8')) as { items: Array<{ text: string; mean_pooled: number[]; pooler_output: number[] }> };
  const texts = reference.items.map((item) => item.text);
  const raw = await gql(EMBED, { model: 'tiny-bert', texts, prefix: false, pooling: 'MEAN', normalize: false, maxLength: 32 });
  assert.equal(raw.errors, undefined, JSON.stringify(raw.errors));
  raw.data.embed.forEach((vector: number[], i: number) => {
    const worst = Math.max(...vector.map((v, j) => Math.abs(v - reference.items[i]!.mean_pooled[j]!)));
    assert.ok(worst < 1e-5, `text ${i}: max |difference| ${worst}`);
  });
  const pooler = await gql(EMBED, { model: 'tiny-bert', texts: texts.slice(0, 2), prefix: false, pooling: 'POOLER', normalize: false, maxLength: 32 });
  pooler.data.embed.forEach((vector: number[], i: number) => {
    assert.ok(Math.max(...vector.map((v, j) => Math.abs(v - reference.items[i]!.pooler_output[j]!))) < 1e-5);
  });

  // Defaults: the query prefix, unit vectors; the prefix changes the vector.
  const defaults = await gql(EMBED, { model: 'tiny-bert', texts: [texts[0]] });
  const vector = defaults.data.embed[0] as number[];
  assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
  const passage = await gql(EMBED, { model: 'tiny-bert', texts: [texts[0]], role: 'PASSAGE' });
  assert.notDeepEqual(passage.data.embed[0], vector);

  expectBadInput(await gql(EMBED, { model: 'nope', texts: ['x'] }), 'model');
  expectBadInput(await gql(EMBED, { model: 'tiny-bert', texts: [] }), 'texts');
  expectBadInput(await gql(EMBED, { model: 'tiny-bert', texts: ['x'], maxLength: 513 }), 'maxLength', /\[2, 512\]/);
});

test('a run fine-tunes tiny-bert; the final checkpoint exports a Hugging Face folder with the same outputs', async () => {
  const run = (overrides: Record<string, unknown>) =>
    gql(START_RUN, { input: { strategy: 'HYBRID', alpha: 0.5, trainDatasets: ['mlqa-r'], languages: ['en', 'de'], steps: 4, batchSize: 8, seed: 3, learningRate: 1e-3, ...overrides } });
  const runsBefore = await db.prisma.run.count();
  expectBadInput(await run({ baseModel: 'unknown' }), 'input.baseModel', /not a registered model/);
  expectBadInput(await run({ baseModel: 'tiny-bert', model: { dimension: 64 } }), 'input.model.dimension', /set by the registered model/);
  expectBadInput(await run({ baseModel: 'tiny-bert', model: { maxLength: 600 } }), 'input.model.maxLength');
  expectBadInput(await run({ model: { family: 'PRETRAINED' } }), 'input.baseModel', /required/);
  expectBadInput(await run({ model: { pooling: 'POOLER' } }), 'input.model.pooling');
  assert.equal(await db.prisma.run.count(), runsBefore, 'nothing written');

  const started = await run({ baseModel: 'tiny-bert', model: { maxLength: 32 } });
  assert.equal(started.errors, undefined, JSON.stringify(started.errors));
  const runId = started.data.startTrainingRun.id as string;
  const deadline = Date.now() + 120_000;
  let status = '';
  while (!['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(status)) {
    if (Date.now() > deadline) throw new Error(`run did not finish\n${logs.slice(-10).join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
    status = (await db.prisma.run.findUniqueOrThrow({ where: { id: runId } })).status;
  }
  const row = await db.prisma.run.findUniqueOrThrow({ where: { id: runId } });
  assert.equal(row.status, 'SUCCEEDED', row.error ?? logs.slice(-10).join('\n'));
  const shown = await gql('query($id: ID!) { run(id: $id) { model { family baseModel dimension layers tokenizer maxLength } } }', { id: runId });
  assert.deepEqual(shown.data.run.model, { family: 'PRETRAINED', baseModel: 'tiny-bert', dimension: 32, layers: 5, tokenizer: 'PRETRAINED', maxLength: 32 });

  const checkpoint = await db.prisma.checkpoint.findFirstOrThrow({ where: { runId }, orderBy: { step: 'desc' } });
  const exported = path.join(checkpoint.location, HF_EXPORT_DIR);
  const original = readSafetensorsHeader(await fs.readFile(path.join(modelsDir, 'tiny-bert', 'model.safetensors'))).tensors;
  const saved = readSafetensorsHeader(await fs.readFile(path.join(exported, 'model.safetensors'))).tensors;
  // Every encoder tensor of the original, unprefixed, same shape; the classifier head is not the encoder's.
  const expected = [...original].filter(([name]) => name.startsWith('bert.')).map(([name, t]) => [name.slice(5), t.shape.join('x')]).sort();
  assert.deepEqual([...saved].map(([name, t]) => [name, t.shape.join('x')]).sort(), expected);
  assert.ok([...saved.values()].every((t) => t.dtype === 'F32'));
  const config = JSON.parse(await fs.readFile(path.join(exported, 'config.json'), 'utf8'));
  assert.deepEqual([config.model_type, config.architectures, config.vocab_size], ['bert', ['BertModel'], 1124]);
  // sentence-transformers embeds as the platform does: mean pooling, normalised, the role prefixes as prompts.
  const readJson = async (file: string) => JSON.parse(await fs.readFile(path.join(exported, file), 'utf8'));
  const modules = await readJson('modules.json');
  assert.deepEqual(modules.map((m: { type: string }) => m.type.split('.').pop()), ['Transformer', 'Pooling', 'Normalize']);
  const pooling = await readJson('1_Pooling/config.json');
  assert.deepEqual([pooling.word_embedding_dimension, pooling.pooling_mode_mean_tokens, pooling.pooling_mode_cls_token], [32, true, false]);
  assert.deepEqual((await readJson('config_sentence_transformers.json')).prompts, { query: 'Query: ', passage: 'Passage: ' });
  assert.equal((await readJson('sentence_bert_config.json')).max_seq_length, 32);

  await tf.setBackend('cpu');
  const fromCheckpoint = await loadCheckpointEncoder(checkpoint.location, { modelsDir });
  const hf = await loadHfEncoder(exported);
  const fresh = await loadHfEncoder(path.join(modelsDir, 'tiny-bert'));
  const tokenizer = await loadHfTokenizer(exported);
  try {
    const texts = ['where does the river flow', 'der Fluss fließt nach Norden'];
    const a = await fromCheckpoint.embed(texts, 'QUERY');
    const options = { role: 'QUERY' as const, prefix: true, pooling: 'MEAN' as const, normalize: true, maxLength: 32 };
    const b = await embedWithHfModel({ tokenizer, encoder: hf.encoder }, texts, options);
    const before = await embedWithHfModel({ tokenizer, encoder: fresh.encoder }, texts, options);
    a.forEach((vector, i) => vector.forEach((v, j) => assert.ok(Math.abs(v - b[i]![j]!) < 1e-5, 'the export embeds as the checkpoint does')));
    const moved = Math.max(...a.flatMap((vector, i) => [...vector].map((v, j) => Math.abs(v - before[i]![j]!))));
    assert.ok(moved > 1e-4, `fine-tuning changed the weights (max change ${moved})`);
  } finally {
    fromCheckpoint.dispose();
    hf.encoder.dispose();
    fresh.encoder.dispose();
  }
});
