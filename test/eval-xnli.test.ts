// XNLI alignment on the real 15-way parallel files.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluateAlignment } from '../gpu-worker/evaluation/alignment.js';
import { tokenize } from '../gpu-worker/evaluation/bm25.js';
import { randomEmbeddings } from '../gpu-worker/evaluation/random.js';
import { loadXnliSentences, XNLI_LANGUAGES } from '../gpu-worker/evaluation/xnli.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = fs.existsSync(path.join(repoRoot, 'data')) ? path.join(repoRoot, 'data') : path.resolve(repoRoot, '..', 'shared', 'data');

test('XNLI loads 15 line-parallel languages with repeated premises removed', async () => {
  const dev = await loadXnliSentences(dataDir);
  assert.deepEqual(dev.languages, [...XNLI_LANGUAGES]);
  assert.ok(dev.sentences.every((s) => s.length === 830));
  assert.equal(dev.sentences[dev.languages.indexOf('en')]![0], 'And he said, Mama, I\'m home.');
  const hyp = await loadXnliSentences(dataDir, { field: 'hypothesis' });
  assert.equal(hyp.sentences[0]!.length, 2490);
  const testPremises = await loadXnliSentences(dataDir, { split: 'test' });
  assert.equal(testPremises.sentences[0]!.length, 1670);
});

test('alignment of a surface-form encoder: numbers and names align, random embeddings do not', async () => {
  const { languages, sentences } = await loadXnliSentences(dataDir, { limit: 200 });
  // Hashed bag of tokens: aligned only where languages share tokens (digits, Latin names).
  const d = 64;
  const hashed = sentences.map((lang) => {
    const out = new Float32Array(lang.length * d);
    lang.forEach((s, i) => {
      for (const tok of tokenize(s)) {
        let h = 2166136261;
        for (const ch of tok) h = Math.imul(h ^ ch.codePointAt(0)!, 16777619);
        out[i * d + ((h >>> 0) % d)]! += 1;
      }
      out[i * d + (i % d)]! += 1e-3; // no empty rows
    });
    return out;
  });
  const lexical = evaluateAlignment(languages, hashed, d);
  const chance = evaluateAlignment(languages, languages.map((_, l) => randomEmbeddings(200, d, l)), d);
  assert.equal(lexical.translationAccuracy.length, 15);
  const en = languages.indexOf('en');
  const fr = languages.indexOf('fr');
  assert.ok(lexical.translationAccuracy[en]![fr]! > lexical.translationAccuracy[en]![languages.indexOf('zh')]!);
  assert.ok(lexical.pooledMap > chance.pooledMap, `${lexical.pooledMap} vs ${chance.pooledMap}`);
  assert.ok(chance.meanTranslationAccuracy < 0.05, `${chance.meanTranslationAccuracy}`);
  assert.ok(lexical.meanCka > chance.meanCka, `CKA ${lexical.meanCka} vs ${chance.meanCka}`);
});
