// MUSE bilingual dictionaries (en-XX.txt: English word TAB translation, most frequent English words
// first). A group is an English word with its translation in each language; query and passage are
// the word itself, so, as with sentence files, only cross-lingual pairs are informative. Only the
// en-XX direction is read: XX-en files list the same pairs from the other side.

import { nonRetryable } from '../../schema/jobs.js';
import { splitLines } from './lines.js';
import { joinByGroupId } from './types.js';
import type { PairText, TrainingGroup } from './types.js';

/** English word to its first-listed translation. */
export function parseDictionary(text: string, file: string): Map<string, string> {
  const entries = new Map<string, string>();
  const lines = splitLines(text);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const [source, target, extra] = line.includes('\t') ? line.split('\t') : line.trim().split(/\s+/);
    if (!source || !target || extra !== undefined) throw nonRetryable(`${file}:${i + 1}: expected two words separated by a tab`);
    if (!entries.has(source)) entries.set(source, target);
  }
  return entries;
}

const word = (text: string): PairText => ({ query: text, passage: text });

/**
 * Groups keyed by English word over the given dictionaries (language -> English word ->
 * translation). Languages outside `languages` only contribute English words.
 */
export function dictionaryGroups(dataset: string, dictionaries: ReadonlyMap<string, ReadonlyMap<string, string>>, languages: readonly string[]): TrainingGroup[] {
  const byLanguage = new Map<string, Map<string, PairText>>();
  const english = new Map<string, PairText>();
  for (const [language, entries] of dictionaries) {
    const items = new Map<string, PairText>();
    for (const [source, target] of entries) {
      items.set(source, word(target));
      english.set(source, word(source));
    }
    if (languages.includes(language)) byLanguage.set(language, items);
  }
  if (languages.includes('en')) byLanguage.set('en', english);
  return joinByGroupId(dataset, byLanguage);
}
