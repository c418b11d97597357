// Builds native/build/xling_native.node from native/src with the machine's g++ (run by npm's
// postinstall). It never fails the install: the engine then runs on pure TF.js, and
// native/build/status.json says why, which the loader reports.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const build = path.join(root, 'build');
const cxx = process.env.XLING_NATIVE_CXX || 'g++';
const headers = path.join(path.dirname(process.execPath), '..', 'include', 'node');
const common = ['-std=c++17', '-O3', '-fPIC', '-pthread', '-fvisibility=hidden', '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=xling_native', `-I${headers}`];
// One object per instruction set: code compiled for AVX-512 never runs unless the CPU has it.
const units = [
  ['addon', []],
  ['gemm_generic', []],
  ['strided', []],
  ['rows', []],
  ['parallel', []],
  ['gemm_avx2', ['-mavx2', '-mfma']],
  ['gemm_avx512', ['-mavx512f', '-mfma']],
];

rmSync(build, { recursive: true, force: true });
mkdirSync(build, { recursive: true });
const started = Date.now();
try {
  const objects = units.map(([name, flags]) => {
    const object = path.join(build, `${name}.o`);
    execFileSync(cxx, [...common, ...flags, '-c', path.join(root, 'src', `${name}.cpp`), '-o', object], { stdio: 'pipe' });
    return object;
  });
  execFileSync(cxx, ['-shared', '-pthread', '-o', path.join(build, 'xling_native.node'), ...objects], { stdio: 'pipe' });
  writeFileSync(path.join(build, 'status.json'), JSON.stringify({ ok: true, compiler: cxx, seconds: (Date.now() - started) / 1000 }));
  console.log(`native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  const reason = `${cxx} failed: ${String(error.stderr ?? error.message).trim().split('\n').slice(0, 5).join(' ')}`;
  writeFileSync(path.join(build, 'status.json'), JSON.stringify({ ok: false, reason }));
  console.warn(`native kernels not built (TF.js will run without them): ${reason}`);
}
