// Values that are costly to load and must be disposed (restored encoders), kept by key: a worker
// evaluating a checkpoint on several suites, or a gateway embedding queries with it, neither
// re-reads its weights nor re-tokenizes texts its pipeline has cached. A few are kept (least
// recently used first out); concurrent acquires of one key share one load; a value still in use
// when it is pushed out is disposed when its last user releases it, never under a running job.

export interface Disposable {
  dispose(): void;
}

export interface Lease<T> {
  value: T;
  release(): void;
}

interface Entry<T> {
  value: Promise<T>;
  users: number;
  evicted: boolean;
}

export interface LeaseCache<T extends Disposable> {
  /** The value under `key`, loaded with `load` when absent; release the lease when done. */
  acquire(key: string, load: () => Promise<T>): Promise<Lease<T>>;
  /** Disposes every value nobody uses; the others go when released. */
  clear(): void;
  readonly size: number;
}

export function createLeaseCache<T extends Disposable>(capacity = 2): LeaseCache<T> {
  if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`capacity must be a non-negative integer, got ${capacity}`);
  const entries = new Map<string, Entry<T>>();

  const disposeWhenUnused = (entry: Entry<T>) => {
    if (entry.evicted && entry.users === 0) void entry.value.then((v) => v.dispose(), () => {});
  };
  const evict = (key: string) => {
    const entry = entries.get(key)!;
    entries.delete(key);
    entry.evicted = true;
    disposeWhenUnused(entry);
  };

  return {
    async acquire(key, load) {
      let entry = entries.get(key);
      if (entry) entries.delete(key); // re-inserted below as the most recently used
      else entry = { value: load(), users: 0, evicted: false };
      entry.users++;
      entries.set(key, entry);
      while (entries.size > capacity) evict(entries.keys().next().value as string);
      const held = entry;
      let value: T;
      try {
        value = await held.value;
      } catch (err) {
        // Nothing to dispose; a later acquire loads again.
        held.users--;
        if (entries.get(key) === held) entries.delete(key);
        throw err;
      }
      let released = false;
      return {
        value,
        release() {
          if (released) return;
          released = true;
          held.users--;
          disposeWhenUnused(held);
        },
      };
    },
    clear() {
      for (const key of [...entries.keys()]) evict(key);
    },
    get size() {
      return entries.size;
    },
  };
}
