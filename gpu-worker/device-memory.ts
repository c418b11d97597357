// The GPU memory a worker advertises (Worker.deviceMemoryBytes), so a job too large for every GPU
// worker says so instead of waiting silently. TensorFlow.js does not report a device's memory
// before it allocates, so the worker asks nvidia-smi for GPU 0 (the device tfjs-node-gpu uses)
// when its backend is tensorflow-gpu; WORKER_DEVICE_MEMORY_BYTES overrides (other vendors,
// MIG slices, a share of a GPU).

import { execFile } from 'node:child_process';

/** nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits: MiB per GPU, one per line. */
export function parseNvidiaSmiMemory(output: string): number | null {
  const first = output.split('\n').map((l) => l.trim()).find((l) => l !== '');
  if (!first || !/^\d+$/.test(first)) return null;
  return Number(first) * 2 ** 20;
}

export type RunCommand = (file: string, args: string[]) => Promise<string>;

const runCommand: RunCommand = (file, args) =>
  new Promise((resolve, reject) => execFile(file, args, { timeout: 5_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))));

export async function deviceMemoryBytes(options: { backend: string; configured?: number; run?: RunCommand; log: (line: string) => void }): Promise<number | null> {
  if (options.configured !== undefined) return options.configured;
  if (options.backend !== 'tensorflow-gpu') return null;
  try {
    const bytes = parseNvidiaSmiMemory(await (options.run ?? runCommand)('nvidia-smi', ['--query-gpu=memory.total', '--format=csv,noheader,nounits']));
    if (bytes === null) options.log('GPU memory unknown: nvidia-smi answered in an unexpected format (set WORKER_DEVICE_MEMORY_BYTES)');
    return bytes;
  } catch {
    options.log('GPU memory unknown: nvidia-smi is not available (set WORKER_DEVICE_MEMORY_BYTES)');
    return null;
  }
}
