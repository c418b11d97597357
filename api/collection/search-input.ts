// The options of one query of search, searchBatch or compareCollections, checked before anything is
// looked up or embedded. Limits bound the work one query can ask for (the text is identified and
// embedded by a worker, the language list becomes a store filter), and errors echo at most a clip
// of what was sent, so an oversized argument is not sent back whole in the error.

import { isIso6391 } from '../../schema/dataset-jsonl.js';
import type { RetrievalSettings } from '../../schema/serving.js';
import { checkRetrieval, type RetrievalInput } from '../retrieval/retrieval-input.js';
import { badUserInput } from '../errors.js';

export const MAX_K = 100;
export const DEFAULT_K = 10;
/** Characters (code points) of a query text. */
export const MAX_TEXT_LENGTH = 2_000;
/** Entries of `languages`: more than a served dataset has (XQuAD-R 11, MLQA-R 7). */
export const MAX_LANGUAGES = 32;
/** Characters of a rejected string echoed in the error. */
const ECHO_LENGTH = 40;

export interface SearchOptionsInput extends RetrievalInput {
  text: string;
  queryLanguage?: string | null;
  languages?: string[] | null;
  k?: number | null;
}

export interface SearchOptions {
  text: string;
  k: number;
  /** Null when not given: the worker identifies it. */
  queryLanguage: string | null;
  languages: string[] | null;
  retrieval: RetrievalSettings;
}

/** Names a field of the input being checked, e.g. `input.languages` or `inputs[3].languages`. */
export type FieldPath = (field: string) => string;

/** The first ECHO_LENGTH characters of a long string, marked as clipped; short strings unchanged. */
export function clip(value: string, length = ECHO_LENGTH): string {
  if (value.length <= length) return value;
  const head = Array.from(value.slice(0, length * 2)).slice(0, length).join(''); // whole code points
  return head.length < value.length ? `${head}…` : value;
}

/** Code points, counted only when the UTF-16 length could exceed `max` (it is never fewer). */
function longerThan(text: string, max: number): number | undefined {
  if (text.length <= max) return undefined;
  let count = 0;
  for (const _ of text) count++;
  return count > max ? count : undefined;
}

const NOT_A_CODE = 'is not a lowercase ISO 639-1 code such as "en" or "zh"';

/** Checks the options of one query; throws BAD_USER_INPUT naming the field through `at`. */
export function checkSearchOptions(input: SearchOptionsInput, at: FieldPath): SearchOptions {
  const k = input.k ?? DEFAULT_K;
  if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw badUserInput(at('k'), k, `is not an integer in [1, ${MAX_K}]`);
  const length = longerThan(input.text, MAX_TEXT_LENGTH);
  if (length !== undefined) {
    throw badUserInput(at('text'), clip(input.text), `is ${length} characters long; at most ${MAX_TEXT_LENGTH} are searched`);
  }
  if (input.text.trim() === '') throw badUserInput(at('text'), input.text, 'is empty');
  if (input.queryLanguage != null && !isIso6391(input.queryLanguage)) {
    throw badUserInput(at('queryLanguage'), clip(input.queryLanguage), NOT_A_CODE);
  }
  const { languages } = input;
  if (languages != null) {
    if (languages.length === 0) throw badUserInput(at('languages'), [], 'must name at least one language (omit it for every language)');
    if (languages.length > MAX_LANGUAGES) {
      throw badUserInput(at('languages'), `${languages.length} languages`, `must name at most ${MAX_LANGUAGES} (omit it for every language)`);
    }
    languages.forEach((language, i) => {
      if (!isIso6391(language)) throw badUserInput(at(`languages[${i}]`), clip(language), NOT_A_CODE);
      if (languages.indexOf(language) !== i) throw badUserInput(at(`languages[${i}]`), language, 'is listed twice');
    });
  }
  return { text: input.text, k, queryLanguage: input.queryLanguage ?? null, languages: languages ?? null, retrieval: checkRetrieval(input, at) };
}
