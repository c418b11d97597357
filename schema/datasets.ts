// The datasets the platform knows how to read from the data folder, and how their files map to
// languages. Both the gateway (to list them) and the worker (to train on them) use this catalog.
// Imported datasets (kind JSONL) are not in it: importDataset records them in the database.

import { assertNever } from './events.js';

/**
 * JSONL: a training file imported with importDataset (schema/dataset-jsonl.ts); RETRIEVAL: an
 * imported retrieval suite (schema/retrieval-format.ts). Neither is ever part of DATASETS; BITEXT
 * is bucc2018 or an imported bitext set.
 */
export const DATASET_KINDS = ['QA_SENTENCES', 'QA', 'PARALLEL_SENTENCES', 'DICTIONARY', 'BITEXT', 'JSONL', 'RETRIEVAL'] as const;
export type DatasetKind = (typeof DATASET_KINDS)[number];

/**
 * Kinds the worker's loaders turn into training groups. BITEXT (bucc2018) is a mining benchmark of
 * mostly unaligned sentences; it is only evaluated on.
 */
export function isTrainableKind(kind: DatasetKind): boolean {
  switch (kind) {
    case 'QA_SENTENCES':
    case 'QA':
    case 'PARALLEL_SENTENCES':
    case 'DICTIONARY':
    case 'JSONL':
      return true;
    case 'BITEXT':
    case 'RETRIEVAL':
      return false;
    default:
      return assertNever(kind);
  }
}

/** Names of imported datasets; they share one namespace with the catalog. */
export const IMPORTED_NAME = /^[a-z0-9-]{1,64}$/;

/** Why `name` cannot name a new imported dataset, or null when it can. */
export function importedNameProblem(name: string): string | null {
  if (!IMPORTED_NAME.test(name)) return 'must be 1..64 characters of a-z, 0-9 and -';
  if (findDataset(name)) return 'is the name of a catalog dataset';
  return null;
}

export interface DatasetDefinition {
  name: string;
  kind: DatasetKind;
  /** Folder under the data directory. */
  folder: string;
  /** Maps a file name to its ISO 639-1 language code, or null for files that are not data. */
  language: (file: string) => string | null;
  /** Evaluation-only datasets: never train on them when evaluating on them. */
  evaluation: boolean;
  /**
   * DICTIONARY only: read the first this many entries of each file (MUSE lists the most frequent
   * English words first), so that rare words do not outnumber the common ones in training.
   */
  maxEntries?: number;
}

const byPattern = (re: RegExp) => (file: string) => re.exec(file)?.[1] ?? null;

/** ISO 639-3 (NTREX-128 file names) to ISO 639-1, for the languages this platform serves. */
export const ISO3_TO_ISO1: Readonly<Record<string, string>> = {
  arb: 'ar', ben: 'bn', bul: 'bg', ces: 'cs', deu: 'de', ell: 'el', eng: 'en', fas: 'fa', fin: 'fi',
  fra: 'fr', heb: 'he', hin: 'hi', ind: 'id', ita: 'it', jpn: 'ja', kor: 'ko', nld: 'nl', pol: 'pl',
  por: 'pt', ron: 'ro', rus: 'ru', spa: 'es', swe: 'sv', tha: 'th', tur: 'tr', ukr: 'uk', urd: 'ur',
  vie: 'vi', zho: 'zh', swa: 'sw', tel: 'te',
};

export const DATASETS: readonly DatasetDefinition[] = [
  { name: 'xquad-r', kind: 'QA_SENTENCES', folder: 'xquad-r', language: byPattern(/^([a-z]{2})\.json$/), evaluation: true },
  { name: 'mlqa-r', kind: 'QA_SENTENCES', folder: 'mlqa-r', language: byPattern(/^([a-z]{2})\.json$/), evaluation: true },
  { name: 'xnli', kind: 'PARALLEL_SENTENCES', folder: 'xnli', language: byPattern(/^(?:dev|test)-([a-z]{2})\.tsv$/), evaluation: true },
  { name: 'pawsx', kind: 'PARALLEL_SENTENCES', folder: 'pawsx', language: byPattern(/^(?:dev|test)-([a-z]{2})\.tsv$/), evaluation: false },
  {
    name: 'ntrex128',
    kind: 'PARALLEL_SENTENCES',
    folder: 'ntrex128',
    language: (file) => {
      const m = /^newstest2019-(?:src|ref)\.([a-z]{3})(?:-[A-Za-z]+)?\.txt$/.exec(file);
      return m ? (ISO3_TO_ISO1[m[1]!] ?? null) : null;
    },
    evaluation: false,
  },
  { name: 'tydiqa', kind: 'QA', folder: 'tydiqa_goldp', language: byPattern(/^tydiqa\.goldp\.([a-z]{2})\.(?:dev|train)\.json$/), evaluation: false },
  { name: 'arcd', kind: 'QA', folder: 'arcd', language: (f) => (/^arcd-.*\.json$/.test(f) ? 'ar' : null), evaluation: false },
  { name: 'squad-it', kind: 'QA', folder: 'squad_it', language: (f) => (/\.json(\.gz)?$/.test(f) ? 'it' : null), evaluation: false },
  { name: 'cmrc2018', kind: 'QA', folder: 'cmrc2018', language: (f) => (/\.json$/.test(f) ? 'zh' : null), evaluation: false },
  { name: 'muse', kind: 'DICTIONARY', folder: 'muse', language: byPattern(/^[a-z]{2}-([a-z]{2})\.txt$/), evaluation: false },
  // The 5,000 most frequent English words of each MUSE dictionary (about 6,000 groups over the
  // XQuAD-R languages instead of 138,000): the share of word pairs a CPU recipe can afford.
  { name: 'muse-5k', kind: 'DICTIONARY', folder: 'muse', language: byPattern(/^[a-z]{2}-([a-z]{2})\.txt$/), evaluation: false, maxEntries: 5000 },
  { name: 'bucc2018', kind: 'BITEXT', folder: 'bucc2018', language: byPattern(/^zh-en\.dev\.([a-z]{2})$/), evaluation: true },
];

export function findDataset(name: string): DatasetDefinition | undefined {
  return DATASETS.find((d) => d.name === name);
}
