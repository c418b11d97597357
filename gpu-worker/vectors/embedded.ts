// The embedded vector store: every collection in this process's memory, persisted under one
// folder (layout: LOCK, aliases.json, collections/<name>/ — see stored.ts). One process owns the
// folder at a time (LOCK holds its pid), so the gateway and the worker share it only when they
// run in one process (`npm start`); clusters use Qdrant.
//
// Writes and alias changes run one at a time; a search never waits for them. A search resolves
// its alias once and then runs synchronously on the collection, so it sees each write, and each
// alias swap, entirely or not at all. Collections are loaded on first use. HNSW indexes are built
// in a worker thread when a collection first needs one; until it is ready, searches scan exactly
// (see collection.ts for the search plan and hnsw.ts for the index life cycle).

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import type { HnswOptions } from './collection.js';
import { writeJsonAtomic } from './files.js';
import { normalized } from './matrix.js';
import { readManifest, StoredCollection, type StoredOptions } from './stored.js';
import { lockPidFile, PidLockHeldError, type PidLock } from '../../schema/pid-lock.js';
import {
  checkDimension,
  checkName,
  checkLexicalQuery,
  checkSearchOptions,
  checkVector,
  describeTarget,
  preparePoints,
  unknownCollection,
  unknownTarget,
  VectorStoreError,
  type SearchHit,
  type SearchOptions,
  type VectorPoint,
  type VectorStore,
} from './store.js';

export interface EmbeddedStoreOptions {
  dir: string;
  /** Collections (or language-filtered subsets) smaller than this are searched exactly. */
  hnswThreshold?: number;
  hnsw?: Partial<HnswOptions>;
  /** Build indexes in a worker thread (default) or on the calling thread (tests, benchmarks). */
  hnswBuild?: 'background' | 'inline';
  /** The operation log is folded into a new snapshot once it exceeds this (and the snapshot). */
  snapshotMinBytes?: number;
  /** Write a snapshot of every changed collection on close (tests turn it off to replay logs). */
  snapshotOnClose?: boolean;
}

// Chosen for recall on near-duplicates (bench/results.md, "HNSW defaults and recall"): with about
// 76 near-copies of every sentence, connectivity 16 and a candidate list of 64 found half of the
// exact top-10. A base layer of 2 x 40 links per node spans such a group of copies, and 192
// candidates per top-10 search keep recall@10 at .97 to .997 on it, at 1.8 to 4 times the search
// time, 1.0 to 1.3 times the build time and +47% index memory of the former 16 / 128 / 64.
export const DEFAULT_HNSW: HnswOptions = { connectivity: 40, expansionAdd: 128, expansionSearch: 192 };

interface Entry {
  name: string;
  dir: string;
  dimension: number;
  loading?: Promise<StoredCollection>;
}

