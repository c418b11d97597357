// Evaluation through the serving path: the benchmark's candidates go into a vector store
// collection as EMBED jobs write them (passage vectors and BM25 terms), and every query is answered
// by the retriever that answers users' searches, in the mode and fusion asked for. The evaluator
// ranks the hits a search returns; a candidate below the search's depth scores -Infinity, so a
// relevant one there counts as ranked last (mAP and recall at the depth are what a user could
// see; deeper ranks are not served).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RetrievalSettings } from '../../schema/serving.js';
import type { LexicalQueries } from '../lexical/query.js';
import { createAnalyzers } from '../lexical/setup.js';
import { corpusTerms, type Bm25Settings } from '../lexical/terms.js';
import { createRetriever, type LanguageMerge } from '../serving/retriever.js';
import { openEmbeddedStore } from '../vectors/embedded.js';
import type { VectorPoint } from '../vectors/store.js';
import type { RetrievalBenchmark } from './benchmark.js';
import type { RetrievalScorer } from './scoring.js';

/**
 * Hits asked of every search: in a one-language pool the API's maximum k; in the pool of all
 * languages ten times that, so that the rank distance (the worst rank among a question's answers
 * in every language) is measured rather than cut.
 */
export const EVALUATION_DEPTH = { language: 100, all: 1_000 };

export interface ServedScorerOptions {
  retrieval: RetrievalSettings;
  lexical: LexicalQueries;
  /** Query and candidate vectors (row-major, benchmark order); required unless the mode is LEXICAL. */
  embeddings?: { queries: Float32Array; candidates: Float32Array; dimension: number };
  bm25?: Bm25Settings;
  /** Hits per search (default EVALUATION_DEPTH). */
  depth?: { language: number; all: number };
  /** How the retriever merges languages (default: the serving default). */
  languageMerge?: LanguageMerge;
}

export interface ServedScorer extends RetrievalScorer {
  /** Closes the store and removes its folder. */
  close(): Promise<void>;
}

export async function createServedScorer(benchmark: RetrievalBenchmark, options: ServedScorerOptions): Promise<ServedScorer> {
  const { retrieval, embeddings } = options;
  if (retrieval.mode !== 'LEXICAL' && !embeddings) throw new Error(`${retrieval.mode} retrieval needs embeddings`);
  const depth = options.depth ?? EVALUATION_DEPTH;
  const dir = await mkdtemp(path.join(tmpdir(), 'xling-evaluation-'));
  const store = await openEmbeddedStore({ dir, snapshotOnClose: false });
  try {
    // Lexical-only evaluation has no vectors; the store wants one, so every point gets the same.
    const dimension = embeddings?.dimension ?? 1;
    const row = (values: Float32Array, i: number) => values.slice(i * dimension, (i + 1) * dimension);
    const unit = new Float32Array([1]);
    const lexical = corpusTerms(benchmark.candidates, createAnalyzers(), options.bm25);
    await store.createCollection('evaluation', { dimension });
    const points: VectorPoint[] = benchmark.candidates.map((c, i) => ({
      id: String(i),
      vector: embeddings ? row(embeddings.candidates, i) : unit,
      payload: { language: c.language, dataset: benchmark.name, documentId: String(i), groupId: `${c.language}:${c.paragraphIndex}`, text: c.text },
      lexical: lexical[i]!,
    }));
    for (let start = 0; start < points.length; start += 4096) await store.upsert('evaluation', points.slice(start, start + 4096));
    await store.waitForIndex('evaluation');
  } catch (error) {
    await store.close();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const retriever = createRetriever(store, options.lexical, options.languageMerge ? { languageMerge: options.languageMerge } : {});
  const { languages, queries, candidateRanges } = benchmark;
  return {
    poolInvariant: false,
    async scoreBlock(start, end, pool, out) {
      const range = pool.kind === 'all' ? { start: 0, end: benchmark.candidates.length } : candidateRanges[pool.language]!;
      const width = range.end - range.start;
      const poolLanguages = pool.kind === 'all' ? languages : [languages[pool.language]!];
      const k = pool.kind === 'all' ? depth.all : depth.language;
      const asked = queries.slice(start, end).map((q) => ({ text: q.text, queryLanguage: q.language, k, languages: poolLanguages, retrieval }));
      // Every query of a block has the same mode, so the retriever embeds all of them, in order.
      const embed = async () =>
        Array.from({ length: end - start }, (_, i) => embeddings!.queries.slice((start + i) * embeddings!.dimension, (start + i + 1) * embeddings!.dimension));
      const found = await retriever.searchMany('evaluation', languages, asked, embed);
      out.fill(-Infinity, 0, (end - start) * width);
      found.forEach((hits, i) => {
        for (const hit of hits) out[i * width + Number(hit.id) - range.start] = hit.score;
      });
    },
    async close() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
