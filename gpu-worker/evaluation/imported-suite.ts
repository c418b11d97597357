// Imported evaluation suites (schema/imported-suites.ts) as the evaluators take them: a retrieval
// suite as a RetrievalBenchmark, a bitext set as a BitextSet. The files are read where the gateway
// found them and must still hash to what it recorded: numbers are only comparable over the same data.

import { createHash } from 'node:crypto';
import type { PrismaClient } from '../../prisma/generated/client.js';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { parseIdPaired, parseLineParallel, type BitextSet } from '../../schema/bitext-format.js';
import { readImportedFiles, type ImportedFile, type ImportedSuite } from '../../schema/imported-suites.js';
import { nonRetryable } from '../../schema/jobs.js';
import { parseRetrievalJsonl, readSquad, type FormatError, type RetrievalSuiteParts, type SuiteCandidate, type SuiteQuery } from '../../schema/retrieval-format.js';
import { locateAnswer, spanAt, splitSentences } from '../data/sentences.js';
import type { IndexRange, RetrievalBenchmark, RetrievalCandidate, RetrievalQuery } from './benchmark.js';

/** A text the leakage guard refuses in training (data/overlap.ts), as a query, a passage or both. */
export interface GuardedText {
  language: string;
  text: string;
  as: 'query' | 'passage' | 'both';
}

export type LoadedSuite =
  | {
      kind: 'RETRIEVAL';
      benchmark: RetrievalBenchmark;
      /** Queries, and relevant candidates (with and without their title). */
      guarded: GuardedText[];
      /** SQuAD question ids: translations of the same questions under the same ids leak too, as for the built-in suites. */
      sourceIds: string[];
      /** SQuAD questions whose answer could not be placed in a sentence. */
      dropped: number;
    }
  | { kind: 'BITEXT'; set: BitextSet };

export function retrievalSuite(name: string, parts: RetrievalSuiteParts, sourceIds: string[], dropped: number): LoadedSuite {
  if (parts.queries.length === 0) throw nonRetryable(`imported dataset ${name}: no question's answer lies in a sentence (${dropped} left out)`);
  const relevant = new Set(parts.relevant.flat());
  const guarded: GuardedText[] = parts.queries.map((q) => ({ language: q.language, text: q.text, as: 'query' }));
  for (const c of relevant) {
    const candidate = parts.candidates[c]!;
    guarded.push({ language: candidate.language, text: candidate.text, as: 'passage' });
    if (candidate.body !== undefined) guarded.push({ language: candidate.language, text: candidate.body, as: 'passage' });
  }
  return { kind: 'RETRIEVAL', benchmark: benchmarkFromParts(name, parts), guarded, sourceIds, dropped };
}

/**
 * Groups queries and candidates by language (sorted codes), as the evaluators expect, and numbers
 * the resampling units by query id. Pure.
 */
export function benchmarkFromParts(name: string, parts: RetrievalSuiteParts): RetrievalBenchmark {
  const languages = [...new Set([...parts.queries.map((q) => q.language), ...parts.candidates.map((c) => c.language)])].sort();
  const candidates: RetrievalCandidate[] = [];
  const candidateRanges: IndexRange[] = [];
  const newIndex = new Int32Array(parts.candidates.length);
  for (const language of languages) {
    const start = candidates.length;
    parts.candidates.forEach((c, i) => {
      if (c.language !== language) return;
      newIndex[i] = candidates.length;
      candidates.push({ language, text: c.text, context: c.id, paragraphIndex: 0, sentenceIndex: candidates.length - start });
    });
    candidateRanges.push({ start, end: candidates.length });
  }
  const queries: RetrievalQuery[] = [];
  const queryRanges: IndexRange[] = [];
  const units: string[] = [];
  const unitOf = new Map<string, number>();
  for (const language of languages) {
    const start = queries.length;
    parts.queries.forEach((q, i) => {
      if (q.language !== language) return;
      let unit = unitOf.get(q.id);
      if (unit === undefined) unitOf.set(q.id, (unit = units.push(q.id) - 1));
      const relevant = parts.relevant[i]!.map((r) => newIndex[r]!).sort((x, y) => x - y);
      queries.push({ id: q.id, language, text: q.text, relevant, unit });
    });
    queryRanges.push({ start, end: queries.length });
  }
  return { name, languages, queries, queryRanges, candidates, candidateRanges, units };
}

