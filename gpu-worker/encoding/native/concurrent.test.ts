// The native kernels called from several worker threads at once (concurrent-stress.ts), in a child
// process so that a crash or a hang (a pool whose callers' jobs mix can wait forever) fails the
// test instead of the runner: the child is killed after TIMEOUT_MS. A correct run takes about a
// second; without the call mutex of native/src/parallel.cpp it hangs or returns wrong results.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNative } from './addon.js';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'concurrent-stress.js');
const native = loadNative();
const skip = native.kind !== 'loaded' && `native kernels unavailable: ${native.reason}`;
/** A worker still in its calls after this long hangs (the stress script reports which, then dies). */
const DEADLINE_S = 30;
/** The child is killed after this long whatever it does. */
const TIMEOUT_MS = 60_000;

function stress(args: string[], threads?: number) {
  const env = { ...process.env };
  delete env.XLING_NATIVE_THREADS;
  if (threads !== undefined) env.XLING_NATIVE_THREADS = String(threads);
  const started = Date.now();
  const child = spawnSync(process.execPath, [script, ...args, '--deadline', String(DEADLINE_S)], { env, encoding: 'utf8', timeout: TIMEOUT_MS, killSignal: 'SIGKILL' });
  const seconds = (Date.now() - started) / 1000;
  const what = `exit ${child.status}, signal ${child.signal}, ${seconds.toFixed(1)} s; stdout: ${child.stdout.trim()} stderr: ${child.stderr.trim().slice(0, 2000)}`;
  const last = child.stdout.trim().split('\n').at(-1);
  const report = last?.startsWith('{') ? (JSON.parse(last) as { threads: number; workers: number; calls: number; mismatches: number; hung?: number[]; first?: string }) : undefined;
  assert.equal(report?.hung, undefined, `a kernel call never returned: ${what}`);
  assert.notEqual(child.signal, 'SIGKILL', `still running after ${TIMEOUT_MS / 1000} s: ${what}`);
  assert.equal(child.status, 0, what);
  assert.ok(report, what);
  assert.equal(report.mismatches, 0, report.first);
  return report;
}

test('the pool has one thread per core (at most 8) unless XLING_NATIVE_THREADS says otherwise', { skip }, () => {
  if (native.kind !== 'loaded') return;
  if (process.env.XLING_NATIVE_THREADS === undefined) assert.equal(native.addon.threads, Math.min(Math.max(os.cpus().length, 1), 8));
  const env = { ...process.env, XLING_NATIVE_THREADS: '5' };
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `import { loadNative } from ${JSON.stringify(path.join(path.dirname(script), 'addon.js'))}; console.log(loadNative().addon.threads)`], { env, encoding: 'utf8' });
  assert.equal(child.stdout.trim(), '5', child.stderr);
});

test('four worker threads calling matMul, exp, add and softmax at once all get their own right results', { skip }, () => {
  const report = stress(['--workers', '4', '--iterations', '60']);
  assert.equal(report.workers, 4);
  assert.equal(report.calls, 4 * 60 * 4);
});

test('six worker threads on a pool of more threads than cores all get their own right results', { skip }, () => {
  const threads = Math.min(Math.max(os.cpus().length * 3, 6), 64);
  const report = stress(['--workers', '6', '--iterations', '40'], threads);
  assert.equal(report.threads, threads);
  assert.equal(report.calls, 6 * 40 * 4);
});
