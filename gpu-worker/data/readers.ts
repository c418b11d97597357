// One reader per dataset kind: which languages a dataset's files hold, and how they become
// training groups (types.ts). All file access goes through the cache.

import path from 'node:path';
import type { DatasetDefinition } from '../../schema/datasets.js';
import { parseDatasetJsonl } from '../../schema/dataset-jsonl.js';
import { assertNever } from '../../schema/events.js';
import { nonRetryable } from '../../schema/jobs.js';
import { bitextGroups, parseIdSentences } from './bitext.js';
import { dictionaryGroups, parseDictionary } from './dictionary.js';
import { listFolder, parseJson, type DataCache } from './files.js';
import { groupsByLine, pawsxPairs, sentencePairs, xnliPairs } from './lines.js';
import { parseQaPlain, parseQaSentences } from './squad.js';
import { joinByGroupId, type PairText, type TrainingGroup } from './types.js';

export interface Reader {
  /** Languages the dataset's files hold, sorted. */
  languages: string[];
  /** Groups restricted to `languages`, which the dataset holds. */
  load(languages: readonly string[]): Promise<TrainingGroup[]>;
}

type Files = { name: string; language: string; path: string }[];

export const unique = (values: Iterable<string>) => [...new Set(values)].sort();
const forLanguages = (files: Files, languages: readonly string[]) => files.filter((f) => languages.includes(f.language));

function qaReader(dataset: string, files: Files, cache: DataCache, withBreaks: boolean): Reader {
  const [parser, parse] = withBreaks ? (['qa-sentences', parseQaSentences] as const) : (['qa-plain', parseQaPlain] as const);
  return {
    languages: unique(files.map((f) => f.language)),
    async load(languages) {
      const byLanguage = new Map<string, Map<string, PairText>>();
      const sourceIds = new Map<string, string>();
      for (const file of forLanguages(files, languages)) {
        const where = `${dataset}/${file.name}`;
        const pairs = await cache.get(parser, file.path, (text) => parse(parseJson(text, where), where));
        let items = byLanguage.get(file.language);
        if (!items) byLanguage.set(file.language, (items = new Map()));
        for (const [id, pair] of pairs) {
          if (withBreaks) {
            items.set(id, pair);
            continue;
          }
          // Plain QA files are monolingual: the group id carries the language, since ids ("12")
          // repeat across languages, and a repeat within one gets a #n suffix.
          let key = `${file.language}:${id}`;
          for (let n = 2; items.has(key); n++) key = `${file.language}:${id}#${n}`;
          items.set(key, pair);
          sourceIds.set(key, id);
        }
      }
      return joinByGroupId(dataset, byLanguage, (id) => (withBreaks ? id : sourceIds.get(id)));
    },
  };
}

/** Line-parallel files: which of them carry pairs, and how a file becomes pairs. */
const LINE_FORMATS: Readonly<Record<string, { split: string; accept: RegExp; pairs: (text: string, file: string) => (PairText | undefined)[] }>> = {
  // Test files have no labels: only dev says which rows are entailments / paraphrases.
  xnli: { split: 'dev', accept: /^dev-/, pairs: xnliPairs },
  pawsx: { split: 'dev', accept: /^dev-/, pairs: pawsxPairs },
  ntrex128: { split: 'newstest2019', accept: /^newstest2019-/, pairs: (text) => sentencePairs(text) },
};

function lineReader(dataset: string, files: Files, cache: DataCache): Reader {
  const format = LINE_FORMATS[dataset];
  if (!format) throw nonRetryable(`dataset ${dataset}: no reader for its line-parallel files`);
  const accepted = files.filter((f) => format.accept.test(f.name));
  return {
    languages: unique(accepted.map((f) => f.language)),
    async load(languages) {
      const byLanguage = new Map<string, (PairText | undefined)[]>();
      for (const file of forLanguages(accepted, languages)) {
        byLanguage.set(file.language, await cache.get(`${dataset}-lines`, file.path, (text) => format.pairs(text, `${dataset}/${file.name}`)));
      }
      return groupsByLine(dataset, format.split, byLanguage);
    },
  };
}