/**
 * SQuAD files (one per language) as LAReQA builds XQuAD-R: every sentence a candidate, a
 * question's relevant candidates its answer sentence in every language that has its id. Sentences
 * come from the file's breaks, else from splitSentences. Questions whose answer falls in no
 * sentence are left out (counted in `dropped`).
 */
export function squadParts(files: ReadonlyArray<{ language: string; role: string; json: unknown }>): { parts: RetrievalSuiteParts; dropped: number } | { errors: FormatError[] } {
  const candidates: SuiteCandidate[] = [];
  const asked: Array<SuiteQuery & { answer: number }> = [];
  let dropped = 0;
  for (const { language, role, json } of files) {
    const read = readSquad(role, json);
    if ('errors' in read) return read;
    read.paragraphs.forEach((p, pi) => {
      const first = candidates.length;
      let answerSentence: (start: number, text: string) => number;
      if (p.sentences && p.sentenceBreaks) {
        const breaks = p.sentenceBreaks;
        p.sentences.forEach((text, si) => candidates.push({ id: `${language}:${pi}:${si}`, language, text }));
        answerSentence = (start) => breaks.findIndex(([s, e]) => s <= start && start < e);
      } else {
        const spans = splitSentences(p.context);
        spans.forEach((span, si) => candidates.push({ id: `${language}:${pi}:${si}`, language, text: p.context.slice(span.start, span.end) }));
        answerSentence = (start, text) => {
          const offset = locateAnswer(p.context, start, text);
          const span = offset === undefined ? undefined : spanAt(spans, offset);
          return span ? spans.indexOf(span) : -1;
        };
      }
      for (const q of p.questions) {
        const sentence = answerSentence(q.answerStart, q.answerText);
        if (sentence < 0) {
          dropped++;
          continue;
        }
        asked.push({ id: q.id, language, text: q.question, answer: first + sentence });
      }
    });
  }
  const answersOf = new Map<string, number[]>();
  for (const q of asked) answersOf.set(q.id, [...(answersOf.get(q.id) ?? []), q.answer]);
  const queries = asked.map(({ id, language, text }) => ({ id, language, text }));
  const relevant = asked.map((q) => [...answersOf.get(q.id)!].sort((x, y) => x - y));
  return { parts: { queries, candidates, relevant }, dropped };
}

/**
 * The file as the gateway recorded it, or a non-retryable failure. Opened as the gateway opened it
 * (no symlink swapped in, no FIFO to block on) and read only when its size is the recorded one,
 * so a replaced file can neither hang the worker nor fill its memory.
 */
async function readVerified(suite: ImportedSuite, file: ImportedFile): Promise<string> {
  const changed = () => nonRetryable(`imported dataset ${suite.name}: its ${file.role} file changed since it was imported; import it again under a new name`);
  const handle = await open(file.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((error: NodeJS.ErrnoException) => {
    // A missing or replaced file stays so; other errors (a storage hiccup) are worth a retry.
    if (error.code === 'ENOENT') throw nonRetryable(`imported dataset ${suite.name}: its ${file.role} file is gone from where it was imported`);
    if (error.code === 'ELOOP') throw changed();
    throw error;
  });
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size !== file.bytes) throw changed();
    const bytes = Buffer.alloc(file.bytes);
    let length = 0;
    while (length < bytes.length) {
      const { bytesRead } = await handle.read(bytes, length, bytes.length - length, length);
      if (bytesRead === 0) throw changed();
      length += bytesRead;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== file.sha256) throw changed();
    return bytes.toString('utf8');
  } finally {
    await handle.close();
  }
}