export async function openEmbeddedStore(options: EmbeddedStoreOptions): Promise<VectorStore> {
  // Vector files hold the machine's float layout; refuse rather than misread them elsewhere.
  if (endianness() !== 'LE') throw new Error('the embedded vector store needs a little-endian machine');
  const root = path.resolve(options.dir);
  await mkdir(path.join(root, 'collections'), { recursive: true });
  const lock = await acquireLock(root);
  try {
    return await openLocked(root, lock, options);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function openLocked(root: string, lock: PidLock, options: EmbeddedStoreOptions): Promise<VectorStore> {
  const collectionsDir = path.join(root, 'collections');
  const stored: StoredOptions = {
    hnswThreshold: options.hnswThreshold ?? 20_000,
    hnsw: { ...DEFAULT_HNSW, ...options.hnsw },
    hnswBuild: options.hnswBuild ?? 'background',
    snapshotMinBytes: options.snapshotMinBytes ?? 8 << 20,
  };
  const entries = new Map<string, Entry>();
  for (const name of await readdir(collectionsDir)) {
    const dir = path.join(collectionsDir, name);
    if (name.startsWith('.')) {
      await rm(dir, { recursive: true, force: true }); // an interrupted drop
      continue;
    }
    const manifest = await readManifest(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null; // the manifest is written last: an interrupted create
      throw error;
    });
    if (manifest) entries.set(name, { name, dir, dimension: manifest.dimension });
    else await rm(dir, { recursive: true, force: true });
  }
  const aliasFile = path.join(root, 'aliases.json');
  let aliases = new Map<string, string>(
    Object.entries(JSON.parse(await readFile(aliasFile, 'utf8').catch(() => '{}')) as Record<string, string>),
  );
  for (const [alias, target] of aliases) if (!entries.has(target)) aliases.delete(alias);

  let closed = false;
  let tail: Promise<unknown> = Promise.resolve();
  // Writes and alias changes, one at a time in call order.
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };
  const open = () => {
    if (closed) throw new VectorStoreError('store-closed', `vector store ${root} is closed`);
  };
  const entryOf = (name: string) => {
    const entry = entries.get(name);
    if (!entry) throw unknownCollection(name);
    return entry;
  };
  /** A search target: a collection, or an alias of one; `shown` names it in errors. */
  const targetOf = (target: string) => {
    const alias = entries.has(target) ? undefined : aliases.get(target);
    const entry = entries.get(alias ?? target);
    if (!entry) throw unknownTarget(target);
    return { entry, shown: describeTarget(entry.name, alias && target) };
  };
  const load = (entry: Entry) =>
    (entry.loading ??= StoredCollection.load(entry.dir, stored).catch((error: unknown) => {
      entry.loading = undefined; // let a later call retry a failed load
      throw error;
    }));
  const saveAliases = async (next: Map<string, string>) => {
    await writeJsonAtomic(aliasFile, Object.fromEntries(next));
    aliases = next;
  };

  return {
    kind: 'embedded',

    async createCollection(name, { dimension }) {
      open();
      checkName('collection', name);
      checkDimension(dimension);
      await serial(async () => {
        if (entries.has(name) || aliases.has(name)) {
          const what = entries.has(name) ? 'a collection' : 'an alias';
          throw new VectorStoreError('collection-exists', `cannot create collection "${name}": ${what} has that name`);
        }
        const dir = path.join(collectionsDir, name);
        await rm(dir, { recursive: true, force: true });
        await StoredCollection.create(dir, dimension);
        entries.set(name, { name, dir, dimension });
      });
    },

    async dropCollection(name) {
      open();
      return serial(async () => {
        const entry = entries.get(name);
        if (!entry) return false;
        entries.delete(name);
        const next = new Map([...aliases].filter(([, target]) => target !== name));
        if (next.size !== aliases.size) await saveAliases(next);
        const collection = await entry.loading?.catch(() => undefined);
        await collection?.close(false);
        const trash = path.join(collectionsDir, `.trash-${randomBytes(4).toString('hex')}`);
        await rename(entry.dir, trash);
        await rm(trash, { recursive: true, force: true });
        return true;
      });
    },

    async listCollections() {
      open();
      return [...entries.keys()].sort();
    },

    async dimension(name) {
      open();
      return entryOf(name).dimension;
    },

    async upsert(name, points: readonly VectorPoint[]) {
      open();
      const prepared = preparePoints(name, entryOf(name).dimension, points);
      await serial(async () => {
        const collection = await load(entryOf(name)); // it may have been dropped meanwhile
        if (prepared.length > 0) await collection.upsert(prepared);
      });
    },

    async delete(name, ids) {
      open();
      entryOf(name);
      await serial(async () => {
        const collection = await load(entryOf(name));
        if (ids.length > 0) await collection.delete(ids);
      });
    },

    async search(target, vector, searchOptions: SearchOptions): Promise<SearchHit[]> {
      open();
      checkSearchOptions(searchOptions);
      const { entry, shown } = targetOf(target);
      checkVector(shown, entry.dimension, vector, 'query');
      const collection = await load(entry);
      return collection.memory.search(normalized(vector), searchOptions.k, searchOptions.languages);
    },

    async searchMany(target, queries) {
      open();
      for (const q of queries) checkSearchOptions(q);
      const { entry, shown } = targetOf(target);
      for (const q of queries) checkVector(shown, entry.dimension, q.vector, 'query');
      const collection = await load(entry);
      return collection.memory.searchMany(queries.map((q) => ({ ...q, vector: normalized(q.vector) })));
    },

    async searchLexical(target, queries) {
      open();
      for (const q of queries) checkLexicalQuery(q);
      return (await load(targetOf(target).entry)).memory.searchLexical(queries);
    },

    async count(name) {
      open();
      return (await load(entryOf(name))).memory.count;
    },

    async waitForIndex(name) {
      open();
      await (await load(entryOf(name))).memory.hnsw.whenReady();
    },

    async setAlias(alias, collection) {
      open();
      checkName('alias', alias);
      await serial(async () => {
        if (entries.has(alias)) {
          throw new VectorStoreError('collection-exists', `cannot create alias "${alias}": a collection has that name`);
        }
        entryOf(collection);
        await saveAliases(new Map(aliases).set(alias, collection));
      });
    },

    async resolveAlias(alias) {
      open();
      return aliases.get(alias);
    },

    async removeAlias(alias) {
      open();
      return serial(async () => {
        if (!aliases.has(alias)) return false;
        const next = new Map(aliases);
        next.delete(alias);
        await saveAliases(next);
        return true;
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      await tail;
      for (const entry of entries.values()) {
        const collection = await entry.loading?.catch(() => undefined);
        await collection?.close(options.snapshotOnClose ?? true);
      }
      await lock.release();
    },
  };
}

/** Takes dir/LOCK for this process; a lock left by a process that no longer runs is taken over. */
async function acquireLock(root: string): Promise<PidLock> {
  const file = path.join(root, 'LOCK');
  try {
    return await lockPidFile(file);
  } catch (error) {
    if (!(error instanceof PidLockHeldError)) throw error;
    const who = error.pid === process.pid ? 'this process' : `process ${error.pid}`;
    throw new VectorStoreError('store-locked', `vector store ${root} is already open in ${who} (${file})`);
  }
}
