// One embedded collection on disk: a snapshot (generation g: vectors-g.f32, points-g.jsonl and,
// when the collection is large enough, index-g.usearch) named by manifest.json, plus log-g.bin
// with every write since that snapshot. A write is appended to the log (and synced) before it is
// applied in memory; when the log outgrows the snapshot, a new generation is written and the
// manifest is replaced atomically, which is the commit point. Files of other generations are
// leftovers of an interrupted snapshot and are removed on load.

import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { MemoryCollection, type CollectionOptions } from './collection.js';
import { decodeLog, encodeLogRecord, writeAtomic, writeFloats, writeJsonAtomic, type LogOp } from './files.js';
import type { SparseVector, VectorPayload, VectorPoint } from './store.js';
import { normalized } from './matrix.js';

export interface Manifest {
  format: 1;
  dimension: number;
  generation: number;
  /** Rows in the snapshot (the log may add or remove some). */
  count: number;
  index: boolean;
  indexTombstones: number;
}

export interface StoredOptions extends CollectionOptions {
  /** A snapshot is written once the log is larger than this and than the snapshot's vectors. */
  snapshotMinBytes: number;
}

const files = (dir: string, generation: number) => ({
  vectors: path.join(dir, `vectors-${generation}.f32`),
  points: path.join(dir, `points-${generation}.jsonl`),
  index: path.join(dir, `index-${generation}.usearch`),
  log: path.join(dir, `log-${generation}.bin`),
});

