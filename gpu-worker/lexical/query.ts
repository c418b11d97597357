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
  translate(words: readonly string[], from: string, to: string): Array<{ text: string; weight: number }>;
}

export interface LanguageQuery {
  language: string;
  terms: SparseVector;
  /** Translated with a dictionary (false: the query's own language, or literal terms). */
  translated: boolean;
}

export interface LexicalQueries {
  expand(text: string, queryLanguage: string, languages: readonly string[], dictionary: boolean): LanguageQuery[];
}

export function createLexicalQueries(analyzer: (language: string) => TermAnalyzer, translator?: QueryTranslator): LexicalQueries {
  const literal = (text: string, language: string): WeightedTerm[] => analyzer(language).terms(text).map((term) => ({ term, weight: 1 }));
  return {
    expand(text, queryLanguage, languages, dictionary) {
      return languages.map((language) => {
        if (language === queryLanguage || !dictionary || !translator?.covers(queryLanguage, language)) {
          return { language, terms: queryTerms(language, literal(text, language)), translated: false };
        }
        const words = analyzer(queryLanguage).words(text);
        const target = analyzer(language);
        const weighted = translator
          .translate(words, queryLanguage, language)
          .flatMap(({ text: word, weight }) => target.terms(word).map((term) => ({ term, weight })));
        return { language, terms: queryTerms(language, weighted), translated: true };
      });
    },
  };
}
