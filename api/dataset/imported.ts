// Pure helpers of importDataset: what a parsed JSONL file amounts to, how its invalid lines are
// reported, and how a recorded import is listed next to the catalog.

import type { ImportedDataset as ImportedRow } from '../../prisma/generated/client.js';
import { createKeyTable } from '../../schema/key-table.js';
import { IMPORT_FORMATS, IMPORT_KINDS, readImportedFiles, type ImportedFile, type ImportFormat, type ImportKind } from '../../schema/imported-suites.js';
import { badUserInput } from '../errors.js';
import { resolveConfined, shownPath, type ConfinedPath } from '../files/confined.js';
import { constants, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { DatasetInfo, LanguageCount } from './catalog.js';

export interface ImportSummary {
  languages: string[];
  /** Distinct ids: one item and its versions in other languages form a group. */
  groups: number;
  records: number;
  examples: LanguageCount[];
}

export interface SummaryBuilder {
  add(record: { id: string; language: string }): void;
  result(): ImportSummary;
}

/** Counts as records stream by; keeps the distinct ids, not the records. */
export function createSummary(): SummaryBuilder {
  const perLanguage = new Map<string, number>();
  const ids = createKeyTable();
  let records = 0;
  return {
    add({ id, language }) {
      if (ids.get(id) === undefined) ids.set(id, 0);
      perLanguage.set(language, (perLanguage.get(language) ?? 0) + 1);
      records++;
    },
    result() {
      const examples = [...perLanguage]
        .map(([language, count]) => ({ language, count }))
        .sort((a, b) => a.language.localeCompare(b.language));
      return { languages: examples.map((e) => e.language), groups: ids.size, records, examples };
    },
  };
}

export function summarize(records: ReadonlyArray<{ id: string; language: string }>): ImportSummary {
  const summary = createSummary();
  for (const record of records) summary.add(record);
  return summary.result();
}

export interface LineError {
  line: number;
  field: string;
  message: string;
}

/** The one answer for a path outside the roots, missing, or leading out through a symlink. */
const NOT_INSIDE = 'is not a file inside the import roots';

/**
 * The regular file `given` names inside the import roots, open for reading, with its stat; any
 * other answer is BAD_USER_INPUT on `field`. The caller closes the handle.
 */
export async function openImportFile(field: string, given: string, roots: readonly string[]): Promise<{ confined: ConfinedPath; handle: FileHandle; info: Stats }> {
  const confined = await resolveConfined(given, roots);
  if (!confined) throw badUserInput(field, given, NOT_INSIDE);
  // The target is a realpath, so O_NOFOLLOW only refuses a symlink swapped in since; O_NONBLOCK
  // keeps a FIFO from blocking the open (it is then refused as not a regular file).
  const handle = await open(confined.absolute, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((error: unknown) => {
    throw badUserInput(field, given, (error as NodeJS.ErrnoException).code === 'ELOOP' ? 'is not a regular file' : readProblem(error));
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw badUserInput(field, given, 'is not a regular file');
    return { confined, handle, info };
  } catch (error) {
    await handle.close();
    if ((error as NodeJS.ErrnoException | undefined)?.code) throw badUserInput(field, given, readProblem(error));
    throw error;
  }
}

/** Errors beyond this many are counted, not listed: a wrong file would otherwise flood the client. */
export const LISTED_LINE_ERRORS = 5;

/**
 * BAD_USER_INPUT on `field` naming the first invalid lines; extensions.lines lists them. What the
 * lines hold is never shown: a file readable by the gateway is not necessarily one the caller may read.
 */
export function invalidLines(field: string, value: string, errors: readonly LineError[]) {
  const listed = errors.slice(0, LISTED_LINE_ERRORS).map((e) => ({ line: e.line, field: clip(e.field), message: e.message }));
  const parts = listed.map((e) => `line ${e.line}, field ${e.field}: ${e.message}`);
  const more = errors.length - listed.length;
  const lines = errors.length === 1 ? '1 invalid line' : `${errors.length} invalid lines`;
  const problem = `has ${lines}; ${parts.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  return badUserInput(field, value, problem, {
    lines: listed,
    invalidLineCount: errors.length,
  });
}

/**
 * What a failed open or read of a file inside an import root means to the user (a file that went
 * away in between reads as missing). Only the error code: Node's messages carry the absolute path.
 */
export function readProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'does not exist';
    case 'EACCES':
    case 'EPERM':
      return 'is not readable by the gateway (permission denied)';
    default:
      return `cannot be read: ${typeof code === 'string' ? code : 'I/O error'}`;
  }
}

/** Unknown field names come from the file; a name only needs to be recognisable. */
const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 37)}...` : text);

/**
 * `roots`: the import roots in any spelling (configured and real); the path is shown relative to
 * the one holding it, or as its file name alone when none does (IMPORT_ROOTS changed since).
 */
export function toDatasetInfo(row: ImportedRow, available: boolean, roots: ReadonlyArray<string | undefined>): DatasetInfo {
  const kind = importKindOf(row.kind);
  return {
    name: row.name,
    kind,
    evaluation: kind !== 'JSONL',
    available,
    trainable: kind === 'JSONL',
    languages: row.languages,
    files: [],
    bytes: Number(row.bytes),
    imported: {
      format: (IMPORT_FORMATS as readonly string[]).includes(row.format) ? (row.format as ImportFormat) : 'JSONL',
      files: importedFilesOf(row).map((f) => ({ role: f.role, language: f.language ?? null, path: shownPath(f.path, roots), sha256: f.sha256, bytes: f.bytes })),
      path: shownPath(row.path, roots),
      description: row.description,
      sha256: row.sha256,
      groups: row.groups,
      records: row.records,
      examples: readExamples(row.examples),
      importedAt: row.createdAt,
    },
  };
}

function importKindOf(kind: string): ImportKind {
  return (IMPORT_KINDS as readonly string[]).includes(kind) ? (kind as ImportKind) : 'JSONL';
}

/** Every file an import recorded; a JSONL import made before the files column holds its one path. */
export function importedFilesOf(row: Pick<ImportedRow, 'files' | 'path' | 'sha256' | 'bytes'>): ImportedFile[] {
  const files = readImportedFiles(row.files);
  return files.length > 0 ? files : [{ role: 'records', path: row.path, sha256: row.sha256, bytes: Number(row.bytes) }];
}

/** The `examples` column is written by importDataset as { language: count }. */
function readExamples(json: unknown): LanguageCount[] {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return [];
  return Object.entries(json as Record<string, unknown>)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .map(([language, count]) => ({ language, count }))
    .sort((a, b) => a.language.localeCompare(b.language));
}

export function examplesJson(examples: readonly LanguageCount[]): Record<string, number> {
  return Object.fromEntries(examples.map((e) => [e.language, e.count]));
}
