// The retrieval benchmarks built from the real data folder reproduce LAReQA's published sizes.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildRetrievalBenchmark, type RetrievalBenchmark } from '../gpu-worker/evaluation/benchmark.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = fs.existsSync(path.join(repoRoot, 'data')) ? path.join(repoRoot, 'data') : path.resolve(repoRoot, '..', 'shared', 'data');

const sizes = (b: RetrievalBenchmark) =>
  Object.fromEntries(b.languages.map((l, i) => [l, [b.queryRanges[i]!.end - b.queryRanges[i]!.start, b.candidateRanges[i]!.end - b.candidateRanges[i]!.start]]));

test('XQuAD-R: 1,190 questions per language, 13,014 candidates, 11 relevant per question', async () => {
  const b = await buildRetrievalBenchmark(dataDir, 'xquad-r');
  assert.deepEqual(b.languages, ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh']);
  const q = 1190;
  assert.deepEqual(sizes(b), {
    ar: [q, 1222], de: [q, 1276], el: [q, 1234], en: [q, 1180], es: [q, 1215], hi: [q, 1244],
    ru: [q, 1219], th: [q, 852], tr: [q, 1167], vi: [q, 1209], zh: [q, 1196],
  });
  assert.equal(b.candidates.length, 13014);
  assert.equal(b.queries.length, 13090);
  assert.equal(b.units.length, 1190);
  for (const query of b.queries) {
    assert.equal(query.relevant.length, 11);
    assert.deepEqual(query.relevant.map((c) => b.candidates[c]!.language), b.languages);
  }
  // Translations of a question share their relevant set.
  const en = b.queries.find((x) => x.language === 'en' && x.text === 'How many points did the Panthers defense surrender?')!;
  assert.match(b.candidates[en.relevant[3]!]!.text, /308 points/);
  const zh = b.queries.find((x) => x.language === 'zh' && x.id === en.id)!;
  assert.deepEqual(zh.relevant, en.relevant);
  assert.equal(zh.unit, en.unit);
  assert.ok(b.candidates.every((c) => c.context.includes(c.text.trim().slice(0, 10))));
});

test('MLQA-R: LAReQA question and candidate counts, 2-4 relevant per question', async () => {
  const b = await buildRetrievalBenchmark(dataDir, 'mlqa-r');
  assert.deepEqual(sizes(b), {
    ar: [517, 2545], de: [512, 2362], en: [1148, 6264], es: [500, 1787], hi: [507, 2426], vi: [511, 2828], zh: [504, 2322],
  });
  assert.equal(b.units.length, 1148);
  const counts = new Map<number, number>();
  for (const query of b.queries) counts.set(query.relevant.length, (counts.get(query.relevant.length) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort(), [2, 3, 4]);
  for (const query of b.queries) {
    const own = query.relevant.filter((c) => b.candidates[c]!.language === query.language);
    assert.equal(own.length, 1, 'exactly one answer sentence in the question language');
  }
});

test('the answer sentence is the one whose break span holds answer_start', async () => {
  const b = await buildRetrievalBenchmark(dataDir, 'xquad-r');
  const raw = JSON.parse(fs.readFileSync(path.join(dataDir, 'xquad-r', 'de.json'), 'utf8')) as {
    data: { paragraphs: { context: string; sentence_breaks: [number, number][]; qas: { id: string; answers: { answer_start: number; text: string }[] }[] }[] }[];
  };
  let checked = 0;
  let containsAnswer = 0;
  const de = b.languages.indexOf('de');
  for (const p of raw.data.flatMap((a) => a.paragraphs)) {
    for (const qa of p.qas) {
      const query = b.queries.find((x) => x.language === 'de' && x.id === qa.id)!;
      const cand = b.candidates[query.relevant[de]!]!;
      const [start, end] = p.sentence_breaks[cand.sentenceIndex]!;
      assert.equal(cand.context, p.context);
      assert.ok(start <= qa.answers[0]!.answer_start && qa.answers[0]!.answer_start < end);
      if (cand.text.includes(qa.answers[0]!.text)) containsAnswer++;
      checked++;
    }
  }
  assert.equal(checked, 1190);
  assert.ok(containsAnswer >= 1180, `${containsAnswer} answer sentences contain their answer`); // a few answers cross a break
});
