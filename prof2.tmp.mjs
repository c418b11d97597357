import * as tf from '@tensorflow/tfjs';
import { selectBackend } from './dist/schema/encoding/backend.js';
import { createBagOfSubwordsEncoder } from './dist/schema/encoding/encoder.js';
import { DEFAULT_MODEL } from './dist/schema/training.js';
await selectBackend({ prefer: 'native-cpu' });
const enc = createBagOfSubwordsEncoder({ ...DEFAULT_MODEL, vocabularySize: 8192 }, 1);
const R = 256, W = 48; const ids = new Int32Array(R*W), mask = new Float32Array(R*W); for (let i=0;i<ids.length;i++){ids[i]=2+(i*7919)%8000; mask[i]= (i%W)<30?1:0;}
const b = { ids, mask, rows: R, width: W };
tf.tidy(() => enc.encode(b).dataSync());
const info = await tf.profile(() => tf.tidy(() => enc.encode(b).dataSync()));
const t0 = performance.now(); for (let i=0;i<16;i++) tf.tidy(() => enc.encode(b).dataSync()); console.log('ms per batch', ((performance.now()-t0)/16).toFixed(2));
const by = new Map(); for (const k of info.kernels) { const e = by.get(k.name) ?? 0; by.set(k.name, e + k.kernelTimeMs); }
console.log([...by].sort((x,y)=>y[1]-x[1]).slice(0,10).map(([n,ms])=>`${n} ${ms.toFixed(2)}`).join('\n'));
