// Chooses the TensorFlow.js backend once per process: native TensorFlow (GPU, then CPU) when its
// optional package is installed, else WASM with SIMD, else the pure-JS CPU backend. The native
// packages are not dependencies (their install downloads libtensorflow), so they are imported by
// a computed specifier and their absence is an expected outcome, reported in the reason.

import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendChoice {
  name: BackendName;
  /** Why this backend: what was tried before it and how it was set up. */
  reason: string;
}

export interface SelectBackendOptions {
  /** Use exactly this backend (TF_BACKEND); failing to set it up is an error. */
  prefer?: BackendName;
  log?: (line: string) => void;
  /** For tests: stands in for dynamic import(). */
  importModule?: (specifier: string) => Promise<unknown>;
}

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
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      await importModule(pkg);
      await activate('tensorflow');
      return `${pkg} loaded`;
    }
    case 'wasm': {
      const wasm = (await importModule('@tensorflow/tfjs-backend-wasm')) as { setWasmPaths(prefix: string): void };
      // The .wasm binaries sit beside the package's main file; Node loads them from disk.
      if (!tf.findBackend('wasm')) {
        const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(path.dirname(main) + path.sep);
      }
      await activate('wasm');
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      return `WASM with SIMD ${simd ? 'on' : 'off'}`;
    }
    case 'cpu':
      await activate('cpu');
      return 'pure-JS CPU backend';
  }
}

const brief = (err: unknown) => {
  const text = err instanceof Error ? err.message : String(err);
  return /Cannot find (module|package)/.test(text) ? 'not installed' : text.split('\n')[0]!;
};

export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendChoice> {
  const { prefer, log = () => {}, importModule = (specifier) => import(specifier) } = options;
  if (prefer) {
    try {
      const choice = { name: prefer, reason: `TF_BACKEND=${prefer}: ${await setUp(prefer, importModule)}` };
      log(`tensorflow backend ${choice.name} (${choice.reason})`);
      return choice;
    } catch (err) {
      throw new Error(`TF_BACKEND=${prefer} is unavailable: ${brief(err)}`);
    }
  }
  const skipped: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      const note = await setUp(name, importModule);
      const choice = { name, reason: [...skipped, note].join('; ') };
      log(`tensorflow backend ${choice.name} (${choice.reason})`);
      return choice;
    } catch (err) {
      skipped.push(`${name}: ${brief(err)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be set up (${skipped.join('; ')})`);
}
