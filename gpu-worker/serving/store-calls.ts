// The vector store over the bus: a worker that owns the store answers StoreCalls with it
// (applyStoreCall), and processes that do not own it use createRemoteStore, a VectorStore whose
// every method is a request. Store errors cross with their kind, so callers see the same
// VectorStoreError either way.

import type { ServingBus } from '../../schema/bus.js';
import { decodeVector, encodeVector, type ServingReply, type StoreCall, type WirePoint } from '../../schema/serving.js';
import { assertNever } from '../../schema/events.js';
import { searchEach, VectorStoreError, type VectorPoint, type VectorStore, type VectorStoreErrorKind } from '../vectors/store.js';

export async function applyStoreCall(store: VectorStore, call: StoreCall): Promise<ServingReply<'store'>> {
  try {
    return { ok: true, value: (await dispatch(store, call)) ?? null };
  } catch (error) {
    if (error instanceof VectorStoreError) return { ok: false, failure: { kind: 'store', storeKind: error.kind, message: error.message } };
    throw error;
  }
}

function dispatch(store: VectorStore, call: StoreCall): Promise<unknown> {
  switch (call.method) {
    case 'createCollection':
      return store.createCollection(call.name, { dimension: call.dimension });
    case 'dropCollection':
      return store.dropCollection(call.name);
    case 'listCollections':
      return store.listCollections();
    case 'dimension':
      return store.dimension(call.collection);
    case 'upsert':
      return store.upsert(call.collection, call.points.map(fromWire));
    case 'delete':
      return store.delete(call.collection, call.ids);
    case 'search':
      return store.search(call.collection, decodeVector(call.vector), { k: call.k, ...(call.languages ? { languages: call.languages } : {}) });
    case 'searchLexical':
      return store.searchLexical(call.collection, call.queries);
    case 'count':
      return store.count(call.collection);
    case 'waitForIndex':
      return store.waitForIndex(call.collection);
    case 'setAlias':
      return store.setAlias(call.alias, call.collection);
    case 'resolveAlias':
      return store.resolveAlias(call.alias);
    case 'removeAlias':
      return store.removeAlias(call.alias);
    default:
      return assertNever(call);
  }
}

const fromWire = (p: WirePoint): VectorPoint => ({ id: p.id, vector: decodeVector(p.vector), payload: p.payload, ...(p.lexical ? { lexical: p.lexical } : {}) });
const toWire = (p: VectorPoint): WirePoint => ({ id: p.id, vector: encodeVector(p.vector), payload: p.payload, ...(p.lexical ? { lexical: p.lexical } : {}) });

/** Upserts travel in pieces of about this many bytes, well under NATS's default 1 MB max_payload. */
const UPSERT_BYTES = 256 * 1024;

const INDEX_WAIT_MS = 30 * 60_000;

export interface RemoteStoreOptions {
  /** Per request; an upsert of many points is several requests. */
  timeoutMs: number;
}

export function createRemoteStore(serving: ServingBus, { timeoutMs }: RemoteStoreOptions): VectorStore {
  let closed = false;
  async function call<T>(storeCall: StoreCall): Promise<T> {
    if (closed) throw new VectorStoreError('store-closed', 'remote vector store is closed');
    // Building a large HNSW index takes minutes (bench/results.md); every other call is quick.
    const wait = storeCall.method === 'waitForIndex' ? Math.max(timeoutMs, INDEX_WAIT_MS) : timeoutMs;
    const reply = await serving.request({ kind: 'store', call: storeCall }, { timeoutMs: wait });
    if (reply.ok) return reply.value as T;
    const { failure } = reply;
    switch (failure.kind) {
      case 'store':
        throw new VectorStoreError(failure.storeKind as VectorStoreErrorKind, failure.message);
      case 'invalid':
      case 'internal':
        throw new Error(`vector store owner failed ${storeCall.method}: ${failure.message}`);
      default:
        return assertNever(failure);
    }
  }
  const store: VectorStore = {
    kind: 'remote',
    createCollection: (name, { dimension }) => call({ method: 'createCollection', name, dimension }),
    dropCollection: (name) => call({ method: 'dropCollection', name }),
    listCollections: () => call({ method: 'listCollections' }),
    dimension: (collection) => call({ method: 'dimension', collection }),
    async upsert(collection, points) {
      let piece: WirePoint[] = [];
      let bytes = 0;
      for (const point of points) {
        const wire = toWire(point);
        const size = wire.vector.length + wire.payload.text.length * 3 + (wire.lexical?.indices.length ?? 0) * 24 + 200;
        if (piece.length > 0 && bytes + size > UPSERT_BYTES) {
          await call({ method: 'upsert', collection, points: piece });
          piece = [];
          bytes = 0;
        }
        piece.push(wire);
        bytes += size;
      }
      if (piece.length > 0 || points.length === 0) await call({ method: 'upsert', collection, points: piece });
    },
    delete: (collection, ids) => call({ method: 'delete', collection, ids: [...ids] }),
    async search(collection, vector, options) {
      return call({ method: 'search', collection, vector: encodeVector(vector), k: options.k, ...(options.languages ? { languages: [...options.languages] } : {}) });
    },
    searchMany(collection, queries) {
      return searchEach(store, collection, queries);
    },
    searchLexical: (collection, queries) =>
      call({ method: 'searchLexical', collection, queries: queries.map((q) => ({ terms: q.terms, k: q.k, ...(q.languages ? { languages: [...q.languages] } : {}) })) }),
    count: (collection) => call({ method: 'count', collection }),
    waitForIndex: (collection) => call({ method: 'waitForIndex', collection }),
    setAlias: (alias, collection) => call({ method: 'setAlias', alias, collection }),
    resolveAlias: async (alias) => (await call<string | null>({ method: 'resolveAlias', alias })) ?? undefined,
    removeAlias: (alias) => call({ method: 'removeAlias', alias }),
    async close() {
      closed = true;
    },
  };
  return store;
}
