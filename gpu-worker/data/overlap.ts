// Leakage guard: evaluation data must never be trained on (docs/method.md), not even as a copy a
// user imported or as a translation of it. A training group leaks when, in some language, its
// query equals an evaluation query, or its passage or hard negative equals an evaluation passage
// (after normalization), or when it carries the source id of an evaluation group (SQuAD-it
// translates the SQuAD questions XQuAD-R is made of, under the same ids).

import type { TrainingGroup } from './types.js';

/** NFKC, lowercase, whitespace collapsed and trimmed. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();
}

export interface Overlap {
  /** Training groups that leak. */
  count: number;
  /** Ids of those groups, in training order. */
  ids: string[];
  /** Up to MAX_OVERLAP_EXAMPLES human-readable reasons. */
  examples: string[];
}

export const MAX_OVERLAP_EXAMPLES = 5;

const clip = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}...` : text);

/** Normalized evaluation texts by language, and the source ids of evaluation groups. */
export interface EvaluationIndex {
  queries: Map<string, Set<string>>;
  passages: Map<string, Set<string>>;
  sourceIds: Map<string, TrainingGroup>;
}

/**
 * An index of evaluation texts. Groups (catalog suites) index their queries and passages; `texts`
 * (imported suites, which are not question-passage groups) index as queries, as passages, or both.
 */
export function indexEvaluation(groups: readonly TrainingGroup[], texts: ReadonlyArray<{ language: string; text: string; as: 'query' | 'passage' | 'both' }> = []): EvaluationIndex {
  const index: EvaluationIndex = { queries: new Map(), passages: new Map(), sourceIds: new Map() };
  const add = (map: Map<string, Set<string>>, language: string, text: string) => {
    let set = map.get(language);
    if (!set) map.set(language, (set = new Set()));
    set.add(normalizeText(text));
  };
  for (const group of groups) {
    if (group.sourceId !== undefined) index.sourceIds.set(group.sourceId, group);
    for (const [language, text] of group.items) {
      add(index.queries, language, text.query);
      add(index.passages, language, text.passage);
    }
  }
  for (const { language, text, as } of texts) {
    if (as !== 'passage') add(index.queries, language, text);
    if (as !== 'query') add(index.passages, language, text);
  }
  return index;
}

export function findOverlap(training: readonly TrainingGroup[], evaluation: readonly TrainingGroup[] | EvaluationIndex): Overlap {
  const { queries, passages, sourceIds } = Array.isArray(evaluation) ? indexEvaluation(evaluation) : (evaluation as EvaluationIndex);
  const reason = (group: TrainingGroup): string | undefined => {
    const same = group.sourceId !== undefined ? sourceIds.get(group.sourceId) : undefined;
    if (same) return `has the source id of ${same.dataset} group ${same.id}`;
    for (const [language, text] of group.items) {
      if (queries.get(language)?.has(normalizeText(text.query))) return `${language} query "${clip(text.query)}" is an evaluation query`;
      for (const passage of [text.passage, text.hardNegative]) {
        if (passage !== undefined && passages.get(language)?.has(normalizeText(passage))) return `${language} passage "${clip(passage)}" is an evaluation passage`;
      }
    }
    return undefined;
  };
  const ids: string[] = [];
  const examples: string[] = [];
  for (const group of training) {
    const why = reason(group);
    if (why === undefined) continue;
    ids.push(group.id);
    if (examples.length < MAX_OVERLAP_EXAMPLES) examples.push(`${group.dataset} group ${group.id}: ${why}`);
  }
  return { count: ids.length, ids, examples };
}
