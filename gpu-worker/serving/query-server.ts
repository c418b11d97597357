// The worker side of query serving: answers search, embed, inspectModel and vector store requests
// with the checkpoint encoders and the vector store this worker holds. Searches of one collection
// arriving together (micro-batch.ts) are embedded in one encoder call and scored in one pass over
// the collection (VectorStore.searchMany); each keeps its own k and language filter.

import path from 'node:path';
import { assertNever } from '../../schema/events.js';
import { DEFAULT_RETRIEVAL, encodeVector, type ModelInspection, type QueryItem, type ServedResult, type ServingReply, type ServingRequest } from '../../schema/serving.js';
import { createEncoderCache, type CheckpointEncoderCache } from '../encoding/encoder-cache.js';
import { HfModelError } from '../encoding/hf/config.js';
import { embedWithHfModel } from '../encoding/hf/embed.js';
import type { HfEncoder } from '../encoding/hf/encoder.js';
import { createLeaseCache } from '../encoding/lease-cache.js';
import type { SubwordTokenizer } from '../encoding/tokenizer-json.js';
import { VectorStoreError, type VectorStore } from '../vectors/store.js';
import type { LexicalQueries } from '../lexical/query.js';
import { createMicroBatcher } from './micro-batch.js';
import { createRetriever } from './retriever.js';
import { createLanguageIdentifier } from './language.js';
import { applyStoreCall } from './store-calls.js';

export interface QueryServerOptions {
  vectors: VectorStore;
  modelsDir: string;
  /** Checkpoint encoders kept loaded. */
  cachedEncoders: number;
  /** Longest a query waits for others of its collection before its encoder call (0: one event-loop turn). */
  batchWaitMs: number;
  /** Queries per encoder call at most. */
  batchMaxQueries?: number;
  /** Analysis and dictionaries for lexical search, asked for by batches with a lexical query (lazyLexicalQueries). */
  lexical: () => Promise<LexicalQueries>;
  /** Each search request answered: its queries' retrieval modes and its seconds (the worker's metrics). */
  observeSearch?: (modes: readonly string[], seconds: number) => void;
  /** For tests: the encoder cache (default: loads checkpoints from disk). */
  encoders?: CheckpointEncoderCache;
}

export interface QueryServer {
  handle(request: ServingRequest): Promise<ServingReply>;
  /** Releases the encoders; the store belongs to the caller. */
  close(): void;
}

interface PretrainedModel {
  tokenizer: SubwordTokenizer;
  encoder: HfEncoder;
  dispose(): void;
}

/** Dense-only batches never expand a query. */
const NO_LEXICAL: LexicalQueries = {
  expand() {
    throw new Error('a dense search asked for lexical queries');
  },
};

/** One pretrained model kept loaded: a base-size model holds about 1 GB. */
const CACHED_PRETRAINED = 1;

