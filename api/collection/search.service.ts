// search, searchBatch and compareCollections. Every input is checked (search-input.ts), then every
// collection looked up (from memory after its first use, collection-cache.ts), before any worker
// is asked, so a bad item fails the whole call with its field path. The queries of one collection
// go to a worker together; its top-k languages are added to the collection's live-traffic
// counters in memory (search-stats.ts), written to the database in the background.

import type { GatewayServices } from '../context.js';
import { badUserInput } from '../errors.js';
import type { CollectionRef } from './collection-cache.js';
import type { SearchResult } from './collection.type.js';
import { checkSearchOptions as check, type FieldPath, type SearchOptions, type SearchOptionsInput } from './search-input.js';
import { shownRetrieval } from '../retrieval/retrieval.type.js';

export const MAX_BATCH = 64;
/** Hits per worker request at most (sum of k): keeps a reply far below NATS's 1 MB max_payload. */
const HITS_PER_REQUEST = 1_000;

export interface SearchData extends SearchOptionsInput {
  collection?: string | null;
  alias?: string | null;
}

type Planned = SearchOptions & { ref: CollectionRef };

const under = (prefix: string): FieldPath => (field) => `${prefix}.${field}`;

/** Finds the collection of one checked input. */
async function plan(services: GatewayServices, input: SearchData, options: SearchOptions, at: FieldPath): Promise<Planned> {
  if ((input.collection == null) === (input.alias == null)) {
    throw badUserInput(at('collection'), input.collection ?? null, `and ${at('alias')}: give exactly one`);
  }
  const ref = input.alias != null ? await services.collections.byAlias(input.alias) : await services.collections.byName(input.collection!);
  if (!ref) {
    throw input.alias != null
      ? badUserInput(at('alias'), input.alias, 'is not the alias of a collection')
      : badUserInput(at('collection'), input.collection, 'is not the name of a collection');
  }
  return { ref, ...options };
}

/** Sends the planned searches to the workers, a collection's queries together, and answers in input order. */
async function run(services: GatewayServices, planned: Planned[]): Promise<SearchResult[]> {
  const requests: number[][] = [];
  const open = new Map<string, { indices: number[]; hits: number }>();
  planned.forEach((p, i) => {
    let group = open.get(p.ref.id);
    if (!group || group.hits + p.k > HITS_PER_REQUEST) {
      group = { indices: [], hits: 0 };
      open.set(p.ref.id, group);
      requests.push(group.indices);
    }
    group.indices.push(i);
    group.hits += p.k;
  });
  const results: SearchResult[] = new Array(planned.length);
  await Promise.all(
    requests.map(async (indices) => {
      const { ref } = planned[indices[0]!]!;
      const started = performance.now();
      const answers = await services.workers.value({
        kind: 'search',
        collection: ref.name,
        checkpoint: ref.checkpointLocation,
        languages: ref.languages,
        queries: indices.map((i) => {
          const p = planned[i]!;
          return { text: p.text, k: p.k, retrieval: p.retrieval, ...(p.queryLanguage != null ? { queryLanguage: p.queryLanguage } : {}), ...(p.languages != null ? { languages: p.languages } : {}) };
        }),
      });
      const seconds = (performance.now() - started) / 1000;
      indices.forEach((i, j) => {
        services.metrics.observeSearch(planned[i]!.retrieval.mode, seconds);
        const { retrieval, ...answer } = answers[j]!;
        results[i] = { collection: ref.name, ...answer, retrieval: shownRetrieval(retrieval) };
      });
    }),
  );
  services.searchStats.record(planned.map((p, i) => ({ collectionId: p.ref.id, queryLanguage: results[i]!.queryLanguage, hits: results[i]!.hits })));
  return results;
}

export async function search(services: GatewayServices, input: SearchData): Promise<SearchResult> {
  const at = under('input');
  const [result] = await run(services, [await plan(services, input, check(input, at), at)]);
  return result!;
}

export async function searchBatch(services: GatewayServices, inputs: SearchData[]): Promise<SearchResult[]> {
  if (inputs.length === 0 || inputs.length > MAX_BATCH) {
    throw badUserInput('inputs', `${inputs.length} inputs`, `must hold 1 to ${MAX_BATCH} inputs`);
  }
  // Every item's options first: a malformed item is reported whatever its place, with no lookup made.
  const paths = inputs.map((_, i) => under(`inputs[${i}]`));
  const options = inputs.map((input, i) => check(input, paths[i]!));
  const planned: Planned[] = [];
  for (const [i, input] of inputs.entries()) planned.push(await plan(services, input, options[i]!, paths[i]!));
  return run(services, planned);
}

export interface CompareData extends SearchOptionsInput {
  collections: string[];
}

/** Each entry of `collections` is a collection name or, failing that, an alias. */
export async function compareCollections(services: GatewayServices, input: CompareData): Promise<SearchResult[]> {
  const { collections } = input;
  if (collections.length < 2 || collections.length > 4) {
    throw badUserInput('collections', collections, 'must name 2 to 4 collections or aliases');
  }
  const options = check(input, (field) => field);
  const planned: Planned[] = [];
  for (const [i, name] of collections.entries()) {
    const ref = (await services.collections.byName(name)) ?? (await services.collections.byAlias(name));
    if (!ref) throw badUserInput(`collections[${i}]`, name, 'is neither the name nor the alias of a collection');
    planned.push({ ref, ...options });
  }
  return run(services, planned);
}
