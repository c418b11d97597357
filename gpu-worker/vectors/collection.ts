// One embedded collection in memory: normalised vectors in a ChunkedMatrix, ids and payloads by
// row, a language code per row, and an HNSW index (hnsw.ts) once the collection reaches the
// threshold. Rows stay dense: deleting a row moves the last row into its place.
//
// Search plan. Exact scans answer collections, and language-filtered subsets, smaller than the
// threshold, and everything while the index is being built. Above it, ask the index for
// indexCandidates(k, f) neighbours, f being the fraction of rows in the wanted languages, keep
// those in the languages and rescore the best k + 10 of them; if fewer than k survive, scan the
// subset exactly instead. Every score returned is an exact dot product of normalised vectors,
// whichever path found the hit.
//
// usearch explores max(expansionSearch, wanted) candidates, so the number asked for is the
// search's expansion: expansionSearch is the candidate list of a top-10 search, a top-k search
// gets k / 10 times as many (recall at a fixed list falls as k grows), and a filtered search gets
// 1 / f times as many, so that about as many candidates of the wanted languages are examined.

import { type IndexPolicy, HnswIndex } from './hnsw.js';
import { LexicalIndex } from './lexical-index.js';
import { ChunkedMatrix, dot, exactSearch, exactSearchMany, TopK } from './matrix.js';
import type { SearchHit, SparseVector, VectorPayload } from './store.js';

export type { HnswOptions } from './hnsw.js';
export type CollectionOptions = IndexPolicy;

/** How many neighbours a top-k search asks of the index when a fraction f of the rows is wanted. */
export function indexCandidates(k: number, fraction: number, expansionSearch: number): number {
  const expansion = Math.max(k + 10, Math.ceil((expansionSearch * Math.max(10, k)) / 10));
  return Math.ceil(expansion / fraction);
}

export class MemoryCollection {
  readonly matrix: ChunkedMatrix;
  readonly ids: string[] = [];
  readonly payloads: VectorPayload[] = [];
  readonly hnsw: HnswIndex;
  readonly lexical = new LexicalIndex();
  /** How searches were answered: exact scans, the index, or the index then an exact fallback. */
  readonly stats = { exact: 0, hnsw: 0, fallback: 0 };
  private readonly rowOf = new Map<string, number>();
  private languageCodes = new Uint16Array(1024);
  private readonly languageTable: string[] = [];
  private readonly languageIndex = new Map<string, number>();
  private readonly languageCounts: number[] = [];

  constructor(
    readonly dimension: number,
    private readonly options: CollectionOptions,
  ) {
    this.matrix = new ChunkedMatrix(dimension);
    this.hnsw = new HnswIndex(this.matrix, options);
  }

  get count(): number {
    return this.ids.length;
  }

  /** `vectors` holds ids.length normalised rows; ids must be distinct. `lexical[j]`: point j's terms, if any. */
  upsert(ids: readonly string[], payloads: readonly VectorPayload[], vectors: Float32Array, lexical?: readonly (SparseVector | undefined | null)[]): void {
    const d = this.dimension;
    const changed: number[] = [];
    for (let j = 0; j < ids.length; j++) {
      const vector = vectors.subarray(j * d, (j + 1) * d);
      let row = this.rowOf.get(ids[j]!);
      if (row !== undefined) {
        this.matrix.set(row, vector);
        this.languageCounts[this.languageCodes[row]!]!--;
        this.payloads[row] = payloads[j]!;
      } else {
        row = this.matrix.push(vector);
        this.ids.push(ids[j]!);
        this.payloads.push(payloads[j]!);
        this.rowOf.set(ids[j]!, row);
      }
      this.setLanguage(row, payloads[j]!.language);
      this.lexical.set(row, lexical?.[j] ?? undefined);
      changed.push(row);
    }
    this.hnsw.update(changed);
  }

  delete(ids: readonly string[]): void {
    const changed = new Set<number>();
    for (const id of ids) {
      const row = this.rowOf.get(id);
      if (row === undefined) continue;
      const last = this.count - 1;
      this.languageCounts[this.languageCodes[row]!]!--;
      this.rowOf.delete(id);
      this.lexical.moveLast(row);
      if (row !== last) {
        this.matrix.set(row, this.matrix.row(last));
        const moved = this.ids[last]!;
        this.ids[row] = moved;
        this.payloads[row] = this.payloads[last]!;
        this.languageCodes[row] = this.languageCodes[last]!;
        this.rowOf.set(moved, row);
      }
      this.ids.pop();
      this.payloads.pop();
      this.matrix.pop();
      changed.add(row).add(last);
    }
    if (changed.size > 0) this.hnsw.update(changed);
  }

