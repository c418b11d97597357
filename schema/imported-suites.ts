// Imported datasets as the gateway records them (ImportedDataset rows) and the worker reads them:
// training files (JSONL) and evaluation suites from the user's data (retrieval suites and
// bitext sets, schema/retrieval-format.ts and schema/bitext-format.ts).

import { assertNever } from './events.js';

/** JSONL trains; RETRIEVAL and BITEXT are evaluated on with evaluate(input: { datasets }). */
export const IMPORT_KINDS = ['JSONL', 'RETRIEVAL', 'BITEXT'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** How the files are laid out: one per kind for JSONL, two for the others. */
export const IMPORT_FORMATS = ['JSONL', 'BEIR', 'SQUAD', 'LINE_PARALLEL', 'ID_PAIRED'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export function kindOfFormat(format: ImportFormat): ImportKind {
  switch (format) {
    case 'JSONL':
      return 'JSONL';
    case 'BEIR':
    case 'SQUAD':
      return 'RETRIEVAL';
    case 'LINE_PARALLEL':
    case 'ID_PAIRED':
      return 'BITEXT';
    default:
      return assertNever(format);
  }
}

/**
 * One file of an import. role: "queries" | "corpus" | "qrels" (BEIR), "squad" (one per language),
 * "a" | "b" (bitext sides, with their language), "gold" (ID_PAIRED), "records" (JSONL).
 */
export interface ImportedFile {
  role: string;
  language?: string;
  /** Absolute real path, as the gateway resolved it inside the import roots. */
  path: string;
  sha256: string;
  bytes: number;
}

/** What the worker needs to evaluate an imported suite: read from its ImportedDataset row. */
export interface ImportedSuite {
  name: string;
  kind: Exclude<ImportKind, 'JSONL'>;
  format: Exclude<ImportFormat, 'JSONL'>;
  files: ImportedFile[];
}

/** The `suite` of an EvaluationReport of an imported suite; its `dataset` is the import's name. */
export const IMPORTED_REPORT_SUITES = ['IMPORTED_RETRIEVAL', 'IMPORTED_BITEXT'] as const;
export type ImportedReportSuite = (typeof IMPORTED_REPORT_SUITES)[number];

export const reportSuiteOf = (kind: ImportedSuite['kind']): ImportedReportSuite => (kind === 'RETRIEVAL' ? 'IMPORTED_RETRIEVAL' : 'IMPORTED_BITEXT');

/** The files column as stored; rows written before it existed hold []. */
export function readImportedFiles(json: unknown): ImportedFile[] {
  if (!Array.isArray(json)) return [];
  return json.filter((f): f is ImportedFile =>
    typeof f === 'object' && f !== null && typeof f.role === 'string' && typeof f.path === 'string' && typeof f.sha256 === 'string' && typeof f.bytes === 'number');
}
