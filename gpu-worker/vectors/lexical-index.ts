// The embedded store's lexical index: each row's sparse terms, and postings (term -> rows,
// weights) for scoring. Indexing appends rows, so postings grow in place while rows are only
// added; replacing or deleting a row (which moves the last row into its place) marks them stale,
// and the next search rebuilds them once rather than every write editing long posting lists.
// idf is computed at query time from posting lengths, the same formula as Qdrant's idf modifier.

import type { SparseVector } from './store.js';

interface Terms {
  indices: Uint32Array;
  values: Float32Array;
}

class Posting {
  rows = new Int32Array(4);
  values = new Float32Array(4);
  length = 0;

  push(row: number, value: number): void {
    if (this.length === this.rows.length) {
      const rows = new Int32Array(this.length * 2);
      rows.set(this.rows);
      this.rows = rows;
      const values = new Float32Array(this.length * 2);
      values.set(this.values);
      this.values = values;
    }
    this.rows[this.length] = row;
    this.values[this.length++] = value;
  }
}

/** The k best (row, score) pairs seen: a binary min-heap on score (ties: the lower row wins). */
export class TopHeap {
  private readonly rows: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.rows = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  /** a ranks below b. */
  private below(a: number, b: number): boolean {
    return this.scores[a]! < this.scores[b]! || (this.scores[a] === this.scores[b] && this.rows[a]! > this.rows[b]!);
  }

  private swap(a: number, b: number): void {
    const r = this.rows[a]!, s = this.scores[a]!;
    this.rows[a] = this.rows[b]!;
    this.scores[a] = this.scores[b]!;
    this.rows[b] = r;
    this.scores[b] = s;
  }

  offer(row: number, score: number): void {
    if (this.k === 0) return;
    if (this.size < this.k) {
      let i = this.size++;
      this.rows[i] = row;
      this.scores[i] = score;
      while (i > 0 && this.below(i, (i - 1) >> 1)) {
        this.swap(i, (i - 1) >> 1);
        i = (i - 1) >> 1;
      }
      return;
    }
    if (score < this.scores[0]! || (score === this.scores[0] && row > this.rows[0]!)) return;
    this.rows[0] = row;
    this.scores[0] = score;
    for (let i = 0; ; ) {
      const l = 2 * i + 1, r = l + 1;
      let least = i;
      if (l < this.size && this.below(l, least)) least = l;
      if (r < this.size && this.below(r, least)) least = r;
      if (least === i) break;
      this.swap(i, least);
      i = least;
    }
  }

  /** Best first. */
  sorted(): { rows: number[]; scores: number[] } {
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => (this.below(a, b) ? 1 : this.below(b, a) ? -1 : 0));
    return { rows: order.map((i) => this.rows[i]!), scores: order.map((i) => this.scores[i]!) };
  }
}

/** Lucene's (and Qdrant's) BM25 idf: never negative, even for a term in every document. */
export const bm25Idf = (documents: number, df: number) => Math.log(1 + (documents - df + 0.5) / (df + 0.5));

export class LexicalIndex {
  private terms: (Terms | undefined)[] = [];
  private postings: Map<number, Posting> | undefined = new Map();
  /** Rows with at least one term: the N of idf. */
  private documents = 0;
  private scores = new Float32Array(0);

  get size(): number {
    return this.documents;
  }

  /** Sets a row's terms (undefined or empty: the row has none). */
  set(row: number, sparse: SparseVector | undefined): void {
    const terms = sparse && sparse.indices.length > 0 ? { indices: Uint32Array.from(sparse.indices), values: Float32Array.from(sparse.values) } : undefined;
    const replacing = row < this.terms.length;
    if (replacing) {
      if (this.terms[row]) this.documents--;
      this.postings = undefined;
    }
    this.terms[row] = terms;
    if (terms) this.documents++;
    if (!replacing && this.postings && terms) this.post(this.postings, row, terms);
  }

  /** The row's terms, as stored (for snapshots). */
  get(row: number): SparseVector | undefined {
    const terms = this.terms[row];
    return terms && { indices: Array.from(terms.indices), values: Array.from(terms.values) };
  }

  /** Row `from` (the last) takes the place of `to`, whose terms are dropped; the last row goes. */
  moveLast(to: number): void {
    const last = this.terms.length - 1;
    if (this.terms[to]) this.documents--;
    if (to !== last) this.terms[to] = this.terms[last];
    this.terms.length = last;
    this.postings = undefined;
  }

  /** Top k rows by BM25 among `accept`ed rows sharing a term with the query, best first. */
  search(query: SparseVector, k: number, accept?: (row: number) => boolean): { rows: number[]; scores: number[] } {
    const postings = (this.postings ??= this.rebuild());
    if (this.scores.length < this.terms.length) this.scores = new Float32Array(Math.max(this.terms.length, this.scores.length * 2));
    const scores = this.scores;
    const touched: number[] = [];
    for (let t = 0; t < query.indices.length; t++) {
      const posting = postings.get(query.indices[t]!);
      const weight = query.values[t]!;
      if (!posting || weight === 0) continue;
      const w = weight * bm25Idf(this.documents, posting.length);
      const { rows, values, length } = posting;
      for (let i = 0; i < length; i++) {
        const row = rows[i]!;
        if (scores[row] === 0) touched.push(row);
        // A contribution that cancels to exactly 0 would make the row look untouched; nudge it.
        scores[row] = scores[row]! + w * values[i]! || Number.MIN_VALUE;
      }
    }
    // Thousands of rows can share a common term: a k-heap keeps the best in O(t log k).
    const heap = new TopHeap(Math.min(k, touched.length));
    for (const row of touched) {
      if (!accept || accept(row)) heap.offer(row, scores[row]!);
      scores[row] = 0;
    }
    return heap.sorted();
  }

  private rebuild(): Map<number, Posting> {
    const postings = new Map<number, Posting>();
    this.terms.forEach((terms, row) => terms && this.post(postings, row, terms));
    return postings;
  }

  private post(postings: Map<number, Posting>, row: number, terms: Terms): void {
    for (let t = 0; t < terms.indices.length; t++) {
      const id = terms.indices[t]!;
      let posting = postings.get(id);
      if (!posting) postings.set(id, (posting = new Posting()));
      posting.push(row, terms.values[t]!);
    }
  }
}
