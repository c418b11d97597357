// A query's lexical form in every candidate language: in its own language, its analysed terms; in
// another, its words translated with the bilingual dictionaries (weighted senses, analysed by the
// target language's analyzer), or, without a dictionary, its terms read literally (names and
// numbers still match). One sparse vector per language, because term ids are per language.

import type { SparseVector } from '../vectors/store.js';
import { queryTerms, type WeightedTerm } from './terms.js';

/** What lexical queries need of an analyzer (gpu-worker/lexical/analyzer.ts). */
export interface TermAnalyzer {
  terms(text: string): string[];
  words(text: string): string[];
}

/** What lexical queries need of the dictionaries (gpu-worker/lexical/dictionary.ts). */
export interface QueryTranslator {
  covers(from: string, to: string): boolean;
  steps(from: string, to: string): number | undefined;
  translate(words: readonly string[], from: string, to: string): Array<{ text: string; weight: number }>;
  ownWeight(word: string, language: string): number;
}

export interface LanguageQuery {
  language: string;
  terms: SparseVector;
  /**
   * How far the terms are from what the user typed: 0 in the query's own language, 1 translated
   * with a dictionary, 2 through English, LITERAL_DISTANCE for the query's terms read literally in
   * another language (no dictionary). Fewer steps, less translation noise.
   */
  distance: number;
}

export interface LexicalQueries {
  expand(text: string, queryLanguage: string, languages: readonly string[], dictionary: boolean): LanguageQuery[];
}

export const LITERAL_DISTANCE = 3;

/** Translations repeat (every question has its "how" and "when"): a word's terms are kept, up to this many per language. */
const CACHED_WORDS = 20_000;

export function createLexicalQueries(analyzer: (language: string) => TermAnalyzer, translator?: QueryTranslator): LexicalQueries {
  const literal = (text: string, language: string): WeightedTerm[] => analyzer(language).terms(text).map((term) => ({ term, weight: 1 }));
  const cache = new Map<string, Map<string, string[]>>();
  const termsOfWord = (language: string, word: string): string[] => {
    let words = cache.get(language);
    if (!words) cache.set(language, (words = new Map()));
    let terms = words.get(word);
    if (!terms) {
      if (words.size >= CACHED_WORDS) words.clear();
      words.set(word, (terms = analyzer(language).terms(word)));
    }
    return terms;
  };
  return {
    expand(text, queryLanguage, languages, dictionary) {
      let words: string[] | undefined;
      return languages.map((language) => {
        if (language === queryLanguage && dictionary && translator) {
          words ??= analyzer(queryLanguage).words(text);
          const weights = words.map((word) => translator.ownWeight(word, language));
          // Word by word only when a word is damped: the whole text's analysis stays the reference.
          if (weights.some((w) => w !== 1)) {
            const weighted = words.flatMap((word, i) => termsOfWord(language, word).map((term) => ({ term, weight: weights[i]! })));
            return { language, terms: queryTerms(language, weighted), distance: 0 };
          }
        }
        if (language === queryLanguage || !dictionary || !translator?.covers(queryLanguage, language)) {
          return { language, terms: queryTerms(language, literal(text, language)), distance: language === queryLanguage ? 0 : LITERAL_DISTANCE };
        }
        words ??= analyzer(queryLanguage).words(text);
        const weighted = translator
          .translate(words, queryLanguage, language)
          .flatMap(({ text: word, weight }) => termsOfWord(language, word).map((term) => ({ term, weight })));
        return { language, terms: queryTerms(language, weighted), distance: translator.steps(queryLanguage, language) ?? LITERAL_DISTANCE };
      });
    },
  };
}
