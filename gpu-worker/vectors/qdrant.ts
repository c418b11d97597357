// The vector store on a Qdrant server: a collection per name (cosine distance, keyword payload
// index on `language`), upserts in batches with retries, and aliases changed in one
// updateCollectionAliases request, which Qdrant applies atomically. The lexical index is a named
// sparse vector (`lexical`) with Qdrant's idf modifier, beside the unnamed dense vector (whose
// name in a point's vector map is ""). Every name gets `prefix`, so
// several deployments (or test runs) can share a server; listCollections shows only this prefix.

import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import { batches, pointUuid, reasonOf, statusOf, withRetry } from './qdrant-support.js';
import {
  checkDimension,
  checkLexicalQuery,
  checkName,
  checkSearchOptions,
  checkVector,
  describeTarget,
  preparePoints,
  searchEach,
  searchLexicalEach,
  unknownCollection,
  unknownTarget,
  VectorStoreError,
  type SearchHit,
  type VectorPayload,
  type VectorStore,
} from './store.js';

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string;
  /** Prepended to every collection and alias name on the server. */
  prefix?: string;
  /** Points per upsert or delete request. */
  batchSize?: number;
  /** Retries of a request after a 5xx, 429, timeout or network failure (not after other 4xx). */
  retries?: number;
  /** First retry delay; it doubles per retry (with jitter), at most 10 s. */
  retryBaseMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
}

type StoredPayload = VectorPayload & { pointId: string };

const LEXICAL = 'lexical';

function hitsOf(result: Schemas['QueryResponse']): SearchHit[] {
  return result.points.map((p) => {
    const { pointId, ...payload } = p.payload as unknown as StoredPayload;
    return { id: pointId, score: p.score, payload };
  });
}

