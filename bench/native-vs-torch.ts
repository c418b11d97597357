// The same training step, and the same embedding pass, in this engine (TF.js on the native-cpu,
// wasm and cpu backends) and in PyTorch (Debian's python3-torch, 2 threads), in one run, with the
// ratio to PyTorch. Not a test: nothing is asserted.
//
//   npm run build && node dist/bench/native-vs-torch.js [--backends native-cpu,wasm] [--steps 10]
//
// Step (issue 8): a 2-layer pre-LN transformer, vocabulary 8192, width 256, 4 heads, FFN 1024,
// exact GELU, masked mean pooling, L2-normalised; 32 queries + 32 passages of 64 tokens through
// the same weights, InfoNCE over in-batch negatives (scale 20), gradient clipping at 1, AdamW.
// Embedding: DEFAULT_MODEL (bag of subwords, width 64, vocabulary 8192), 4,096 texts of 48 tokens
// in batches of 256, forward only. PyTorch is installed with apt when missing (python3-torch,
// libopenblas0-pthread); without it the PyTorch rows say why.

import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { clipByGlobalNorm, createAdamW } from '../gpu-worker/training/optimizer.js';
import { infoNce } from '../gpu-worker/training/loss.js';
import { describeBackend, isBackendName, selectBackend, type BackendName } from '../gpu-worker/encoding/backend.js';
import { createBagOfSubwordsEncoder } from '../gpu-worker/encoding/encoder.js';
import type { PaddedBatch } from '../gpu-worker/encoding/tokenizer.js';
import { createTransformerEncoder } from '../gpu-worker/encoding/transformer.js';
import { DEFAULT_MODEL, type ModelSpec } from '../schema/training.js';
import { argument } from './cli.js';

const backends = (argument('backends') ?? 'native-cpu,wasm').split(',');
for (const b of backends) if (!isBackendName(b)) throw new Error(`unknown backend ${b}`);
const steps = Number(argument('steps') ?? 10);
const WARMUP = 3;
const VOCAB = 8192;
const STEP = { rows: 32, width: 64, dimension: 256, heads: 4, layers: 2, ffn: 1024 };
const EMBED = { texts: 4096, width: 48, batch: 256 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Deterministic batches: every row has 16..width real tokens; the same for both engines. */
function batchOf(seed: number, rows: number, width: number): PaddedBatch {
  let s = seed;
  const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const ids = new Int32Array(rows * width);
  const mask = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const length = 16 + Math.floor(next() * (width - 15));
    for (let t = 0; t < length; t++) {
      ids[r * width + t] = 2 + Math.floor(next() * (VOCAB - 2));
      mask[r * width + t] = 1;
    }
  }
  return { ids, mask, rows, width };
}

const queries = batchOf(1, STEP.rows, STEP.width);
const passages = batchOf(2, STEP.rows, STEP.width);
const embedBatches = Array.from({ length: EMBED.texts / EMBED.batch }, (_, i) => batchOf(10 + i, EMBED.batch, EMBED.width));

function tfjsStep(): number[] {
  const model: ModelSpec = { ...DEFAULT_MODEL, family: 'TRANSFORMER', dimension: STEP.dimension, heads: STEP.heads, layers: STEP.layers, ffnDimension: STEP.ffn, vocabularySize: VOCAB, maxLength: STEP.width };
  const encoder = createTransformerEncoder(model, { rows: VOCAB, seed: 1 });
  const variables = encoder.weights.map((w) => w.variable);
  const adam = createAdamW(variables, { weightDecay: 0.01 });
  const times: number[] = [];
  for (let i = 0; i < WARMUP + steps; i++) {
    const start = performance.now();
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => infoNce(encoder.encode(queries), encoder.encode(passages), { scale: 20 }), variables);
      const { gradients } = clipByGlobalNorm(variables.map((v) => grads[v.name]!), 1);
      adam.apply(new Map(variables.map((v, j) => [v, gradients[j]!])), 1e-3);
      value.dataSync();
    });
    if (i >= WARMUP) times.push(performance.now() - start);
  }
  adam.dispose();
  encoder.dispose();
  return times;
}

function tfjsEmbed(): number {
  const encoder = createBagOfSubwordsEncoder({ ...DEFAULT_MODEL, vocabularySize: VOCAB }, 1);
  // The tidy callback returns nothing: a returned Float32Array would be walked element by element
  // by TF.js looking for tensors, which would be timed too.
  const pass = () => embedBatches.forEach((b) => tf.tidy(() => void encoder.encode(b).dataSync()));
  pass();
  const start = performance.now();
  pass();
  const seconds = (performance.now() - start) / 1000;
  encoder.dispose();
  return EMBED.texts / seconds;
}

