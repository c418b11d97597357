// Chooses the TensorFlow.js backend once per process: native TensorFlow on a CUDA device, then
// native TensorFlow on the CPU, then the project's own native kernels (native-cpu: the CPU
// backend with native/src's kernels, built at install), then WASM (with SIMD where the runtime
// has it), then the pure-JS CPU backend. The native packages are not dependencies (their install downloads libtensorflow),
// so they are imported by a computed specifier and their absence is an expected outcome, stated
// in the reason that is stored with the run.

import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu', 'native-cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/**
 * The automatic choice, fastest first. native-cpu comes before WASM: on the 2-core benchmark
 * machine it trains the default model 1.4x and a small transformer 2.4x as fast, and encodes
 * 1.3-4x as fast (bench/results.md).
 */
const AUTOMATIC: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'native-cpu', 'wasm', 'cpu'];

export interface BackendChoice {
  name: BackendName;
  /** Why this backend: what was tried before it and how it was set up, e.g. "tfjs-node not installed; SIMD on". */
  reason: string;
}

export interface SelectBackendOptions {
  /** Use exactly this backend (TF_BACKEND); failing to set it up is an error. */
  prefer?: BackendName;
  log?: (line: string) => void;
  /** For tests: stands in for dynamic import(). */
  importModule?: (specifier: string) => Promise<unknown>;
}

const PACKAGES: Readonly<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
  'native-cpu': './native/backend.js',
};

/** How the run shows its backend: "wasm (tfjs-node-gpu not installed; tfjs-node not installed; SIMD on)". */
export const describeBackend = (choice: BackendChoice) => `${choice.name} (${choice.reason})`;

export function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

/** Sets up one backend; resolves to a note on how, or rejects with why not. */
async function setUp(name: BackendName, importModule: (specifier: string) => Promise<unknown>): Promise<string> {
  switch (name) {
    case 'tensorflow-gpu': {
      await importModule(PACKAGES[name]);
      await activate('tensorflow');
      // The GPU build runs on the CPU when CUDA finds no device; that is the next option's job.
      if (!(tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice) throw new Error('no CUDA device');
      return 'CUDA device';
    }
    case 'tensorflow':
      await importModule(PACKAGES[name]);
      await activate('tensorflow');
      return 'native TensorFlow on the CPU';
    case 'wasm': {
      const wasm = (await importModule(PACKAGES[name])) as { setWasmPaths(prefix: string): void };
      // The .wasm binaries sit beside the package's main file; Node loads them from disk.
      if (!tf.findBackend('wasm')) {
        const main = createRequire(import.meta.url).resolve(PACKAGES[name]);
        wasm.setWasmPaths(path.dirname(main) + path.sep);
      }
      await activate('wasm');
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      return `SIMD ${simd ? 'on' : 'off'}`;
    }
    case 'cpu':
      await activate('cpu');
      return 'pure-JS kernels';
    case 'native-cpu': {
      const { registerNativeBackend } = (await importModule(new URL(PACKAGES[name], import.meta.url).href)) as typeof import('./native/backend.js');
      const registered = registerNativeBackend();
      if (!registered.ok) throw new Error(registered.reason);
      await activate('native-cpu');
      return `native kernels (${registered.isa}, ${registered.threads} threads) for matMul, layout, arithmetic, reductions, softmax, unary ops, AdamW; the rest pure JS`;
    }
  }
}

const brief = (err: unknown) => {
  const text = err instanceof Error ? err.message : String(err);
  return /Cannot find (module|package)/.test(text) ? 'not installed' : text.split('\n')[0]!;
};

/** "tfjs-node" for "@tensorflow/tfjs-node": how the reason names what it skipped. */
const shortName = (name: BackendName) => (name === 'native-cpu' ? name : PACKAGES[name].replace('@tensorflow/', ''));

export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const { prefer, log = () => {}, importModule = (specifier) => import(specifier) } = options;
  if (prefer) {
    try {
      const choice = { name: prefer, reason: `TF_BACKEND=${prefer}; ${await setUp(prefer, importModule)}` };
      log(`tensorflow backend ${describeBackend(choice)}`);
      return choice;
    } catch (err) {
      throw new Error(`TF_BACKEND=${prefer} is unavailable: ${brief(err)}`);
    }
  }
  const skipped: string[] = [];
  for (const name of AUTOMATIC) {
    try {
      const note = await setUp(name, importModule);
      const choice = { name, reason: [...skipped, note].join('; ') };
      log(`tensorflow backend ${describeBackend(choice)}`);
      return choice;
    } catch (err) {
      skipped.push(`${shortName(name)} ${brief(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be set up (${skipped.join('; ')})`);
}
