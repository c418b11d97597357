// The usearch HNSW index of one embedded collection, keyed by row number, and its life cycle.
//
// Building takes long (100k x 64 random vectors: about 45 s on two cores), so by default it runs
// in a worker thread on a copy of the rows while searches keep scanning exactly; rows written
// during the build are noted and re-indexed when the built index is adopted. `inline` builds on
// the calling thread instead (tests, benchmarks). Once adopted, the index follows every write.
// Removing a key leaves a tombstone in the graph; past max(1000, rows / 4) tombstones the index
// is dropped and rebuilt on next use, and below the threshold it is dropped for good.
//
// A saved index keeps the connectivity it was built with (usearch reads it from the file; the
// expansions are taken from the policy). One built with another connectivity than the policy's,
// e.g. under older defaults, is adopted and answers searches while an index with the policy's
// parameters is built to replace it; the replacement is marked unsaved, so the next snapshot
// (at the latest on close) writes it. expansionAdd is not recorded in the file: changing it alone
// does not rebuild saved indexes.

import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Index } from 'usearch';
import { usearch } from './usearch.js';
import type { ChunkedMatrix } from './matrix.js';

export interface HnswOptions {
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
}

export interface IndexPolicy {
  /** Collections (and language-filtered subsets) smaller than this are searched exactly. */
  hnswThreshold: number;
  hnsw: HnswOptions;
  /** Where builds run; default background. */
  hnswBuild?: 'background' | 'inline';
}

export interface BuildJob {
  dimension: number;
  hnsw: HnswOptions;
  blocks: { first: number; data: Float32Array }[];
  file: string;
}

const MAX_CATCH_UP = 2000;

interface Build {
  rows: number;
  /** Rows below `rows` whose vector changed (or that were removed) after the copy was taken. */
  dirty: Set<number>;
  worker: Worker;
  done: Promise<void>;
}

export function newIndex(dimension: number, hnsw: HnswOptions): Index {
  return new usearch.Index({
    dimensions: dimension,
    metric: usearch.MetricKind.Cos,
    quantization: usearch.ScalarKind.F32,
    connectivity: hnsw.connectivity,
    expansion_add: hnsw.expansionAdd,
    expansion_search: hnsw.expansionSearch,
    multi: false,
  });
}

export function addBlocks(index: Index, blocks: Iterable<{ first: number; data: Float32Array }>, dimension: number) {
  for (const { first, data } of blocks) {
    const keys = new BigUint64Array(data.length / dimension);
    for (let i = 0; i < keys.length; i++) keys[i] = BigInt(first + i);
    index.add(keys, data, 0);
  }
}

export class HnswIndex {
  private index: Index | null = null;
  private build: Build | null = null;
  private tombstones = 0;
  /** The index was loaded with another connectivity than the policy's: replace it. */
  private outdated = false;
  /** The index was built (not loaded) since it was last saved. */
  private built = false;
  private lastError = '';
  readonly stats = { builds: 0, buildFailures: 0, discarded: 0 };

  constructor(
    private readonly matrix: ChunkedMatrix,
    private readonly policy: IndexPolicy,
  ) {}

  get ready(): boolean {
    return this.index !== null;
  }

  get tombstoneCount(): number {
    return this.tombstones;
  }

  /** The connectivity of the current index's graph (null without an index). */
  get connectivity(): number | null {
    return this.index ? this.index.connectivity() : null;
  }

  /** An index was built since the last save or load: a snapshot should write it. */
  get unsaved(): boolean {
    return this.index !== null && this.built;
  }

  /**
   * The index if it is usable now; otherwise starts (or, inline, runs) a build. An outdated
   * loaded index stays usable until its replacement is adopted.
   */
  acquire(): Index | null {
    if ((this.index && !this.outdated) || this.matrix.length < this.policy.hnswThreshold) return this.index;
    if (this.policy.hnswBuild === 'inline') {
      const index = newIndex(this.matrix.dimension, this.policy.hnsw);
      addBlocks(index, this.matrix.blocks(), this.matrix.dimension);
      this.adopt(index, 0, true);
      this.stats.builds++;
    } else if (!this.build) {
      this.startBuild();
    }
    return this.index;
  }

  /** Resolves when no build is running. */
  async settled(): Promise<void> {
    while (this.build) await this.build.done;
  }

