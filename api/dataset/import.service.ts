// importDataset: validates a local JSONL file line by line and records it. The file is not copied:
// workers read it at the stored absolute path, so it must be on storage every worker sees.
// Every check runs before the single insert, so a refused import writes nothing.
//
// The path is confined to IMPORT_ROOTS (api/files/confined.ts) and the file is streamed: only the
// current line, the per-language counts and the (id, language) pairs seen are held, and one import
// runs at a time per gateway.

import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { Prisma } from '../../prisma/generated/client.js';
import { createJsonlValidator } from '../../schema/dataset-jsonl.js';
import { importedNameProblem } from '../../schema/datasets.js';
import type { GatewayServices } from '../context.js';
import { badUserInput } from '../errors.js';
import { realRoots, resolveConfined } from '../files/confined.js';
import { LineReadError, readLines, type StreamedText } from '../files/lines.js';
import { serialPer } from '../files/serial.js';
import type { DatasetInfo } from './catalog.js';
import { createSummary, examplesJson, invalidLines, readProblem, toDatasetInfo, type ImportSummary } from './imported.js';

export interface ImportDatasetInputData {
  name: string;
  path: string;
  description?: string | null;
}

type ImportServices = Pick<GatewayServices, 'prisma' | 'importRoots' | 'importMaxBytes'>;

/** A line is held whole while it is parsed; no record of a retrieval dataset comes near this. */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;
const MAX_DESCRIPTION = 2000;

/** The one answer for a path outside the roots, missing, or leading out through a symlink. */
export const NOT_INSIDE = 'is not a file inside the import roots';

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
  if (await prisma.importedDataset.findUnique({ where: { name: input.name }, select: { id: true } })) throw taken();
  if (input.path.trim() === '') throw badUserInput(field('path'), input.path, 'is empty; give the path of a JSONL file');

  const file = await resolveConfined(input.path, services.importRoots);
  if (!file) throw badUserInput(field('path'), input.path, NOT_INSIDE);
  const { text, summary } = await validateFile(field('path'), input.path, file.absolute, services.importMaxBytes);

  try {
    const row = await prisma.importedDataset.create({
      data: {
        name: input.name,
        description,
        path: file.absolute,
        sha256: text.sha256,
        bytes: BigInt(text.bytes),
        languages: summary.languages,
        groups: summary.groups,
        records: summary.records,
        examples: examplesJson(summary.examples),
      },
    });
    return toDatasetInfo(row, true, [file.root, ...services.importRoots, ...(await realRoots(services.importRoots))]);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw taken();
    throw error;
  }
}

/** Streams the file through the JSONL validator; throws BAD_USER_INPUT on `field` for any problem. */
async function validateFile(field: string, given: string, absolute: string, maxBytes: number): Promise<{ text: StreamedText; summary: ImportSummary }> {
  // The target is a realpath, so O_NOFOLLOW only refuses a symlink swapped in since; O_NONBLOCK
  // keeps a FIFO from blocking the open (it is then refused as not a regular file).
  const handle = await open(absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((error: unknown) => {
    throw badUserInput(field, given, (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'is not a regular file' : readProblem(error));
  });
  const validator = createJsonlValidator();
  const summary = createSummary();
  let text: StreamedText;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw badUserInput(field, given, 'is not a regular file');
    if (info.size > maxBytes) throw tooLarge(field, given, maxBytes);
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
