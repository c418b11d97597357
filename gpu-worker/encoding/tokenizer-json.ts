// Subword tokenizers read from Hugging Face tokenizer.json files (plain or gzipped).
// SentencePiece-style Unigram files (XLM-R and its relatives) run on our own exact port of the
// Rust pipeline (tokenizer-precompiled.ts, tokenizer-unigram.ts): added-token split, charsmap
// normalizer, WhitespaceSplit + Metaspace, Viterbi. Everything else (WordPiece, BPE) goes through
// @huggingface/tokenizers, which reproduces the tiny-bert references. Special tokens come from
// the post-processor template and are added here, so that truncation keeps them, as HF does.

import { Tokenizer as TokenizersJs } from '@huggingface/tokenizers';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { createPrecompiledNormalizer, type Normalize } from './tokenizer-precompiled.js';
import { createUnigramModel } from './tokenizer-unigram.js';
import { splitAddedTokens, templateOf, type AddedTokenJson, type TokenizerJson } from './tokenizer-json-parts.js';

export type { TokenizerJson } from './tokenizer-json-parts.js';

export interface SubwordTokenizer {
  /** Resolved path of the file, or a label for tokenizers built from JSON in memory. */
  readonly source: string;
  /** sha256 of the file's bytes as stored (gzipped or not). */
  readonly sha256: string;
  readonly engine: 'unigram' | 'tokenizers.js';
  /** Ids lie in [0, size). */
  readonly size: number;
  readonly unknownId: number;
  /** What the template puts before and after one text: <s> … </s>, [CLS] … [SEP]. */
  readonly prefixIds: readonly number[];
  readonly suffixIds: readonly number[];
  /** Piece ids of `text` without special tokens; stops once `limit` pieces are reached. */
  pieces(text: string, limit?: number): number[];
  /** Template applied, truncated to maxLength ids keeping the first pieces (HF longest_first on one text). */
  encode(text: string, maxLength?: number): Int32Array;
  tokenOf(id: number): string | undefined;
}

