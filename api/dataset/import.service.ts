// importDataset: validates a local JSONL file line by line and records it. The file is not copied:
// workers read it at the stored absolute path, so it must be on storage every worker sees.
// Every check runs before the single insert, so a refused import writes nothing.

import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Prisma } from '../../prisma/generated/client.js';
import { parseDatasetJsonl } from '../../schema/dataset-jsonl.js';
import { importedNameProblem } from '../../schema/datasets.js';
import type { GatewayServices } from '../context.js';
import { badUserInput } from '../errors.js';
import type { DatasetInfo } from './catalog.js';
import { examplesJson, invalidLines, readProblem, summarize, toDatasetInfo } from './imported.js';

export interface ImportDatasetInputData {
  name: string;
  path: string;
  description?: string | null;
}

/** The whole file is parsed in memory; beyond this a split import is the better tool. */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024;
const MAX_DESCRIPTION = 2000;

export async function importDataset(
  services: Pick<GatewayServices, 'prisma' | 'cwd'>,
  input: ImportDatasetInputData,
  at = 'input',
): Promise<DatasetInfo> {
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

  const file = await readJsonl(field('path'), input.path, services.cwd);
  const parsed = parseDatasetJsonl(file.text);
  if ('errors' in parsed) {
    // The parser reports an empty file as one error on line 0.
    if (parsed.errors.every((e) => e.line === 0)) throw badUserInput(field('path'), input.path, 'holds no records');
    throw invalidLines(field('path'), input.path, parsed.errors);
  }
  const summary = summarize(parsed.records);

  try {
    const row = await prisma.importedDataset.create({
      data: {
        name: input.name,
        description,
        path: file.absolute,
        sha256: file.sha256,
        bytes: BigInt(file.bytes),
        languages: summary.languages,
        groups: summary.groups,
        records: summary.records,
        examples: examplesJson(summary.examples),
      },
    });
    return toDatasetInfo(row, true);
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') throw taken();
    throw error;
  }
}

interface JsonlFile {
  absolute: string;
  text: string;
  bytes: number;
  sha256: string;
}

async function readJsonl(field: string, given: string, cwd: string): Promise<JsonlFile> {
  if (given.trim() === '') throw badUserInput(field, given, 'is empty; give the path of a JSONL file');
  const absolute = path.resolve(cwd, given);
  const where = absolute === given ? '' : ` (resolved against the gateway's directory to ${absolute})`;
  const failed = (error: unknown) => badUserInput(field, given, readProblem(error, where));

  let info: Stats;
  let raw: Buffer;
  try {
    info = await stat(absolute);
  } catch (error) {
    throw failed(error);
  }
  if (!info.isFile()) throw badUserInput(field, given, `is not a regular file${where}`);
  if (info.size > MAX_IMPORT_BYTES) {
    throw badUserInput(field, given, `is ${info.size} bytes; importDataset reads at most ${MAX_IMPORT_BYTES} (split the file)`);
  }
  try {
    raw = await readFile(absolute);
  } catch (error) {
    throw failed(error);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw badUserInput(field, given, 'is not valid UTF-8');
  }
  return { absolute, text, bytes: raw.byteLength, sha256: createHash('sha256').update(raw).digest('hex') };
}
