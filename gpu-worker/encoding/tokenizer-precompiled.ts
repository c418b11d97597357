// SentencePiece's "Precompiled" normalizer as Hugging Face's Rust `tokenizers` applies it: a
// charsmap (a darts-clone double-array trie over UTF-8 bytes plus a blob of NUL-terminated
// replacements) is looked up per grapheme cluster; a cluster shorter than 6 bytes is replaced
// WHOLE by its shortest matching key's replacement, anything else character by character. That
// quirk decides real token ids, so it is reproduced rather than approximated with NFKC (which
// @huggingface/tokenizers 0.2 does: it reorders combining marks, e.g. Arabic shadda + fatha).
//
// Grapheme segmentation (Intl.Segmenter) costs about 1 us per character, so it runs only on
// runs of characters that may form one cluster and whose first character can start a charsmap
// key; every other character goes through the per-character path, which gives the same result.

const SEGMENTER_CACHE_LIMIT = 50_000;

// Superset of the code points that can continue a grapheme cluster (GB9, GB9a) or that keep the
// next one attached (GB9b Prepend, GB9c linkers are marks): a break between two characters is
// certain unless one of them is in here, both are Hangul jamo/syllables, both are regional
// indicators, or they are CR LF.
const EXTENDING = /^[\p{M}\p{Grapheme_Extend}\u200c\u200d\u0e33\u0eb3\u{1f3fb}-\u{1f3ff}]$/u;
const PREPEND = /^[\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u0d4e\u{110bd}\u{110cd}\u{111c2}\u{111c3}\u{1193f}\u{11941}\u{11a3a}\u{11a84}-\u{11a89}\u{11d46}\u{11f02}]$/u;
const HANGUL = /^[\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff\uac00-\ud7a3]$/u;
const REGIONAL = /^[\u{1f1e6}-\u{1f1ff}]$/u;

const F_KNOWN = 1;
const F_EXTENDING = 2;
const F_PREPEND = 4;
const F_HANGUL = 8;
const F_REGIONAL = 16;

export type Normalize = (text: string) => string;

export function createPrecompiledNormalizer(charsmapBase64: string): Normalize {
  const blob = Buffer.from(charsmapBase64, 'base64');
  const trieBytes = blob.readUInt32LE(0);
  const units = new Uint32Array(trieBytes / 4);
  for (let i = 0; i < units.length; i++) units[i] = blob.readUInt32LE(4 + 4 * i);
  const replacements = blob.subarray(4 + trieBytes);
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const offset = (unit: number) => (unit >>> 10) << ((unit & 0x200) >>> 6);

  /** Replacement of the shortest key that is a prefix of `bytes`, or null. */
  const transformBytes = (bytes: Uint8Array): string | null => {
    let pos = offset(units[0]!);
    for (const byte of bytes) {
      pos ^= byte;
      const unit = units[pos]!;
      if ((unit & 0x800000ff) !== byte) return null;
      pos ^= offset(unit);
      if ((unit >>> 8) & 1) {
        const start = units[pos]! & 0x7fffffff;
        const end = replacements.indexOf(0, start);
        return decoder.decode(replacements.subarray(start, end < 0 ? replacements.length : end));
      }
    }
    return null;
  };

  const charCache = new Map<number, string>();
  const transformChar = (cp: number): string => {
    let out = charCache.get(cp);
    if (out === undefined) {
      const char = String.fromCodePoint(cp);
      out = transformBytes(encoder.encode(char)) ?? char;
      charCache.set(cp, out);
    }
    return out;
  };

  const flags = new Uint8Array(0x110000);
  const flagsOf = (cp: number): number => {
    let f = flags[cp]!;
    if (f === 0) {
      const c = String.fromCodePoint(cp);
      f = F_KNOWN | (EXTENDING.test(c) ? F_EXTENDING : 0) | (PREPEND.test(c) ? F_PREPEND : 0) | (HANGUL.test(c) ? F_HANGUL : 0) | (REGIONAL.test(c) ? F_REGIONAL : 0);
      flags[cp] = f;
    }
    return f;
  };
  const mayJoin = (a: number, b: number): boolean => {
    const fa = flagsOf(a);
    const fb = flagsOf(b);
    return ((fa | fb) & F_EXTENDING) !== 0 || (fa & F_PREPEND) !== 0 || (fa & fb & (F_HANGUL | F_REGIONAL)) !== 0 || (a === 0x0d && b === 0x0a);
  };

  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const runCache = new Map<string, string>();
  const normalizeRun = (run: string): string => {
    let out = runCache.get(run);
    if (out !== undefined) return out;
    out = '';
    for (const { segment } of segmenter.segment(run)) {
      const bytes = encoder.encode(segment);
      const whole = bytes.length < 6 ? transformBytes(bytes) : null;
      if (whole !== null) out += whole;
      else for (const char of segment) out += transformChar(char.codePointAt(0)!);
    }
    if (runCache.size >= SEGMENTER_CACHE_LIMIT) runCache.clear();
    runCache.set(run, out);
    return out;
  };

  return (text) => {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const first = text.codePointAt(i)!;
      const firstEnd = i + (first > 0xffff ? 2 : 1);
      let j = firstEnd;
      let prev = first;
      while (j < text.length) {
        const next = text.codePointAt(j)!;
        if (!mayJoin(prev, next)) break;
        j += next > 0xffff ? 2 : 1;
        prev = next;
      }
      out += j === firstEnd ? transformChar(first) : normalizeRun(text.slice(i, j));
      i = j;
    }
    return out;
  };
}
