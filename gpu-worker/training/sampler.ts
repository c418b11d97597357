// Batch composition, the subject of the method (docs/method.md): a batch is monolingual (every
// pair in one language, drawn uniformly) with probability alpha, else cross-lingual (each pair's
// query and passage languages differ, drawn per pair). A batch never holds two members of one
// parallel group, nor two equal passage (or query) texts: either would be a false in-batch
// negative (datasets repeat answer sentences across questions). With several sources, each batch
// comes from one source picked in proportion to its size. The sampler is a pure function of its
// seed and the number of batches drawn, which is how a resumed run finds its place again.

import type { BatchComposition } from '../../schema/events.js';
import { nonRetryable } from '../../schema/jobs.js';
import { createRandom, type Random } from './random.js';

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

/** The texts that must not repeat within a batch. */
export interface TextKeys<T> {
  query(item: T): string;
  passage(item: T): string;
}

export interface SamplerOptions<T = unknown> {
  languages: readonly string[];
  batchSize: number;
  /** Probability of a monolingual batch. */
  alpha: number;
  seed: number;
  /** Without it only groups are kept distinct. */
  keys?: TextKeys<T>;
}

export interface BatchSampler<T> {
  /** The next batch; `mode` forces its kind (fixed validation sets) instead of drawing it. */
  next(mode?: BatchMode): Batch<T>;
  /** Batches drawn so far. */
  readonly position: number;
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

/** The largest batch each mode can fill from a source: distinct passages per language for MONO, two-language groups for CROSS. */
export function largestBatch<T>(source: ParallelSource<T>, options: Pick<SamplerOptions<T>, 'languages' | 'alpha' | 'keys'>): number {
  const s = index(source, options.languages);
  let largest = Infinity;
  if (options.alpha > 0) {
    if (s.byLanguage.size === 0) return 0;
    for (const [language, groups] of s.byLanguage) {
      const passages = options.keys ? new Set(groups.map((g) => options.keys!.passage(s.source.groups[g]!.items.get(language)!))).size : groups.length;
      largest = Math.min(largest, passages);
    }
  }
  if (options.alpha < 1) largest = Math.min(largest, s.cross.length);
  return largest;
}

function validate<T>(sources: Indexed<T>[], options: SamplerOptions<T>): void {
  const { batchSize, alpha, languages } = options;
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

/**
 * Up to k indices of [0, n) in random order, without replacement, skipping those `accept`
 * refuses (a lazy Fisher-Yates shuffle: no copy of the range). Fewer than k if n runs out.
 */
function drawAccepted(random: Random, n: number, k: number, accept: (i: number) => boolean): number[] {
  const moved = new Map<number, number>();
  const out: number[] = [];
  for (let j = 0; j < n && out.length < k; j++) {
    const r = j + random.int(n - j);
    const pick = moved.get(r) ?? r;
    moved.set(r, moved.get(j) ?? j);
    if (accept(pick)) out.push(pick);
  }
  return out;
}

export function createBatchSampler<T>(sources: readonly ParallelSource<T>[], options: SamplerOptions<T>): BatchSampler<T> {
  const indexed = sources.map((s) => index(s, options.languages));
  if (indexed.length === 0) throw nonRetryable('no training datasets');
  validate(indexed, options);
  const { batchSize, keys } = options;
  const random = createRandom(options.seed);
  const total = indexed.reduce((sum, s) => sum + s.size, 0);
  let position = 0;

  const pickSource = () => {
    let r = random.next() * total;
    for (const s of indexed) if ((r -= s.size) < 0) return s;
    return indexed[indexed.length - 1]!;
  };

  /** Builds pairs one candidate at a time, refusing texts the batch already has. */
  const collect = (s: Indexed<T>, pool: readonly number[], languagesOf: (g: number) => [string, string], what: string) => {
    const queries = new Set<string>();
    const passages = new Set<string>();
    const pairs: BatchPair<T>[] = [];
    drawAccepted(random, pool.length, batchSize, (i) => {
      const g = pool[i]!;
      const group = s.source.groups[g]!;
      const [queryLanguage, passageLanguage] = languagesOf(g);
      const pair = { groupId: group.id, queryLanguage, passageLanguage, query: group.items.get(queryLanguage)!, passage: group.items.get(passageLanguage)! };
      if (keys) {
        const [q, p] = [keys.query(pair.query), keys.passage(pair.passage)];
        if (queries.has(q) || passages.has(p)) return false;
        queries.add(q);
        passages.add(p);
      }
      pairs.push(pair);
      return true;
    });
    if (pairs.length < batchSize) {
      throw nonRetryable(`${s.source.name}: only ${pairs.length} ${what} pairs with distinct texts, fewer than the batch size ${batchSize}`);
    }
    return pairs;
  };

  const mono = (s: Indexed<T>): BatchPair<T>[] => {
    const languages = [...s.byLanguage.keys()];
    const language = languages[random.int(languages.length)]!;
    return collect(s, s.byLanguage.get(language)!, () => [language, language], `${language}-${language}`);
  };

  const cross = (s: Indexed<T>): BatchPair<T>[] =>
    collect(
      s,
      s.cross,
      (g) => {
        const present = s.languages[g]!;
        const q = random.int(present.length);
        // Draw the passage language among the others: shift past the query's index.
        const p = (q + 1 + random.int(present.length - 1)) % present.length;
        return [present[q]!, present[p]!];
      },
      'cross-lingual',
    );

  return {
    next(forced?: BatchMode) {
      const drawn: BatchMode = random.next() < options.alpha ? 'MONO' : 'CROSS';
      const mode = forced ?? drawn;
      const s = pickSource();
      const pairs = mode === 'MONO' ? mono(s) : cross(s);
      position++;
      return { source: s.source.name, mode, pairs, composition: compositionOf(pairs) };
    },
    get position() {
      return position;
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
