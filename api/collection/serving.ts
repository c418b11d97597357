// What searches need beyond the database: the vector store and the checkpoint encoders. Both are
// opened at first use, so a gateway that never serves a search never loads TensorFlow.js nor
// takes the embedded store's folder lock.

import type { PlatformSettings } from '../../schema/config.js';
import { selectBackend } from '../../schema/encoding/backend.js';
import { createEncoderCache, type CachedCheckpointEncoder } from '../../schema/encoding/encoder-cache.js';
import type { VectorStore } from '../../schema/vectors/store.js';

export interface Serving {
  vectors(): Promise<VectorStore>;
  /** The encoder of the checkpoint saved in this folder, loaded once while it stays in use. */
  encoder(checkpointDir: string): Promise<CachedCheckpointEncoder>;
  /** Releases the encoders and closes the store if this object opened it. */
  close(): Promise<void>;
}

/** Checkpoint encoders kept loaded by the gateway. */
const CACHED_ENCODERS = 2;

export function createServing(options: { settings: PlatformSettings; vectors?: VectorStore; log: (line: string) => void }): Serving {
  const { settings, log } = options;
  const encoders = createEncoderCache({ capacity: CACHED_ENCODERS, modelsDir: settings.modelsDir });
  let opening: Promise<VectorStore> | undefined;
  let backend: Promise<unknown> | undefined;
  const vectors = () => (options.vectors ? Promise.resolve(options.vectors) : (opening ??= import('../../schema/vectors/open.js').then(({ openVectorStore }) => openVectorStore(settings))));
  return {
    vectors,
    async encoder(checkpointDir) {
      backend ??= selectBackend({ log });
      await backend;
      return encoders.get(checkpointDir);
    },
    async close() {
      encoders.clear();
      const own = opening;
      opening = undefined;
      if (own) await (await own).close();
    },
  };
}
