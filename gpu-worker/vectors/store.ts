// The vector store contract shared by the gateway (search) and the worker (indexing): one
// collection per checkpoint, points carrying the text they embed, cosine similarity, and aliases
// so that a new checkpoint's collection is promoted with one atomic swap. Implementations:
// embedded.ts (in-process, persisted under a folder) and qdrant.ts (Qdrant server).

import { collectionNameProblem } from '../../schema/names.js';

export interface VectorPayload {
  /** ISO 639-1 code; searches filter on it. */
  language: string;
  dataset: string;
  documentId: string;
  /** Parallel-group id: translations of one item share it. */
  groupId: string;
  text: string;
}

/**
 * A lexical (BM25) document or query as Qdrant's sparse vectors: term ids (uint32, distinct) and
 * weights. Documents carry BM25's saturated term frequencies, queries their term weights; the
 * store multiplies each query term by its idf over the collection, so idf stays current as points
 * come and go (gpu-worker/lexical/ computes both sides).
 */
export interface SparseVector {
  indices: number[];
  values: number[];
}

export interface VectorPoint {
  /** Upserting an id that exists replaces that point. */
  id: string;
  vector: Float32Array;
  payload: VectorPayload;
  /** The point's lexical terms; a point without them is found by dense search only. */
  lexical?: SparseVector;
}

export interface SearchHit {
  id: string;
  /** Dense search: cosine similarity in [-1, 1]; lexical search: BM25 (>= 0). Higher is better. */
  score: number;
  payload: VectorPayload;
}

export interface SearchOptions {
  /** Number of hits wanted (fewer when the collection or filter has fewer points). */
  k: number;
  /** Only points whose payload.language is one of these; omit for every language. */
  languages?: readonly string[];
}

export interface SearchQuery extends SearchOptions {
  vector: Float32Array;
}

/** A lexical search: score = sum over shared terms of query weight x idf x document weight. */
export interface LexicalQuery extends SearchOptions {
  terms: SparseVector;
}

export interface VectorStore {
  /** remote: another worker's store, reached over the bus (gpu-worker/serving/store-calls.ts). */
  readonly kind: 'embedded' | 'qdrant' | 'remote';
  /** Fails with `collection-exists` when the name is taken by a collection or an alias. */
  createCollection(name: string, options: { dimension: number }): Promise<void>;
  /** Removes the collection and every alias pointing at it; false when there was none. */
  dropCollection(name: string): Promise<boolean>;
  listCollections(): Promise<string[]>;
  /** The collection's vector dimension; fails with `unknown-collection`. */
  dimension(collection: string): Promise<number>;
  /** Inserts or replaces by id; within one call the last point with an id wins. */
  upsert(collection: string, points: readonly VectorPoint[]): Promise<void>;
  /** Removes these ids; ids that are not there are ignored. */
  delete(collection: string, ids: readonly string[]): Promise<void>;
  /** Hits by descending score. `collectionOrAlias` is resolved once per call. */
  search(collectionOrAlias: string, vector: Float32Array, options: SearchOptions): Promise<SearchHit[]>;
  /**
   * Several searches of one collection: the hits `search` gives for each, in order. The embedded
   * store scores the exactly searched ones in one pass over the rows (the queries a worker
   * micro-batches); the others search one by one.
   */
  searchMany(collectionOrAlias: string, queries: readonly SearchQuery[]): Promise<SearchHit[][]>;
  /**
   * Lexical searches of one collection, hits per query by descending BM25 score. Only points
   * sharing a term with the query are hits; idf is ln(1 + (N - df + 0.5) / (df + 0.5)) over the
   * N points with lexical terms (Qdrant's `idf` modifier, Lucene's BM25 idf).
   */
  searchLexical(collectionOrAlias: string, queries: readonly LexicalQuery[]): Promise<SearchHit[][]>;
  count(collection: string): Promise<number>;
  /**
   * Resolves once the collection's search index has caught up with its points (embedded: the
   * HNSW index is built, when the collection is large enough to have one; Qdrant: the collection
   * is no longer optimising). Call before promoting a freshly indexed collection to an alias.
   */
  waitForIndex(collection: string): Promise<void>;
  /** Points the alias at the collection, replacing any previous target in one atomic step. */
  setAlias(alias: string, collection: string): Promise<void>;
  /** The alias's collection, or undefined when there is no such alias. */
  resolveAlias(alias: string): Promise<string | undefined>;
  /** False when there was no such alias. */
  removeAlias(alias: string): Promise<boolean>;
  close(): Promise<void>;
}

export type VectorStoreErrorKind =
  | 'unknown-collection'
  | 'unknown-alias'
  | 'collection-exists'
  | 'dimension-mismatch'
  | 'invalid-argument'
  | 'store-closed'
  | 'store-locked';