export async function readManifest(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

export class StoredCollection {
  private constructor(
    private readonly dir: string,
    private manifest: Manifest,
    readonly memory: MemoryCollection,
    private log: FileHandle,
    private logBytes: number,
    private snapshotBytes: number,
    private readonly options: StoredOptions,
  ) {}

  static async create(dir: string, dimension: number): Promise<void> {
    await mkdir(dir, { recursive: true });
    const f = files(dir, 0);
    await writeAtomic(f.vectors, async () => {});
    await writeAtomic(f.points, async () => {});
    await writeAtomic(f.log, async () => {});
    const manifest: Manifest = { format: 1, dimension, generation: 0, count: 0, index: false, indexTombstones: 0 };
    await writeJsonAtomic(path.join(dir, 'manifest.json'), manifest);
  }

  static async load(dir: string, options: StoredOptions): Promise<StoredCollection> {
    const manifest = await readManifest(dir);
    const f = files(dir, manifest.generation);
    await removeOtherGenerations(dir, manifest.generation);
    const memory = new MemoryCollection(manifest.dimension, options);
    await readSnapshot(f.vectors, f.points, manifest, memory);
    if (manifest.index) memory.hnsw.load(f.index, manifest.indexTombstones);
    const data = await readFile(f.log);
    const { ops, validBytes } = decodeLog(data, manifest.dimension);
    for (const op of ops) apply(memory, op);
    if (validBytes < data.length) await truncate(f.log, validBytes); // drop a torn tail
    const log = await open(f.log, 'a');
    return new StoredCollection(dir, manifest, memory, log, validBytes, (await stat(f.vectors)).size, options);
  }

  /** Points must already be validated and deduplicated. */
  async upsert(points: readonly VectorPoint[]): Promise<void> {
    const d = this.manifest.dimension;
    const vectors = new Float32Array(points.length * d);
    points.forEach((p, i) => vectors.set(normalized(p.vector), i * d));
    const lexical = points.some((p) => p.lexical) ? points.map((p) => p.lexical ?? null) : undefined;
    await this.append({ op: 'upsert', ids: points.map((p) => p.id), payloads: points.map((p) => p.payload), vectors, ...(lexical ? { lexical } : {}) });
  }

  async delete(ids: readonly string[]): Promise<void> {
    await this.append({ op: 'delete', ids: [...ids] });
  }

  async snapshot(): Promise<void> {
    const generation = this.manifest.generation + 1;
    const f = files(this.dir, generation);
    const memory = this.memory;
    await writeAtomic(f.vectors, async (h) => {
      for (const { data } of memory.matrix.blocks()) await writeFloats(h, data);
    });
    await writeAtomic(f.points, async (h) => {
      let lines: string[] = [];
      for (let row = 0; row < memory.count; row++) {
        const lexical = memory.lexical.get(row);
        lines.push(JSON.stringify(lexical ? [memory.ids[row], memory.payloads[row], lexical] : [memory.ids[row], memory.payloads[row]]));
        if (lines.length === 4096) {
          await h.write(lines.join('\n') + '\n');
          lines = [];
        }
      }
      if (lines.length > 0) await h.write(lines.join('\n') + '\n');
    });
    const temp = `${f.index}.tmp`;
    const index = memory.hnsw.save(temp);
    if (index) await rename(temp, f.index);
    await writeAtomic(f.log, async () => {});
    const manifest: Manifest = {
      ...this.manifest,
      generation,
      count: memory.count,
      index,
      indexTombstones: index ? memory.hnsw.tombstoneCount : 0,
    };
    await writeJsonAtomic(path.join(this.dir, 'manifest.json'), manifest);
    await this.log.close();
    this.log = await open(f.log, 'a');
    this.manifest = manifest;
    this.logBytes = 0;
    this.snapshotBytes = (await stat(f.vectors)).size;
    await removeOtherGenerations(this.dir, generation);
  }

  /** Snapshots first when asked and there is something to save (log entries, a new or rebuilt index). */
  async close(snapshot: boolean): Promise<void> {
    if (snapshot && (this.logBytes > 0 || this.memory.hnsw.unsaved)) await this.snapshot();
    this.memory.hnsw.reset(); // stops a running build
    await this.log.close();
  }

  private async append(op: LogOp): Promise<void> {
    const record = encodeLogRecord(op);
    await this.log.write(record);
    await this.log.datasync();
    this.logBytes += record.length;
    apply(this.memory, op);
    if (this.logBytes > Math.max(this.options.snapshotMinBytes, this.snapshotBytes)) await this.snapshot();
  }
}

function apply(memory: MemoryCollection, op: LogOp): void {
  switch (op.op) {
    case 'upsert':
      return memory.upsert(op.ids, op.payloads, op.vectors, op.lexical);
    case 'delete':
      return memory.delete(op.ids);
    default:
      throw new Error(`unknown log operation ${JSON.stringify(op satisfies never)}`);
  }
}

async function readSnapshot(vectorsFile: string, pointsFile: string, manifest: Manifest, memory: MemoryCollection) {
  const ids: string[] = [];
  const payloads: VectorPayload[] = [];
  const lexical: (SparseVector | undefined)[] = [];
  const lines = createInterface({ input: createReadStream(pointsFile, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line === '') continue;
    const [id, payload, terms] = JSON.parse(line) as [string, VectorPayload, SparseVector?];
    ids.push(id);
    payloads.push(payload);
    lexical.push(terms);
  }
  if (ids.length !== manifest.count) throw new Error(`${pointsFile}: ${ids.length} points, manifest says ${manifest.count}`);
  const d = manifest.dimension;
  const handle = await open(vectorsFile, 'r');
  try {
    const rowsPerRead = memory.matrix.rowsPerChunk;
    for (let first = 0; first < ids.length; first += rowsPerRead) {
      const rows = Math.min(rowsPerRead, ids.length - first);
      const block = new Float32Array(rows * d);
      const { bytesRead } = await handle.read(new Uint8Array(block.buffer), 0, block.byteLength, first * d * 4);
      if (bytesRead !== block.byteLength) throw new Error(`${vectorsFile}: truncated at row ${first}`);
      memory.upsert(ids.slice(first, first + rows), payloads.slice(first, first + rows), block, lexical.slice(first, first + rows));
    }
  } finally {
    await handle.close();
  }
}

async function removeOtherGenerations(dir: string, generation: number): Promise<void> {
  for (const name of await readdir(dir)) {
    const match = /^(?:vectors|points|index|log)-(\d+)\./.exec(name);
    if (name.includes('.tmp') || (match && Number(match[1]) !== generation)) {
      await rm(path.join(dir, name), { force: true });
    }
  }
}
