// The Unigram model of Hugging Face tokenizers: the Viterbi segmentation of a pre-tokenized word
// into vocabulary pieces, maximising the sum of piece log-probabilities. It follows the Rust
// crate's `encode_optimized` exactly: positions left to right, pieces from each position in
// increasing length, a candidate replaces the best path only when strictly better, a character
// without a single-character piece becomes an unknown node scored min_score - 10, and runs of
// unknown nodes fuse into one unknown id. Scores stay float64, as in Rust (many of the 250,002
// XLM-R scores do not survive float32, and near-ties would then break differently).
//
// Pieces are found with a character trie over UTF-16 code units stored in flat typed arrays
// (children of a node are contiguous and sorted, found by binary search): no string is created
// per lookup, and building it for 250k pieces takes a fraction of a second.

const UNKNOWN_PENALTY = 10;

export interface UnigramModel {
  readonly unknownId: number;
  /** Appends the ids of `word` (already normalized and pre-tokenized) to `out`. */
  tokenize(word: string, out: number[]): void;
}

interface PieceTrie {
  /** Piece id ending at each node, or -1. */
  terminal: Int32Array;
  /** Children of node n are nodes childStart[n] .. childStart[n + 1] - 1, sorted by label. */
  childStart: Int32Array;
  label: Uint16Array;
}

/** Breadth-first over the sorted pieces, so that every node's children get consecutive numbers. */
function buildTrie(vocab: ReadonlyArray<readonly [string, number]>): PieceTrie {
  const firstId = new Map<string, number>();
  vocab.forEach(([piece], id) => {
    if (!firstId.has(piece)) firstId.set(piece, id);
  });
  const keys = [...firstId.keys()].sort();
  const bound = keys.reduce((sum, k) => sum + k.length, 1);
  const terminal = new Int32Array(bound).fill(-1);
  const childStart = new Int32Array(bound + 1);
  const label = new Uint16Array(bound);
  const lo = new Int32Array(bound);
  const hi = new Int32Array(bound);
  const depth = new Int32Array(bound);
  hi[0] = keys.length;
  let count = 1;
  for (let node = 0; node < count; node++) {
    const d = depth[node]!;
    let i = lo[node]!;
    const end = hi[node]!;
    if (i < end && keys[i]!.length === d) terminal[node] = firstId.get(keys[i++]!)!;
    childStart[node] = count;
    while (i < end) {
      const c = keys[i]!.charCodeAt(d);
      let j = i + 1;
      while (j < end && keys[j]!.charCodeAt(d) === c) j++;
      label[count] = c;
      lo[count] = i;
      hi[count] = j;
      depth[count] = d + 1;
      count++;
      i = j;
    }
  }
  childStart[count] = count;
  return { terminal: terminal.slice(0, count), childStart: childStart.slice(0, count + 1), label: label.slice(0, count) };
}

export function createUnigramModel(vocab: ReadonlyArray<readonly [string, number]>, unknownId: number): UnigramModel {
  if (!(unknownId >= 0 && unknownId < vocab.length)) throw new RangeError(`unknown id ${unknownId} outside the vocabulary`);
  const scores = Float64Array.from(vocab, ([, score]) => score);
  const unknownScore = scores.reduce((a, b) => Math.min(a, b), Infinity) - UNKNOWN_PENALTY;
  const { terminal, childStart, label } = buildTrie(vocab);
  const child = (node: number, c: number): number => {
    let a = childStart[node]!;
    let b = childStart[node + 1]! - 1;
    while (a <= b) {
      const m = (a + b) >>> 1;
      const l = label[m]!;
      if (l === c) return m;
      if (l < c) a = m + 1;
      else b = m - 1;
    }
    return -1;
  };

  // Scratch buffers, grown on demand; tokenize is synchronous, so sharing them is safe.
  let offsets = new Int32Array(0);
  let best = new Float64Array(0);
  let from = new Int32Array(0);
  let pieceAt = new Int32Array(0);
  const reserve = (n: number) => {
    if (n <= offsets.length) return;
    const size = Math.max(n, offsets.length * 2);
    offsets = new Int32Array(size);
    best = new Float64Array(size);
    from = new Int32Array(size);
    pieceAt = new Int32Array(size);
  };
  const relax = (start: number, end: number, score: number, id: number) => {
    if (from[end]! < 0 || score > best[end]!) {
      best[end] = score;
      from[end] = start;
      pieceAt[end] = id;
    }
  };

  return {
    unknownId,
    tokenize(word, out) {
      if (word.length === 0) return;
      reserve(word.length + 2);
      // Code-point boundaries as UTF-16 offsets.
      let n = 0;
      for (let i = 0; i < word.length; n++) {
        offsets[n] = i;
        i += word.codePointAt(i)! > 0xffff ? 2 : 1;
      }
      offsets[n] = word.length;
      from.fill(-1, 0, n + 1);
      best[0] = 0;
      for (let start = 0; start < n; start++) {
        const base = best[start]!;
        let hasSingle = false;
        let node = 0;
        let end = start;
        for (let u = offsets[start]!; u < word.length; u++) {
          node = child(node, word.charCodeAt(u));
          if (node < 0) break;
          if (u + 1 !== offsets[end + 1]) continue;
          end++;
          const id = terminal[node]!;
          if (id < 0) continue;
          relax(start, end, base + scores[id]!, id);
          if (end === start + 1) hasSingle = true;
        }
        if (!hasSingle) relax(start, start + 1, base + unknownScore, unknownId);
      }
      const reversed: number[] = [];
      for (let end = n; end > 0; end = from[end]!) {
        const id = pieceAt[end]!;
        if (id === unknownId && reversed[reversed.length - 1] === unknownId) continue;
        reversed.push(id);
      }
      for (let k = reversed.length - 1; k >= 0; k--) out.push(reversed[k]!);
    },
  };
}
