// Durability of an embedded collection: log replay, torn log tails, snapshot generations and the
// saved index.

import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { decodeLog, encodeLogRecord } from './files.js';
import { readManifest, StoredCollection, type StoredOptions } from './stored.js';
import type { VectorPoint } from './store.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'xling-stored-'));
  dirs.push(dir);
  return path.join(dir, 'c');
}

const options = (over: Partial<StoredOptions> = {}): StoredOptions => ({
  hnswThreshold: 50,
  hnsw: { connectivity: 16, expansionAdd: 64, expansionSearch: 64 },
  snapshotMinBytes: 1 << 30,
  hnswBuild: 'inline',
  ...over,
});

const points = (n: number, from = 0): VectorPoint[] =>
  Array.from({ length: n }, (_, j) => {
    const i = from + j;
    return {
      id: `p${i}`,
      vector: Float32Array.from({ length: 4 }, (_, k) => Math.sin(i * 7 + k * 3) + (k === i % 4 ? 2 : 0)),
      payload: { language: i % 2 ? 'de' : 'en', dataset: 'd', documentId: `${i}`, groupId: `${i}`, text: `t${i}` },
    };
  });

it('log records round-trip, and a torn tail is cut at the last complete record', () => {
  const up = encodeLogRecord({ op: 'upsert', ids: ['a', 'b'], payloads: points(2).map((p) => p.payload), vectors: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) });
  const del = encodeLogRecord({ op: 'delete', ids: ['a'] });
  const whole = Buffer.concat([up, del]);
  const { ops, validBytes } = decodeLog(whole, 4);
  assert.equal(validBytes, whole.length);
  assert.deepEqual(ops[0], { op: 'upsert', ids: ['a', 'b'], payloads: points(2).map((p) => p.payload), vectors: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]) });
  assert.deepEqual(ops[1], { op: 'delete', ids: ['a'] });
  for (const cut of [1, 5, del.length - 1]) {
    const torn = decodeLog(whole.subarray(0, whole.length - cut), 4);
    assert.equal(torn.ops.length, 1);
    assert.equal(torn.validBytes, up.length);
  }
  assert.equal(decodeLog(up, 3).ops.length, 0, 'vectors of another dimension are not accepted');
});

it('replays the log when no snapshot was written, ignoring a torn tail, and stays writable', async () => {
  const dir = await tempDir();
  await StoredCollection.create(dir, 4);
  const first = await StoredCollection.load(dir, options());
  await first.upsert(points(30));
  await first.delete(['p3', 'p4']);
  await first.upsert(points(1, 5).map((p) => ({ ...p, payload: { ...p.payload, text: 'new' } })));
  await first.close(false);
  await appendFile(path.join(dir, 'log-0.bin'), Buffer.from([200, 0, 0, 0, 1, 2])); // a crash mid-append

  const second = await StoredCollection.load(dir, options());
  assert.equal(second.memory.count, 28);
  assert.equal(second.memory.search(points(1, 5)[0]!.vector.map((x) => x / 10), 1)[0]!.payload.text, 'new');
  await second.upsert(points(1, 40));
  await second.close(false);
  const third = await StoredCollection.load(dir, options());
  assert.equal(third.memory.count, 29);
  await third.close(false);
});

it('writes a new generation when the log outgrows the snapshot, with the built index, and reloads it', async () => {
  const dir = await tempDir();
  await StoredCollection.create(dir, 4);
  const first = await StoredCollection.load(dir, options({ snapshotMinBytes: 2048 }));
  for (let b = 0; b < 5; b++) await first.upsert(points(20, b * 20));
  first.memory.search(points(1)[0]!.vector, 1); // builds the index (inline)
  for (let b = 5; b < 10; b++) await first.upsert(points(20, b * 20));
  const manifest = await readManifest(dir);
  assert.ok(manifest.generation >= 2, `generation ${manifest.generation}`);
  assert.equal(manifest.index, true, 'a snapshot saves the index once it is built');
  const files = (await readdir(dir)).sort();
  assert.deepEqual(
    files,
    ['manifest.json', ...['index', 'log', 'points', 'vectors'].map((f) => `${f}-${manifest.generation}.${{ index: 'usearch', log: 'bin', points: 'jsonl', vectors: 'f32' }[f]}`)].sort(),
  );
  assert.equal((await stat(path.join(dir, `vectors-${manifest.generation}.f32`))).size, manifest.count * 16);
  await first.close(true);

  const second = await StoredCollection.load(dir, options({ snapshotMinBytes: 2048 }));
  assert.equal(second.memory.count, 200);
  assert.equal(second.memory.hnsw.ready, true, 'the saved index is loaded, not rebuilt');
  const [top] = second.memory.search(points(1, 123)[0]!.vector.map((x) => x * 3), 1);
  assert.equal(top?.id, 'p123');
  assert.equal(second.memory.hnsw.stats.builds, 0);
  await second.close(true);
});

it('an index saved with another connectivity serves until its replacement is built, which the next snapshot saves', async () => {
  const dir = await tempDir();
  await StoredCollection.create(dir, 4);
  const old = options({ hnsw: { connectivity: 8, expansionAdd: 64, expansionSearch: 64 } });
  const first = await StoredCollection.load(dir, old);
  await first.upsert(points(200));
  first.memory.search(points(1)[0]!.vector, 1); // builds the index (inline)
  assert.equal(first.memory.hnsw.connectivity, 8);
  await first.close(true);

  // Background build: the old index answers at once, the new one replaces it when ready.
  const background = options({ hnswBuild: 'background' });
  const second = await StoredCollection.load(dir, background);
  assert.equal(second.memory.hnsw.connectivity, 8, 'the saved index is loaded');
  assert.equal(second.memory.hnsw.unsaved, false);
  assert.equal(second.memory.search(points(1, 123)[0]!.vector, 1)[0]?.id, 'p123');
  assert.equal(second.memory.stats.hnsw, 1, 'the outdated index answers while its replacement builds');
  await second.memory.hnsw.whenReady();
  assert.equal(second.memory.hnsw.connectivity, 16);
  assert.equal(second.memory.hnsw.stats.builds, 1);
  assert.equal(second.memory.hnsw.unsaved, true);
  assert.equal(second.memory.search(points(1, 77)[0]!.vector, 1)[0]?.id, 'p77');
  await second.close(true); // no writes, but the rebuilt index is saved

  const third = await StoredCollection.load(dir, background);
  assert.equal(third.memory.hnsw.connectivity, 16);
  await third.memory.hnsw.whenReady();
  assert.equal(third.memory.hnsw.stats.builds, 0, 'an index of the current parameters is kept');
  await third.close(true);

  // Inline builds replace an outdated index on first use.
  const fourth = await StoredCollection.load(dir, options({ hnsw: { connectivity: 8, expansionAdd: 64, expansionSearch: 64 } }));
  assert.equal(fourth.memory.hnsw.connectivity, 16);
  fourth.memory.search(points(1)[0]!.vector, 1);
  assert.equal(fourth.memory.hnsw.connectivity, 8);
  assert.equal(fourth.memory.hnsw.stats.builds, 1);
  await fourth.close(false);
});