export function createQdrantStore(options: QdrantStoreOptions): VectorStore {
  const prefix = options.prefix ?? '';
  const batchSize = options.batchSize ?? 256;
  const client = new QdrantClient({
    url: options.url,
    apiKey: options.apiKey,
    timeout: options.timeoutMs ?? 60_000,
    checkCompatibility: false, // it would send a request from the constructor
  });
  const retry = <T>(work: () => Promise<T>) => withRetry(options.retries ?? 3, options.retryBaseMs ?? 200, work);
  const dimensions = new Map<string, number>(); // a collection's dimension never changes
  let closed = false;

  const open = () => {
    if (closed) throw new VectorStoreError('store-closed', `Qdrant store ${options.url} is closed`);
  };
  const full = (name: string) => prefix + name;
  const listAliases = async () => {
    const { aliases } = await retry(() => client.getAliases());
    return new Map(
      aliases.filter((a) => a.alias_name.startsWith(prefix)).map((a) => [a.alias_name.slice(prefix.length), a.collection_name.slice(prefix.length)]),
    );
  };
  /** Whether a collection or an alias has this name: Qdrant's exists endpoint resolves aliases. */
  const exists = async (name: string) => (await retry(() => client.collectionExists(full(name)))).exists;
  /** Runs a request on a collection, turning Qdrant's 404 into an error naming it. */
  const onCollection = async <T>(name: string, work: () => Promise<T>, notFound = unknownCollection): Promise<T> => {
    try {
      return await retry(work);
    } catch (error) {
      if (statusOf(error) === 404) throw notFound(name);
      throw error;
    }
  };
  const dimensionOf = async (name: string) => {
    const known = dimensions.get(name);
    if (known !== undefined) return known;
    // Qdrant would answer for an alias's collection, which the alias may stop naming; collection
    // operations take collections only, as in the embedded store, so no alias enters the cache.
    if ((await listAliases()).has(name)) throw unknownCollection(name);
    const info = await onCollection(name, () => client.getCollection(full(name)));
    const vectors = info.config.params.vectors as Schemas['VectorParams'] | undefined;
    if (typeof vectors?.size !== 'number') throw new Error(`Qdrant collection "${full(name)}" has no single unnamed vector`);
    dimensions.set(name, vectors.size);
    return vectors.size;
  };

  const store: VectorStore = {
    kind: 'qdrant',

    async createCollection(name, { dimension }) {
      open();
      checkName('collection', name);
      checkDimension(dimension);
      if ((await listAliases()).has(name) || (await exists(name))) {
        throw new VectorStoreError('collection-exists', `cannot create collection "${name}": the name is taken on ${options.url}`);
      }
      await client.createCollection(full(name), {
        vectors: { size: dimension, distance: 'Cosine' },
        sparse_vectors: { [LEXICAL]: { modifier: 'idf' } },
      });
      try {
        await retry(() =>
          client.createPayloadIndex(full(name), { field_name: 'language', field_schema: 'keyword', wait: true }),
        );
      } catch (error) {
        await client.deleteCollection(full(name)).catch(() => undefined);
        throw error;
      }
      dimensions.set(name, dimension);
    },

    async dropCollection(name) {
      open();
      dimensions.delete(name);
      // Qdrant would answer `false` to deleting an alias's name; the embedded store answers false too.
      if ((await listAliases()).has(name) || !(await exists(name))) return false;
      // Qdrant removes the collection's aliases with it.
      await onCollection(name, () => client.deleteCollection(full(name)));
      return true;
    },

    async listCollections() {
      open();
      const { collections } = await retry(() => client.getCollections());
      return collections
        .map((c) => c.name)
        .filter((n) => n.startsWith(prefix))
        .map((n) => n.slice(prefix.length))
        .sort();
    },

    async dimension(name) {
      open();
      return dimensionOf(name);
    },

    async upsert(name, points) {
      open();
      const prepared = preparePoints(name, await dimensionOf(name), points);
      for (const batch of batches(prepared, batchSize)) {
        const body = batch.map((p) => ({
          id: pointUuid(p.id),
          vector: p.lexical ? { '': Array.from(p.vector), [LEXICAL]: p.lexical } : Array.from(p.vector),
          payload: { ...p.payload, pointId: p.id } satisfies StoredPayload,
        }));
        // Upserting the same ids again is harmless, so a batch whose response was lost is retried.
        await onCollection(name, () => client.upsert(full(name), { wait: true, points: body }));
      }
    },

    async delete(name, ids) {
      open();
      await dimensionOf(name); // fails on unknown collections, as the embedded store does
      for (const batch of batches(ids, batchSize)) {
        await onCollection(name, () => client.delete(full(name), { wait: true, points: batch.map(pointUuid) }));
      }
    },

    searchMany(target, queries) {
      return searchEach(store, target, queries);
    },

    async search(target, vector, searchOptions): Promise<SearchHit[]> {
      open();
      checkSearchOptions(searchOptions);
      const known = dimensions.get(target);
      if (known !== undefined) checkVector(describeTarget(target), known, vector, 'query');
      const { languages } = searchOptions;
      let result: Schemas['QueryResponse'];
      try {
        result = await onCollection(
          target,
          () =>
            client.query(full(target), {
              query: Array.from(vector),
              limit: searchOptions.k,
              filter: languages ? { must: [{ key: 'language', match: { any: [...languages] } }] } : undefined,
              with_payload: true,
              with_vector: false,
            }),
          unknownTarget,
        );
      } catch (error) {
        // Through an alias the dimension is not known here; Qdrant answers 400 and says why.
        if (statusOf(error) === 400 && /dimension/i.test(reasonOf(error))) {
          throw new VectorStoreError('dimension-mismatch', `collection or alias "${target}": ${reasonOf(error)}`);
        }
        throw error;
      }
      return hitsOf(result);
    },

    async searchLexical(target, queries) {
      open();
      for (const q of queries) checkLexicalQuery(q);
      return searchLexicalEach(async ({ terms, k, languages }) => {
        const result = await onCollection(
          target,
          () =>
            client.query(full(target), {
              query: { indices: terms.indices, values: terms.values },
              using: LEXICAL,
              limit: k,
              filter: languages ? { must: [{ key: 'language', match: { any: [...languages] } }] } : undefined,
              with_payload: true,
              with_vector: false,
            }),
          unknownTarget,
        );
        return hitsOf(result);
      }, queries);
    },

    async count(name) {
      open();
      return (await onCollection(name, () => client.count(full(name), { exact: true }))).count;
    },

    async waitForIndex(name) {
      open();
      // green: done; yellow: optimising; grey: optimisations pending until the next write (the
      // points are searchable, so waiting longer would not help); red: failed.
      for (let delay = 100; ; delay = Math.min(2000, delay * 2)) {
        const { status } = await onCollection(name, () => client.getCollection(full(name)));
        if (status === 'green' || status === 'grey') return;
        if (status === 'red') throw new Error(`Qdrant collection "${full(name)}" is red (optimisation failed)`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    },

    async setAlias(alias, collection) {
      open();
      checkName('alias', alias);
      // exists() is true for alias names too, so the aliases are consulted first: an existing alias
      // is repointed, and an alias is no target (Qdrant's create_alias wants a collection).
      const aliases = await listAliases();
      const current = aliases.has(alias);
      if (!current && (await exists(alias))) {
        throw new VectorStoreError('collection-exists', `cannot create alias "${alias}": a collection has that name`);
      }
      if (aliases.has(collection) || !(await exists(collection))) throw unknownCollection(collection);
      // create_alias alone would also repoint an existing alias; deleting first in the same
      // request states the intent and works on servers that refuse to overwrite.
      const actions: Schemas['AliasOperations'][] = [
        ...(current ? [{ delete_alias: { alias_name: full(alias) } }] : []),
        { create_alias: { alias_name: full(alias), collection_name: full(collection) } },
      ];
      await retry(() => client.updateCollectionAliases({ actions }));
    },

    async resolveAlias(alias) {
      open();
      return (await listAliases()).get(alias);
    },

    async removeAlias(alias) {
      open();
      if (!(await listAliases()).has(alias)) return false;
      await retry(() => client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name: full(alias) } }] }));
      return true;
    },

    async close() {
      closed = true; // the client keeps no connection that needs closing
    },
  };
  return store;
}