  /** `query` must be normalised. */
  search(query: Float32Array, k: number, languages?: readonly string[]): SearchHit[] {
    const { accept, candidates } = this.filter(languages);
    return candidates === 0 ? [] : this.searchFiltered(query, k, candidates, accept);
  }

  private searchFiltered(query: Float32Array, k: number, candidates: number, accept?: (row: number) => boolean): SearchHit[] {
    let top: TopK | null = null;
    if (this.indexed(candidates)) {
      top = this.approximate(query, k, candidates, accept);
      this.stats[top ? 'hnsw' : 'fallback']++;
    } else {
      this.stats.exact++;
    }
    top ??= exactSearch(this.matrix, query, k, accept);
    return this.hits(top);
  }

  /** Several searches (vectors normalised): those answered exactly share one scan of the rows. */
  searchMany(queries: ReadonlyArray<{ vector: Float32Array; k: number; languages?: readonly string[] }>): SearchHit[][] {
    const results: SearchHit[][] = new Array(queries.length);
    const scanned: Array<{ index: number; vector: Float32Array; k: number; accept?: (row: number) => boolean }> = [];
    for (const [index, { vector, k, languages }] of queries.entries()) {
      const { accept, candidates } = this.filter(languages);
      if (candidates === 0) results[index] = [];
      else if (this.indexed(candidates)) results[index] = this.searchFiltered(vector, k, candidates, accept);
      else scanned.push({ index, vector, k, ...(accept ? { accept } : {}) });
    }
    this.stats.exact += scanned.length;
    exactSearchMany(this.matrix, scanned).forEach((top, i) => (results[scanned[i]!.index] = this.hits(top)));
    return results;
  }

  /** Lexical searches; each keeps its own k and language filter. */
  searchLexical(queries: ReadonlyArray<{ terms: SparseVector; k: number; languages?: readonly string[] }>): SearchHit[][] {
    return queries.map(({ terms, k, languages }) => {
      const { accept, candidates } = this.filter(languages);
      return candidates === 0 ? [] : this.hits(this.lexical.search(terms, k, accept));
    });
  }

  private indexed(candidates: number): boolean {
    return candidates >= this.options.hnswThreshold && this.hnsw.acquire() !== null;
  }

  private filter(languages?: readonly string[]): { accept?: (row: number) => boolean; candidates: number } {
    if (!languages) return { candidates: this.count };
    const mask = new Uint8Array(this.languageTable.length);
    let candidates = 0;
    for (const language of new Set(languages)) {
      const code = this.languageIndex.get(language);
      if (code === undefined) continue;
      mask[code] = 1;
      candidates += this.languageCounts[code]!;
    }
    const codes = this.languageCodes;
    return { accept: (row) => mask[codes[row]!] === 1, candidates };
  }

  private hits(top: { rows: readonly number[]; scores: readonly number[] }): SearchHit[] {
    return top.rows.map((row, i) => ({ id: this.ids[row]!, score: top.scores[i]!, payload: { ...this.payloads[row]! } }));
  }

  private approximate(query: Float32Array, k: number, candidates: number, accept?: (row: number) => boolean) {
    const fetch = Math.min(this.count, indexCandidates(k, candidates / this.count, this.options.hnsw.expansionSearch));
    const found = this.hnsw.acquire()!.search(query, fetch, 0);
    const top = new TopK(k);
    // Hits come best first by usearch's float32 cosine: past k + 10 kept ones, none can enter.
    for (let i = 0, kept = 0; i < found.keys.length && kept < k + 10; i++) {
      const row = Number(found.keys[i]!);
      if (accept && !accept(row)) continue;
      top.offer(row, dot(this.matrix.row(row), 0, query, this.dimension));
      kept++;
    }
    return top.rows.length < Math.min(k, candidates) ? null : top;
  }

  private setLanguage(row: number, language: string): void {
    let code = this.languageIndex.get(language);
    if (code === undefined) {
      if (this.languageTable.length === 0xffff) throw new Error('more than 65535 distinct languages');
      code = this.languageTable.length;
      this.languageTable.push(language);
      this.languageIndex.set(language, code);
      this.languageCounts.push(0);
    }
    if (row >= this.languageCodes.length) {
      const grown = new Uint16Array(Math.max(row + 1, this.languageCodes.length * 2));
      grown.set(this.languageCodes);
      this.languageCodes = grown;
    }
    this.languageCodes[row] = code;
    this.languageCounts[code]!++;
  }
}
