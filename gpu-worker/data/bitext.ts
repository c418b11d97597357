// BUCC 2018 bitext mining files: `id TAB sentence` per language and a gold file of aligned id pairs.
// A group is one gold pair; query and passage are the sentence (a translation pair, as NTREX).

import { nonRetryable } from '../../schema/jobs.js';
import { splitLines } from './lines.js';
import type { PairText, TrainingGroup } from './types.js';

export function parseIdSentences(text: string, file: string): Map<string, string> {
  const sentences = new Map<string, string>();
  splitLines(text).forEach((line, i) => {
    const tab = line.indexOf('\t');
    if (tab <= 0) throw nonRetryable(`${file}:${i + 1}: expected an id and a sentence separated by a tab`);
    sentences.set(line.slice(0, tab), line.slice(tab + 1));
  });
  return sentences;
}

/** Ids name their language ("zh-000000057"); pairs whose sentences are missing are skipped. */
export function bitextGroups(dataset: string, gold: string, sentences: ReadonlyMap<string, ReadonlyMap<string, string>>, languages: readonly string[]): TrainingGroup[] {
  const groups: TrainingGroup[] = [];
  for (const line of splitLines(gold)) {
    const ids = line.split('\t');
    const items = new Map<string, PairText>();
    for (const id of ids) {
      const language = id.slice(0, id.indexOf('-'));
      const text = sentences.get(language)?.get(id);
      if (languages.includes(language) && text !== undefined) items.set(language, { query: text, passage: text });
    }
    if (items.size > 0) groups.push({ id: ids.join('/'), dataset, items });
  }
  return groups;
}
