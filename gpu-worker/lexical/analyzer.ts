// Per-language analysis for BM25: normalise, fold case, segment, drop stop words, stem.
//
// Stemmer: multilingual-stemmer 2.1.1 (MIT), the Snowball 3 algorithms compiled to WebAssembly.
// Chosen over snowball-stemmers 0.6 (ISC, an older hand port) because it also has Greek, Hindi and
// Indonesian, three of the data folder's languages; its module instantiates the WebAssembly with a
// top-level await once at import, after which stemming is synchronous (about 1 µs a word).
// Stop words: stopwords-iso 1.1.0 (MIT), one JSON file read synchronously on first use.
// Segmentation of Chinese, Japanese and Thai: ICU's dictionary word breaker (Intl.Segmenter) or
// overlapping character bigrams; bench/lexical-analysis.ts measures both, and DEFAULT_SEGMENTATION
// records what it chose (bench/results.md, "Lexical analysis per language").

import { createRequire } from 'node:module';
import { createStemmer, type IsoCode } from 'multilingual-stemmer';
import { toSimplified } from './chinese.js';

export type Segmentation = 'dictionary' | 'bigram';

export interface AnalyzerOptions {
  stem?: boolean;
  /** Default: only where stop-word removal helped BM25 on validation data (STOP_WORDS_HELP). */
  stopWords?: boolean;
  segmentation?: Segmentation;
}

export interface Analyzer {
  readonly language: string;
  /** Index terms of a text in order, repeats kept: normalised (NFKC), case-folded, segmented, stop words removed, stemmed. */
  terms(text: string): string[];
  /** Surface words: normalised, case-folded, segmented (zh/ja/th into words), punctuation dropped; no stemming, stop words kept. */
  words(text: string): string[];
}

const STEMMERS: Readonly<Record<string, IsoCode>> = {
  ar: 'ar', ca: 'ca', cs: 'cs', da: 'da', de: 'de', el: 'el', en: 'en', es: 'es', et: 'et', eu: 'eu', fa: 'fa', fi: 'fi', fr: 'fr',
  ga: 'ga', hi: 'hi', hu: 'hu', hy: 'hy', id: 'id', it: 'it', lt: 'lt', ne: 'ne', nl: 'nl', no: 'no', pl: 'pl', pt: 'pt', ro: 'ro',
  ru: 'ru', sr: 'sr', sv: 'sv', ta: 'ta', tr: 'tr',
};

export const STEMMED_LANGUAGES: readonly string[] = Object.freeze(Object.keys(STEMMERS));

// Measured on validation data (bench/lexical-analysis.ts, bench/results.md), with and without stop
// words: Chinese dictionary words win until stopwords-iso's Chinese list (single characters like
// 的 不 上 among them) takes frequent words out, which bigrams mostly escape. Korean "dictionary"
// is space-separated eojeol, which keep their particles; bigrams of Hangul win by far. Every other
// language splits unspaced runs into bigrams, the tokenizer of gpu-worker/evaluation/bm25.ts.
const DEFAULT_SEGMENTATION: Readonly<Record<string, { stop: Segmentation; noStop: Segmentation }>> = {
  zh: { stop: 'bigram', noStop: 'dictionary' },
  ja: { stop: 'bigram', noStop: 'bigram' },
  th: { stop: 'dictionary', noStop: 'dictionary' },
  ko: { stop: 'bigram', noStop: 'bigram' },
};

// stopwords-iso's lists cost BM25 mAP on validation in most languages (its English list has 1,298
// words, "world" and "year" among them); removing them helped only here (bench/results.md,
// "Lexical analysis per language": +stop against raw, +stem+stop against +stem).
const STOP_WORDS_HELP: ReadonlySet<string> = new Set(['bn', 'fi', 'hi', 'id', 'sw', 'tr', 'ur']);

const UNSPACED = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Thai}\\p{Script=Lao}\\p{Script=Khmer}\\p{Script=Myanmar}';
// Marks belong to the word (Devanagari vowel signs, Arabic diacritics) or to the unspaced run (Thai vowels).
const TOKEN = new RegExp(`[${UNSPACED}]+|(?:(?![${UNSPACED}])[\\p{L}\\p{M}\\p{N}])+`, 'gu');
const UNSPACED_RUN = new RegExp(`^[${UNSPACED}]`, 'u');
const HAS_UNSPACED = new RegExp(`[${UNSPACED}]`, 'u');
const HANGUL = /^\p{Script=Hangul}+$/u;
const COMBINING = /\p{M}/gu;

