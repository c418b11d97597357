// Forward throughput of the Hugging Face encoders (gpu-worker/encoding/hf): `encoder.encode(batch)`
// (forward pass, mean pooling, L2 norm, then dataSync so the backend has finished) per model,
// backend (wasm, cpu), batch size (8, 32) and sequence length (32, 128 tokens): median ms per
// batch, sequences/s, tokens/s, and the peak of tensor memory one pass takes above the weights.
// Not a test: nothing here asserts a timing.
//
//   npm run build && node dist/bench/hf-forward.js [--vocab N] [--iterations N] [--backends wasm,cpu] [--cpu-base]
//
// Models: tiny-bert and tiny-xlmr from ../shared/models, and a randomly initialised XLM-R-shaped
// encoder of base width (6 layers, hidden 768, 12 heads, FFN 3072, vocabulary 250,002 unless
// --vocab shrinks it) built in memory. Rows are always full: tiny-bert reads XQuAD-R English
// contexts truncated to the length; the others get random ids (tiny-xlmr has no tokenizer, and
// its 64 positions leave out the 128-token cells). Tokens/s counts rows x length.
// Slow cells get fewer timed passes than --iterations (default 10), so the default run takes
// about 3 to 4 minutes on 2 cores. The pure-JS cpu backend needs tens of seconds per base-width
// batch, so the base model runs there only with --cpu-base, and then only batch 8 x 32 tokens.

import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultSharedDir } from '../schema/config.js';
import { isBackendName, selectBackend, describeBackend, type BackendName } from '../gpu-worker/encoding/backend.js';
import { parameterCount, parseHfConfig, type HfEncoderConfig } from '../gpu-worker/encoding/hf/config.js';
import { createHfEncoder, type HfBatch, type HfEncoder } from '../gpu-worker/encoding/hf/encoder.js';
import { loadHfEncoder, loadHfTokenizer } from '../gpu-worker/encoding/hf/model.js';
import type { Tensor } from '../gpu-worker/encoding/hf/safetensors.js';
import { createRng } from '../gpu-worker/evaluation/random.js';
import { createRandom } from '../gpu-worker/training/random.js';
import { argument, median } from './cli.js';

const BATCH_SIZES = [8, 32];
const LENGTHS = [32, 128];
/** Slow cells are timed fewer than --iterations times (at least MIN_TIMED), to keep the run within minutes. */
const CELL_BUDGET_MS = 10_000;
const MIN_TIMED = 3;
const SECOND_WARMUP_BELOW_MS = 2_000;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const rss = () => process.memoryUsage().rss;
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');
const count = (x: number) => Math.round(x).toLocaleString('en-US');

/** XLM-R's shapes at 6 layers; hidden_act and the rest are parseHfConfig's defaults. */
function baseConfig(vocabSize: number): HfEncoderConfig {
  return parseHfConfig(
    {
      model_type: 'xlm-roberta',
      vocab_size: vocabSize,
      hidden_size: 768,
      num_attention_heads: 12,
      intermediate_size: 3072,
      num_hidden_layers: 6,
      max_position_embeddings: 514,
      pad_token_id: 1,
      type_vocab_size: 1,
      layer_norm_eps: 1e-5,
    },
    'base-width config',
  );
}

/** BERT's initialisation in checkpoint layout ([out, in] linear weights): N(0, 0.02), biases 0, LayerNorm weights 1. */
function randomWeights(config: HfEncoderConfig, seed: number): Map<string, Tensor> {
  const rng = createRng(seed);
  const { vocabSize: v, hiddenSize: d, intermediateSize: f, maxPositions: p, typeVocabSize: t } = config;
  const weights = new Map<string, Tensor>();
  const normal = (name: string, shape: number[]) => {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = 0.02 * rng.normal();
    weights.set(name, { shape, values });
  };
  const filled = (name: string, n: number, value: number) => weights.set(name, { shape: [n], values: new Float32Array(n).fill(value) });
  const norm = (prefix: string) => (filled(`${prefix}.weight`, d, 1), filled(`${prefix}.bias`, d, 0));
  const linear = (prefix: string, inputs: number, outputs: number) => (normal(`${prefix}.weight`, [outputs, inputs]), filled(`${prefix}.bias`, outputs, 0));
  normal('embeddings.word_embeddings.weight', [v, d]);
  normal('embeddings.position_embeddings.weight', [p, d]);
  normal('embeddings.token_type_embeddings.weight', [t, d]);
  norm('embeddings.LayerNorm');
  for (let i = 0; i < config.layers; i++) {
    const l = `encoder.layer.${i}`;
    for (const part of ['query', 'key', 'value']) linear(`${l}.attention.self.${part}`, d, d);
    linear(`${l}.attention.output.dense`, d, d);
    norm(`${l}.attention.output.LayerNorm`);
    linear(`${l}.intermediate.dense`, d, f);
    linear(`${l}.output.dense`, f, d);
    norm(`${l}.output.LayerNorm`);
  }
  return weights;
}

