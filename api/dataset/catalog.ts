// What of the dataset catalog (schema/datasets.ts) is present in the data folder. The scan only
// lists files, so it is cheap and cached; example counts read whole files and are computed on
// first request per dataset, then cached as well.

import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DATASETS, isTrainableKind, type DatasetDefinition, type DatasetKind } from '../../schema/datasets.js';
import { assertNever } from '../../schema/events.js';
import { fileState, readSampleRecord, type ChecksumMemo } from '../../schema/data-files.js';
import { manifestOf } from '../../schema/data-sources.js';
import type { ImportFormat } from '../../schema/imported-suites.js';

export interface DatasetFileInfo {
  name: string;
  language: string;
  bytes: number;
}

export interface DatasetInfo {
  name: string;
  kind: DatasetKind;
  evaluation: boolean;
  /** Files were found in the data folder. */
  available: boolean;
  /** Training runs accept it (see isTrainableKind). */
  trainable: boolean;
  languages: string[];
  /** Files of the data folder; empty for imported datasets (one file, see imported.path). */
  files: DatasetFileInfo[];
  bytes: number;
  /** Set for datasets recorded by importDataset rather than found in the data folder. */
  imported?: ImportedDetails;
  /** The data folder was seeded with the demo bundle's cut of it (its SAMPLE.json names the folder). */
  sample?: boolean;
}

export interface ImportedDetails {
  format: ImportFormat;
  /** Every file of the import, paths as users are shown them. */
  files: ImportedFileInfo[];
  /** Its first file relative to its import root, for users; the database keeps the absolute path workers read. */
  path: string;
  description: string | null;
  sha256: string;
  groups: number;
  records: number;
  examples: LanguageCount[];
  importedAt: Date;
}

export interface ImportedFileInfo {
  role: string;
  language: string | null;
  path: string;
  sha256: string;
  bytes: number;
}

export interface LanguageCount {
  language: string;
  count: number;
}

/** What of a dataset's recorded files (schema/data-manifest.ts) is in the data folder, verified by sha256. */
export interface DatasetState {
  status: DatasetStatus;
  missing: string[];
  corrupted: string[];
}

/**
 * PRESENT: every recorded file is there and verified (for datasets without recorded files: files
 * were found); SAMPLE: the demo bundle's subset (schema/demo.ts); PARTIAL: some are missing;
 * MISSING: none is there; CORRUPTED: one is there but is not what the manifest records (a pull
 * fetches it again).
 */
export type DatasetStatus = 'PRESENT' | 'SAMPLE' | 'PARTIAL' | 'MISSING' | 'CORRUPTED';

export interface DatasetCatalog {
  list(): Promise<DatasetInfo[]>;
  get(name: string): Promise<DatasetInfo | undefined>;
  exampleCounts(name: string): Promise<LanguageCount[]>;
  state(name: string): Promise<DatasetState>;
  /** Forget the scan (after a pull put files in place). */
  invalidate(): void;
}

export function createDatasetCatalog(dataDir: string, options: { ttlMs?: number } = {}): DatasetCatalog {
  const ttlMs = options.ttlMs ?? 60_000;
  let scan: { at: number; result: Promise<DatasetInfo[]> } | undefined;
  const counts = new Map<string, Promise<LanguageCount[]>>();
  // Each file version is hashed once per gateway process (the data folder is hundreds of MB).
  const checksums: ChecksumMemo = new Map();

  const list = (): Promise<DatasetInfo[]> => {
    if (!scan || Date.now() - scan.at > ttlMs) {
      const result = readSampleRecord(dataDir).then((sample) => {
        const sampled = new Set([...sample.keys()].map((file) => file.split('/')[0]!));
        return Promise.all(DATASETS.map(async (d) => ({ ...(await scanDataset(dataDir, d)), ...(sampled.has(d.folder) ? { sample: true } : {}) })));
      });
      scan = { at: Date.now(), result };
      counts.clear();
      result.catch(() => (scan = undefined));
    }
    return scan.result;
  };

  const get = async (name: string) => (await list()).find((d) => d.name === name);

  return {
    list,
    get,
    async exampleCounts(name) {
      const info = await get(name);
      if (!info) return [];
      let pending = counts.get(name);
      if (!pending) {
        const definition = DATASETS.find((d) => d.name === name)!;
        pending = countExamples(path.join(dataDir, definition.folder), info);
        counts.set(name, pending);
        pending.catch(() => counts.delete(name));
      }
      return pending;
    },
    async state(name) {
      const folder = manifestOf(name);
      if (!folder) return { status: (await get(name))?.available ? 'PRESENT' : 'MISSING', missing: [], corrupted: [] };
      const sample = await readSampleRecord(dataDir);
      const states = await Promise.all(folder.files.map(async (f) => [f.file, await fileState(dataDir, f, checksums, sample)] as const));
      const missing = states.filter(([, s]) => s === 'missing').map(([file]) => file);
      const corrupted = states.filter(([, s]) => s === 'corrupted').map(([file]) => file);
      const sampled = states.some(([, s]) => s === 'sample');
      const status = corrupted.length > 0 ? 'CORRUPTED' : sampled ? 'SAMPLE' : missing.length === states.length ? 'MISSING' : missing.length > 0 ? 'PARTIAL' : 'PRESENT';
      return { status, missing, corrupted };
    },
    invalidate() {
      scan = undefined;
      counts.clear();
    },
  };
}

async function scanDataset(dataDir: string, definition: DatasetDefinition): Promise<DatasetInfo> {
  const folder = path.join(dataDir, definition.folder);
  let names: string[] = [];
  try {
    names = (await readdir(folder)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const files: DatasetFileInfo[] = [];
  for (const name of names) {
    const language = definition.language(name);
    if (language === null) continue;
    const info = await stat(path.join(folder, name));
    if (info.isFile()) files.push({ name, language, bytes: info.size });
  }
  return {
    name: definition.name,
    kind: definition.kind,
    evaluation: definition.evaluation,
    available: files.length > 0,
    trainable: isTrainableKind(definition.kind),
    languages: [...new Set(files.map((f) => f.language))].sort(),
    files,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
  };
}

async function countExamples(folder: string, info: DatasetInfo): Promise<LanguageCount[]> {
  const byLanguage = new Map<string, number>();
  for (const file of info.files) {
    const raw = await readFile(path.join(folder, file.name));
    const text = (file.name.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
    byLanguage.set(file.language, (byLanguage.get(file.language) ?? 0) + countInFile(info.kind, text));
  }
  return [...byLanguage].map(([language, count]) => ({ language, count })).sort((a, b) => a.language.localeCompare(b.language));
}

/** Questions for SQuAD-format files, non-empty lines for line-based ones. */
export function countInFile(kind: DatasetKind, text: string): number {
  switch (kind) {
    case 'QA_SENTENCES':
    case 'QA': {
      const parsed = JSON.parse(text) as { data?: Array<{ paragraphs?: Array<{ qas?: unknown[] }> }> };
      let questions = 0;
      for (const article of parsed.data ?? []) for (const p of article.paragraphs ?? []) questions += p.qas?.length ?? 0;
      return questions;
    }
    case 'PARALLEL_SENTENCES':
    case 'DICTIONARY':
    case 'BITEXT':
    case 'JSONL':
    case 'RETRIEVAL':
      return text.split('\n').filter((line) => line.trim() !== '').length;
    default:
      return assertNever(kind);
  }
}
