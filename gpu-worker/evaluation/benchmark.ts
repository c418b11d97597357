// XQuAD-R and MLQA-R as retrieval benchmarks (LAReQA, Roy et al. 2020): every sentence of every
// paragraph is a candidate, and a question's relevant candidates are its answer sentence in every
// language where the same question id exists. LAReQA's published candidate counts equal the raw
// sentence counts, so nothing is deduplicated: repeated sentences stay separate candidates (they tie).

import fs from 'node:fs/promises';
import path from 'node:path';

export type RetrievalBenchmarkName = 'xquad-r' | 'mlqa-r';

export const BENCHMARK_LANGUAGES: Readonly<Record<RetrievalBenchmarkName, readonly string[]>> = {
  'xquad-r': ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'],
  'mlqa-r': ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh'],
};

export interface RetrievalQuery {
  /** Question id, shared by the translations of a question. */
  id: string;
  language: string;
  text: string;
  /** Candidate indices of the answer sentence in every language that has this id, ascending. */
  relevant: number[];
  /** Index of `id` in RetrievalBenchmark.units: the resampling unit of the bootstrap. */
  unit: number;
}

export interface RetrievalCandidate {
  language: string;
  text: string;
  /** The paragraph the sentence comes from (LAReQA encodes it as the candidate's context). */
  context: string;
  /** Position of the paragraph in its language file, and of the sentence in the paragraph. */
  paragraphIndex: number;
  sentenceIndex: number;
}

export interface IndexRange {
  start: number;
  end: number;
}

export interface RetrievalBenchmark {
  /** A test suite, 'xnli-test-r' (the validation suite of xnli-retrieval.ts), or an imported suite's name. */
  name: string;
  languages: string[];
  /** Grouped by language in `languages` order; queryRanges[i] is language i's slice. */
  queries: RetrievalQuery[];
  queryRanges: IndexRange[];
  /** Grouped by language; candidateRanges[i] is language i's pool. */
  candidates: RetrievalCandidate[];
  candidateRanges: IndexRange[];
  /** Distinct question ids, in first-seen order. */
  units: string[];
}

interface SquadQa {
  id: string;
  question: string;
  answers: { answer_start: number; text: string }[];
}
interface SquadParagraph {
  context: string;
  sentences: string[];
  sentence_breaks: [number, number][];
  qas: SquadQa[];
}
interface SquadFile {
  data: { paragraphs: SquadParagraph[] }[];
}

export class BenchmarkDataError extends Error {
  override name = 'BenchmarkDataError';
}

/** Index of the sentence whose [start, end) break span holds `offset`. */
export function sentenceAt(breaks: readonly (readonly [number, number])[], offset: number): number {
  return breaks.findIndex(([start, end]) => start <= offset && offset < end);
}

interface LanguageFile {
  candidates: RetrievalCandidate[];
  /** question id -> (question, answer sentence as an index into `candidates`) */
  questions: Map<string, { text: string; answer: number }>;
}

function parseLanguage(file: string, language: string, json: SquadFile): LanguageFile {
  const candidates: RetrievalCandidate[] = [];
  const questions = new Map<string, { text: string; answer: number }>();
  let paragraphIndex = 0;
  for (const article of json.data) {
    for (const p of article.paragraphs) {
      if (p.sentences.length !== p.sentence_breaks.length) {
        throw new BenchmarkDataError(`${file}: paragraph ${paragraphIndex} has ${p.sentences.length} sentences but ${p.sentence_breaks.length} breaks`);
      }
      const first = candidates.length;
      p.sentences.forEach((text, sentenceIndex) => candidates.push({ language, text, context: p.context, paragraphIndex, sentenceIndex }));
      for (const qa of p.qas) {
        const answer = qa.answers[0];
        if (!answer) throw new BenchmarkDataError(`${file}: question ${qa.id} has no answer`);
        const sentence = sentenceAt(p.sentence_breaks, answer.answer_start);
        if (sentence < 0) throw new BenchmarkDataError(`${file}: answer of ${qa.id} lies outside every sentence`);
        if (questions.has(qa.id)) throw new BenchmarkDataError(`${file}: question id ${qa.id} appears twice`);
        questions.set(qa.id, { text: qa.question, answer: first + sentence });
      }
      paragraphIndex++;
    }
  }
  return { candidates, questions };
}

/** Reads `dataDir/<name>/<lang>.json` for every language of the benchmark. */
export async function buildRetrievalBenchmark(dataDir: string, name: RetrievalBenchmarkName): Promise<RetrievalBenchmark> {
  const languages = [...BENCHMARK_LANGUAGES[name]];
  const files = await Promise.all(
    languages.map(async (language) => {
      const file = path.join(dataDir, name, `${language}.json`);
      return parseLanguage(file, language, JSON.parse(await fs.readFile(file, 'utf8')) as SquadFile);
    }),
  );

  const candidates: RetrievalCandidate[] = [];
  const candidateRanges: IndexRange[] = [];
  const offsets: number[] = [];
  for (const f of files) {
    offsets.push(candidates.length);
    candidates.push(...f.candidates);
    candidateRanges.push({ start: offsets.at(-1)!, end: candidates.length });
  }

  const units: string[] = [];
  const unitOf = new Map<string, number>();
  for (const f of files) {
    for (const id of f.questions.keys()) {
      if (!unitOf.has(id)) unitOf.set(id, units.push(id) - 1);
    }
  }
  const relevantOf = (id: string) =>
    files.flatMap((f, i) => {
      const q = f.questions.get(id);
      return q ? [offsets[i]! + q.answer] : [];
    });

  const queries: RetrievalQuery[] = [];
  const queryRanges: IndexRange[] = [];
  files.forEach((f, i) => {
    const start = queries.length;
    for (const [id, q] of f.questions) {
      queries.push({ id, language: languages[i]!, text: q.text, relevant: relevantOf(id), unit: unitOf.get(id)! });
    }
    queryRanges.push({ start, end: queries.length });
  });
  return { name, languages, queries, queryRanges, candidates, candidateRanges, units };
}
