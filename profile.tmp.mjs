import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './dist/schema/encoding/backend.js';
import { createTransformerEncoder } from './dist/schema/encoding/transformer.js';
import { DEFAULT_MODEL } from './dist/schema/training.js';
await selectBackend({ prefer: process.argv[2] ?? 'native-cpu' });
const model = { ...DEFAULT_MODEL, family: 'TRANSFORMER', dimension: 256, layers: 2, heads: 4, ffnDimension: 1024, vocabularySize: 8192, maxLength: 48 };
const enc = createTransformerEncoder(model, { rows: 8192, seed: 1 });
const ROWS = 32, W = 48;
const batch = (s) => { const ids = new Int32Array(ROWS*W), mask = new Float32Array(ROWS*W); for (let i=0;i<ids.length;i++){ ids[i]= 2+((i*2654435761+s)>>>0)%8000; mask[i]=1;} return {ids,mask,rows:ROWS,width:W}; };
const a = batch(1), b = batch(2);
const vars = enc.weights.map((w) => w.variable);
const step = () => tf.tidy(() => { const { value, grads } = tf.variableGrads(() => { const q = enc.encode(a), p = enc.encode(b); const logits = tf.matMul(q, p, false, true).mul(20); return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(q, p), 1).mul(20))); }, vars); value.dataSync(); Object.values(grads).forEach((g) => g.dataSync()); });
step();
const info = await tf.profile(step);
const by = new Map();
for (const k of info.kernels) { const e = by.get(k.name) ?? { ms: 0, n: 0 }; e.ms += k.kernelTimeMs; e.n++; by.set(k.name, e); }
const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
console.log('total kernel ms', total.toFixed(0));
for (const [name, e] of [...by].sort((x, y) => y[1].ms - x[1].ms).slice(0, 18)) console.log(name.padEnd(22), e.ms.toFixed(0).padStart(7), 'ms', String(e.n).padStart(4), 'calls');
