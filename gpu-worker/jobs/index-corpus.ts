// EMBED jobs: embed every candidate sentence of a retrieval dataset (PASSAGE role) with one
// checkpoint and write them, with their BM25 terms (gpu-worker/lexical/), to a vector collection,
// then record the Collection row. Every step is idempotent (create-if-missing, upsert by id,
// upsert by name), so a redelivery just redoes it.

import type { PrismaClient } from '../../prisma/generated/client.js';
import { loadCheckpointEncoder } from '../encoding/checkpoint-encoder.js';
import { nonRetryable } from '../../schema/jobs.js';
import type { VectorPoint, VectorStore } from '../vectors/store.js';
import { BENCHMARK_LANGUAGES, buildRetrievalBenchmark } from '../evaluation/benchmark.js';
import { candidatePointId, parseIndexCorpusPayload } from './index-corpus-payload.js';
import { createAnalyzers } from '../lexical/setup.js';
import { corpusTerms } from '../lexical/terms.js';
import { BM25_DEFAULTS } from '../../schema/serving.js';
import type { JobHandler } from './types.js';

export interface IndexCorpusDeps {
  prisma: PrismaClient;
  /** Opened on first use (see app.ts). */
  vectors: () => Promise<VectorStore>;
  dataDir: string;
  modelsDir: string;
  log: (line: string) => void;
  /** Texts per embedding batch and upsert (default 256). */
  batchSize?: number;
}

export function createIndexCorpusJob(deps: IndexCorpusDeps): JobHandler {
  const { prisma, log, batchSize = 256 } = deps;
  return async ({ job, signal }) => {
    const payload = parseIndexCorpusPayload(job.payload);
    const { checkpointId, dataset, languages, collection } = payload;
    const unknown = languages.filter((l) => !BENCHMARK_LANGUAGES[dataset].includes(l));
    if (unknown.length > 0) throw nonRetryable(`EMBED payload: ${dataset} has no language ${unknown.join(', ')}`);
    const checkpoint = await prisma.checkpoint.findUnique({ where: { id: checkpointId } });
    if (!checkpoint) throw nonRetryable(`checkpoint ${checkpointId} no longer exists`);
    if (checkpoint.prunedAt) throw nonRetryable(`checkpoint ${checkpointId} was pruned (keepCheckpoints of its run): its files are gone`);

    const wanted = new Set(languages);
    const candidates = (await buildRetrievalBenchmark(deps.dataDir, dataset)).candidates.filter((c) => wanted.has(c.language));
    const lexical = corpusTerms(candidates, createAnalyzers(), payload.bm25 ?? BM25_DEFAULTS);
    const vectors = await deps.vectors();
    const encoder = await loadCheckpointEncoder(checkpoint.location, { modelsDir: deps.modelsDir });
    try {
      if (!(await vectors.listCollections()).includes(collection)) {
        await vectors.createCollection(collection, { dimension: encoder.dimension });
      }
      for (let start = 0; start < candidates.length; start += batchSize) {
        if (signal.aborted) return { kind: 'aborted' };
        const batch = candidates.slice(start, start + batchSize);
        const embedded = await encoder.embed(batch.map((c) => c.text), 'PASSAGE', { batchSize, signal });
        const points: VectorPoint[] = batch.map((c, i) => {
          const id = candidatePointId(c.language, c.paragraphIndex, c.sentenceIndex);
          return {
            id,
            vector: embedded[i]!,
            payload: { language: c.language, dataset, documentId: id, groupId: `${c.language}:${c.paragraphIndex}`, text: c.text },
            lexical: lexical[start + i]!,
          };
        });
        await vectors.upsert(collection, points);
        log(`job ${job.id}: embedded ${Math.min(start + batchSize, candidates.length)}/${candidates.length} ${dataset} candidates`);
      }
      if (signal.aborted) return { kind: 'aborted' };
      await vectors.waitForIndex(collection);
      const size = await vectors.count(collection);
      const row = { checkpointId, dataset, languages, size };
      await prisma.collection.upsert({ where: { name: collection }, create: { name: collection, ...row }, update: row });
      log(`job ${job.id}: collection ${collection} holds ${size} points`);
      return { kind: 'succeeded' };
    } finally {
      encoder.dispose();
    }
  };
}
