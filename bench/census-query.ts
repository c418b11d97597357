// The question README's example ends with, and its kind, in every XQuAD-R language: searched as
// the worker answers `search` (language identified from the text, no language filter, k = 5,
// the default retrieval) over the XQuAD-R collection README's example indexes (all 11 languages).
// For each question: the identified language, and whether the answer sentence in the question's
// language and in English is among the top 5.
//
//   npm run build && node dist/bench/census-query.js --checkpoint <checkpoint folder> [--mode HYBRID|LEXICAL|DENSE]
//       [--merge BEST|ZMUV|SUM] [--show] [--languages de,en]   (--show prints every question's hits on stderr)
//
// The checkpoint is the one README's example trains (CPU_DEFAULT; `node dist/bench/cpu-recipe.js
// --save <prefix>` writes one). Questions: XQuAD-R's own questions are not used, as the example's
// question is not one of them; these are the question of README's example in 11 languages and a
// second fact of the same paragraph, written for this bench.

import fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';
import { selectBackend } from '../gpu-worker/encoding/backend.js';
import { loadCheckpointEncoder } from '../gpu-worker/encoding/checkpoint-encoder.js';
import { createAnalyzers, loadLexicalQueries } from '../gpu-worker/lexical/setup.js';
import { corpusTerms } from '../gpu-worker/lexical/terms.js';
import { createLanguageIdentifier } from '../gpu-worker/serving/language.js';
import { createRetriever, DEFAULT_LANGUAGE_MERGE, type LanguageMerge } from '../gpu-worker/serving/retriever.js';
import { openEmbeddedStore } from '../gpu-worker/vectors/embedded.js';
import type { VectorPoint } from '../gpu-worker/vectors/store.js';
import { defaultSharedDir } from '../schema/config.js';
import { DEFAULT_RETRIEVAL, RETRIEVAL_MODES, type RetrievalMode } from '../schema/serving.js';
import { argument } from './cli.js';

const checkpoint = argument('checkpoint');
const mode = (argument('mode') ?? DEFAULT_RETRIEVAL.mode) as RetrievalMode;
if (!RETRIEVAL_MODES.includes(mode)) throw new Error(`--mode must be one of ${RETRIEVAL_MODES.join(', ')}`);
if (!checkpoint && mode !== 'LEXICAL') throw new Error('--checkpoint <folder> is required unless --mode LEXICAL');
/** Print the hits of every question (text cut to 100 characters). */
const show = process.argv.includes('--show');
/** Search only these languages (comma-separated), as the `languages` filter of `search` does. */
const only = argument('languages')?.split(',');
const dataDir = defaultSharedDir('data', process.cwd(), fs.existsSync);
const modelsDir = defaultSharedDir('models', process.cwd(), fs.existsSync);

/** The paragraph's English answer sentences, by the start of their text. */
const FACTS = {
  population: 'According to the 1901 census',
  // Same sentence: the question asks for another of its numbers.
  jews: 'According to the 1901 census',
};
const QUESTIONS: Array<{ fact: keyof typeof FACTS; language: string; text: string }> = [
  { fact: 'population', language: 'de', text: 'Wie viele Einwohner hatte Warschau im Jahr 1901?' },
  { fact: 'population', language: 'en', text: 'How many inhabitants did Warsaw have in 1901?' },
  { fact: 'population', language: 'es', text: '¿Cuántos habitantes tenía Varsovia en 1901?' },
  { fact: 'population', language: 'ru', text: 'Сколько жителей было в Варшаве в 1901 году?' },
  { fact: 'population', language: 'el', text: 'Πόσους κατοίκους είχε η Βαρσοβία το 1901;' },
  { fact: 'population', language: 'tr', text: "Varşova'nın 1901 yılında kaç sakini vardı?" },
  { fact: 'population', language: 'vi', text: 'Năm 1901 Warszawa có bao nhiêu cư dân?' },
  { fact: 'population', language: 'ar', text: 'كم عدد سكان وارسو في عام 1901؟' },
  { fact: 'population', language: 'hi', text: '1901 में वारसॉ के कितने निवासी थे?' },
  { fact: 'population', language: 'zh', text: '1901年华沙有多少居民？' },
  { fact: 'population', language: 'th', text: 'ในปี 1901 วอร์ซอมีประชากรกี่คน' },
  { fact: 'jews', language: 'de', text: 'Wie hoch war der Anteil der Juden in Warschau 1901?' },
  { fact: 'jews', language: 'es', text: '¿Qué porcentaje de judíos había en Varsovia en 1901?' },
  { fact: 'jews', language: 'ru', text: 'Какой процент евреев жил в Варшаве в 1901 году?' },
];

