// `node --expose-gc dist/bench/import-memory.js [--mb 76] [--imports 6]`
//
// The memory importDataset's validation costs, outside the gateway: a generated JSONL file
// (two languages per id) streamed through the line reader, the JSONL validator and the summary,
// `--imports` times back to back, as the gateway's one-at-a-time import queue runs them. Prints
// the RSS before, its peak (sampled every 20 ms), and the memory one import holds while it runs.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSummary } from '../api/dataset/imported.js';
import { readLines } from '../api/files/lines.js';
import { createJsonlValidator } from '../schema/dataset-jsonl.js';
import { argument } from './cli.js';

const megabytes = Number(argument('mb') ?? 76);
const imports = Number(argument('imports') ?? 6);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

function writeJsonl(file: string): number {
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let group = 0;
  const filler = 'The river crosses the old town, passes the market and the cathedral, and reaches the harbour after some kilometres.';
  while (bytes < megabytes * 1e6) {
    let chunk = '';
    while (chunk.length < 4e6) {
      const id = `g${group++}`;
      chunk += `${JSON.stringify({ id, language: 'en', query: `Where does item ${group} go?`, passage: `Item ${group}: ${filler}` })}\n`;
      chunk += `${JSON.stringify({ id, language: 'de', query: `Wohin geht Nummer ${group}?`, passage: `Nummer ${group}: Der Fluss durchquert die Altstadt.` })}\n`;
    }
    fs.writeSync(fd, chunk);
    bytes += Buffer.byteLength(chunk);
  }
  fs.closeSync(fd);
  return bytes;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xling-import-memory-'));
try {
  const file = path.join(dir, 'big.jsonl');
  const bytes = writeJsonl(file);
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
  gc();
  const before = process.memoryUsage();
  let peak = before.rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  let records = 0;
  let heapHeld = 0;
  for (let i = 0; i < imports; i++) {
    const validator = createJsonlValidator();
    const summary = createSummary();
    await readLines(fs.createReadStream(file), { maxBytes: 2 * bytes, maxLineChars: 4 * 1024 * 1024 }, (line, n) => {
      const record = validator.line(line, n);
      if (record) summary.add(record);
    });
    records = validator.records;
    if (i === 0) {
      // What the first import still holds while it is reachable (the validator and summary).
      gc();
      const now = process.memoryUsage();
      heapHeld = now.heapUsed + now.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    }
  }
  clearInterval(sampler);
  console.log(`${imports} imports of ${(bytes / 1e6).toFixed(1)} MB (${records} records each), back to back`);
  console.log(`RSS before ${mib(before.rss)}, peak ${mib(peak)} (+${mib(peak - before.rss)}); JS heap and array buffers held by one import ${mib(heapHeld)}`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
