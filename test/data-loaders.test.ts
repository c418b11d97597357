// The loaders on the real files of the shared data folder (../shared/data): counts, parallelism
// and the sentence splitter against XQuAD-R's own sentence breaks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSharedDir } from '../schema/config.js';
import { JobError } from '../schema/jobs.js';
import { createDataCache, loadTrainingGroups, splitSentences, type DataCache, type TrainingSource } from '../gpu-worker/data/index.js';
import { createBatchSampler, type ParallelSource } from '../gpu-worker/training/sampler.js';
import type { PairText } from '../gpu-worker/data/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = defaultSharedDir('data', repoRoot, fs.existsSync);
const cache = createDataCache();
const load = (name: string, languages: readonly string[]) => loadTrainingGroups(dataDir, name, languages, { cache });
const XQUAD = ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'];
const MLQA = ['ar', 'de', 'en', 'es', 'hi', 'vi', 'zh'];
const XNLI = ['ar', 'bg', 'de', 'el', 'en', 'es', 'fr', 'hi', 'ru', 'sw', 'th', 'tr', 'ur', 'vi', 'zh'];

function perLanguage(source: TrainingSource): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const group of source.groups) for (const language of group.items.keys()) counts[language] = (counts[language] ?? 0) + 1;
  return counts;
}

const lineOf = (file: string, line: number) => fs.readFileSync(path.join(dataDir, file), 'utf8').split('\n')[line - 1]!;

test('XQuAD-R and MLQA-R load, XQuAD-R fully parallel in 11 languages; loading them again parses nothing and returns the same groups', async () => {
  // Load times are measured by bench/data-loaders.ts (bench/results.md), not asserted here.
  const inner = createDataCache();
  let parses = 0;
  const counting: DataCache = {
    get: (parser, file, parse) =>
      inner.get(parser, file, (text) => {
        parses++;
        return parse(text);
      }),
  };
  const loadBoth = () => Promise.all([loadTrainingGroups(dataDir, 'xquad-r', XQUAD, { cache: counting }), loadTrainingGroups(dataDir, 'mlqa-r', MLQA, { cache: counting })]);
  const [xquad, mlqa] = await loadBoth();
  assert.equal(xquad.groups.length, 1190);
  assert.ok(xquad.groups.every((g) => g.items.size === 11 && g.sourceId === g.id));
  const panthers = xquad.groups.find((g) => g.id === '56beb4343aeaaa14008c925b')!.items.get('de')!;
  assert.equal(panthers.query, 'Wie viele Punkte gab die Verteidigung der Panthers ab?');
  assert.match(panthers.passage, /^Die Verteidigung der Panthers gab nur 308 Punkte ab/);
  // MLQA-R is built from English questions; not every one exists in every other language.
  assert.equal(mlqa.groups.length, 1148);
  assert.deepEqual(perLanguage(mlqa), { ar: 517, de: 512, en: 1148, es: 500, hi: 507, vi: 511, zh: 504 });
  const german = mlqa.groups.find((g) => g.id === 'b6fc947411e98316fd0790477c4dc3bd97f4df4c')!.items.get('de')!;
  assert.match(german.passage, /überwiegend antibritisch und prorussisch/);
  const parsedFresh = parses;
  assert.ok(parsedFresh >= XQUAD.length + MLQA.length, `one parse per file at least, got ${parsedFresh}`);
  const [xquadAgain, mlqaAgain] = await loadBoth();
  assert.equal(parses, parsedFresh, 'the second load read every file from the cache');
  assert.deepEqual(xquadAgain, xquad);
  assert.deepEqual(mlqaAgain, mlqa);
});

test('monolingual QA: TyDi QA (train files; dev files carry no answers), ARCD, SQuAD-it (gz), CMRC 2018', async () => {
  const tydi = await load('tydiqa', ['en', 'ko', 'sw']);
  assert.deepEqual(perLanguage(tydi), { en: 3696, ko: 1625, sw: 2755 });
  assert.equal(tydi.groups.length, 3696 + 1625 + 2755, 'one language per group');
  assert.ok(tydi.groups.every((g) => g.items.size === 1));
  await assert.rejects(load('tydiqa', ['en', 'fi']), (err: unknown) => err instanceof JobError && /tydiqa has no fi data; it has en, ko, sw$/.test(err.message));
  const it = await load('squad-it', ['it']);
  assert.equal(it.groups.length, 7607, '7,609 questions, two without answer text');
  const first = it.groups.find((g) => g.sourceId === '5725b33f6a3fe71400b8952d')!.items.get('it')!;
  assert.equal(first.query, 'Quando è iniziata la crisi petrolifera del 1973?');
  assert.match(first.passage, /ottobre 1973/);
  assert.ok(!first.passage.includes('1979'), 'the answer sentence, not the paragraph');
  assert.equal((await load('arcd', ['ar'])).groups.length, 702 + 693);
  assert.equal((await load('cmrc2018', ['zh'])).groups.length, 3219 + 1002);
  for (const source of [it, tydi]) {
    for (const group of source.groups) for (const text of group.items.values()) assert.ok(text.passage.trim() !== '' && text.query.trim() !== '');
  }
});