const formatFailure = (suite: ImportedSuite, errors: readonly FormatError[]) =>
  nonRetryable(`imported dataset ${suite.name}: ${errors.slice(0, 3).map((e) => `${e.file}${e.line > 0 ? ` line ${e.line}` : ''}: ${e.message}`).join('; ')}`);

function fileOf(suite: ImportedSuite, role: string): ImportedFile {
  const file = suite.files.find((f) => f.role === role);
  if (!file) throw nonRetryable(`imported dataset ${suite.name} records no ${role} file`);
  return file;
}

export async function loadImportedSuite(suite: ImportedSuite): Promise<LoadedSuite> {
  switch (suite.format) {
    case 'BEIR': {
      const [queries, corpus, qrels] = await Promise.all(['queries', 'corpus', 'qrels'].map((role) => readVerified(suite, fileOf(suite, role))));
      const parsed = parseRetrievalJsonl(queries!, corpus!, qrels!);
      if ('errors' in parsed) throw formatFailure(suite, parsed.errors);
      return retrievalSuite(suite.name, parsed.parts, [], 0);
    }
    case 'SQUAD': {
      const files = await Promise.all(suite.files.map(async (f) => ({ language: f.language ?? '', role: f.role, json: JSON.parse(await readVerified(suite, f)) as unknown })));
      const parsed = squadParts(files);
      if ('errors' in parsed) throw formatFailure(suite, parsed.errors);
      return retrievalSuite(suite.name, parsed.parts, [...new Set(parsed.parts.queries.map((q) => q.id))], parsed.dropped);
    }
    case 'LINE_PARALLEL':
    case 'ID_PAIRED': {
      const a = fileOf(suite, 'a');
      const b = fileOf(suite, 'b');
      const languages = [a.language ?? '', b.language ?? ''] as const;
      const parsed = suite.format === 'ID_PAIRED'
        ? parseIdPaired(languages, await readVerified(suite, a), await readVerified(suite, b), await readVerified(suite, fileOf(suite, 'gold')))
        : parseLineParallel(languages, await readVerified(suite, a), await readVerified(suite, b));
      if ('errors' in parsed) throw formatFailure(suite, parsed.errors.map((e) => ({ file: e.file, line: e.line, message: e.message })));
      return { kind: 'BITEXT', set: parsed.set };
    }
    default:
      return suite.format satisfies never;
  }
}

/** The ImportedDataset row named `name`, as an evaluation suite; refused when it is a training import. */
export async function findImportedSuite(prisma: PrismaClient, name: string): Promise<ImportedSuite> {
  const row = await prisma.importedDataset.findUnique({ where: { name }, select: { kind: true, format: true, files: true } });
  if (!row) throw nonRetryable(`imported dataset ${name} does not exist`);
  if (row.kind !== 'RETRIEVAL' && row.kind !== 'BITEXT') throw nonRetryable(`imported dataset ${name} is ${row.kind} training data, not an evaluation suite`);
  return { name, kind: row.kind, format: row.format as ImportedSuite['format'], files: readImportedFiles(row.files) };
}

/**
 * What training must not contain (the leakage guard, data/overlap.ts): a retrieval suite's queries
 * and relevant candidates, a bitext set's sentences that have a gold partner. Source ids (SQuAD
 * question ids) come from LoadedSuite.sourceIds.
 */
export function suiteTexts(loaded: LoadedSuite): GuardedText[] {
  switch (loaded.kind) {
    case 'RETRIEVAL':
      return loaded.guarded;
    case 'BITEXT': {
      const { a, b, gold } = loaded.set;
      return gold.flatMap(([i, j]) => [
        { language: a.language, text: a.texts[i]!, as: 'both' as const },
        { language: b.language, text: b.texts[j]!, as: 'both' as const },
      ]);
    }
    default:
      return loaded satisfies never;
  }
}
