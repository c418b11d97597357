// What an EVALUATE job scores with. A run is evaluated at its latest checkpoint (the final one
// once it has finished); a checkpoint as it is; BM25 and DICT_BM25 are the lexical references
// (the serving path's lexical search without and with the dictionaries); RANDOM is an
// untrained encoder of the default model spec, initialised with the request's seed: the
// reference of an encoder that has learnt nothing. Encoders are leased from the worker's cache.

import type { PrismaClient } from '../../prisma/generated/client.js';
import type { EvaluationTarget } from '../../schema/evaluation.js';
import { nonRetryable } from '../../schema/jobs.js';
import { DEFAULT_MODEL } from '../../schema/training.js';
import type { PrefixedEncoder } from '../evaluation/suites.js';
import { loadCheckpoint } from '../encoding/checkpoint.js';
import { PASSAGE_PREFIX, QUERY_PREFIX } from '../encoding/encoder.js';
import { createTextPipeline, restoreTextPipeline, type PipelineState, type TextPipeline } from '../encoding/pipeline.js';
import type { LeaseCache, Lease } from '../encoding/lease-cache.js';
import type { ReportTarget } from './evaluation-reports.js';

export interface CachedEncoder extends PrefixedEncoder {
  pipeline: TextPipeline;
  dispose(): void;
}

export type ResolvedTarget =
  | { kind: 'checkpoint'; report: ReportTarget; checkpointId: string; location: string; step: number }
  | { kind: 'lexical'; report: ReportTarget; dictionary: boolean }
  | { kind: 'random'; report: ReportTarget; seed: number };

export async function resolveTarget(prisma: PrismaClient, target: EvaluationTarget, seed: number): Promise<ResolvedTarget> {
  switch (target.kind) {
    case 'run': {
      const run = await prisma.run.findUnique({ where: { id: target.runId }, select: { id: true } });
      if (!run) throw nonRetryable(`run ${target.runId} does not exist`);
      const latest = await prisma.checkpoint.findFirst({ where: { runId: run.id, prunedAt: null }, orderBy: { step: 'desc' } });
      if (!latest) throw nonRetryable(`run ${target.runId} has no checkpoint to evaluate`);
      return { kind: 'checkpoint', report: { runId: run.id, checkpointId: latest.id, baseline: null }, checkpointId: latest.id, location: latest.location, step: latest.step };
    }
    case 'checkpoint': {
      const checkpoint = await prisma.checkpoint.findUnique({ where: { id: target.checkpointId } });
      if (!checkpoint) throw nonRetryable(`checkpoint ${target.checkpointId} does not exist`);
      if (checkpoint.prunedAt) throw nonRetryable(`checkpoint ${target.checkpointId} was pruned (keepCheckpoints of its run): its files are gone`);
      return { kind: 'checkpoint', report: { runId: null, checkpointId: checkpoint.id, baseline: null }, checkpointId: checkpoint.id, location: checkpoint.location, step: checkpoint.step };
    }
    case 'baseline': {
      const report: ReportTarget = { runId: null, checkpointId: null, baseline: target.baseline };
      switch (target.baseline) {
        case 'BM25':
          return { kind: 'lexical', report, dictionary: false };
        case 'DICT_BM25':
          return { kind: 'lexical', report, dictionary: true };
        case 'RANDOM':
          return { kind: 'random', report, seed };
        default:
          return target.baseline satisfies never;
      }
    }
    default:
      return target satisfies never;
  }
}

function cached(pipeline: TextPipeline, queryPrefix: string, passagePrefix: string): CachedEncoder {
  return {
    pipeline,
    embed: (texts) => pipeline.encoder.encode(pipeline.tokenize(texts)),
    queryPrefix,
    passagePrefix,
    dispose: () => pipeline.dispose(),
  };
}

/** The checkpoint's encoder, restored once per worker and kept in the cache. */
export function leaseCheckpointEncoder(cache: LeaseCache<CachedEncoder>, modelsDir: string, checkpointId: string, location: string): Promise<Lease<CachedEncoder>> {
  return cache.acquire(`checkpoint:${checkpointId}`, async () => {
    const { manifest, weights } = await loadCheckpoint(location);
    const pipeline = await restoreTextPipeline(manifest.tokenizer as PipelineState, weights, { modelsDir });
    return cached(pipeline, manifest.queryPrefix, manifest.passagePrefix);
  });
}

/**
 * An untrained DEFAULT_MODEL encoder. The XLM-R vocabulary is pruned to the pieces of the texts it
 * will embed (`texts`, prefixed; `key` names them), since there are no training texts; the
 * weights are random either way.
 */
export function leaseRandomEncoder(cache: LeaseCache<CachedEncoder>, modelsDir: string, seed: number, key: string, texts: () => readonly string[]): Promise<Lease<CachedEncoder>> {
  return cache.acquire(`random:${seed}:${key}`, async () => {
    const pipeline = await createTextPipeline(DEFAULT_MODEL, { modelsDir, seed, trainingTexts: texts() });
    return cached(pipeline, QUERY_PREFIX, PASSAGE_PREFIX);
  });
}
