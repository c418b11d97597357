// Query serving: what the gateway asks of the workers over the bus (request-reply to one queue
// group, schema/bus.ts ServingBus) and what they answer. Workers hold the checkpoint encoders and
// the vector store; the gateway holds neither, so its memory does not grow with the models served.
//
// Messages are JSON. Vectors travel as base64 of little-endian float32: 4 bytes a component on
// the wire instead of about 10 characters as JSON numbers, and no loss of precision.

import type { Pooling } from './training.js';

export type EncodingRole = 'QUERY' | 'PASSAGE';

export const RETRIEVAL_MODES = ['DENSE', 'LEXICAL', 'HYBRID'] as const;
/** DENSE: the checkpoint's encoder; LEXICAL: BM25 with per-language analysis; HYBRID: both, fused. */
export type RetrievalMode = (typeof RETRIEVAL_MODES)[number];
export const FUSION_METHODS = ['RRF', 'WEIGHTED'] as const;

/** RRF: reciprocal-rank fusion with its constant k; WEIGHTED: denseWeight x dense + (1 - denseWeight) x lexical, after min-max normalisation. */
export type Fusion = { kind: 'RRF'; k: number } | { kind: 'WEIGHTED'; denseWeight: number };

export interface RetrievalSettings {
  mode: RetrievalMode;
  fusion: Fusion;
  /** Lexical search translates the query into other languages with the bilingual dictionaries (DICT-BM25); false: literal terms only (BM25). */
  dictionary: boolean;
}

/** BM25's settings of a lexical index: k1 saturates term frequency, b normalises length (0 none, 1 full). */
export const BM25_DEFAULTS = { k1: 1.2, b: 0.75 } as const;

/** Dense retrieval alone: validation during training, and evaluation requests written before modes. */
export const DENSE_RETRIEVAL: RetrievalSettings = { mode: 'DENSE', fusion: { kind: 'RRF', k: 60 }, dictionary: false };

/** RRF's usual constant (Cormack et al. 2009): the default when RRF is asked for without k. */
export const DEFAULT_RRF_K = 60;

/**
 * Chosen on validation data (bench/fusion-validation.ts on XNLI's test split as retrieval, with the
 * CPU_DEFAULT encoder; bench/results.md, "Fusion default"): a weighted fusion with dense weight 0.2
 * had the best mean of mono, cross and multi mAP, above lexical search alone; every RRF setting
 * fell below lexical search alone, since RRF gives a weak dense list as much say as BM25.
 */
export const DEFAULT_DENSE_WEIGHT = 0.2;

export const DEFAULT_RETRIEVAL: RetrievalSettings = { mode: 'HYBRID', fusion: { kind: 'WEIGHTED', denseWeight: DEFAULT_DENSE_WEIGHT }, dictionary: true };

export interface QueryItem {
  text: string;
  k: number;
  /** Absent: DEFAULT_RETRIEVAL. */
  retrieval?: RetrievalSettings;
  /** ISO 639-1; absent: the worker identifies it from the text. */
  queryLanguage?: string;
  /** Only hits in these languages; absent for every language. */
  languages?: string[];
}

export interface ServedHit {
  score: number;
  language: string;
  text: string;
  documentId: string;
}

/** One query's answer: its language (as given, or identified by the worker) and its hits. */
export interface ServedResult {
  queryLanguage: string;
  /** What produced the hits. */
  retrieval: RetrievalSettings;
  hits: ServedHit[];
}

/** Lexical terms (sparse vector): uint32 term ids and their weights. */
export interface WireTerms {
  indices: number[];
  values: number[];
}

/** A point of the vector store with its vector as base64 float32 (see encodeVector). */
export interface WirePoint {
  id: string;
  vector: string;
  payload: { language: string; dataset: string; documentId: string; groupId: string; text: string };
  lexical?: WireTerms;
}

/**
 * Vector store operations for processes that do not own the store: the gateway (setAlias on
 * promote) and workers configured with VECTOR_STORE=remote (EMBED jobs), answered by a worker
 * that owns the embedded store or talks to Qdrant.
 */
export type StoreCall =
  | { method: 'createCollection'; name: string; dimension: number }
  | { method: 'dropCollection'; name: string }
  | { method: 'listCollections' }
  | { method: 'dimension'; collection: string }
  | { method: 'upsert'; collection: string; points: WirePoint[] }
  | { method: 'delete'; collection: string; ids: string[] }
  | { method: 'search'; collection: string; vector: string; k: number; languages?: string[] }
  | { method: 'searchLexical'; collection: string; queries: { terms: WireTerms; k: number; languages?: string[] }[] }
  | { method: 'count'; collection: string }
  | { method: 'waitForIndex'; collection: string }
  | { method: 'setAlias'; alias: string; collection: string }
  | { method: 'resolveAlias'; alias: string }
  | { method: 'removeAlias'; alias: string };

export type ServingRequest =
  /** Queries of one collection, embedded with its checkpoint's encoder; hits per query, in order. */
  /** `languages`: the collection's, into each of which lexical search expands a query. */
  | { kind: 'search'; collection: string; checkpoint: string; languages: string[]; queries: QueryItem[] }
  /** Texts through a registered model; `model` is its folder relative to MODELS_DIR. */
  | { kind: 'embed'; model: string; texts: string[]; role: EncodingRole; prefix: boolean; pooling: Pooling; normalize: boolean; maxLength: number }
  /** Reads a model folder (relative to MODELS_DIR): what registerModel records. */
  | { kind: 'inspectModel'; path: string }
  | { kind: 'store'; call: StoreCall };

export type ServingKind = ServingRequest['kind'];

export interface ModelInspection {
  modelType: string;
  parameters: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  vocabSize: number;
  maxTokens: number;
  hasPooler: boolean;
  hasTokenizer: boolean;
  headerSha256: string;
}

/** What each kind of request answers with when it succeeds. */
export interface ServingValues {
  search: ServedResult[];
  /** base64 float32 vectors, one per text. */
  embed: string[];
  inspectModel: ModelInspection;
  store: unknown;
}

/**
 * Why a worker could not answer. `invalid`: the request cannot succeed as sent (a model folder
 * that is not usable, a dimension mismatch); `store`: the vector store refused, with its error
 * kind so a remote store rethrows the same error; `internal`: a bug or an unavailable resource,
 * whose message is for logs only.
 */
export type ServingFailure =
  | { kind: 'invalid'; message: string }
  | { kind: 'store'; storeKind: string; message: string }
  | { kind: 'internal'; message: string };

export type ServingReply<K extends ServingKind = ServingKind> = { ok: true; value: ServingValues[K] } | { ok: false; failure: ServingFailure };

export function encodeVector(vector: Float32Array): string {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
}

export function decodeVector(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  // A copy: Buffer.from may hand out a slice of a shared pool at an offset not aligned to 4.
  const vector = new Float32Array(bytes.byteLength >>> 2);
  new Uint8Array(vector.buffer).set(bytes.subarray(0, vector.byteLength));
  return vector;
}
