// Collection metadata for the search path without a database read per search. A collection's id,
// name and checkpoint never change (an EMBED job that re-indexes a name upserts the same
// checkpoint), so name entries live until evicted (least recently used first). An alias can be
// moved by any gateway's promoteCollection, so alias entries expire after aliasTtlMs; this
// gateway's promote calls invalidateAliases() to see its own change at once. Misses are not
// cached: a collection may be created at any moment. Concurrent lookups of one key share a query.

import type { PrismaClient } from '../../prisma/generated/client.js';

export interface CollectionRef {
  id: string;
  name: string;
  /** The alias when the row was read: current for byAlias, possibly stale for byName. */
  alias: string | null;
  checkpointLocation: string;
  /** The collection's languages: lexical queries are expanded into each. */
  languages: string[];
}

export interface CollectionLookup {
  byName(name: string): Promise<CollectionRef | undefined>;
  byAlias(alias: string): Promise<CollectionRef | undefined>;
  /** Drops every cached alias (call after promoteCollection); names stay (a collection's checkpoint never changes). */
  invalidateAliases(): void;
}

export const DEFAULT_ALIAS_TTL_MS = 1000;
export const DEFAULT_MAX_COLLECTION_ENTRIES = 1000;

export interface CollectionLookupDeps {
  prisma: Pick<PrismaClient, 'collection'>;
  aliasTtlMs: number;
  /** Entries kept per kind (names, aliases). */
  maxEntries?: number;
  /** Clock for alias expiry; Date.now unless a test passes its own. */
  now?: () => number;
}

/** A Map used as a least-recently-used cache: iteration order is use order, oldest first. */
export class LruMap<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(private readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`maxEntries must be at least 1, got ${max}`);
  }
  get size(): number {
    return this.entries.size;
  }
  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key)!;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
  delete(key: K): void {
    this.entries.delete(key);
  }
  clear(): void {
    this.entries.clear();
  }
}

/** Runs one load per key at a time: callers of a key whose load is in flight share its promise. */
export function singleFlight<K, V>(): { run(key: K, load: () => Promise<V>): Promise<V>; forget(): void } {
  let inFlight = new Map<K, Promise<V>>();
  return {
    run(key, load) {
      const running = inFlight.get(key);
      if (running) return running;
      const flights = inFlight;
      const p = load().finally(() => {
        if (flights.get(key) === p) flights.delete(key);
      });
      flights.set(key, p);
      return p;
    },
    /** Later callers start a new load; loads in flight still answer their own callers. */
    forget() {
      inFlight = new Map();
    },
  };
}

const select = { id: true, name: true, alias: true, languages: true, checkpoint: { select: { location: true } } } as const;

export function createCollectionLookup(deps: CollectionLookupDeps): CollectionLookup {
  const { prisma, aliasTtlMs } = deps;
  const now = deps.now ?? Date.now;
  const maxEntries = deps.maxEntries ?? DEFAULT_MAX_COLLECTION_ENTRIES;
  const names = new LruMap<string, CollectionRef>(maxEntries);
  const aliases = new LruMap<string, { ref: CollectionRef; expiresAt: number }>(maxEntries);
  const nameLoads = singleFlight<string, CollectionRef | undefined>();
  const aliasLoads = singleFlight<string, CollectionRef | undefined>();
  // Bumped by invalidateAliases: an alias read that started before it must not be cached after it.
  let aliasGeneration = 0;

  const read = async (where: { name: string } | { alias: string }): Promise<CollectionRef | undefined> => {
    const row = await prisma.collection.findUnique({ where, select });
    if (!row) return undefined;
    const ref: CollectionRef = { id: row.id, name: row.name, alias: row.alias, checkpointLocation: row.checkpoint.location, languages: row.languages };
    names.set(ref.name, ref);
    return ref;
  };

  return {
    async byName(name) {
      return names.get(name) ?? nameLoads.run(name, () => read({ name }));
    },
    async byAlias(alias) {
      const cached = aliases.get(alias);
      if (cached && now() < cached.expiresAt) return cached.ref;
      if (cached) aliases.delete(alias);
      return aliasLoads.run(alias, async () => {
        const generation = aliasGeneration;
        const startedAt = now();
        const ref = await read({ alias });
        if (ref && generation === aliasGeneration) aliases.set(alias, { ref, expiresAt: startedAt + aliasTtlMs });
        return ref;
      });
    },
    invalidateAliases() {
      aliasGeneration += 1;
      aliases.clear();
      aliasLoads.forget();
    },
  };
}
