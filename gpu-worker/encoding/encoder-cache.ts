// Checkpoint encoders kept by folder, for processes that embed with several checkpoints over time
// (the gateway serving searches). Each folder is read once while it stays among the `capacity`
// most recently used; concurrent gets of one folder share one load. The cache owns the encoders:
// callers embed through it, so an encoder pushed out is disposed only after the embeddings that
// were running on it have finished.

import path from 'node:path';
import { loadCheckpointEncoder, type CheckpointEncoder, type EmbedCallOptions, type EncodingRole } from './checkpoint-encoder.js';
import { createLeaseCache, type Lease } from './lease-cache.js';

/** A cached checkpoint encoder: embeds through the cache, which disposes it. */
export interface CachedCheckpointEncoder {
  readonly dimension: number;
  readonly queryPrefix: string;
  readonly passagePrefix: string;
  embed(texts: readonly string[], role: EncodingRole, options?: EmbedCallOptions): Promise<Float32Array[]>;
}

export interface CheckpointEncoderCache {
  get(checkpointDir: string): Promise<CachedCheckpointEncoder>;
  /** The encoder itself (e.g. for its pipeline), kept alive until the lease is released. */
  acquire(checkpointDir: string): Promise<Lease<CheckpointEncoder>>;
  /** Disposes the encoders nobody is using; the others go when their embeddings finish. */
  clear(): void;
  readonly size: number;
}

export interface EncoderCacheOptions {
  /** Encoders kept loaded (at least 0; 0 loads for every use). */
  capacity: number;
  modelsDir: string;
  /** For tests: how a folder becomes an encoder (default loadCheckpointEncoder). */
  load?: (checkpointDir: string) => Promise<CheckpointEncoder>;
}

export function createEncoderCache(options: EncoderCacheOptions): CheckpointEncoderCache {
  const { capacity, modelsDir, load = (dir) => loadCheckpointEncoder(dir, { modelsDir }) } = options;
  const leases = createLeaseCache<CheckpointEncoder>(capacity);
  // One key per folder however it is spelled.
  const acquire = (checkpointDir: string) => {
    const key = path.resolve(checkpointDir);
    return leases.acquire(key, () => load(key));
  };
  return {
    acquire,
    async get(checkpointDir) {
      const lease = await acquire(checkpointDir);
      const { dimension, queryPrefix, passagePrefix } = lease.value;
      lease.release();
      return {
        dimension,
        queryPrefix,
        passagePrefix,
        async embed(texts, role, embedOptions) {
          // Reloads when the encoder was pushed out since get().
          const held = await acquire(checkpointDir);
          try {
            return await held.value.embed(texts, role, embedOptions);
          } finally {
            held.release();
          }
        },
      };
    },
    clear: () => leases.clear(),
    get size() {
      return leases.size;
    },
  };
}
