// Training data from SQuAD-format QA files with sentence breaks (xquad-r, mlqa-r): each question
// is paired with the sentence that holds its answer, and questions sharing an id across language
// files form one parallel group.

import fs from 'node:fs/promises';
import path from 'node:path';
import { findDataset } from '../../schema/datasets.js';
import { nonRetryable } from '../../schema/jobs.js';
import type { ParallelGroup, ParallelSource } from './sampler.js';

export interface QaPair {
  question: string;
  /** The answer-bearing sentence. */
  passage: string;
}

interface Paragraph {
  context?: unknown;
  sentences?: unknown;
  sentence_breaks?: unknown;
  qas?: unknown;
}

const isArray = (value: unknown): value is unknown[] => Array.isArray(value);

/** The sentence whose [start, end) break span contains offset, if any. */
export function sentenceAt(breaks: readonly (readonly [number, number])[], sentences: readonly string[], offset: number): string | undefined {
  const index = breaks.findIndex(([start, end]) => start <= offset && offset < end);
  return index >= 0 ? sentences[index] : undefined;
}

/** Question id to (question, answer sentence) for one language file. */
export function parseQaSentences(json: unknown, file: string): Map<string, QaPair> {
  const malformed = (what: string) => nonRetryable(`${file}: not a SQuAD file with sentence breaks (${what})`);
  const data = (json as { data?: unknown } | null)?.data;
  if (!isArray(data)) throw malformed('no data array');
  const pairs = new Map<string, QaPair>();
  for (const article of data) {
    const paragraphs = (article as { paragraphs?: unknown }).paragraphs;
    if (!isArray(paragraphs)) throw malformed('article without paragraphs');
    for (const raw of paragraphs as Paragraph[]) {
      const { sentences, sentence_breaks: breaks, qas } = raw;
      if (!isArray(sentences) || !isArray(breaks) || !isArray(qas)) throw malformed('paragraph without sentences, sentence_breaks or qas');
      for (const qa of qas as { id?: unknown; question?: unknown; answers?: unknown }[]) {
        const start = isArray(qa.answers) ? (qa.answers[0] as { answer_start?: unknown } | undefined)?.answer_start : undefined;
        if (typeof qa.id !== 'string' || typeof qa.question !== 'string' || typeof start !== 'number') continue;
        const passage = sentenceAt(breaks as [number, number][], sentences as string[], start);
        if (passage !== undefined) pairs.set(qa.id, { question: qa.question, passage });
      }
    }
  }
  return pairs;
}

/** Merges per-language maps into groups; groups present in a single language are kept (MONO can use them). */
export function groupByQuestion(byLanguage: ReadonlyMap<string, ReadonlyMap<string, QaPair>>): ParallelGroup<QaPair>[] {
  const groups = new Map<string, Map<string, QaPair>>();
  for (const [language, pairs] of byLanguage) {
    for (const [id, pair] of pairs) {
      let items = groups.get(id);
      if (!items) groups.set(id, (items = new Map()));
      items.set(language, pair);
    }
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, items]) => ({ id, items }));
}

/** Reads the files of `languages` that the dataset has; languages it lacks are simply absent. */
export async function loadQaSentenceSource(dataDir: string, name: string, languages: readonly string[]): Promise<ParallelSource<QaPair>> {
  const dataset = findDataset(name);
  if (!dataset) throw nonRetryable(`unknown dataset "${name}"`);
  if (dataset.kind !== 'QA_SENTENCES') throw nonRetryable(`dataset "${name}" (${dataset.kind}) cannot be trained on yet`);
  const folder = path.join(dataDir, dataset.folder);
  const files = (await fs.readdir(folder)).filter((f) => languages.includes(dataset.language(f) ?? '')).sort();
  const byLanguage = new Map<string, Map<string, QaPair>>();
  for (const file of files) {
    const text = await fs.readFile(path.join(folder, file), 'utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw nonRetryable(`${file}: invalid JSON (${(err as Error).message})`);
    }
    byLanguage.set(dataset.language(file)!, parseQaSentences(json, `${name}/${file}`));
  }
  return { name, groups: groupByQuestion(byLanguage) };
}