test('XNLI: dev entailment rows, 15-way parallel by line, the contradiction as hard negative', async () => {
  const xnli = await load('xnli', XNLI);
  assert.equal(xnli.groups.length, 830);
  assert.ok(xnli.groups.every((g) => g.items.size === 15));
  const group = xnli.groups.find((g) => g.id === 'dev:3')!;
  const [premise, hypothesis] = lineOf('xnli/dev-de.tsv', 3).split('\t');
  assert.deepEqual(group.items.get('de'), { query: premise, passage: hypothesis, hardNegative: lineOf('xnli/dev-de.tsv', 2).split('\t')[1] });
  assert.equal(group.items.get('en')!.query, "And he said, Mama, I'm home.");
});

test('PAWS-X: paraphrase rows per language, grouped by line', async () => {
  const pawsx = await load('pawsx', ['de', 'en', 'es', 'fr', 'ja', 'ko', 'zh']);
  assert.deepEqual(perLanguage(pawsx), { de: 831, en: 863, es: 847, fr: 860, ja: 854, ko: 840, zh: 853 });
  assert.equal(pawsx.groups.length, 863);
  assert.equal(pawsx.groups.filter((g) => g.items.size === 7).length, 791);
  const [s1, s2] = lineOf('pawsx/dev-ja.tsv', 1).split('\t');
  assert.deepEqual(pawsx.groups.find((g) => g.id === 'dev:1')!.items.get('ja'), { query: s1, passage: s2 });
});

test('NTREX-128: 1,997 lines in English and 29 languages named by ISO 639-3, read as 639-1', async () => {
  const languages = ['en', 'ar', 'bn', 'bg', 'cs', 'de', 'el', 'fa', 'fi', 'fr', 'he', 'hi', 'id', 'it', 'ja', 'ko', 'nl', 'pl', 'pt', 'ro', 'ru', 'es', 'sw', 'te', 'th', 'tr', 'uk', 'ur', 'vi', 'zh'];
  const ntrex = await load('ntrex128', languages);
  assert.equal(ntrex.groups.length, 1997);
  assert.ok(ntrex.groups.every((g) => g.items.size === 30));
  const first = ntrex.groups[0]!;
  assert.equal(first.id, 'newstest2019:1');
  assert.deepEqual(first.items.get('en'), { query: "Welsh AMs worried about 'looking like muppets'", passage: "Welsh AMs worried about 'looking like muppets'" });
  assert.equal(first.items.get('de')!.query, 'Mitglieder der Nationalversammlung für Wales befürchten Verwechslungen mit den Muppets');
  await assert.rejects(load('ntrex128', ['en', 'sv']), (err: unknown) => err instanceof JobError && /ntrex128 has no sv data; it has ar, bg, bn/.test(err.message));
});

test('MUSE: English words with their first-listed translations', async () => {
  const muse = await load('muse', ['en', 'de', 'zh']);
  const words = (id: string) => Object.fromEntries([...muse.groups.find((g) => g.id === id)!.items].map(([l, t]) => [l, t.query]));
  assert.deepEqual(words('cat'), { de: 'katze', zh: '貓咪', en: 'cat' });
  assert.deepEqual(words('the'), { de: 'die', en: 'the' }, 'en-zh.txt has no "the"');
  assert.deepEqual(perLanguage(muse), { de: 74655, zh: 32495, en: muse.groups.length });
  assert.ok(muse.groups.every((g) => g.items.has('en')));
});

test('loaded groups feed the batch sampler as they are', async () => {
  const source: ParallelSource<PairText> = await load('xquad-r', ['en', 'de', 'zh']);
  const sampler = createBatchSampler([source], { languages: ['en', 'de', 'zh'], batchSize: 16, alpha: 0.5, seed: 7 });
  for (let i = 0; i < 4; i++) {
    const batch = sampler.next();
    assert.equal(batch.pairs.length, 16);
    for (const pair of batch.pairs) {
      assert.equal(typeof pair.query.query, 'string');
      assert.equal(batch.mode === 'MONO', pair.queryLanguage === pair.passageLanguage);
    }
  }
});

test('the sentence splitter reproduces most XQuAD-R sentences in ar, hi and zh, and Thai falls back to whitespace chunks', async () => {
  const paragraphs = (language: string) =>
    (JSON.parse(fs.readFileSync(path.join(dataDir, 'xquad-r', `${language}.json`), 'utf8')) as { data: { paragraphs: { context: string; sentences: string[]; sentence_breaks: [number, number][] }[] }[] }).data.flatMap(
      (a) => a.paragraphs,
    );
  // Measured: ar .963, hi .981, zh .890 (XQuAD-R's zh sentences keep "。1991 年" together).
  for (const [language, floor] of [['ar', 0.94], ['hi', 0.96], ['zh', 0.87]] as const) {
    let gold = 0;
    let same = 0;
    for (const { context, sentences } of paragraphs(language)) {
      const mine = new Set(splitSentences(context).map((s) => context.slice(s.start, s.end)));
      gold += sentences.length;
      same += sentences.filter((s) => mine.has(s.trim())).length;
    }
    assert.ok(same / gold >= floor, `${language}: ${same}/${gold} sentences reproduced`);
  }
  let chunks = 0;
  let atBreak = 0;
  for (const { context } of paragraphs('th')) {
    for (const span of splitSentences(context)) {
      chunks++;
      if (span.start === 0 || /\s/.test(context[span.start - 1]!)) atBreak++;
    }
  }
  assert.equal(atBreak, chunks, 'Thai chunks start after whitespace');
  assert.ok(chunks > 852 && chunks < 4 * 852, `${chunks} Thai chunks for 852 sentences`);
});
