// Pure helpers of importDataset: what a parsed JSONL file amounts to, how its invalid lines are
// reported, and how a recorded import is listed next to the catalog.

import type { ImportedDataset as ImportedRow } from '../../prisma/generated/client.js';
import { badUserInput, formatValue } from '../errors.js';
import type { DatasetInfo, LanguageCount } from './catalog.js';

export interface ImportSummary {
  languages: string[];
  /** Distinct ids: one item and its versions in other languages form a group. */
  groups: number;
  records: number;
  examples: LanguageCount[];
}

export function summarize(records: ReadonlyArray<{ id: string; language: string }>): ImportSummary {
  const perLanguage = new Map<string, number>();
  const ids = new Set<string>();
  for (const { id, language } of records) {
    ids.add(id);
    perLanguage.set(language, (perLanguage.get(language) ?? 0) + 1);
  }
  const examples = [...perLanguage]
    .map(([language, count]) => ({ language, count }))
    .sort((a, b) => a.language.localeCompare(b.language));
  return { languages: examples.map((e) => e.language), groups: ids.size, records: records.length, examples };
}

export interface LineError {
  line: number;
  field: string;
  value?: unknown;
  message: string;
}

/** Errors beyond this many are counted, not listed: a wrong file would otherwise flood the client. */
export const LISTED_LINE_ERRORS = 5;

/** BAD_USER_INPUT on `field` naming the first invalid lines; extensions.lines lists them. */
export function invalidLines(field: string, value: string, errors: readonly LineError[]) {
  const listed = errors.slice(0, LISTED_LINE_ERRORS);
  const parts = listed.map((e) => `line ${e.line}, field ${e.field}: ${e.message}`);
  const more = errors.length - listed.length;
  const lines = errors.length === 1 ? '1 invalid line' : `${errors.length} invalid lines`;
  const problem = `has ${lines}; ${parts.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  return badUserInput(field, value, problem, {
    lines: listed.map((e) => ({ line: e.line, field: e.field, value: e.value === undefined ? null : clip(formatValue(e.value)), message: e.message })),
    invalidLineCount: errors.length,
  });
}

/** What a failed stat or read of an import means to the user; `where` tells where the path led. */
export function readProblem(error: unknown, where: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `does not exist${where}`;
    case 'EACCES':
    case 'EPERM':
      return `is not readable by the gateway (permission denied)${where}`;
    default:
      return `cannot be read${where}: ${code ?? String(error)}`;
  }
}

/** A passage can be long; the error only needs enough of it to find the line. */
const clip = (text: string) => (text.length > 120 ? `${text.slice(0, 117)}...` : text);

export function toDatasetInfo(row: ImportedRow, available: boolean): DatasetInfo {
  return {
    name: row.name,
    kind: 'JSONL',
    evaluation: false,
    available,
    trainable: true,
    languages: row.languages,
    files: [],
    bytes: Number(row.bytes),
    imported: {
      path: row.path,
      description: row.description,
      sha256: row.sha256,
      groups: row.groups,
      records: row.records,
      examples: readExamples(row.examples),
      importedAt: row.createdAt,
    },
  };
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