const WHITESPACE = /[\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

type PreTokenize = (segment: string, first: boolean) => string[];

function metaspaceOf(json: TokenizerJson): PreTokenize | null {
  const pre = json.pre_tokenizer;
  if (!pre) return null;
  const parts = pre.type === 'Sequence' ? (pre.pretokenizers ?? []) : [pre];
  const whitespaceSplit = parts.length === 2 && parts[0]!.type === 'WhitespaceSplit';
  const meta = parts[parts.length - 1]!;
  if (meta.type !== 'Metaspace' || (parts.length === 2 && !whitespaceSplit) || parts.length > 2) return null;
  const replacement = meta.replacement ?? '\u2581';
  const scheme = meta.prepend_scheme ?? (meta.add_prefix_space === false ? 'never' : 'always');
  const split = meta.split ?? true;
  return (segment, first) => {
    const words = whitespaceSplit ? segment.split(WHITESPACE).filter((w) => w.length > 0) : [segment];
    const out: string[] = [];
    words.forEach((word, index) => {
      let w = word.replaceAll(' ', replacement);
      const prepend = scheme === 'always' || (scheme === 'first' && first && index === 0);
      if (prepend && !w.startsWith(replacement)) w = replacement + w;
      if (!split) return void out.push(w);
      let start = 0;
      for (let i = w.indexOf(replacement, 1); i >= 0; i = w.indexOf(replacement, i + replacement.length)) {
        out.push(w.slice(start, i));
        start = i;
      }
      if (start < w.length) out.push(w.slice(start));
    });
    return out;
  };
}

function normalizerOf(json: TokenizerJson): Normalize | null {
  const n = json.normalizer;
  if (!n) return (text) => text;
  const parts = n.type === 'Sequence' ? (n.normalizers ?? []) : [n];
  if (!parts.every((p) => p.type === 'Precompiled' && typeof p.precompiled_charsmap === 'string')) return null;
  const steps = parts.map((p) => createPrecompiledNormalizer(p.precompiled_charsmap as string));
  return (text) => steps.reduce((t, step) => step(t), text);
}

function finish(json: TokenizerJson, source: string, sha256: string, engine: SubwordTokenizer['engine'], size: number, unknownId: number, pieces: SubwordTokenizer['pieces'], tokenOf: SubwordTokenizer['tokenOf']): SubwordTokenizer {
  const { prefixIds, suffixIds } = templateOf(json);
  const specials = prefixIds.length + suffixIds.length;
  return {
    source,
    sha256,
    engine,
    size,
    unknownId,
    prefixIds,
    suffixIds,
    pieces,
    tokenOf,
    encode(text, maxLength = Infinity) {
      if (maxLength < specials) throw new RangeError(`maxLength ${maxLength} leaves no room for the ${specials} special tokens`);
      const body = pieces(text, maxLength - specials);
      if (body.length > maxLength - specials) body.length = maxLength - specials;
      return Int32Array.from([...prefixIds, ...body, ...suffixIds]);
    },
  };
}

function unigramTokenizer(json: TokenizerJson, source: string, sha256: string): SubwordTokenizer | null {
  const model = json.model;
  const normalize = normalizerOf(json);
  const preTokenize = metaspaceOf(json);
  if (model.type !== 'Unigram' || !model.vocab || model.byte_fallback || !normalize || !preTokenize) return null;
  const unigram = createUnigramModel(model.vocab, model.unk_id ?? 0);
  const added: AddedTokenJson[] = json.added_tokens ?? [];
  const pieces = (text: string, limit = Infinity) => {
    const out: number[] = [];
    let first = true;
    for (const part of splitAddedTokens(text, added, normalize)) {
      if (out.length >= limit) break;
      if (typeof part === 'number') out.push(part);
      else for (const word of preTokenize(part, first)) {
        if (out.length >= limit) break;
        unigram.tokenize(word, out);
      }
      first = false;
    }
    return out;
  };
  const tokens = model.vocab.map(([piece]) => piece);
  return finish(json, source, sha256, 'unigram', tokens.length, unigram.unknownId, pieces, (id) => tokens[id]);
}

function tokenizersJsTokenizer(json: TokenizerJson, source: string, sha256: string, config: object): SubwordTokenizer {
  const tokenizer = new TokenizersJs(json, config);
  const vocabulary = tokenizer.get_vocab(true);
  const size = Math.max(...vocabulary.values()) + 1;
  const unknownName = json.model.unk_token ?? (json.model.unk_id !== undefined ? json.model.vocab?.[json.model.unk_id]?.[0] : undefined);
  const unknownId = unknownName !== undefined ? (tokenizer.token_to_id(unknownName) ?? 0) : 0;
  const pieces = (text: string) => tokenizer.encode(text, { add_special_tokens: false }).ids;
  return finish(json, source, sha256, 'tokenizers.js', size, unknownId, pieces, (id) => tokenizer.id_to_token(id));
}

/** Builds a tokenizer from parsed tokenizer.json content (and tokenizer_config.json for tokenizers.js). */
export function createSubwordTokenizer(json: TokenizerJson, options: { source?: string; sha256?: string; config?: object } = {}): SubwordTokenizer {
  const { source = 'memory', sha256 = '', config = {} } = options;
  return unigramTokenizer(json, source, sha256) ?? tokenizersJsTokenizer(json, source, sha256, config);
}

async function readTokenizer(file: string): Promise<SubwordTokenizer> {
  const bytes = await readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? await promisify(gunzip)(bytes) : bytes).toString('utf8');
  const configFile = path.join(path.dirname(file), 'tokenizer_config.json');
  const config = await readFile(configFile, 'utf8').then((t) => JSON.parse(t) as object, () => ({}));
  return createSubwordTokenizer(JSON.parse(text) as TokenizerJson, { source: file, sha256, config });
}

// Process-wide on purpose: the XLM-R file takes about a second to parse and index, every job of
// a worker process needs the same one, and a loaded tokenizer is immutable. Failed loads are not
// kept, so a missing file can be supplied and retried.
const loaded = new Map<string, Promise<SubwordTokenizer>>();

/** Loads a tokenizer.json (or .json.gz) once per process per resolved path. */
export function loadSubwordTokenizer(file: string): Promise<SubwordTokenizer> {
  const key = path.resolve(file);
  let pending = loaded.get(key);
  if (!pending) {
    pending = readTokenizer(key);
    loaded.set(key, pending);
    pending.catch(() => loaded.delete(key));
  }
  return pending;
}
