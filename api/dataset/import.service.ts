// importDataset: validates local files and records them: a training JSONL file (validated line by
// line), or an evaluation suite (import-suite.ts). Files are not copied: workers read them at the
// stored absolute paths, so they must be on storage every worker sees. Every check runs before the
// single insert, so a refused import writes nothing.
//
// Paths are confined to IMPORT_ROOTS (api/files/confined.ts). A JSONL file is streamed: only the
// current line, the per-language counts and the (id, language) pairs seen are held. One import
// runs at a time per gateway.

import type { FileHandle } from 'node:fs/promises';
import { Prisma } from '../../prisma/generated/client.js';
import { createJsonlValidator } from '../../schema/dataset-jsonl.js';
import { importedNameProblem } from '../../schema/datasets.js';
import type { GatewayServices } from '../context.js';
import { badUserInput } from '../errors.js';
import { realRoots } from '../files/confined.js';
import { LineReadError, readLines, type StreamedText } from '../files/lines.js';
import { serialPer } from '../files/serial.js';
import type { DatasetInfo } from './catalog.js';
import { createSummary, examplesJson, invalidLines, openImportFile, readProblem, toDatasetInfo, type ImportSummary } from './imported.js';
import { validateBitextSet, validateRetrievalSuite, type BitextFilesData, type RetrievalFilesData, type ValidatedSuite } from './import-suite.js';
import { kindOfFormat, type ImportedFile } from '../../schema/imported-suites.js';


export interface ImportDatasetInputData {
  name: string;
  /** A training JSONL file; exactly one of path, retrieval, bitext. */
  path?: string | null;
  retrieval?: RetrievalFilesData | null;
  bitext?: BitextFilesData | null;
  description?: string | null;
}

type ImportServices = Pick<GatewayServices, 'prisma' | 'importRoots' | 'importMaxBytes'>;

/** A line is held whole while it is parsed; no record of a retrieval dataset comes near this. */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;
const MAX_DESCRIPTION = 2000;

const importsOf = serialPer<object>();

export function importDataset(services: ImportServices, input: ImportDatasetInputData, at = 'input'): Promise<DatasetInfo> {
  return importsOf(services).run(() => importOne(services, input, at));
}

async function importOne(services: ImportServices, input: ImportDatasetInputData, at: string): Promise<DatasetInfo> {
  const { prisma } = services;
  const field = (name: string) => `${at}.${name}`;
  const nameProblem = importedNameProblem(input.name);
  if (nameProblem) throw badUserInput(field('name'), input.name, nameProblem);
  const description = input.description?.trim() || null;
  if (description !== null && description.length > MAX_DESCRIPTION) {
    throw badUserInput(field('description'), `${description.slice(0, 40)}...`, `is longer than ${MAX_DESCRIPTION} characters`);
  }
  const taken = () => badUserInput(field('name'), input.name, 'is already the name of an imported dataset');
  const given = (['path', 'retrieval', 'bitext'] as const).filter((f) => input[f] != null);
  if (given.length !== 1) {
    throw badUserInput(at, Object.fromEntries(given.map((f) => [f, input[f]])), `${given.length === 0 ? 'names no file' : 'names several kinds'}; give exactly one of ${at}.path (training JSONL), ${at}.retrieval, ${at}.bitext`);
  }
  if (await prisma.importedDataset.findUnique({ where: { name: input.name }, select: { id: true } })) throw taken();
  const limits = { roots: services.importRoots, maxBytes: services.importMaxBytes };
  const record = input.path != null
    ? await validateJsonl(field('path'), input.path, services)
    : input.retrieval != null
      ? suiteRecord(await validateRetrievalSuite(field('retrieval'), input.retrieval, limits))
      : suiteRecord(await validateBitextSet(field('bitext'), input.bitext!, limits));

  try {
    const [first] = record.files;
    const row = await prisma.importedDataset.create({
      data: {
        name: input.name,
        description,
        kind: kindOfFormat(record.format),
        format: record.format,
        files: record.files.map(({ root: _root, ...file }) => file) as unknown as Prisma.InputJsonValue,
        path: first!.path,
        sha256: first!.sha256,
        bytes: BigInt(record.files.reduce((sum, f) => sum + f.bytes, 0)),
        languages: record.summary.languages,
        groups: record.summary.groups,
        records: record.summary.records,
        examples: examplesJson(record.summary.examples),
      },
    });
    return toDatasetInfo(row, true, [...new Set(record.files.map((f) => f.root)), ...services.importRoots, ...(await realRoots(services.importRoots))]);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw taken();
    throw error;
  }
}

interface ImportRecord {
  format: ValidatedSuite['format'] | 'JSONL';
  files: Array<ImportedFile & { root: string }>;
  summary: ImportSummary;
}

function suiteRecord({ format, files, summary }: ValidatedSuite): ImportRecord {
  return { format, files, summary: { languages: summary.languages, groups: summary.groups, records: summary.queries, examples: summary.examples } };
}

async function validateJsonl(field: string, given: string, services: ImportServices): Promise<ImportRecord> {
  if (given.trim() === '') throw badUserInput(field, given, 'is empty; give the path of a JSONL file');
  const { confined, handle, info } = await openImportFile(field, given, services.importRoots);
  const { text, summary } = await validateFile(field, given, handle, info.size, services.importMaxBytes);
  return { format: 'JSONL', files: [{ role: 'records', path: confined.absolute, root: confined.root, sha256: text.sha256, bytes: text.bytes }], summary };
}

/** Streams the open file through the JSONL validator (closing it); throws BAD_USER_INPUT on `field` for any problem. */
async function validateFile(field: string, given: string, handle: FileHandle, size: number, maxBytes: number): Promise<{ text: StreamedText; summary: ImportSummary }> {
  const validator = createJsonlValidator();
  const summary = createSummary();
  let text: StreamedText;
  try {
    if (size > maxBytes) throw tooLarge(field, given, maxBytes);
    const stream = handle.createReadStream({ autoClose: false });
    try {
      text = await readLines(stream, { maxBytes, maxLineChars: MAX_LINE_CHARS, stop: () => validator.full }, (line, number) => {
        const record = validator.line(line, number);
        if (record) summary.add(record);
      });
    } finally {
      stream.destroy();
    }
  } catch (error) {
    if (error instanceof LineReadError) {
      const { problem } = error;
      if (problem.kind === 'too-large') throw tooLarge(field, given, maxBytes);
      if (problem.kind === 'not-utf8') throw badUserInput(field, given, 'is not valid UTF-8');
      throw badUserInput(field, given, `has a line longer than ${problem.maxLineChars} characters (line ${problem.line})`);
    }
    if ((error as NodeJS.ErrnoException | undefined)?.code) throw badUserInput(field, given, readProblem(error));
    throw error;
  } finally {
    await handle.close();
  }
  if (validator.errors.length > 0) throw invalidLines(field, given, validator.errors);
  if (validator.records === 0) throw badUserInput(field, given, 'holds no records');
  return { text, summary: summary.result() };
}

const tooLarge = (field: string, given: string, maxBytes: number) =>
  badUserInput(field, given, `is larger than ${maxBytes} bytes, the most importDataset reads (IMPORT_MAX_BYTES); split the file`);
