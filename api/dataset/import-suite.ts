// importDataset for evaluation suites: a retrieval suite (BEIR JSONL + TSV, or SQuAD files) or a
// bitext set (line-parallel or id-paired files). Every file is confined to the import roots, read
// whole (each at most IMPORT_MAX_BYTES), hashed and parsed with the same parsers the worker uses
// (schema/retrieval-format.ts, schema/bitext-format.ts), so an import that is recorded evaluates.

import { createHash } from 'node:crypto';
import { parseIdPaired, parseLineParallel, type BitextError } from '../../schema/bitext-format.js';
import { isIso6391 } from '../../schema/dataset-jsonl.js';
import type { ImportedFile, ImportFormat } from '../../schema/imported-suites.js';
import { parseRetrievalJsonl, readSquad, summarizeQueries, type FormatError, type SuiteSummary } from '../../schema/retrieval-format.js';
import { badUserInput } from '../errors.js';
import { LISTED_LINE_ERRORS, openImportFile, readProblem } from './imported.js';

type Maybe<T> = T | null | undefined;

export interface LanguageFileData {
  language: string;
  path: string;
}

export interface RetrievalFilesData {
  queries?: Maybe<string>;
  corpus?: Maybe<string>;
  qrels?: Maybe<string>;
  squad?: Maybe<readonly LanguageFileData[]>;
}

export interface BitextFilesData {
  a: LanguageFileData;
  b: LanguageFileData;
  gold?: Maybe<string>;
}

export interface ValidatedSuite {
  format: Exclude<ImportFormat, 'JSONL'>;
  files: Array<ImportedFile & { root: string }>;
  summary: SuiteSummary;
}

/** One file per language of a SQuAD suite: more than any benchmark here has (XQuAD-R 11, MLQA-R 7). */
const MAX_SQUAD_FILES = 100;

interface Limits {
  roots: readonly string[];
  /** For all the files of one import together: each is read whole. */
  maxBytes: number;
}

/** Bytes of the import read so far, against Limits.maxBytes. */
interface Budget extends Limits {
  used: number;
}

/**
 * Evaluation keeps per-query values for every (query language, pool language) pair: languages² ×
 * distinct query ids cells for each of five metrics (8 bytes each). XQuAD-R has 11² × 1,190; this
 * bound keeps one evaluation's tables near 200 MB.
 */
export const MAX_SUITE_CELLS = 5_000_000;
/** Mining compares every sentence of one side with every sentence of the other. BUCC 2018 zh-en train has 94,637 zh sentences. */
export const MAX_BITEXT_SENTENCES = 100_000;

const tooLarge = (maxBytes: number) => `makes the import larger than ${maxBytes} bytes, the most importDataset reads (IMPORT_MAX_BYTES, for all files of an import together)`;

/** A file of the import as read: where it is, its text and hash. `field` names it in errors. */
interface ReadText {
  field: string;
  given: string;
  file: ImportedFile & { root: string };
  text: string;
}

async function readText(field: string, given: string, role: string, language: string | undefined, budget: Budget): Promise<ReadText> {
  const { roots } = budget;
  const maxBytes = budget.maxBytes - budget.used;
  if (given.trim() === '') throw badUserInput(field, given, 'is empty; give the path of a file');
  const { confined, handle, info } = await openImportFile(field, given, roots);
  try {
    if (info.size > maxBytes) throw badUserInput(field, given, tooLarge(budget.maxBytes));
    // Read at most one byte past the cap: a file that grew since stat is still cut off.
    const buffer = Buffer.alloc(Math.min(maxBytes + 1, info.size + 1));
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0 || (length += bytesRead) >= buffer.length) break;
    }
    if (length > maxBytes) throw badUserInput(field, given, tooLarge(budget.maxBytes));
    budget.used += length;
    const bytes = buffer.subarray(0, length);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw badUserInput(field, given, 'is not valid UTF-8');
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { field, given, text, file: { role, ...(language ? { language } : {}), path: confined.absolute, root: confined.root, sha256, bytes: length } };
  } catch (error) {
    if ((error as NodeJS.ErrnoException | undefined)?.code) throw badUserInput(field, given, readProblem(error));
    throw error;
  } finally {
    await handle.close();
  }
}

function checkLanguage(field: string, language: string): void {
  if (!isIso6391(language)) throw badUserInput(field, language, 'is not a lowercase ISO 639-1 code such as "en" or "zh"');
}

/** BAD_USER_INPUT on the first file at fault, listing its first problems (never the file's text). */
function formatProblems(read: readonly ReadText[], errors: readonly FormatError[]): never {
  const first = errors[0]!;
  const file = read.find((r) => r.file.role === first.file) ?? read[0]!;
  const own = errors.filter((e) => e.file === first.file);
  const listed = own.slice(0, LISTED_LINE_ERRORS);
  const parts = listed.map((e) => (e.line > 0 ? `line ${e.line}: ${e.message}` : e.message));
  const more = own.length - listed.length;
  const count = own.length === 1 ? '1 problem' : `${own.length} problems`;
  throw badUserInput(file.field, file.given, `has ${count}; ${parts.join('; ')}${more > 0 ? `; and ${more} more` : ''}`, {
    lines: listed.map((e) => ({ line: e.line, message: e.message })),
  });
}

