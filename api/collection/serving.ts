// What searches need beyond the database: the vector store and the checkpoint encoders. Both are
// opened at first use, so a gateway that never serves a search never loads TensorFlow.js nor
// takes the embedded store's folder lock.

import path from 'node:path';
import type { PlatformSettings } from '../../schema/config.js';
import { selectBackend } from '../../gpu-worker/encoding/backend.js';
import { createEncoderCache, type CachedCheckpointEncoder } from '../../gpu-worker/encoding/encoder-cache.js';
import type { HfEncoder } from '../../gpu-worker/encoding/hf/encoder.js';
import { createLeaseCache, type Lease } from '../../gpu-worker/encoding/lease-cache.js';
import type { SubwordTokenizer } from '../../gpu-worker/encoding/tokenizer-json.js';
import type { VectorStore } from '../../gpu-worker/vectors/store.js';

export interface Serving {
  vectors(): Promise<VectorStore>;
  /** The encoder of the checkpoint saved in this folder, loaded once while it stays in use. */
  encoder(checkpointDir: string): Promise<CachedCheckpointEncoder>;
  /** A registered model's folder (absolute, or relative to MODELS_DIR), loaded once while it stays in use; release the lease after embedding. */
  pretrained(modelPath: string): Promise<Lease<PretrainedModel>>;
  /** Releases the encoders and closes the store if this object opened it. */
  close(): Promise<void>;
}

export interface PretrainedModel {
  tokenizer: SubwordTokenizer;
  encoder: HfEncoder;
  dispose(): void;
}

/** Checkpoint encoders kept loaded by the gateway. */
const CACHED_ENCODERS = 2;
/** Pretrained models kept loaded: one, since a base-size model holds about 1 GB. */
const CACHED_PRETRAINED = 1;

export function createServing(options: { settings: PlatformSettings; vectors?: VectorStore; log: (line: string) => void }): Serving {
  const { settings, log } = options;
  const encoders = createEncoderCache({ capacity: CACHED_ENCODERS, modelsDir: settings.modelsDir });
  const pretrained = createLeaseCache<PretrainedModel>(CACHED_PRETRAINED);
  let opening: Promise<VectorStore> | undefined;
  let backend: Promise<unknown> | undefined;
  const vectors = () => (options.vectors ? Promise.resolve(options.vectors) : (opening ??= import('../../gpu-worker/vectors/open.js').then(({ openVectorStore }) => openVectorStore(settings))));
  const ready = () => (backend ??= selectBackend({ log }));
  return {
    vectors,
    async encoder(checkpointDir) {
      await ready();
      return encoders.get(checkpointDir);
    },
    async pretrained(modelPath) {
      await ready();
      const dir = path.resolve(settings.modelsDir, modelPath);
      return pretrained.acquire(dir, async () => {
        const { loadHfEncoder, loadHfTokenizer } = await import('../../gpu-worker/encoding/hf/model.js');
        const tokenizer = await loadHfTokenizer(dir);
        const { encoder } = await loadHfEncoder(dir);
        return { tokenizer, encoder, dispose: () => encoder.dispose() };
      });
    },
    async close() {
      encoders.clear();
      pretrained.clear();
      const own = opening;
      opening = undefined;
      if (own) await (await own).close();
    },
  };
}
