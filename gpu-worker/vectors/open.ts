// Opens the vector store the settings name: Qdrant when a URL is configured, else the embedded
// store under XLING_HOME/vectors.

import path from 'node:path';
import { openEmbeddedStore } from './embedded.js';
import { createQdrantStore } from './qdrant.js';
import type { VectorStore } from './store.js';

/** The part of the platform settings the vector store needs (filled from QDRANT_* and XLING_HOME). */
export interface VectorSettings {
  home: string;
  qdrantUrl?: string;
  qdrantApiKey?: string;
  /** Prefix of collection and alias names on a shared Qdrant server. */
  qdrantPrefix?: string;
  /** Embedded store: collections smaller than this are searched exactly. */
  hnswThreshold?: number;
  /** Embedded store: HNSW candidate list of a top-10 search (usearch expansion_search; see collection.ts). */
  hnswExpansionSearch?: number;
}

export async function openVectorStore(settings: VectorSettings): Promise<VectorStore> {
  if (settings.qdrantUrl) {
    return createQdrantStore({ url: settings.qdrantUrl, apiKey: settings.qdrantApiKey, prefix: settings.qdrantPrefix });
  }
  return openEmbeddedStore({
    dir: path.join(settings.home, 'vectors'),
    hnswThreshold: settings.hnswThreshold,
    ...(settings.hnswExpansionSearch ? { hnsw: { expansionSearch: settings.hnswExpansionSearch } } : {}),
  });
}
