// Retrieval suites from the user's data (issue 16, point 4), shared by the gateway (validates an
// import) and the worker (evaluates it). Pure: no I/O, no sentence splitting (the worker splits
// SQuAD paragraphs that come without sentence breaks).
//
// Two layouts, both ending as RetrievalSuiteParts: queries, candidates and which candidates are
// relevant to each query.
//
// JSONL + TSV (BEIR's layout with a language on every record):
//   queries.jsonl  {"_id": "q1", "language": "de", "text": "Wann wurde ...?"}
//   corpus.jsonl   {"_id": "d7", "language": "en", "text": "...", "title": "..."?}
//   qrels.tsv      q1<TAB>d7<TAB>1      (an optional header "query-id corpus-id score")
// - Queries sharing an _id in several languages are translations of one question: they share
//   its judgments and are resampled together by the bootstrap (LAReQA's structure). (_id,
//   language) is unique; a corpus _id is unique.
// - A judgment with score > 0 marks a relevant candidate; score 0 lines are kept out (BEIR's
//   non-relevant judgments). Queries without a relevant candidate are left out, as BEIR's
//   evaluation does (queries.jsonl may hold every split; qrels.tsv picks one).
// - A title is put before the text (MTEB's corpus text), "metadata" is allowed and ignored.
//
// SQuAD (XQuAD / MLQA files, one per language): every sentence of every paragraph is a candidate,
// a question's relevant candidates are its answer sentence in every language that has its id.
// Sentences come from the file's "sentences" + "sentence_breaks" (XQuAD-R, MLQA-R) when a
// paragraph has them, else from the worker's sentence splitter.

import { isIso6391 } from './dataset-jsonl.js';

export interface FormatError {
  /** Which file: a role of ImportedFile ("queries", "corpus", "qrels", "squad:<language>", "a", "b", "gold"). */
  file: string;
  /** 1-based; 0 when the file as a whole is at fault. */
  line: number;
  message: string;
}

export const FORMAT_MAX_ERRORS = 100;

export interface SuiteQuery {
  id: string;
  language: string;
  text: string;
}

export interface SuiteCandidate {
  id: string;
  language: string;
  text: string;
  /** The text without its title, when the record has one: the leakage guard compares both. */
  body?: string;
}

export interface RetrievalSuiteParts {
  queries: SuiteQuery[];
  candidates: SuiteCandidate[];
  /** relevant[i]: indices into candidates of query i's relevant candidates, ascending. */
  relevant: number[][];
}

const linesOf = (text: string) => text.replace(/^\uFEFF/, '').split(/\r?\n/);
const MAX_ID = 200;

function errorList() {
  const errors: FormatError[] = [];
  return {
    errors,
    add(file: string, line: number, message: string) {
      if (errors.length < FORMAT_MAX_ERRORS) errors.push({ file, line, message });
    },
  };
}

type Add = ReturnType<typeof errorList>['add'];

interface JsonRecord {
  id: string;
  language: string;
  text: string;
  body?: string;
  line: number;
}

/**
 * Messages never quote the file (no text, id or field name): the gateway reports them for files the
 * caller may not be allowed to read. Line numbers say where.
 */
function jsonRecords(file: 'queries' | 'corpus', text: string, add: Add): JsonRecord[] {
  const allowed = file === 'corpus' ? ['_id', 'language', 'text', 'title', 'metadata'] : ['_id', 'language', 'text', 'metadata'];
  const records: JsonRecord[] = [];
  linesOf(text).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      return add(file, line, 'is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return add(file, line, 'must be a JSON object');
    const o = value as Record<string, unknown>;
    const unknown = Object.keys(o).find((k) => !allowed.includes(k));
    if (unknown !== undefined) return add(file, line, `has a field other than ${allowed.join(', ')}`);
    const id = typeof o._id === 'number' ? String(o._id) : o._id;
    if (typeof id !== 'string' || id.trim() === '' || id.length > MAX_ID) return add(file, line, `field _id must be a non-empty string of at most ${MAX_ID} characters`);
    if (typeof o.language !== 'string' || !isIso6391(o.language)) return add(file, line, 'field language must be a lowercase ISO 639-1 code such as "en" or "zh"');
    if (typeof o.text !== 'string' || o.text.trim() === '') return add(file, line, 'field text must be a non-empty string');
    if (o.title !== undefined && o.title !== null && typeof o.title !== 'string') return add(file, line, 'field title must be a string when present');
    const title = typeof o.title === 'string' ? o.title.trim() : '';
    const body = o.text.trim();
    records.push({ id: id.trim(), language: o.language, text: title === '' ? body : `${title} ${body}`, ...(title === '' ? {} : { body }), line });
  });
  return records;
}

