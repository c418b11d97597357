// search, searchBatch and compareCollections. Every input is checked (search-input.ts), then every
// collection looked up, before any query is embedded, so a bad item fails the whole call with its
// field path. Each
// search then adds its top-k language counts to the collection's live-traffic stats.

import type { Collection as CollectionRow } from '../../prisma/generated/client.js';
import type { GatewayServices } from '../context.js';
import { badUserInput } from '../errors.js';
import type { SearchResult } from './collection.type.js';
import { checkSearchOptions as check, type FieldPath, type SearchOptions } from './search-input.js';
import { recordSearches } from './search-stats.js';

export const MAX_BATCH = 64;

export interface SearchData {
  text: string;
  queryLanguage?: string | null;
  languages?: string[] | null;
  k?: number | null;
  collection?: string | null;
  alias?: string | null;
}

type Row = CollectionRow & { checkpoint: { location: string } };
type Planned = SearchOptions & { row: Row };

const under = (prefix: string): FieldPath => (field) => `${prefix}.${field}`;

const include = { checkpoint: { select: { location: true } } } as const;

/** Finds the collection of one checked input. */
async function plan(services: GatewayServices, input: SearchData, options: SearchOptions, at: FieldPath): Promise<Planned> {
  if ((input.collection == null) === (input.alias == null)) {
    throw badUserInput(at('collection'), input.collection ?? null, `and ${at('alias')}: give exactly one`);
  }
  const row =
    input.alias != null
      ? await services.prisma.collection.findUnique({ where: { alias: input.alias }, include })
      : await services.prisma.collection.findUnique({ where: { name: input.collection! }, include });
  if (!row) {
    throw input.alias != null
      ? badUserInput(at('alias'), input.alias, 'is not the alias of a collection')
      : badUserInput(at('collection'), input.collection, 'is not the name of a collection');
  }
  return { row, ...options };
}

/** Runs planned searches in order, embedding the queries of one collection in one encoder call. */
async function run(services: GatewayServices, planned: Planned[]): Promise<SearchResult[]> {
  const byCollection = new Map<string, number[]>();
  planned.forEach((p, i) => byCollection.set(p.row.id, [...(byCollection.get(p.row.id) ?? []), i]));
  const store = await services.serving.vectors();
  const results: SearchResult[] = new Array(planned.length);
  for (const indices of byCollection.values()) {
    const { row } = planned[indices[0]!]!;
    const encoder = await services.serving.encoder(row.checkpoint.location);
    const vectors = await encoder.embed(indices.map((i) => planned[i]!.text), 'QUERY');
    for (const [j, i] of indices.entries()) {
      const p = planned[i]!;
      const hits = await store.search(row.name, vectors[j]!, { k: p.k, ...(p.languages != null ? { languages: p.languages } : {}) });
      results[i] = {
        collection: row.name,
        queryLanguage: p.queryLanguage,
        hits: hits.map(({ score, payload }) => ({ score, language: payload.language, text: payload.text, documentId: payload.documentId })),
      };
    }
  }
  await recordSearches(services.prisma, planned.map((p, i) => ({ collectionId: p.row.id, queryLanguage: p.queryLanguage, hits: results[i]!.hits })));
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

export interface CompareData {
  text: string;
  collections: string[];
  k?: number | null;
  queryLanguage?: string | null;
  languages?: string[] | null;
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
    const row =
      (await services.prisma.collection.findUnique({ where: { name }, include })) ??
      (await services.prisma.collection.findUnique({ where: { alias: name }, include }));
    if (!row) throw badUserInput(`collections[${i}]`, name, 'is neither the name nor the alias of a collection');
    planned.push({ row, ...options });
  }
  return run(services, planned);
}