/** rows x width ids: <s>/[CLS] first, </s>/[SEP] last, uniform ids from `firstId` up in between. */
function randomBatch(rows: number, width: number, vocabulary: number, special: { first: number; last: number; firstId: number }, seed: number): HfBatch {
  const random = createRandom(seed);
  const ids = new Int32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < width; t++) ids[r * width + t] = special.firstId + random.int(vocabulary - special.firstId);
    ids[r * width] = special.first;
    ids[r * width + width - 1] = special.last;
  }
  return { ids, mask: new Float32Array(rows * width).fill(1), rows, width };
}

/** Token ids of real texts, each truncated to `width` and padded to it. */
function textBatch(encoded: (width: number) => Int32Array[], rows: number, width: number): HfBatch {
  const sequences = encoded(width).slice(0, rows);
  if (sequences.length < rows) throw new Error(`only ${sequences.length} texts for a batch of ${rows}`);
  const ids = new Int32Array(rows * width);
  const mask = new Float32Array(rows * width);
  sequences.forEach((s, r) => {
    ids.set(s, r * width);
    mask.fill(1, r * width, r * width + s.length);
  });
  return { ids, mask, rows, width };
}

interface BenchModel {
  name: string;
  /** Builds the encoder on the current backend. */
  create(): Promise<HfEncoder>;
  batch(rows: number, width: number): HfBatch;
  /** Cells this model runs on a backend; a string says why a cell is skipped. */
  cells(backend: BackendName): { rows: number; width: number; skip?: string }[];
}

interface Row {
  model: string;
  backend: string;
  rows: number;
  width: number;
  passes: number;
  medianMs: number;
  peakBytes: number;
}

/**
 * Warm-up, then timed passes of encode + dataSync. The first warm-up pass is profiled for the
 * peak of tensor memory above the weights (the forward pass holds every intermediate until its
 * tidy scope ends); a second warm-up runs only when the first was quick.
 */
async function measure(encoder: HfEncoder, batch: HfBatch, iterations: number): Promise<{ passes: number; medianMs: number; peakBytes: number }> {
  const run = () => {
    const vectors = encoder.encode(batch);
    vectors.dataSync();
    return vectors;
  };
  const pass = () => {
    const start = performance.now();
    run().dispose();
    return performance.now() - start;
  };
  const before = tf.memory().numBytes;
  let warmupMs = performance.now();
  const profile = await tf.profile(run);
  (profile.result as tf.Tensor).dispose();
  warmupMs = performance.now() - warmupMs;
  if (warmupMs < SECOND_WARMUP_BELOW_MS) warmupMs = pass();
  const passes = Math.min(iterations, Math.max(MIN_TIMED, Math.ceil(CELL_BUDGET_MS / warmupMs)));
  const times = Array.from({ length: passes }, pass);
  return { passes, medianMs: median(times), peakBytes: profile.peakBytes - before };
}

const iterations = Number(argument('iterations') ?? 10);
const vocab = Number(argument('vocab') ?? 250002);
const cpuBase = process.argv.includes('--cpu-base');
const backends = (argument('backends') ?? 'wasm,cpu').split(',').filter(Boolean);
for (const b of backends) if (!isBackendName(b)) throw new Error(`unknown backend ${b}`);
if (!(iterations >= 1) || !(vocab >= 8)) throw new Error('--iterations must be at least 1 and --vocab at least 8');