const PYTHON = `
import json, sys, time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(2); torch.set_num_interop_threads(1); torch.manual_seed(1)
cfg = json.loads(sys.argv[1])
V, D, H, L, FF, W = cfg['vocab'], cfg['dimension'], cfg['heads'], cfg['layers'], cfg['ffn'], cfg['width']
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.n1 = nn.LayerNorm(D, eps=1e-5); s.qkv = nn.Linear(D, 3 * D); s.out = nn.Linear(D, D)
        s.n2 = nn.LayerNorm(D, eps=1e-5); s.f1 = nn.Linear(D, FF); s.f2 = nn.Linear(FF, D)
    def forward(s, x, bias):
        B, T, _ = x.shape
        q, k, v = s.qkv(s.n1(x)).view(B, T, 3, H, D // H).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-1, -2) / (D // H) ** 0.5 + bias, -1) @ v
        x = x + s.out(a.transpose(1, 2).reshape(B, T, D))
        return x + s.f2(F.gelu(s.f1(s.n2(x))))
class Encoder(nn.Module):
    def __init__(s):
        super().__init__(); s.tok = nn.Embedding(V, D); s.pos = nn.Embedding(W, D)
        s.blocks = nn.ModuleList(Block() for _ in range(L)); s.norm = nn.LayerNorm(D, eps=1e-5)
    def forward(s, ids, mask):
        x = s.tok(ids) + s.pos.weight[: ids.shape[1]]
        bias = ((mask - 1) * 1e9)[:, None, None, :]
        for b in s.blocks: x = b(x, bias)
        x = s.norm(x); m = mask[:, :, None]
        return F.normalize((x * m).sum(1) / m.sum(1).clamp(min=1), dim=-1)
def tensors(b):
    return torch.tensor(b['ids']).view(b['rows'], b['width']).long(), torch.tensor(b['mask']).view(b['rows'], b['width'])
enc = Encoder(); opt = torch.optim.AdamW(enc.parameters(), lr=1e-3, weight_decay=0.01)
(qi, qm), (pi, pm) = tensors(cfg['queries']), tensors(cfg['passages'])
times = []
for i in range(cfg['warmup'] + cfg['steps']):
    t = time.perf_counter()
    q, p = enc(qi, qm), enc(pi, pm)
    loss = F.cross_entropy(q @ p.T * 20, torch.arange(q.shape[0]))
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(enc.parameters(), 1.0); opt.step()
    if i >= cfg['warmup']: times.append((time.perf_counter() - t) * 1000)
emb = nn.Embedding(V, 64)
with torch.no_grad():
    batches = [tensors(b) for b in cfg['embed']]
    def embed():
        for ids, mask in batches:
            m = mask[:, :, None]; F.normalize((emb(ids) * m).sum(1) / m.sum(1).clamp(min=1), dim=-1)
    embed(); t = time.perf_counter(); embed(); rate = cfg['texts'] / (time.perf_counter() - t)
print(json.dumps({'step_ms': times, 'embed_rate': rate, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': torch.__config__.show().split('BLAS_INFO=')[-1].split(',')[0] if 'BLAS_INFO=' in torch.__config__.show() else 'unknown'}))
`;

function ensureTorch(): string | null {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  if (probe.status === 0) return null;
  console.log('PyTorch missing: apt-get install python3-torch libopenblas0-pthread ...');
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'python3-torch', 'libopenblas0-pthread'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return install.status === 0 ? null : `apt-get install python3-torch failed (exit ${install.status})`;
}

function torchRun(): { step_ms: number[]; embed_rate: number; torch: string; threads: number; blas: string } | { error: string } {
  const missing = ensureTorch();
  if (missing) return { error: missing };
  const script = path.join(os.tmpdir(), `xling-torch-${process.pid}.py`);
  writeFileSync(script, PYTHON);
  const plain = (b: PaddedBatch) => ({ ids: [...b.ids], mask: [...b.mask], rows: b.rows, width: b.width });
  const config = { vocab: VOCAB, ...STEP, warmup: WARMUP, steps, queries: plain(queries), passages: plain(passages), embed: embedBatches.map(plain), texts: EMBED.texts };
  const configFile = path.join(os.tmpdir(), `xling-torch-${process.pid}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const out = execFileSync('/usr/bin/python3', ['-c', `import sys; sys.argv = ['x', open(${JSON.stringify(configFile)}).read()]; exec(open(${JSON.stringify(script)}).read())`], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, Node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const rows: string[] = [];
const torch = torchRun();
const torchStep = 'error' in torch ? null : median(torch.step_ms);
const torchEmbed = 'error' in torch ? null : torch.embed_rate;
if ('error' in torch) console.log(`PyTorch: ${torch.error}`);
else console.log(`PyTorch ${torch.torch}, ${torch.threads} threads, BLAS ${torch.blas}`);
rows.push(`| PyTorch | ${torchStep?.toFixed(0) ?? '—'} | 1.00 | ${torchEmbed?.toFixed(0) ?? '—'} | 1.00 |`);
for (const name of backends as BackendName[]) {
  const choice = await selectBackend({ prefer: name });
  const step = median(tfjsStep());
  const embed = tfjsEmbed();
  const ratio = (x: number | null, y: number) => (x === null ? '—' : (y / x).toFixed(2));
  rows.push(`| TF.js ${describeBackend(choice)} | ${step.toFixed(0)} | ${ratio(torchStep, step)} | ${embed.toFixed(0)} | ${torchEmbed === null ? '—' : (torchEmbed / embed).toFixed(2)} |`);
}
console.log(`\nstep: ${STEP.layers} layers, width ${STEP.dimension}, ${STEP.rows}+${STEP.rows} texts of ${STEP.width} tokens; median of ${steps} after ${WARMUP} warm-up`);
console.log(`embedding: bag of subwords width 64, ${EMBED.texts} texts of ${EMBED.width} tokens in batches of ${EMBED.batch}\n`);
console.log('| engine | step ms (median) | step time / PyTorch | embedding texts/s | PyTorch rate / ours |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(row);
