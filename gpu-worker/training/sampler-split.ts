// The validation hold-out: a share of the parallel GROUPS (never single items, so no translation
// of a validation item is trained on), chosen by a seeded hash of the group id. The choice is a
// pure function of (seed, ids): a resumed run, or another source holding the same group id,
// puts every group on the same side again.

import type { ParallelGroup, ParallelSource } from './sampler.js';

/** A 32-bit hash of the seed and a group id (FNV-1a, then a murmur3 finaliser to spread it). */
export function groupHash(seed: number, id: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface SplitSource<T> {
  train: ParallelSource<T>;
  validation: ParallelSource<T>;
}

/**
 * Holds out round(fraction * usable groups) groups with the smallest hashes, where usable means
 * present in at least one training language. Groups keep their original order on both sides.
 */
export function splitGroups<T>(source: ParallelSource<T>, options: { fraction: number; seed: number; languages: readonly string[] }): SplitSource<T> {
  const usable = source.groups.filter((g) => options.languages.some((l) => g.items.has(l)));
  const count = Math.round(options.fraction * usable.length);
  const ranked = usable
    .map((group) => ({ id: group.id, hash: groupHash(options.seed, group.id) }))
    .sort((a, b) => a.hash - b.hash || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const held = new Set(ranked.slice(0, count).map((g) => g.id));
  const side = (inValidation: boolean): ParallelGroup<T>[] => source.groups.filter((g) => held.has(g.id) === inValidation);
  return { train: { name: source.name, groups: side(false) }, validation: { name: source.name, groups: side(true) } };
}