export class VectorStoreError extends Error {
  constructor(
    readonly kind: VectorStoreErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'VectorStoreError';
  }
}

export const unknownCollection = (name: string) =>
  new VectorStoreError('unknown-collection', `vector collection "${name}" does not exist`);

export const unknownTarget = (name: string) =>
  new VectorStoreError('unknown-collection', `vector collection or alias "${name}" does not exist`);

export const invalid = (message: string) => new VectorStoreError('invalid-argument', message);

// Names become folder names in the embedded store and collection names in Qdrant.
export function checkName(what: 'collection' | 'alias', name: string): void {
  const problem = collectionNameProblem(name);
  if (problem) throw invalid(`${what} name "${name}" ${problem}`);
}

/** searchMany for stores without a batched search: one search per query. */
export function searchEach(store: Pick<VectorStore, 'search'>, target: string, queries: readonly SearchQuery[]): Promise<SearchHit[][]> {
  return Promise.all(queries.map(({ vector, ...options }) => store.search(target, vector, options)));
}

export function checkDimension(dimension: number): void {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 65_536) {
    throw invalid(`dimension ${dimension} must be an integer in [1, 65536]`);
  }
}

/** Top-k selection is insertion into a sorted list: fine for k in the thousands, not beyond. */
export const MAX_K = 10_000;

export function checkSearchOptions(options: SearchOptions): void {
  if (!Number.isInteger(options.k) || options.k < 1 || options.k > MAX_K) {
    throw invalid(`k=${options.k} must be an integer in [1, ${MAX_K}]`);
  }
  if (options.languages !== undefined && options.languages.length === 0) {
    throw invalid('languages must name at least one language when given (omit it for every language)');
  }
}

/** How errors name a collection, reached directly or through an alias. */
export function describeTarget(collection: string, alias?: string): string {
  return alias === undefined || alias === collection
    ? `collection "${collection}"`
    : `collection "${collection}" (alias "${alias}")`;
}

/** Fails naming the collection, the point (or "query") and both dimensions. */
export function checkVector(target: string, dimension: number, vector: Float32Array, what: string): void {
  if (!(vector instanceof Float32Array)) throw invalid(`${what}: vector must be a Float32Array`);
  if (vector.length !== dimension) {
    throw new VectorStoreError(
      'dimension-mismatch',
      `${target} has dimension ${dimension}; ${what} has ${vector.length}`,
    );
  }
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  // Cosine similarity is undefined for a zero vector, and NaN would poison every comparison.
  if (!(norm > 0) || !Number.isFinite(norm)) throw invalid(`${what}: vector must be finite and non-zero`);
}

export function checkPayload(id: string, payload: VectorPayload): void {
  for (const key of ['language', 'dataset', 'documentId', 'groupId', 'text'] as const) {
    if (typeof payload?.[key] !== 'string') throw invalid(`point "${id}": payload.${key} must be a string`);
  }
}

/** Term ids are uint32 and distinct, weights finite; fails naming the point (or "query"). */
export function checkSparse(sparse: SparseVector, what: string): void {
  const { indices, values } = sparse ?? {};
  if (!Array.isArray(indices) || !Array.isArray(values) || indices.length !== values.length) {
    throw invalid(`${what}: lexical terms need indices and values of equal length`);
  }
  const seen = new Set<number>();
  for (let i = 0; i < indices.length; i++) {
    const id = indices[i]!;
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw invalid(`${what}: term id ${id} is not a uint32`);
    if (seen.has(id)) throw invalid(`${what}: term id ${id} appears twice`);
    seen.add(id);
    if (!Number.isFinite(values[i])) throw invalid(`${what}: term ${id} has weight ${values[i]}`);
  }
}

export function checkLexicalQuery(query: LexicalQuery): void {
  checkSearchOptions(query);
  checkSparse(query.terms, 'query');
}

/** searchLexical for stores that search one query at a time. */
export function searchLexicalEach(search: (query: LexicalQuery) => Promise<SearchHit[]>, queries: readonly LexicalQuery[]): Promise<SearchHit[][]> {
  return Promise.all(queries.map(search));
}

/** Validates every point and keeps the last one per id, in first-seen order. */
export function preparePoints(collection: string, dimension: number, points: readonly VectorPoint[]): VectorPoint[] {
  const byId = new Map<string, VectorPoint>();
  for (const point of points) {
    if (typeof point.id !== 'string' || point.id === '') throw invalid('point ids must be non-empty strings');
    checkVector(describeTarget(collection), dimension, point.vector, `point "${point.id}"`);
    checkPayload(point.id, point.payload);
    if (point.lexical !== undefined) checkSparse(point.lexical, `point "${point.id}"`);
    byId.set(point.id, point);
  }
  return [...byId.values()];
}