export function createQueryServer(options: QueryServerOptions): QueryServer {
  const { vectors, modelsDir } = options;
  const encoders = options.encoders ?? createEncoderCache({ capacity: options.cachedEncoders, modelsDir });
  const pretrained = createLeaseCache<PretrainedModel>(CACHED_PRETRAINED);
  // One key per collection, checkpoint and the collection's languages (JSON): the checkpoint
  // embeds, the collection is searched, lexical queries go to each of its languages.
  const languages = createLanguageIdentifier();
  const queries = createMicroBatcher<QueryItem, ServedResult>({
    waitMs: options.batchWaitMs,
    maxItems: options.batchMaxQueries ?? 256,
    run: async (key, items) => {
      const [collection, checkpoint, collectionLanguages] = JSON.parse(key) as [string, string, string[]];
      const queryLanguages = await Promise.all(items.map((q) => q.queryLanguage ?? languages.identify(q.text)));
      const settings = items.map((q) => q.retrieval ?? DEFAULT_RETRIEVAL);
      const needsLexical = settings.some((r) => r.mode !== 'DENSE');
      const retriever = createRetriever(vectors, needsLexical ? await options.lexical() : NO_LEXICAL);
      const found = await retriever.searchMany(
        collection,
        collectionLanguages,
        items.map((q, i) => ({ text: q.text, queryLanguage: queryLanguages[i]!, k: q.k, retrieval: settings[i]!, ...(q.languages ? { languages: q.languages } : {}) })),
        async (texts) => (await encoders.get(checkpoint)).embed(texts, 'QUERY'),
      );
      return found.map((hits, i) => ({
        queryLanguage: queryLanguages[i]!,
        retrieval: settings[i]!,
        hits: hits.map(({ score, payload }) => ({ score, language: payload.language, text: payload.text, documentId: payload.documentId })),
      }));
    },
  });

  /** A folder named relative to MODELS_DIR, or undefined when it leads out of it. */
  const modelFolder = (relative: string) => {
    const absolute = path.resolve(modelsDir, relative);
    const inside = path.relative(modelsDir, absolute);
    return inside.startsWith('..') || path.isAbsolute(inside) ? undefined : absolute;
  };
  // Messages leave this process: the folder as the gateway named it, never this machine's paths.
  const shown = (message: string, absolute: string, relative: string) => message.split(absolute).join(relative).split(modelsDir).join('MODELS_DIR');

  async function handle(request: ServingRequest): Promise<ServingReply> {
    switch (request.kind) {
      case 'search': {
        const started = performance.now();
        const value = await queries.submit(JSON.stringify([request.collection, request.checkpoint, request.languages]), request.queries);
        options.observeSearch?.(request.queries.map((q) => q.retrieval?.mode ?? 'DENSE'), (performance.now() - started) / 1000);
        return { ok: true, value };
      }
      case 'embed': {
        const dir = modelFolder(request.model);
        if (!dir) return { ok: false, failure: { kind: 'invalid', message: 'model folder is outside MODELS_DIR' } };
        const lease = await pretrained.acquire(dir, async () => {
          const { loadHfEncoder, loadHfTokenizer } = await import('../encoding/hf/model.js');
          const tokenizer = await loadHfTokenizer(dir);
          const { encoder } = await loadHfEncoder(dir);
          return { tokenizer, encoder, dispose: () => encoder.dispose() };
        });
        try {
          const embedded = await embedWithHfModel(lease.value, request.texts, request);
          return { ok: true, value: embedded.map(encodeVector) };
        } finally {
          lease.release();
        }
      }
      case 'inspectModel': {
        const dir = modelFolder(request.path);
        if (!dir) return { ok: false, failure: { kind: 'invalid', message: 'model folder is outside MODELS_DIR' } };
        const { inspectHfModel } = await import('../encoding/hf/model.js');
        try {
          const info = await inspectHfModel(dir);
          const { config } = info;
          const value: ModelInspection = {
            modelType: config.modelType,
            parameters: info.parameters,
            hiddenSize: config.hiddenSize,
            layers: config.layers,
            heads: config.heads,
            intermediateSize: config.intermediateSize,
            vocabSize: config.vocabSize,
            maxTokens: info.maxTokens,
            hasPooler: info.hasPooler,
            hasTokenizer: info.hasTokenizer,
            headerSha256: info.headerSha256,
          };
          return { ok: true, value };
        } catch (error) {
          if (error instanceof HfModelError) return { ok: false, failure: { kind: 'invalid', message: shown(error.message, dir, request.path) } };
          throw error;
        }
      }
      case 'store':
        return applyStoreCall(vectors, request.call);
      default:
        return assertNever(request);
    }
  }

  return {
    async handle(request) {
      try {
        return await handle(request);
      } catch (error) {
        if (error instanceof VectorStoreError) return { ok: false, failure: { kind: 'store', storeKind: error.kind, message: error.message } };
        throw error;
      }
    },
    close() {
      encoders.clear();
      pretrained.clear();
    },
  };
}