const benchmark = await buildRetrievalBenchmark(dataDir, 'xquad-r');
const { candidates, languages } = benchmark;
// The answer sentence in every language: the candidates of the English sentence's paragraph and
// sentence position (XQuAD-R is parallel by paragraph and sentence).
const english = candidates.find((c) => c.language === 'en' && c.text.startsWith(FACTS.population));
if (!english) throw new Error('the census sentence is not in xquad-r/en');
const answerOf = (language: string) => candidates.find((c) => c.language === language && c.paragraphIndex === english.paragraphIndex && c.sentenceIndex === english.sentenceIndex);

await selectBackend({});
const encoder = checkpoint ? await loadCheckpointEncoder(checkpoint, { modelsDir }) : undefined;
const dir = mkdtempSync(path.join(os.tmpdir(), 'xling-census-'));
const store = await openEmbeddedStore({ dir, snapshotOnClose: false });
const dimension = encoder?.dimension ?? 1;
const vectors = encoder ? await encoder.embed(candidates.map((c) => c.text), 'PASSAGE') : candidates.map(() => new Float32Array([1]));
const terms = corpusTerms(candidates, createAnalyzers());
await store.createCollection('xquad-r', { dimension });
const points: VectorPoint[] = candidates.map((c, i) => ({
  id: String(i),
  vector: vectors[i]!,
  payload: { language: c.language, dataset: 'xquad-r', documentId: String(i), groupId: `${c.language}:${c.paragraphIndex}`, text: c.text },
  lexical: terms[i]!,
}));
for (let start = 0; start < points.length; start += 4096) await store.upsert('xquad-r', points.slice(start, start + 4096));
await store.waitForIndex('xquad-r');
const languageMerge = (argument('merge') ?? DEFAULT_LANGUAGE_MERGE) as LanguageMerge;
const retriever = createRetriever(store, await loadLexicalQueries(dataDir), { languageMerge });
const identifier = createLanguageIdentifier();

console.log(`checkpoint ${checkpoint ?? '(none)'}; mode ${mode}; languages merged ${languageMerge}; ${candidates.length} sentences in ${languages.length} languages; k 5, no language filter\n`);
console.log('| question | identified | answer in its language (rank) | answer in English (rank) | top 5 languages |');
console.log('|---|---|---|---|---|');
let both = 0;
for (const q of QUESTIONS) {
  const identified = await identifier.identify(q.text);
  const [found] = await retriever.searchMany(
    'xquad-r',
    languages,
    [{ text: q.text, queryLanguage: identified, k: 5, retrieval: { ...DEFAULT_RETRIEVAL, mode }, ...(only ? { languages: only } : {}) }],
    async (texts) => (encoder ? encoder.embed(texts, 'QUERY') : texts.map(() => new Float32Array([1]))),
  );
  const hits = found!;
  const rankOf = (language: string) => {
    const answer = answerOf(language);
    const i = hits.findIndex((h) => h.payload.text === answer?.text && h.payload.language === language);
    return i < 0 ? '–' : String(i + 1);
  };
  const own = rankOf(q.language);
  const en = rankOf('en');
  if (own !== '–' && en !== '–') both++;
  if (show) for (const [i, h] of hits.entries()) console.error(`    ${i + 1}. ${h.payload.language} ${h.score.toFixed(3)} ${h.payload.text.slice(0, 100)}`);
  console.log(`| ${q.text} | ${identified}${identified === q.language ? '' : ` (not ${q.language})`} | ${own} | ${en} | ${hits.map((h) => h.payload.language).join(' ')} |`);
}
console.log(`\n${both} of ${QUESTIONS.length} questions have the answer in their language and in English among the top 5`);
await store.close();
encoder?.dispose();
rmSync(dir, { recursive: true, force: true });
