// Batch composition, the subject of the method (docs/method.md): a batch is monolingual (every
// pair in one language, drawn uniformly) with probability alpha, else cross-lingual (each pair's
// query and passage languages differ, drawn per pair). A batch never holds two members of one
// parallel group: their translations would be false in-batch negatives. With several sources, each
// batch comes from one source picked in proportion to its size.

import type { BatchComposition } from '../../schema/events.js';
import { nonRetryable } from '../../schema/jobs.js';
import { createRandom, sampleDistinct } from './random.js';

export type BatchMode = 'MONO' | 'CROSS';

/** One item (e.g. a question and its answer sentence) in every language it exists in. */
export interface ParallelGroup<T> {
  id: string;
  items: ReadonlyMap<string, T>;
}

export interface ParallelSource<T> {
  name: string;
  groups: readonly ParallelGroup<T>[];
}

export interface BatchPair<T> {
  groupId: string;
  queryLanguage: string;
  passageLanguage: string;
  /** Item in the query language (read its query side). */
  query: T;
  /** Item in the passage language (read its passage side). */
  passage: T;
}

export interface Batch<T> {
  source: string;
  mode: BatchMode;
  pairs: BatchPair<T>[];
  composition: BatchComposition;
}

export interface SamplerOptions {
  languages: readonly string[];
  batchSize: number;
  /** Probability of a monolingual batch. */
  alpha: number;
  seed: number;
}

export interface BatchSampler<T> {
  next(): Batch<T>;
}

interface Indexed<T> {
  source: ParallelSource<T>;
  /** Training languages of each group, in the order of options.languages. */
  languages: string[][];
  byLanguage: Map<string, number[]>;
  cross: number[];
  size: number;
}

function index<T>(source: ParallelSource<T>, languages: readonly string[]): Indexed<T> {
  const byLanguage = new Map<string, number[]>();
  const cross: number[] = [];
  let size = 0;
  const groupLanguages = source.groups.map((group, g) => {
    const present = languages.filter((l) => group.items.has(l));
    for (const l of present) {
      let list = byLanguage.get(l);
      if (!list) byLanguage.set(l, (list = []));
      list.push(g);
    }
    if (present.length >= 2) cross.push(g);
    if (present.length > 0) size++;
    return present;
  });
  return { source, languages: groupLanguages, byLanguage, cross, size };
}

function validate<T>(sources: Indexed<T>[], { batchSize, alpha, languages }: SamplerOptions): void {
  if (!(alpha >= 0 && alpha <= 1)) throw nonRetryable(`alpha must be in [0, 1], got ${alpha}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw nonRetryable(`batch size must be a positive integer, got ${batchSize}`);
  if (new Set(languages).size !== languages.length) throw nonRetryable(`duplicate training languages: ${languages.join(', ')}`);
  if (alpha < 1 && languages.length < 2) throw nonRetryable('cross-lingual batches need at least two training languages');
  for (const s of sources) {
    const name = s.source.name;
    if (s.size === 0) throw nonRetryable(`${name} has no data in ${languages.join(', ')}`);
    if (alpha > 0) {
      for (const [language, groups] of s.byLanguage) {
        if (groups.length < batchSize) throw nonRetryable(`${name} has ${groups.length} ${language} items, fewer than the batch size ${batchSize}`);
      }
    }
    if (alpha < 1 && s.cross.length < batchSize) {
      throw nonRetryable(`${name} has ${s.cross.length} items in two or more training languages, fewer than the batch size ${batchSize}`);
    }
  }
}

export function createBatchSampler<T>(sources: readonly ParallelSource<T>[], options: SamplerOptions): BatchSampler<T> {
  const indexed = sources.map((s) => index(s, options.languages));
  if (indexed.length === 0) throw nonRetryable('no training datasets');
  validate(indexed, options);
  const random = createRandom(options.seed);
  const total = indexed.reduce((sum, s) => sum + s.size, 0);

  const pickSource = () => {
    let r = random.next() * total;
    for (const s of indexed) if ((r -= s.size) < 0) return s;
    return indexed[indexed.length - 1]!;
  };

  const pair = (s: Indexed<T>, g: number, queryLanguage: string, passageLanguage: string): BatchPair<T> => {
    const group = s.source.groups[g]!;
    return { groupId: group.id, queryLanguage, passageLanguage, query: group.items.get(queryLanguage)!, passage: group.items.get(passageLanguage)! };
  };

  const mono = (s: Indexed<T>): BatchPair<T>[] => {
    const languages = [...s.byLanguage.keys()];
    const language = languages[random.int(languages.length)]!;
    const pool = s.byLanguage.get(language)!;
    return sampleDistinct(random, pool.length, options.batchSize).map((i) => pair(s, pool[i]!, language, language));
  };

  const cross = (s: Indexed<T>): BatchPair<T>[] =>
    sampleDistinct(random, s.cross.length, options.batchSize).map((i) => {
      const g = s.cross[i]!;
      const present = s.languages[g]!;
      const q = random.int(present.length);
      // Draw the passage language among the others: shift past the query's index.
      const p = (q + 1 + random.int(present.length - 1)) % present.length;
      return pair(s, g, present[q]!, present[p]!);
    });

  return {
    next() {
      const mode: BatchMode = random.next() < options.alpha ? 'MONO' : 'CROSS';
      const s = pickSource();
      const pairs = mode === 'MONO' ? mono(s) : cross(s);
      return { source: s.source.name, mode, pairs, composition: compositionOf(pairs) };
    },
  };
}

/** Counts of "query-passage" language pairs. */
export function compositionOf(pairs: readonly Pick<BatchPair<unknown>, 'queryLanguage' | 'passageLanguage'>[]): BatchComposition {
  const counts: BatchComposition = {};
  for (const { queryLanguage, passageLanguage } of pairs) {
    const key = `${queryLanguage}-${passageLanguage}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
