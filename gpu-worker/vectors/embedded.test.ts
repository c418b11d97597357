// Embedded-store specifics beyond the shared conformance suite (test/vector-conformance.ts):
// the folder lock, closed stores, leftovers of interrupted operations, and the recall of the
// default HNSW settings on near-duplicates.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { DEFAULT_HNSW, openEmbeddedStore } from './embedded.js';
import { ChunkedMatrix, exactSearch } from './matrix.js';
import { VectorStoreError, type VectorPoint } from './store.js';
import { syntheticSet } from './synthetic.js';

const dirs: string[] = [];
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tempDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'xling-embedded-'));
  dirs.push(dir);
  return dir;
}

const kind = (k: string) => (e: unknown) => e instanceof VectorStoreError && e.kind === k;

it('one store per folder: a second open fails until the first is closed', async () => {
  const dir = await tempDir();
  const store = await openEmbeddedStore({ dir });
  await assert.rejects(openEmbeddedStore({ dir }), (e) => kind('store-locked')(e) && /this process/.test((e as Error).message));
  await store.close();
  await assert.rejects(store.count('x'), kind('store-closed'));
  const again = await openEmbeddedStore({ dir });
  await again.close();
});

it('takes over the lock of a process that has exited: LOCK then names this process, which alone may open the folder', async () => {
  const dir = await tempDir();
  const lock = path.join(dir, 'LOCK');
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  const dead = Number(child.stdout.toString());
  assert.ok(dead > 0 && dead !== process.pid);
  await writeFile(lock, String(dead));
  const store = await openEmbeddedStore({ dir });
  assert.equal(Number(await readFile(lock, 'utf8')), process.pid, 'the lock names its new owner');
  // The new owner holds it: another open is refused, and the store works.
  await assert.rejects(openEmbeddedStore({ dir }), (e) => kind('store-locked')(e) && /this process/.test((e as Error).message));
  await store.createCollection('c', { dimension: 2 });
  assert.deepEqual(await store.listCollections(), ['c']);
  await store.close();
  await assert.rejects(readFile(lock), { code: 'ENOENT' }, 'closing gives the lock up');
  const again = await openEmbeddedStore({ dir });
  assert.deepEqual(await again.listCollections(), ['c']);
  await again.close();
});

it('a lock held by another running process is refused and left alone, and taken over once that process exits', async () => {
  const dir = await tempDir();
  const lock = path.join(dir, 'LOCK');
  const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => holder.once('exit', resolve));
  try {
    assert.ok(holder.pid);
    await writeFile(lock, String(holder.pid));
    await assert.rejects(openEmbeddedStore({ dir }), (e) => kind('store-locked')(e) && (e as Error).message.includes(`process ${holder.pid}`));
    assert.equal(await readFile(lock, 'utf8'), String(holder.pid), 'the refused opener did not touch the lock');
  } finally {
    holder.kill('SIGKILL');
    await exited;
  }
  const store = await openEmbeddedStore({ dir });
  assert.equal(Number(await readFile(lock, 'utf8')), process.pid);
  await store.close();
});

it('removes leftovers of an interrupted create or drop on open', async () => {
  const dir = await tempDir();
  const store = await openEmbeddedStore({ dir });
  await store.createCollection('kept', { dimension: 2 });
  await store.close();
  await mkdir(path.join(dir, 'collections', '.trash-1234'), { recursive: true });
  await mkdir(path.join(dir, 'collections', 'half-created'), { recursive: true });
  const reopened = await openEmbeddedStore({ dir });
  assert.deepEqual(await reopened.listCollections(), ['kept']);
  assert.deepEqual((await readdir(path.join(dir, 'collections'))).sort(), ['kept']);
  await reopened.close();
});

it('a search started before a drop completes on the collection it resolved', async () => {
  const dir = await tempDir();
  const store = await openEmbeddedStore({ dir });
  await store.createCollection('c', { dimension: 2 });
  await store.upsert('c', [{ id: 'a', vector: new Float32Array([1, 0]), payload: { language: 'en', dataset: 'd', documentId: 'a', groupId: 'a', text: 'a' } }]);
  const search = store.search('c', new Float32Array([1, 0]), { k: 1 });
  const drop = store.dropCollection('c');
  assert.equal((await search)[0]?.id, 'a');
  assert.equal(await drop, true);
  await assert.rejects(store.search('c', new Float32Array([1, 0]), { k: 1 }), kind('unknown-collection'));
  await store.close();
});

it('with the default HNSW settings, a search over near-duplicates finds at least 95% of the exact top-10', async () => {
  // The structure of the 1,000,000-row set of bench/serving-latency.ts at 1/100 of its size:
  // 130 base vectors, each with about 76 copies perturbed by noise 0.05 per component.
  const rows = 10_000;
  const dimension = 64;
  const set = syntheticSet({ rows, dimension, kind: 'nearduplicate', base: 130, seed: 7 });
  const store = await openEmbeddedStore({ dir: await tempDir(), hnswThreshold: 1000, hnswBuild: 'inline' });
  await store.createCollection('near', { dimension });
  const points: VectorPoint[] = [];
  const matrix = new ChunkedMatrix(dimension);
  for (let r = 0; r < rows; r++) {
    const vector = set.vectors.subarray(r * dimension, (r + 1) * dimension);
    matrix.push(vector);
    points.push({ id: String(r), vector, payload: { language: 'en', dataset: 'd', documentId: `${r}`, groupId: `${r}`, text: '' } });
  }
  await store.upsert('near', points);
  let found = 0;
  const queries = 100;
  for (let q = 0; q < queries; q++) {
    const query = set.query();
    const truth = new Set(exactSearch(matrix, query, 10).rows.map(String));
    found += (await store.search('near', query, { k: 10 })).filter((hit) => truth.has(hit.id)).length;
  }
  const recall = found / (queries * 10);
  assert.ok(recall >= 0.95, `recall@10 ${recall} with ${JSON.stringify(DEFAULT_HNSW)}`);
  await store.close();
});