/**
 * NFKC, then case folding; Turkish and Azerbaijani keep dotted and dotless i apart, ß meets ss, and
 * Chinese in Traditional characters meets Simplified (chinese.ts).
 */
export function normalise(text: string, language: string): string {
  const nfkc = language === 'zh' ? toSimplified(text.normalize('NFKC')) : text.normalize('NFKC');
  const lower = language === 'tr' || language === 'az' ? nfkc.toLocaleLowerCase('tr') : nfkc.toLowerCase();
  return lower.replaceAll('ß', 'ss');
}

function wordSegmenter(language: string): Intl.Segmenter {
  let locale = 'und';
  try {
    if (Intl.Segmenter.supportedLocalesOf([language]).length) locale = language;
  } catch {
    // Not a BCP 47 tag: the unknown language gets ICU's root rules, which still break Thai and CJK.
  }
  return new Intl.Segmenter(locale, { granularity: 'word' });
}

function bigrams(run: string, out: string[]): void {
  const chars = Array.from(run);
  if (chars.length === 1) out.push(run);
  for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
}

/** Words of normalised text: ICU's dictionary breaker where a script has no spaces, else runs of letters, marks and digits. */
function splitWords(text: string, segmenter: () => Intl.Segmenter): string[] {
  const out: string[] = [];
  if (!HAS_UNSPACED.test(text)) {
    for (const [run] of text.matchAll(TOKEN)) out.push(run);
    return out;
  }
  for (const s of segmenter().segment(text)) {
    // ICU keeps "l'homme" and "3.5" whole; the letter-run split keeps words alike across languages.
    if (s.isWordLike) for (const [run] of s.segment.matchAll(TOKEN)) out.push(run);
  }
  return out;
}

let stopLists: Readonly<Record<string, readonly string[]>> | undefined;
function stopWordsOf(language: string): ReadonlySet<string> {
  stopLists ??= createRequire(import.meta.url)('stopwords-iso') as Record<string, string[]>;
  return new Set((stopLists[language] ?? []).map((w) => normalise(w, language)));
}

export function createAnalyzer(language: string, options: AnalyzerOptions = {}): Analyzer {
  const code = language.toLowerCase().split(/[-_]/)[0] ?? '';
  const useStopWords = options.stopWords ?? STOP_WORDS_HELP.has(code);
  const segmentation = options.segmentation ?? DEFAULT_SEGMENTATION[code]?.[useStopWords ? 'stop' : 'noStop'] ?? 'bigram';
  const stopWords = useStopWords ? stopWordsOf(code) : new Set<string>();
  const stemmerCode = options.stem ?? true ? STEMMERS[code] : undefined;
  const stem = stemmerCode ? createStemmer(stemmerCode) : undefined;
  // Greek: the stemmer drops accents from what it stems; its stop words and unstemmed words follow.
  const dropMarks = code === 'el';

  // ICU builds a breaker per Intl.Segmenter, which is costly: one per analyzer, when first needed.
  let breaker: Intl.Segmenter | undefined;
  const segmenter = () => (breaker ??= wordSegmenter(code));
  const words = (text: string) => splitWords(normalise(text, code), segmenter);

  const segment = (text: string): string[] => {
    const norm = normalise(text, code);
    if (segmentation === 'dictionary') return splitWords(norm, segmenter);
    const out: string[] = [];
    for (const [run] of norm.matchAll(TOKEN)) {
      if (UNSPACED_RUN.test(run) || (code === 'ko' && HANGUL.test(run))) bigrams(run, out);
      else out.push(run);
    }
    return out;
  };

  return {
    language,
    words,
    terms(text) {
      const out: string[] = [];
      for (const w of segment(text)) {
        if (stopWords.has(w)) continue;
        let t = stem ? stem(w) : w;
        if (dropMarks) t = t.normalize('NFD').replace(COMBINING, '').normalize('NFC');
        if (t) out.push(t);
      }
      return out;
    },
  };
}
