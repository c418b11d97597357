// The lexical pieces a worker holds: one analyzer per language (built on first use) and the
// bilingual dictionaries of the data folder (DATA_DIR/muse; a missing folder or file only means
// fewer language pairs can be bridged).

import path from 'node:path';
import { createAnalyzer, type Analyzer } from './analyzer.js';
import { loadMuseDictionaries } from './muse.js';
import { createLexicalQueries, type LexicalQueries } from './query.js';

export function createAnalyzers(): (language: string) => Analyzer {
  const analyzers = new Map<string, Analyzer>();
  return (language) => {
    let analyzer = analyzers.get(language);
    if (!analyzer) analyzers.set(language, (analyzer = createAnalyzer(language)));
    return analyzer;
  };
}

export async function loadLexicalQueries(dataDir: string): Promise<LexicalQueries> {
  return createLexicalQueries(createAnalyzers(), await loadMuseDictionaries(path.join(dataDir, 'muse')));
}

/**
 * loadLexicalQueries once, when first asked (the dictionaries hold about 180 MB: a worker that never
 * searches lexically never loads them); a failed load is forgotten, so the next call tries again.
 */
export function lazyLexicalQueries(dataDir: string): () => Promise<LexicalQueries> {
  let loading: Promise<LexicalQueries> | undefined;
  return () =>
    (loading ??= loadLexicalQueries(dataDir).catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}
