// Load time of the study's two QA datasets (XQuAD-R in 11 languages, MLQA-R in 7, loaded together
// as a run loads them), fresh (a new cache: read and parse every file) and again from the same
// cache (gpu-worker/data/files.ts). Not a test: nothing here asserts a timing
// (test/data-loaders.test.ts checks what the loads return).
//
//   npm run build && node dist/bench/data-loaders.js [--runs 5]
//
// Each run makes a new cache, so every fresh load parses; the OS page cache is warm after the
// first run (the first fresh load is printed on its own).

import fs from 'node:fs';
import os from 'node:os';
import { defaultSharedDir } from '../schema/config.js';
import { createDataCache, loadTrainingGroups } from '../gpu-worker/data/index.js';
import { argument, median } from './cli.js';

const XQUAD = ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'];
const MLQA = ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh'];
const runs = Number(argument('runs') ?? 5);
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);

const cpu = os.cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`data: ${dataDir}; ${runs} runs\n`);

const fresh: number[] = [];
const cached: number[] = [];
for (let run = 0; run < runs; run++) {
  const cache = createDataCache();
  const both = () => Promise.all([loadTrainingGroups(dataDir, 'xquad-r', XQUAD, { cache }), loadTrainingGroups(dataDir, 'mlqa-r', MLQA, { cache })]);
  let t0 = performance.now();
  const [xquad, mlqa] = await both();
  fresh.push(performance.now() - t0);
  t0 = performance.now();
  await both();
  cached.push(performance.now() - t0);
  console.log(`run ${run + 1}: fresh ${fresh.at(-1)!.toFixed(0)} ms, cached ${cached.at(-1)!.toFixed(1)} ms (${xquad.groups.length} + ${mlqa.groups.length} groups)`);
}
const range = (values: number[], digits: number) => `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
console.log(`\nfresh:  median ${median(fresh).toFixed(0)} ms (range ${range(fresh, 0)} ms)`);
console.log(`cached: median ${median(cached).toFixed(1)} ms (range ${range(cached, 1)} ms)`);
