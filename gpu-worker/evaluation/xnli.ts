// XNLI as a 15-way parallel corpus for measuring how language-agnostic embeddings are. Row i of
// every dev-/test-LANG.tsv is the same (premise, hypothesis) pair; each premise is repeated for
// its three hypotheses, so sentences are deduplicated on their tuple of translations.

import fs from 'node:fs/promises';
import path from 'node:path';

export const XNLI_LANGUAGES = ['ar', 'bg', 'de', 'el', 'en', 'es', 'fr', 'hi', 'ru', 'sw', 'th', 'tr', 'ur', 'vi', 'zh'] as const;

export type XnliSplit = 'dev' | 'test';
export type XnliField = 'premise' | 'hypothesis' | 'both';

export interface XnliSentences {
  split: XnliSplit;
  languages: string[];
  /** sentences[l][i] is the translation into languages[l] of sentences[*][i]. */
  sentences: string[][];
}

export interface XnliLoadOptions {
  split?: XnliSplit;
  field?: XnliField;
  languages?: readonly string[];
  /** Keep the first `limit` sentences (after deduplication). */
  limit?: number;
}

async function readColumns(file: string): Promise<string[][]> {
  const text = await fs.readFile(file, 'utf8');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop();
  return lines.map((line, i) => {
    const cols = line.split('\t');
    if (cols.length < 2) throw new Error(`${file}:${i + 1}: expected premise<TAB>hypothesis`);
    return cols;
  });
}

/** Defaults: dev premises of all 15 languages (830 distinct sentences). */
export async function loadXnliSentences(dataDir: string, options: XnliLoadOptions = {}): Promise<XnliSentences> {
  const { split = 'dev', field = 'premise', languages = XNLI_LANGUAGES, limit = Infinity } = options;
  const rows = await Promise.all(languages.map((l) => readColumns(path.join(dataDir, 'xnli', `${split}-${l}.tsv`))));
  const n = rows[0]?.length ?? 0;
  rows.forEach((r, l) => {
    if (r.length !== n) throw new Error(`xnli ${split}-${languages[l]}.tsv has ${r.length} rows, ${split}-${languages[0]}.tsv has ${n}`);
  });
  const columns = field === 'premise' ? [0] : field === 'hypothesis' ? [1] : [0, 1];
  const sentences: string[][] = languages.map(() => []);
  const seen = new Set<string>();
  for (const col of columns) {
    for (let i = 0; i < n && sentences[0]!.length < limit; i++) {
      const tuple = rows.map((r) => r[i]![col]!);
      const key = tuple.join('\u0000');
      if (seen.has(key)) continue;
      seen.add(key);
      tuple.forEach((s, l) => sentences[l]!.push(s));
    }
  }
  return { split, languages: [...languages], sentences };
}
