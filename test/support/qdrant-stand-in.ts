// Qdrant stand-in: NOT Qdrant. It is the subset of Qdrant's REST API that the Qdrant vector store
// (gpu-worker/vectors/qdrant.ts) calls, served by node:http on 127.0.0.1 so that the store's own code
// (the real @qdrant/js-client-rest, its errors, retries, batching, aliases) runs in CI where no
// Qdrant binary exists. Shapes follow the client's OpenAPI types (generated_schema.d.ts):
// `{ result, status: "ok", time }`, errors `{ status: { error }, time }` with Qdrant's messages.
//
//   GET    /                                  version (what checkCompatibility reads)
//   GET    /collections                       list          PUT    /collections/{name}   create
//   GET    /collections/{name}                info          DELETE /collections/{name}   drop
//   GET    /collections/{name}/exists         exists        PUT    /collections/{name}/index  payload index
//   PUT    /collections/{name}/points         upsert        POST   /collections/{name}/points/delete
//   POST   /collections/{name}/points/query   nearest       POST   /collections/{name}/points/count
//   GET    /aliases                           all aliases   POST   /collections/aliases  alias actions
//
// As in Qdrant: collection endpoints (except DELETE) accept an alias for the collection; DELETE of
// a missing collection answers `result: false`; dropping a collection drops its aliases; alias
// actions apply in order under one lock (a failing action leaves earlier ones applied); Cosine
// vectors are normalised at upsert and the score is the dot product (f32). Filters: must / should /
// must_not (nested too) of `{ key, match: { value } | { any } }` on payload keys. After a
// write the collection reports "yellow" for `yellowPolls` info requests (Qdrant optimising).
// Sparse vectors: named in `sparse_vectors` at creation (modifier "idf" or none), given in a
// point's vector map beside the unnamed dense vector (key ""), searched with `using`: the score is
// the dot product over shared indices, each query weight times ln(1 + (N - df + 0.5)/(df + 0.5))
// under the idf modifier (N: points with that sparse vector); only points sharing an index match.
// Everything else is 404 (unknown route) or 400 (unsupported or malformed body). State lives in
// memory for the server's lifetime: a new store client on the same stand-in is a restart.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;
type PointId = string | number;
interface Sparse { indices: number[]; values: number[] }
interface Point { id: PointId; vector: Float32Array; sparse: Map<string, Sparse>; payload: Json }
interface Collection { size: number; sparse: Map<string, { idf: boolean }>; points: Map<string, Point>; indexes: Map<string, unknown>; yellow: number }

export interface QdrantStandIn {
  url: string;
  /** "METHOD /path?query" of every request received, in order. */
  requests: string[];
  /** The next `times` requests whose "METHOD /path" matches `route` fail with `status`. */
  failNext(times: number, status: number, route?: RegExp, retryAfter?: number): void;
  close(): Promise<void>;
}

