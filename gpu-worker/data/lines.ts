// Line-parallel sentence files (XNLI, PAWS-X, NTREX-128): line i of every language file is the
// same item, so a group is a line index. Each dataset turns a language's rows into (query,
// passage) pairs its own way; a row that yields no pair leaves that language out of the group.

import { nonRetryable } from '../../schema/jobs.js';
import type { PairText, TrainingGroup } from './types.js';

/** Lines of a text file, without the empty one after a final newline. */
export function splitLines(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const XNLI_LABELS = new Set(['entailment', 'neutral', 'contradiction']);

/**
 * XNLI dev rows (premise, hypothesis, label): premise -> hypothesis for entailment rows, with the
 * contradicting hypothesis of the same premise (XNLI writes one of each per premise) as hard
 * negative. Test files have no labels, so they cannot say which rows are entailments.
 */
export function xnliPairs(text: string, file: string): (PairText | undefined)[] {
  const rows = splitLines(text).map((line, i) => {
    const [premise, hypothesis, label, extra] = line.split('\t');
    if (premise === undefined || hypothesis === undefined || label === undefined || extra !== undefined || !XNLI_LABELS.has(label)) {
      throw nonRetryable(`${file}:${i + 1}: expected premise, hypothesis and an NLI label separated by tabs`);
    }
    return { premise, hypothesis, label };
  });
  const contradiction = new Map<string, string>();
  for (const row of rows) if (row.label === 'contradiction') contradiction.set(row.premise, row.hypothesis);
  return rows.map(({ premise, hypothesis, label }) => {
    if (label !== 'entailment' || premise.trim() === '' || hypothesis.trim() === '') return undefined;
    const negative = contradiction.get(premise);
    return negative ? { query: premise, passage: hypothesis, hardNegative: negative } : { query: premise, passage: hypothesis };
  });
}

/**
 * PAWS-X dev rows (sentence1, sentence2, label): sentence1 -> sentence2 for paraphrases (label 1).
 * Labels are per language (translation changed a few), so a row can be a pair in some languages
 * only.
 */
export function pawsxPairs(text: string, file: string): (PairText | undefined)[] {
  return splitLines(text).map((line, i) => {
    const [first, second, label, extra] = line.split('\t');
    if (first === undefined || second === undefined || (label !== '0' && label !== '1') || extra !== undefined) {
      throw nonRetryable(`${file}:${i + 1}: expected sentence1, sentence2 and a 0/1 label separated by tabs`);
    }
    return label === '1' && first.trim() !== '' && second.trim() !== '' ? { query: first, passage: second } : undefined;
  });
}

/**
 * One sentence per line (NTREX-128): query and passage are the sentence itself, so a pair is only
 * informative across languages (a translation pair); a monolingual pair is the identity.
 */
export function sentencePairs(text: string): (PairText | undefined)[] {
  return splitLines(text).map((line) => (line.trim() === '' ? undefined : { query: line, passage: line }));
}

/** Groups by line index; ids are `${prefix}:${1-based line number}`. */
export function groupsByLine(dataset: string, prefix: string, byLanguage: ReadonlyMap<string, readonly (PairText | undefined)[]>): TrainingGroup[] {
  const lengths = new Set([...byLanguage.values()].map((rows) => rows.length));
  if (lengths.size > 1) {
    const counts = [...byLanguage].map(([language, rows]) => `${language} ${rows.length}`).join(', ');
    throw nonRetryable(`${dataset}: ${prefix} files are not line-parallel (lines: ${counts})`);
  }
  const length = lengths.values().next().value ?? 0;
  const groups: TrainingGroup[] = [];
  for (let i = 0; i < length; i++) {
    const items = new Map<string, PairText>();
    for (const [language, rows] of byLanguage) {
      const pair = rows[i];
      if (pair) items.set(language, pair);
    }
    if (items.size > 0) groups.push({ id: `${prefix}:${i + 1}`, dataset, items });
  }
  return groups;
}
