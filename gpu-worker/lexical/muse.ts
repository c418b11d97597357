// Reads MUSE bilingual dictionaries (facebookresearch/MUSE, CC-BY-NC-4.0): `<folder>/xx-en.txt` and
// `en-xx.txt`, one "source<TAB or space>target" per line, source words by descending frequency.
// A missing folder or file leaves that direction out instead of failing: the bridge then reports
// it does not cover the pair, and search goes on without it.

import fs from 'node:fs/promises';
import path from 'node:path';
import { toSimplified } from './chinese.js';
import { createDictionaryBridge, type BridgeOptions, type DictionaryBridge, type DictionaryPair } from './dictionary.js';

export const MUSE_LANGUAGES: readonly string[] = ['ar', 'bg', 'de', 'el', 'es', 'fr', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'];

/** Entries of one file, read lazily: a dictionary built from them keeps no line or tuple alive. */
export function* parseMuse(text: string): Generator<[string, string]> {
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    let cut = line.indexOf('\t');
    if (cut < 0) cut = line.indexOf(' ');
    if (cut > 0) yield [line.slice(0, cut), line.slice(cut + 1).trim()];
  }
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Every direction of `languages` to and from English found in `folder`. */
export async function readMusePairs(folder: string, languages: readonly string[] = MUSE_LANGUAGES): Promise<DictionaryPair[]> {
  const directions = languages.filter((l) => l !== 'en').flatMap((l) => [{ from: l, to: 'en' }, { from: 'en', to: l }]);
  // MUSE's Chinese is Traditional; queries and sentences reach the bridge in Simplified (analyzer.ts).
  const texts = await Promise.all(
    directions.map(async (d) => {
      const text = await readIfPresent(path.join(folder, `${d.from}-${d.to}.txt`));
      return text !== undefined && (d.from === 'zh' || d.to === 'zh') ? toSimplified(text) : text;
    }),
  );
  return directions.flatMap((d, i) => (texts[i] === undefined ? [] : [{ ...d, entries: { [Symbol.iterator]: () => parseMuse(texts[i]!) } }]));
}

export async function loadMuseDictionaries(folder: string, languages?: readonly string[], options?: BridgeOptions): Promise<DictionaryBridge> {
  return createDictionaryBridge(await readMusePairs(folder, languages), options);
}