class Fail extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}
const notFound = (name: string) => new Fail(404, `Not found: Collection \`${name}\` doesn't exist!`);
const bad = (message: string) => new Fail(400, `Wrong input: ${message}`);
const UUID = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startQdrantStandIn(options: { yellowPolls?: number } = {}): Promise<QdrantStandIn> {
  const collections = new Map<string, Collection>();
  const aliases = new Map<string, string>(); // alias -> collection
  const requests: string[] = [];
  const faults: { times: number; status: number; route: RegExp; retryAfter?: number }[] = [];
  let operationId = 0;

  const resolve = (name: string) => {
    const real = aliases.get(name) ?? name;
    const collection = collections.get(real);
    if (!collection) throw notFound(name);
    return collection;
  };

  const pointKey = (id: unknown): { key: string; id: PointId } => {
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return { key: `n${id}`, id };
    const m = typeof id === 'string' ? UUID.exec(id) : null;
    if (!m) throw bad(`Unable to parse point id ${JSON.stringify(id)}: expected an unsigned integer or a UUID`);
    const uuid = m.slice(1, 6).join('-').toLowerCase();
    return { key: `u${uuid}`, id: uuid };
  };

  const vectorOf = (collection: Collection, value: unknown): Float32Array => {
    if (!Array.isArray(value) || !value.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw bad('expected a dense vector (an array of numbers)');
    }
    if (value.length !== collection.size) {
      throw bad(`Vector dimension error: expected dim: ${collection.size}, got ${value.length}`);
    }
    const norm = Math.sqrt(value.reduce((s: number, x: number) => s + x * x, 0));
    return Float32Array.from(value, (x: number) => (norm > 0 ? x / norm : x)); // Cosine: stored normalised
  };

  const sparseOf = (value: unknown): Sparse => {
    if (!isObject(value) || !Array.isArray(value.indices) || !Array.isArray(value.values) || value.indices.length !== value.values.length) {
      throw bad('expected a sparse vector { indices, values } of equal lengths');
    }
    if (!value.indices.every((i) => Number.isSafeInteger(i) && (i as number) >= 0 && (i as number) <= 0xffffffff)) throw bad('sparse indices must be uint32');
    if (new Set(value.indices).size !== value.indices.length) throw bad('sparse vector has duplicated indices');
    if (!value.values.every((x) => typeof x === 'number' && Number.isFinite(x))) throw bad('sparse values must be numbers');
    return { indices: [...(value.indices as number[])], values: [...(value.values as number[])] };
  };
  /** A point's `vector`: a dense array, or a map of the unnamed dense vector ("") and named sparse ones. */
  const pointVectors = (collection: Collection, value: unknown) => {
    if (!isObject(value)) return { vector: vectorOf(collection, value), sparse: new Map<string, Sparse>() };
    const sparse = new Map<string, Sparse>();
    for (const [name, v] of Object.entries(value)) {
      if (name === '') continue;
      if (!collection.sparse.has(name)) throw bad(`Not existing vector name error: ${name}`);
      sparse.set(name, sparseOf(v));
    }
    return { vector: vectorOf(collection, value['']), sparse };
  };

  const list = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);
  const fieldValues = (payload: Json, key: string): unknown[] => {
    let values: unknown[] = [payload];
    for (const part of key.split('.')) {
      values = values.flatMap((v) => (isObject(v) && part in v ? list(v[part]) : []));
    }
    return values;
  };
  /** Qdrant's filter: every `must`, at least one `should` (when given), no `must_not`. */
  const matches = (filter: unknown, point: Point): boolean => {
    if (filter === undefined || filter === null) return true;
    if (!isObject(filter)) throw bad('filter must be an object');
    const test = (condition: unknown): boolean => {
      if (!isObject(condition)) throw bad('a filter condition must be an object');
      if ('must' in condition || 'should' in condition || 'must_not' in condition) return matches(condition, point);
      const { key, match } = condition;
      if (typeof key !== 'string' || !isObject(match)) throw bad('stand-in supports only { key, match } conditions');
      const values = fieldValues(point.payload, key); // an array value matches when one element does
      if ('value' in match) return values.some((v) => v === match.value);
      if (Array.isArray(match.any)) return values.some((v) => (match.any as unknown[]).includes(v));
      throw bad('stand-in supports match { value } and { any } only');
    };
    const should = list(filter.should);
    return list(filter.must).every(test) && (should.length === 0 || should.some(test)) && !list(filter.must_not).some(test);
  };

  const info = (collection: Collection) => {
    const status = collection.yellow > 0 ? 'yellow' : 'green';
    collection.yellow = Math.max(0, collection.yellow - 1);
    const payload_schema = Object.fromEntries(
      [...collection.indexes].map(([field, type]) => [
        field,
        { data_type: type, params: null, points: [...collection.points.values()].filter((p) => fieldValues(p.payload, field).length > 0).length },
      ]),
    );
    return {
      status,
      optimizer_status: 'ok',
      indexed_vectors_count: 0,
      points_count: collection.points.size,
      segments_count: 1,
      config: {
        params: { vectors: { size: collection.size, distance: 'Cosine' }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
        optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, flush_interval_sec: 5 },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
        quantization_config: null,
      },
      payload_schema,
    };
  };

  const written = (collection: Collection, url: URL) => {
    collection.yellow = options.yellowPolls ?? 1;
    return { operation_id: operationId++, status: url.searchParams.get('wait') === 'true' ? 'completed' : 'acknowledged' };
  };

  const routes: [method: string, path: RegExp, handler: (m: string[], body: Json, url: URL) => unknown][] = [
    ['GET', /^\/$/, () => ({ title: 'qdrant - vector search engine (xling test stand-in)', version: '1.18.0' })],
    ['GET', /^\/collections$/, () => ({ collections: [...collections.keys()].map((name) => ({ name })) })],
    ['GET', /^\/aliases$/, () => ({ aliases: [...aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name })) })],
    ['POST', /^\/collections\/aliases$/, (_, body) => {
      if (!Array.isArray(body.actions)) throw bad('expected { actions: [...] }');
      for (const action of body.actions as unknown[]) {
        if (!isObject(action)) throw bad('an alias action must be an object');
        if (isObject(action.create_alias)) {
          const { alias_name, collection_name } = action.create_alias;
          if (typeof alias_name !== 'string' || typeof collection_name !== 'string') throw bad('create_alias needs alias_name and collection_name');
          if (!collections.has(collection_name)) throw notFound(collection_name);
          if (collections.has(alias_name)) throw bad(`Collection \`${alias_name}\` already exists!`);
          aliases.set(alias_name, collection_name);
        } else if (isObject(action.delete_alias) && typeof action.delete_alias.alias_name === 'string') {
          aliases.delete(action.delete_alias.alias_name);
        } else if (isObject(action.rename_alias)) {
          const { old_alias_name, new_alias_name } = action.rename_alias;
          if (typeof old_alias_name !== 'string' || typeof new_alias_name !== 'string') throw bad('rename_alias needs old_alias_name and new_alias_name');
          const target = aliases.get(old_alias_name);
          if (target === undefined) throw new Fail(404, `Not found: Alias ${old_alias_name} does not exists!`);
          aliases.delete(old_alias_name);
          aliases.set(new_alias_name, target);
        } else throw bad('unknown alias action');
      }
      return true;
    }],
    ['GET', /^\/collections\/([^/]+)$/, ([name]) => info(resolve(name!))],
    ['GET', /^\/collections\/([^/]+)\/exists$/, ([name]) => ({ exists: collections.has(aliases.get(name!) ?? name!) })],
    ['PUT', /^\/collections\/([^/]+)$/, ([name], body) => {
      if (!name || name.length > 255 || /[<>:"/\\|?*\0\u001f]/.test(name)) throw bad(`Collection name \`${name}\` is not valid`);
      if (collections.has(name)) throw bad(`Collection \`${name}\` already exists!`);
      if (aliases.has(name)) throw bad(`Can't create collection with name ${name}. Alias with the same name already exists`);
      const vectors = body.vectors;
      if (!isObject(vectors) || !Number.isSafeInteger(vectors.size) || (vectors.size as number) < 1) throw bad('expected vectors: { size, distance }');
      if (vectors.distance !== 'Cosine') throw bad(`stand-in supports only Cosine distance, not ${String(vectors.distance)}`);
      const sparse = new Map<string, { idf: boolean }>();
      if (body.sparse_vectors !== undefined) {
        if (!isObject(body.sparse_vectors)) throw bad('sparse_vectors must be an object');
        for (const [sparseName, config] of Object.entries(body.sparse_vectors)) {
          const modifier = isObject(config) ? config.modifier : undefined;
          if (modifier !== undefined && modifier !== 'idf' && modifier !== 'none') throw bad(`unknown sparse modifier ${String(modifier)}`);
          sparse.set(sparseName, { idf: modifier === 'idf' });
        }
      }
      collections.set(name, { size: vectors.size as number, sparse, points: new Map(), indexes: new Map(), yellow: 0 });
      return true;
    }],
    ['DELETE', /^\/collections\/([^/]+)$/, ([name]) => {
      for (const [alias, target] of aliases) if (target === name) aliases.delete(alias);
      return collections.delete(name!);
    }],
    ['PUT', /^\/collections\/([^/]+)\/index$/, ([name], body, url) => {
      const collection = resolve(name!);
      const type = isObject(body.field_schema) ? body.field_schema.type : body.field_schema;
      if (typeof body.field_name !== 'string' || typeof type !== 'string') throw bad('expected { field_name, field_schema }');
      collection.indexes.set(body.field_name, type);
      return written(collection, url);
    }],
    ['PUT', /^\/collections\/([^/]+)\/points$/, ([name], body, url) => {
      const collection = resolve(name!);
      if (!Array.isArray(body.points)) throw bad('stand-in supports only { points: [...] } upserts');
      const prepared = (body.points as unknown[]).map((p) => {
        if (!isObject(p)) throw bad('a point must be an object');
        if (p.payload !== undefined && p.payload !== null && !isObject(p.payload)) throw bad('payload must be an object');
        const { key, id } = pointKey(p.id);
        return { key, point: { id, ...pointVectors(collection, p.vector), payload: structuredClone((p.payload ?? {}) as Json) } };
      }); // the whole request is checked before any point is written
      for (const { key, point } of prepared) collection.points.set(key, point);
      return written(collection, url);
    }],
    ['POST', /^\/collections\/([^/]+)\/points\/delete$/, ([name], body, url) => {
      const collection = resolve(name!);
      if (Array.isArray(body.points)) for (const id of body.points as unknown[]) collection.points.delete(pointKey(id).key);
      else if (isObject(body.filter)) {
        for (const [key, point] of collection.points) if (matches(body.filter, point)) collection.points.delete(key);
      } else throw bad('expected { points: [...] } or { filter }');
      return written(collection, url);
    }],
    ['POST', /^\/collections\/([^/]+)\/points\/count$/, ([name], body) => {
      const collection = resolve(name!);
      return { count: [...collection.points.values()].filter((p) => matches(body.filter, p)).length };
    }],
    ['POST', /^\/collections\/([^/]+)\/points\/query$/, ([name], body) => {
      const collection = resolve(name!);
      const query = isObject(body.query) && 'nearest' in body.query ? body.query.nearest : body.query;
      if (query === undefined) throw bad('stand-in supports only nearest-vector queries (query: [...])');
      const limit = body.limit ?? 10;
      const offset = body.offset ?? 0;
      if (!Number.isSafeInteger(limit) || !Number.isSafeInteger(offset) || (limit as number) < 0 || (offset as number) < 0) throw bad('limit and offset must be unsigned integers');
      const threshold = typeof body.score_threshold === 'number' ? body.score_threshold : -Infinity;
      if (body.with_payload !== undefined && typeof body.with_payload !== 'boolean') throw bad('stand-in supports only with_payload: true | false');
      let score: (p: Point) => number | undefined;
      if (body.using === undefined || body.using === '') {
        const q = vectorOf(collection, query);
        score = (p) => Math.fround(p.vector.reduce((s, x, i) => s + x * q[i]!, 0));
      } else {
        const using = String(body.using);
        const config = collection.sparse.get(using);
        if (!config) throw bad(`Not existing vector name error: ${using}`);
        const q = sparseOf(query);
        const holders = [...collection.points.values()].filter((p) => p.sparse.has(using));
        const df = (index: number) => holders.filter((p) => p.sparse.get(using)!.indices.includes(index)).length;
        const weights = new Map(q.indices.map((index, i) => [index, q.values[i]! * (config.idf ? Math.log(1 + (holders.length - df(index) + 0.5) / (df(index) + 0.5)) : 1)]));
        score = (p) => {
          const doc = p.sparse.get(using);
          let total: number | undefined;
          doc?.indices.forEach((index, i) => {
            if (weights.has(index)) total = (total ?? 0) + weights.get(index)! * doc.values[i]!;
          });
          return total === undefined ? undefined : Math.fround(total);
        };
      }
      const scored = [...collection.points.values()]
        .filter((p) => matches(body.filter, p))
        .map((p) => ({ p, score: score(p) }))
        .filter((x): x is { p: Point; score: number } => x.score !== undefined)
        .filter(({ score }) => score >= threshold)
        .sort((a, b) => b.score - a.score || String(a.p.id).localeCompare(String(b.p.id)))
        .slice(offset as number, (offset as number) + (limit as number));
      return {
        points: scored.map(({ p, score }) => ({
          id: p.id,
          version: 0,
          score,
          payload: body.with_payload === true ? structuredClone(p.payload) : null,
          vector: body.with_vector === true ? Array.from(p.vector) : null,
        })),
      };
    }],
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = process.hrtime.bigint();
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    const time = () => Number(process.hrtime.bigint() - started) / 1e9;
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const line = `${req.method} ${url.pathname}`;
    requests.push(`${line}${url.search}`);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fault = faults.find((f) => f.times > 0 && f.route.test(line));
    if (fault) {
      fault.times--;
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
      return send(fault.status, { status: { error: `Service error: injected by the stand-in (${fault.status})` }, time: time() }, headers);
    }
    try {
      const route = routes.find(([method, path]) => method === req.method && path.test(url.pathname));
      if (!route) throw new Fail(404, `Not found: ${line} is not part of the Qdrant stand-in`);
      const params = route[1].exec(url.pathname)!.slice(1).map(decodeURIComponent);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = {};
      try {
        if (text.trim()) body = JSON.parse(text);
      } catch (error) {
        throw new Fail(400, `Json deserialize error: ${(error as Error).message}`);
      }
      if (!isObject(body)) throw new Fail(400, 'Json deserialize error: expected an object');
      const result = route[2](params, body, url);
      if (route[1].source === '^\\/$') return send(200, result);
      send(200, { result, status: 'ok', time: time() });
    } catch (error) {
      if (!(error instanceof Fail)) return send(500, { status: { error: `Service internal error: ${String(error)}` }, time: time() });
      send(error.status, { status: { error: error.message }, time: time() });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(times, status, route = /./, retryAfter) {
      faults.push({ times, status, route, retryAfter });
    },
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}