export async function validateRetrievalSuite(at: string, input: RetrievalFilesData, limits: Limits): Promise<ValidatedSuite> {
  const budget: Budget = { ...limits, used: 0 };
  const beir = [input.queries, input.corpus, input.qrels];
  const squad = input.squad;
  if (squad != null && beir.some((p) => p != null)) {
    throw badUserInput(at, { squad: squad.length }, 'gives both SQuAD files and queries/corpus/qrels; give one layout');
  }
  if (squad != null) return validateSquad(`${at}.squad`, squad, budget);
  const missing = (['queries', 'corpus', 'qrels'] as const).find((f) => input[f] == null);
  if (missing) throw badUserInput(`${at}.${missing}`, null, 'is missing; a retrieval suite needs queries, corpus and qrels, or squad');
  const queries = await readText(`${at}.queries`, input.queries!, 'queries', undefined, budget);
  const corpus = await readText(`${at}.corpus`, input.corpus!, 'corpus', undefined, budget);
  const qrels = await readText(`${at}.qrels`, input.qrels!, 'qrels', undefined, budget);
  const read = [queries, corpus, qrels];
  const parsed = parseRetrievalJsonl(queries.text, corpus.text, qrels.text);
  if ('errors' in parsed) formatProblems(read, parsed.errors);
  const { parts } = parsed;
  const summary = summarizeQueries(parts.queries, [...new Set(parts.candidates.map((c) => c.language))], parts.candidates.length);
  checkCells(`${at}.queries`, input.queries!, summary);
  return { format: 'BEIR', files: read.map((r) => r.file), summary };
}

function checkCells(field: string, given: string, summary: SuiteSummary): void {
  const cells = summary.languages.length ** 2 * summary.groups;
  if (cells > MAX_SUITE_CELLS) {
    throw badUserInput(field, given, `holds ${summary.groups} distinct queries in ${summary.languages.length} languages: languages² × queries is ${cells}, above ${MAX_SUITE_CELLS}; split the suite`);
  }
}

async function validateSquad(field: string, files: readonly LanguageFileData[], budget: Budget): Promise<ValidatedSuite> {
  if (files.length === 0) throw badUserInput(field, [], 'is empty; give one SQuAD file per language');
  if (files.length > MAX_SQUAD_FILES) throw badUserInput(field, files.length, `lists more than ${MAX_SQUAD_FILES} files`);
  const read: ReadText[] = [];
  const queries: Array<{ id: string; language: string }> = [];
  for (const [i, { language, path }] of files.entries()) {
    checkLanguage(`${field}[${i}].language`, language);
    if (files.findIndex((f) => f.language === language) !== i) throw badUserInput(`${field}[${i}].language`, language, 'is listed twice: give one file per language');
    const file = await readText(`${field}[${i}].path`, path, `squad:${language}`, language, budget);
    read.push(file);
    let json: unknown;
    try {
      json = JSON.parse(file.text);
    } catch {
      throw badUserInput(file.field, file.given, 'is not valid JSON');
    }
    const parsed = readSquad(file.file.role, json);
    if ('errors' in parsed) formatProblems(read, parsed.errors);
    for (const p of parsed.paragraphs) for (const q of p.questions) queries.push({ id: q.id, language });
    file.text = ''; // parsed: only its record is kept
  }
  // Candidates are counted by the worker, which splits paragraphs without sentence breaks.
  const summary = summarizeQueries(queries, files.map((f) => f.language), 0);
  checkCells(field, `${files.length} files`, summary);
  return { format: 'SQUAD', files: read.map((r) => r.file), summary };
}

export async function validateBitextSet(at: string, input: BitextFilesData, limits: Limits): Promise<ValidatedSuite> {
  const budget: Budget = { ...limits, used: 0 };
  checkLanguage(`${at}.a.language`, input.a.language);
  checkLanguage(`${at}.b.language`, input.b.language);
  if (input.a.language === input.b.language) throw badUserInput(`${at}.b.language`, input.b.language, 'is the language of a; a bitext set pairs two languages');
  const a = await readText(`${at}.a.path`, input.a.path, 'a', input.a.language, budget);
  const b = await readText(`${at}.b.path`, input.b.path, 'b', input.b.language, budget);
  const gold = input.gold == null ? undefined : await readText(`${at}.gold`, input.gold, 'gold', undefined, budget);
  const read = [a, b, ...(gold ? [gold] : [])];
  const languages = [input.a.language, input.b.language] as const;
  const parsed = gold ? parseIdPaired(languages, a.text, b.text, gold.text) : parseLineParallel(languages, a.text, b.text);
  if ('errors' in parsed) formatProblems(read, parsed.errors.map((e: BitextError) => ({ file: e.file, line: e.line, message: e.message })));
  const { set } = parsed;
  for (const [side, file] of [[set.a, a], [set.b, b]] as const) {
    if (side.texts.length > MAX_BITEXT_SENTENCES) throw badUserInput(file.field, file.given, `holds ${side.texts.length} sentences, above ${MAX_BITEXT_SENTENCES} (mining compares every pair); split the set`);
  }
  const summary: SuiteSummary = {
    languages: [...languages].sort(),
    groups: set.gold.length,
    queries: set.a.texts.length + set.b.texts.length,
    candidates: set.a.texts.length + set.b.texts.length,
    examples: [
      { language: set.a.language, count: set.a.texts.length },
      { language: set.b.language, count: set.b.texts.length },
    ].sort((x, y) => x.language.localeCompare(y.language)),
  };
  return { format: gold ? 'ID_PAIRED' : 'LINE_PARALLEL', files: read.map((r) => r.file), summary };
}