const QRELS_HEADER = /^query[-_]?id\t(corpus|doc)[-_]?id(\tscore)?$/i;

/** queries.jsonl, corpus.jsonl and qrels.tsv as above. */
export function parseRetrievalJsonl(queriesText: string, corpusText: string, qrelsText: string): { parts: RetrievalSuiteParts } | { errors: FormatError[] } {
  const { errors, add } = errorList();
  const queryRecords = jsonRecords('queries', queriesText, add);
  const corpusRecords = jsonRecords('corpus', corpusText, add);

  const queriesById = new Map<string, JsonRecord[]>();
  const queryLine = new Map<string, number>();
  for (const q of queryRecords) {
    const key = `${q.id}\t${q.language}`;
    const first = queryLine.get(key);
    if (first !== undefined) {
      add('queries', q.line, `repeats the _id and language of line ${first}`);
      continue;
    }
    queryLine.set(key, q.line);
    queriesById.set(q.id, [...(queriesById.get(q.id) ?? []), q]);
  }
  const candidateIndex = new Map<string, number>();
  const corpusLine = new Map<string, number>();
  const candidates: SuiteCandidate[] = [];
  for (const c of corpusRecords) {
    if (candidateIndex.has(c.id)) {
      add('corpus', c.line, `repeats the _id of line ${corpusLine.get(c.id)}`);
      continue;
    }
    corpusLine.set(c.id, c.line);
    candidateIndex.set(c.id, candidates.push({ id: c.id, language: c.language, text: c.text, ...(c.body === undefined ? {} : { body: c.body }) }) - 1);
  }

  const judged = new Map<string, Set<number>>();
  linesOf(qrelsText).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    if (judged.size === 0 && QRELS_HEADER.test(raw.trim())) return;
    const cells = raw.split('\t').map((c) => c.trim());
    if (cells.length < 2 || cells.length > 3 || cells[0] === '' || cells[1] === '') return add('qrels', line, 'expected "<query-id>\\t<corpus-id>\\t<score>"');
    const [queryId, candidateId, scoreText = '1'] = cells as [string, string, string?];
    const score = Number(scoreText);
    if (!Number.isFinite(score) || !/^-?\d+(\.\d+)?$/.test(scoreText)) return add('qrels', line, 'score must be a number');
    if (!queriesById.has(queryId)) return add('qrels', line, 'its query-id is not in queries.jsonl');
    const candidate = candidateIndex.get(candidateId);
    if (candidate === undefined) return add('qrels', line, 'its corpus-id is not in corpus.jsonl');
    if (score <= 0) return;
    let set = judged.get(queryId);
    if (!set) judged.set(queryId, (set = new Set()));
    set.add(candidate);
  });
  if (queryRecords.length === 0 && errors.length === 0) add('queries', 0, 'holds no query');
  if (candidates.length === 0 && errors.length === 0) add('corpus', 0, 'holds no document');
  if (judged.size === 0 && errors.length === 0) add('qrels', 0, 'marks no query-document pair relevant (score > 0)');
  if (errors.length > 0) return { errors };

  const queries: SuiteQuery[] = [];
  const relevant: number[][] = [];
  for (const [id, versions] of queriesById) {
    const set = judged.get(id);
    if (!set) continue;
    const sorted = [...set].sort((x, y) => x - y);
    for (const q of versions) {
      queries.push({ id, language: q.language, text: q.text });
      relevant.push(sorted);
    }
  }
  return { parts: { queries, candidates, relevant } };
}

export interface SquadQuestion {
  id: string;
  question: string;
  answerStart: number;
  answerText: string;
}

export interface SquadParagraph {
  context: string;
  /** Both present, of the same length, or both absent. */
  sentences?: string[];
  sentenceBreaks?: Array<[number, number]>;
  questions: SquadQuestion[];
}

const isArray = Array.isArray;

/**
 * The paragraphs of a SQuAD file (data[].paragraphs[] with context, qas[] of id, question,
 * answers[0].answer_start and .text; optional sentences + sentence_breaks). `file` names it in errors.
 */