  /** Resolves once an index with the policy's parameters is ready (or none is needed), building it if necessary. */
  async whenReady(): Promise<void> {
    while ((!this.acquire() || this.outdated) && this.matrix.length >= this.policy.hnswThreshold) {
      const failures = this.stats.buildFailures;
      await this.settled();
      if (this.stats.buildFailures > failures) throw new Error(`HNSW index build failed: ${this.lastError}`);
    }
  }

  /** Brings the index up to date with rows whose vectors changed, moved or went away. */
  update(rows: readonly number[] | ReadonlySet<number>): void {
    const count = this.matrix.length;
    if (this.build) for (const row of rows) if (row < this.build.rows) this.build.dirty.add(row);
    if (this.index) {
      const add: number[] = [];
      for (const row of rows) {
        this.tombstones += this.index.remove(BigInt(row)) as number;
        if (row < count) add.push(row);
      }
      this.addRows(add);
    }
    if (count < this.policy.hnswThreshold || this.tombstones > Math.max(1000, count / 4)) this.reset();
  }

  save(file: string): boolean {
    if (!this.index) return false;
    this.index.save(file);
    this.built = false;
    return true;
  }

  /**
   * Adopts a saved index when it matches the rows (otherwise the index is rebuilt on next use);
   * one of another connectivity serves until the next use has built its replacement.
   */
  load(file: string, tombstones: number): void {
    const index = newIndex(this.matrix.dimension, this.policy.hnsw);
    index.load(file);
    if (index.size() !== this.matrix.length || index.dimensions() !== this.matrix.dimension) return;
    this.adopt(index, tombstones, false);
    this.outdated = index.connectivity() !== this.policy.hnsw.connectivity;
  }

  /** Drops the index and abandons a running build. */
  reset(): void {
    this.index = null;
    this.tombstones = 0;
    this.outdated = false;
    this.built = false;
    if (this.build) void this.build.worker.terminate();
    this.build = null;
  }

  private adopt(index: Index, tombstones: number, built: boolean): void {
    this.index = index;
    this.tombstones = tombstones;
    this.outdated = false;
    this.built = built;
  }

  private addRows(rows: readonly number[]): void {
    if (!this.index || rows.length === 0) return;
    const d = this.matrix.dimension;
    const keys = new BigUint64Array(rows.length);
    const data = new Float32Array(rows.length * d);
    rows.forEach((row, i) => {
      keys[i] = BigInt(row);
      data.set(this.matrix.row(row), i * d);
    });
    this.index.add(keys, data, 0);
  }

  private startBuild(): void {
    const file = path.join(tmpdir(), `xling-hnsw-${randomBytes(6).toString('hex')}.usearch`);
    // postMessage copies the blocks, so later writes cannot tear what the worker reads.
    const job: BuildJob = { dimension: this.matrix.dimension, hnsw: this.policy.hnsw, blocks: [...this.matrix.blocks()], file };
    const worker = new Worker(new URL('./hnsw-worker.js', import.meta.url), { workerData: job });
    worker.unref(); // an unfinished build must not keep the process alive
    const build: Build = { rows: this.matrix.length, dirty: new Set(), worker, done: Promise.resolve() };
    build.done = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`index build stopped (exit code ${code})`)));
    })
      .then(() => {
        if (this.build === build) this.finishBuild(build, file);
      })
      .catch((error: unknown) => {
        if (this.build !== build) return; // abandoned on purpose
        this.stats.buildFailures++; // searches stay exact; the next use retries
        this.lastError = error instanceof Error ? error.message : String(error);
      })
      .finally(() => {
        if (this.build === build) this.build = null;
        void worker.terminate();
        void rm(file, { force: true });
      });
    this.build = build;
  }

  private finishBuild(build: Build, file: string): void {
    const count = this.matrix.length;
    const stale = new Set(build.dirty);
    for (let row = count; row < build.rows; row++) stale.add(row);
    for (let row = build.rows; row < count; row++) stale.add(row);
    this.build = null;
    // Re-indexing costs the main thread about half a millisecond per row: after heavy writes a
    // fresh background build is cheaper for everyone than catching up here.
    if (stale.size > MAX_CATCH_UP) {
      this.stats.discarded++;
      this.startBuild();
      return;
    }
    const index = newIndex(this.matrix.dimension, this.policy.hnsw);
    index.load(file);
    this.adopt(index, 0, true);
    this.stats.builds++;
    this.update(stale);
  }
}
