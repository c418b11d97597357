// SQuAD-format QA files. Each question is paired with the sentence that holds its answer: from the
// file's own sentence breaks (XQuAD-R, MLQA-R) or, for files without them (TyDi QA GoldP, ARCD,
// SQuAD-it, CMRC 2018), from splitSentences.

import { nonRetryable } from '../../schema/jobs.js';
import { locateAnswer, spanAt, splitSentences } from './sentences.js';
import type { PairText } from './types.js';

interface Paragraph {
  context?: unknown;
  sentences?: unknown;
  sentence_breaks?: unknown;
  qas?: unknown;
}

interface Qa {
  id?: unknown;
  question?: unknown;
  answers?: unknown;
}

const isArray = (value: unknown): value is unknown[] => Array.isArray(value);

function paragraphsOf(json: unknown, malformed: (what: string) => Error): Paragraph[] {
  const data = (json as { data?: unknown } | null)?.data;
  if (!isArray(data)) throw malformed('no data array');
  return data.flatMap((article) => {
    const paragraphs = (article as { paragraphs?: unknown } | null)?.paragraphs;
    if (!isArray(paragraphs)) throw malformed('article without paragraphs');
    return paragraphs as Paragraph[];
  });
}

function firstAnswer(qa: Qa): { start: number; text: string } | undefined {
  const answer = isArray(qa.answers) ? (qa.answers[0] as { answer_start?: unknown; text?: unknown } | undefined) : undefined;
  if (typeof answer?.answer_start !== 'number') return undefined;
  return { start: answer.answer_start, text: typeof answer.text === 'string' ? answer.text : '' };
}

/** The sentence whose [start, end) break span contains offset, if any. */
export function sentenceAt(breaks: readonly (readonly [number, number])[], sentences: readonly string[], offset: number): string | undefined {
  const index = breaks.findIndex(([start, end]) => start <= offset && offset < end);
  return index >= 0 ? sentences[index] : undefined;
}

/** Question id to (question, answer sentence) for a file with sentence breaks. */
export function parseQaSentences(json: unknown, file: string): Map<string, PairText> {
  const malformed = (what: string) => nonRetryable(`${file}: not a SQuAD file with sentence breaks (${what})`);
  const pairs = new Map<string, PairText>();
  for (const { sentences, sentence_breaks: breaks, qas } of paragraphsOf(json, malformed)) {
    if (!isArray(sentences) || !isArray(breaks) || !isArray(qas)) throw malformed('paragraph without sentences, sentence_breaks or qas');
    for (const qa of qas as Qa[]) {
      const start = firstAnswer(qa)?.start;
      if (typeof qa.id !== 'string' || typeof qa.question !== 'string' || start === undefined) continue;
      const passage = sentenceAt(breaks as [number, number][], sentences as string[], start);
      if (passage !== undefined) pairs.set(qa.id, { query: qa.question, passage });
    }
  }
  return pairs;
}

/**
 * (question id, (question, answer sentence)) in file order for a plain SQuAD file. Ids may repeat
 * (TyDi QA train numbers questions per article). Questions without answer text are skipped: the
 * TyDi QA GoldP dev files here carry none (every answer is "" at offset 0).
 */
export function parseQaPlain(json: unknown, file: string): [string, PairText][] {
  const malformed = (what: string) => nonRetryable(`${file}: not a SQuAD file (${what})`);
  const pairs: [string, PairText][] = [];
  for (const { context, qas } of paragraphsOf(json, malformed)) {
    if (typeof context !== 'string' || !isArray(qas)) throw malformed('paragraph without context or qas');
    let spans: ReturnType<typeof splitSentences> | undefined;
    for (const qa of qas as Qa[]) {
      const answer = firstAnswer(qa);
      if (typeof qa.id !== 'string' || typeof qa.question !== 'string' || !answer) continue;
      const offset = locateAnswer(context, answer.start, answer.text);
      if (offset === undefined) continue;
      spans ??= splitSentences(context);
      const span = spanAt(spans, offset);
      if (span) pairs.push([qa.id, { query: qa.question, passage: context.slice(span.start, span.end) }]);
    }
  }
  return pairs;
}