/** The first `max` entries of a dictionary, in file order. */
export function firstEntries(entries: ReadonlyMap<string, string>, max: number | undefined): ReadonlyMap<string, string> {
  return max === undefined || entries.size <= max ? entries : new Map([...entries].slice(0, max));
}

function dictionaryReader(dataset: string, files: Files, cache: DataCache, maxEntries?: number): Reader {
  // en-XX.txt only (see dictionary.ts); the catalog maps it to XX.
  const fromEnglish = files.filter((f) => f.name.startsWith('en-'));
  return {
    languages: fromEnglish.length > 0 ? unique(['en', ...fromEnglish.map((f) => f.language)]) : [],
    async load(languages) {
      const wanted = languages.some((l) => l !== 'en') ? forLanguages(fromEnglish, languages) : fromEnglish;
      const dictionaries = new Map<string, ReadonlyMap<string, string>>();
      for (const file of wanted) dictionaries.set(file.language, firstEntries(await cache.get('dictionary', file.path, (text) => parseDictionary(text, `${dataset}/${file.name}`)), maxEntries));
      return dictionaryGroups(dataset, dictionaries, languages);
    },
  };
}

function bitextReader(dataset: string, files: Files, folder: string, names: readonly string[], cache: DataCache): Reader {
  const gold = names.find((n) => n.endsWith('.gold'));
  return {
    languages: gold ? unique(files.map((f) => f.language)) : [],
    async load(languages) {
      const sentences = new Map<string, Map<string, string>>();
      for (const file of forLanguages(files, languages)) sentences.set(file.language, await cache.get('id-sentences', file.path, (text) => parseIdSentences(text, `${dataset}/${file.name}`)));
      return bitextGroups(dataset, await cache.get('text', path.join(folder, gold!), (text) => text), sentences, languages);
    },
  };
}

export async function catalogReader(dataDir: string, dataset: DatasetDefinition, cache: DataCache): Promise<Reader> {
  const folder = path.join(dataDir, dataset.folder);
  const names = await listFolder(folder, dataset.name);
  const files: Files = names.flatMap((name) => {
    const language = dataset.language(name);
    return language === null ? [] : [{ name, language, path: path.join(folder, name) }];
  });
  switch (dataset.kind) {
    case 'QA_SENTENCES':
      return qaReader(dataset.name, files, cache, true);
    case 'QA':
      return qaReader(dataset.name, files, cache, false);
    case 'PARALLEL_SENTENCES':
      return lineReader(dataset.name, files, cache);
    case 'DICTIONARY':
      return dictionaryReader(dataset.name, files, cache, dataset.maxEntries);
    case 'BITEXT':
      // Not trainable (schema/datasets.ts), but loadable: the leakage guard compares against it.
      return bitextReader(dataset.name, files, folder, names, cache);
    case 'JSONL':
    case 'RETRIEVAL':
      throw nonRetryable(`dataset ${dataset.name} is an imported dataset: load it with its importedPath`);
    default:
      return assertNever(dataset.kind);
  }
}

export async function importedReader(dataset: string, file: string, cache: DataCache): Promise<Reader> {
  const result = await cache.get('jsonl', file, parseDatasetJsonl);
  if ('errors' in result) {
    const shown = result.errors.slice(0, 3).map((e) => (e.line > 0 ? `line ${e.line}, ${e.field}: ${e.message}` : e.message));
    throw nonRetryable(`imported dataset ${dataset} (${file}) is invalid: ${shown.join('; ')}${result.errors.length > 3 ? ` (+${result.errors.length - 3} more)` : ''}`);
  }
  return {
    languages: unique(result.records.map((r) => r.language)),
    async load(languages) {
      const byLanguage = new Map<string, Map<string, PairText>>();
      for (const { id, language, ...text } of result.records) {
        if (!languages.includes(language)) continue;
        let items = byLanguage.get(language);
        if (!items) byLanguage.set(language, (items = new Map()));
        items.set(id, text);
      }
      return joinByGroupId(dataset, byLanguage, (id) => id);
    },
  };
}