const modelsDir = defaultSharedDir('models', process.cwd(), fs.existsSync);
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const cpu = os.cpus();
console.log(`command: ${[path.basename(process.argv[0]!), path.relative(process.cwd(), process.argv[1]!), ...process.argv.slice(2)].join(' ')} (in ${process.cwd()})`);
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, ${mb(os.totalmem())} RAM, Node ${process.version}, tfjs ${tf.version.tfjs}, load average ${load()}`);
console.log(`per cell: 1 warm-up pass (profiled), a 2nd when the 1st took under ${SECOND_WARMUP_BELOW_MS / 1000} s, then up to ${iterations} timed passes (fewer when they would exceed ${CELL_BUDGET_MS / 1000} s, at least ${MIN_TIMED})\n`);

const xquad = JSON.parse(fs.readFileSync(path.join(dataDir, 'xquad-r', 'en.json'), 'utf8')) as { data: { paragraphs: { context: string }[] }[] };
const contexts = xquad.data.flatMap((article) => article.paragraphs.map((p) => p.context));
const bertTokenizer = await loadHfTokenizer(path.join(modelsDir, 'tiny-bert'));
const bertIds = (width: number) => contexts.slice(0, Math.max(...BATCH_SIZES)).map((text) => bertTokenizer.encode(text, width));

const allCells = BATCH_SIZES.flatMap((rows) => LENGTHS.map((width) => ({ rows, width })));
const tiny = (name: string, batch: BenchModel['batch'], maxWidth: number): BenchModel => ({
  name,
  create: async () => (await loadHfEncoder(path.join(modelsDir, name))).encoder,
  batch,
  cells: () => allCells.map((c) => (c.width > maxWidth ? { ...c, skip: `${c.width} tokens exceed its ${maxWidth} positions` } : c)),
});
const xlmrConfig = parseHfConfig(JSON.parse(fs.readFileSync(path.join(modelsDir, 'tiny-xlmr', 'config.json'), 'utf8')));
const base = baseConfig(vocab);
const MODELS: BenchModel[] = [
  tiny('tiny-bert', (rows, width) => textBatch(bertIds, rows, width), 512),
  tiny('tiny-xlmr', (rows, width) => randomBatch(rows, width, xlmrConfig.vocabSize, { first: 0, last: 2, firstId: 4 }, rows * 1000 + width), xlmrConfig.maxPositions - 2),
  {
    name: `base-width random (vocab ${count(vocab)})`,
    create: async () => createHfEncoder(base, { weights: randomWeights(base, 1), source: 'random weights' }),
    batch: (rows, width) => randomBatch(rows, width, base.vocabSize, { first: 0, last: 2, firstId: Math.min(4, base.vocabSize - 1) }, rows * 1000 + width),
    cells: (backend) => {
      if (backend !== 'cpu') return allCells;
      const skip = cpuBase ? 'pure-JS backend: only 8 x 32 (--cpu-base)' : 'pure-JS backend is too slow at base width (--cpu-base runs 8 x 32)';
      return allCells.map((c) => (c.rows === 8 && c.width === 32 && cpuBase ? c : { ...c, skip }));
    },
  },
];

const results: Row[] = [];
const models: string[] = [];
for (const backendName of backends as BackendName[]) {
  const choice = await selectBackend({ prefer: backendName });
  console.log(`backend: ${describeBackend(choice)}`);
  for (const model of MODELS) {
    const cells = model.cells(backendName);
    if (cells.every((c) => c.skip)) {
      console.log(`  ${model.name}: skipped (${cells[0]!.skip})`);
      continue;
    }
    const rssBefore = rss();
    const bytesBefore = tf.memory().numBytes;
    const started = performance.now();
    const encoder = await model.create();
    const createSeconds = (performance.now() - started) / 1000;
    const weightBytes = tf.memory().numBytes - bytesBefore;
    const rssAfter = rss();
    const parameters = parameterCount(encoder.config, encoder.hasPooler);
    const summary = `${count(parameters)} parameters, weights ${mb(weightBytes)}, RSS ${mb(rssBefore)} -> ${mb(rssAfter)}, created in ${createSeconds.toFixed(1)} s`;
    console.log(`  ${model.name}: ${summary}`);
    models.push(`| ${model.name} | ${choice.name} | ${count(parameters)} | ${mb(weightBytes)} | ${mb(rssBefore)} | ${mb(rssAfter)} | ${createSeconds.toFixed(1)} s |`);
    for (const cell of cells) {
      if (cell.skip) {
        console.log(`    ${cell.rows} x ${cell.width}: skipped (${cell.skip})`);
        continue;
      }
      const batch = model.batch(cell.rows, cell.width);
      const real = batch.mask.reduce((a, b) => a + b, 0) / batch.mask.length;
      const { passes, medianMs, peakBytes } = await measure(encoder, batch, iterations);
      results.push({ model: model.name, backend: choice.name, rows: cell.rows, width: cell.width, passes, medianMs, peakBytes });
      console.log(`    ${cell.rows} x ${cell.width}: ${medianMs.toFixed(1)} ms median of ${passes}, peak ${mb(peakBytes)} above the weights (${(real * 100).toFixed(0)}% real tokens), load ${load()}`);
    }
    encoder.dispose();
    console.log(`    RSS after the runs and dispose: ${mb(rss())}; tensors left: ${tf.memory().numTensors}`);
  }
}

console.log(`\nload average at the end: ${load()}\n`);
console.log('| model | backend | parameters | weights (tf.memory) | RSS before | RSS after creating | created in |');
console.log('|---|---|---|---|---|---|---|');
models.forEach((line) => console.log(line));
console.log('\n| model | backend | batch x tokens | timed passes | ms/batch (median) | sequences/s | tokens/s | peak tensor memory above weights |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const perSecond = (n: number) => (n * 1000) / r.medianMs;
  const sequences = perSecond(r.rows);
  console.log(`| ${r.model} | ${r.backend} | ${r.rows} x ${r.width} | ${r.passes} | ${r.medianMs.toFixed(r.medianMs < 10 ? 2 : 1)} | ${sequences < 10 ? sequences.toFixed(2) : count(sequences)} | ${count(perSecond(r.rows * r.width))} | ${mb(r.peakBytes)} |`);
}