export function readSquad(file: string, json: unknown): { paragraphs: SquadParagraph[] } | { errors: FormatError[] } {
  const { errors, add } = errorList();
  const data = (json as { data?: unknown } | null)?.data;
  if (!isArray(data)) return { errors: [{ file, line: 0, message: 'has no "data" array (not a SQuAD file)' }] };
  const paragraphs: SquadParagraph[] = [];
  /** id -> where it was first seen. */
  const ids = new Map<string, string>();
  data.forEach((article, a) => {
    const list = (article as { paragraphs?: unknown } | null)?.paragraphs;
    if (!isArray(list)) return add(file, 0, `data[${a}] has no "paragraphs" array`);
    list.forEach((raw, p) => {
      const where = `data[${a}].paragraphs[${p}]`;
      const { context, qas, sentences, sentence_breaks: breaks } = (raw ?? {}) as Record<string, unknown>;
      if (typeof context !== 'string' || context.trim() === '') return add(file, 0, `${where} has no context`);
      if (!isArray(qas)) return add(file, 0, `${where} has no "qas" array`);
      const paragraph: SquadParagraph = { context, questions: [] };
      if (sentences !== undefined || breaks !== undefined) {
        const ok = isArray(sentences) && isArray(breaks) && sentences.length === breaks.length && sentences.every((s) => typeof s === 'string')
          && breaks.every((b) => isArray(b) && b.length === 2 && Number.isInteger(b[0]) && Number.isInteger(b[1]) && b[0] >= 0 && b[0] < b[1]);
        if (!ok) return add(file, 0, `${where}: "sentences" and "sentence_breaks" must be lists of the same length (strings; [start, end] offsets)`);
        paragraph.sentences = sentences as string[];
        paragraph.sentenceBreaks = breaks as Array<[number, number]>;
      }
      qas.forEach((qa, q) => {
        const { id, question, answers } = (qa ?? {}) as Record<string, unknown>;
        const at = `${where}.qas[${q}]`;
        if (typeof id !== 'string' || id.trim() === '' || id.length > MAX_ID) return add(file, 0, `${at} has no id (a string of at most ${MAX_ID} characters)`);
        const first = ids.get(id.trim());
        if (first !== undefined) return add(file, 0, `${at}: its id is the id of ${first}`);
        ids.set(id.trim(), at);
        if (typeof question !== 'string' || question.trim() === '') return add(file, 0, `${at} has no question`);
        const answer = isArray(answers) ? (answers[0] as { answer_start?: unknown; text?: unknown } | undefined) : undefined;
        const start = answer?.answer_start;
        if (typeof start !== 'number' || !Number.isInteger(start) || start < 0 || start >= context.length) return add(file, 0, `${at} has no answers[0].answer_start inside its context`);
        const inBreaks = paragraph.sentenceBreaks?.some(([s, e]) => s <= start && start < e) ?? true;
        if (!inBreaks) return add(file, 0, `${at}: the answer lies outside every sentence break`);
        paragraph.questions.push({ id: id.trim(), question: question.trim(), answerStart: start, answerText: typeof answer?.text === 'string' ? answer.text : '' });
      });
      paragraphs.push(paragraph);
    });
  });
  if (errors.length === 0 && ids.size === 0) add(file, 0, 'holds no question');
  return errors.length > 0 ? { errors } : { paragraphs };
}

/** What the gateway records of a valid suite: its languages and sizes. */
export interface SuiteSummary {
  languages: string[];
  /** Distinct query ids (a question and its translations). */
  groups: number;
  queries: number;
  candidates: number;
  /** Queries per language. */
  examples: Array<{ language: string; count: number }>;
}

export function summarizeQueries(queries: ReadonlyArray<{ id: string; language: string }>, candidateLanguages: readonly string[], candidates: number): SuiteSummary {
  const perLanguage = new Map<string, number>();
  for (const q of queries) perLanguage.set(q.language, (perLanguage.get(q.language) ?? 0) + 1);
  const languages = [...new Set([...perLanguage.keys(), ...candidateLanguages])].sort();
  return {
    languages,
    groups: new Set(queries.map((q) => q.id)).size,
    queries: queries.length,
    candidates,
    examples: [...perLanguage].map(([language, count]) => ({ language, count })).sort((a, b) => a.language.localeCompare(b.language)),
  };
}
