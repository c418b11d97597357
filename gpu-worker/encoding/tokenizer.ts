// A tokenizer that needs no vocabulary file: words (Unicode word segmentation, which also splits
// Chinese and Thai) and their character trigrams are hashed into a fixed number of buckets.
// Trigrams let related word forms, and words shared across languages, share parameters.
// Id 0 is reserved for padding. The XLM-R tokenizer replaces this for the TRANSFORMER family.

export interface TokenizerConfig {
  kind: 'hashed-subwords';
  vocabularySize: number;
  /** Words kept per text; each word adds its word feature and its trigrams. */
  maxLength: number;
  ngram: number;
}

export interface Tokenizer {
  readonly config: TokenizerConfig;
  encode(text: string): Int32Array;
}

/** FNV-1a over UTF-16 code units. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function words(text: string, maxLength: number, segmenter = new Intl.Segmenter(undefined, { granularity: 'word' })): string[] {
  const out: string[] = [];
  for (const s of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (!s.isWordLike) continue;
    out.push(s.segment);
    if (out.length >= maxLength) break;
  }
  return out;
}

export function createTokenizer(options: { vocabularySize: number; maxLength: number; ngram?: number }): Tokenizer {
  const config: TokenizerConfig = { kind: 'hashed-subwords', ngram: 3, ...options };
  if (config.vocabularySize < 2) throw new RangeError(`vocabulary size must be at least 2, got ${config.vocabularySize}`);
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
  const bucket = (feature: string) => 1 + (fnv1a(feature) % (config.vocabularySize - 1));
  return {
    config,
    encode(text) {
      const ids: number[] = [];
      for (const word of words(text, config.maxLength, segmenter)) {
        ids.push(bucket(`w:${word}`));
        const chars = [...`<${word}>`];
        for (let i = 0; i + config.ngram <= chars.length; i++) ids.push(bucket(`c:${chars.slice(i, i + config.ngram).join('')}`));
      }
      return Int32Array.from(ids);
    },
  };
}

export interface PaddedBatch {
  /** Row-major [rows, width]. */
  ids: Int32Array;
  /** 1 for a real token, 0 for padding. */
  mask: Float32Array;
  rows: number;
  width: number;
}

export function padBatch(sequences: readonly Int32Array[]): PaddedBatch {
  const width = Math.max(1, ...sequences.map((s) => s.length));
  const ids = new Int32Array(sequences.length * width);
  const mask = new Float32Array(sequences.length * width);
  sequences.forEach((s, row) => {
    ids.set(s, row * width);
    mask.fill(1, row * width, row * width + s.length);
  });
  return { ids, mask, rows: sequences.length, width };
}
