import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { loadXnliSentences } from './xnli.js';

async function withData(files: Record<string, string>, body: (dir: string) => Promise<void>) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'xnli-'));
  try {
    await fs.mkdir(path.join(dir, 'xnli'));
    for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, 'xnli', name), text);
    await body(dir);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

test('premises repeated for their hypotheses are kept once, in every language alike', async () => {
  const en = 'P1\tH1\tneutral\nP1\tH2\tentailment\nP2\tH3\tneutral\r\n';
  const de = 'Q1\tI1\tneutral\nQ1\tI2\tentailment\nQ2\tI3\tneutral\n';
  await withData({ 'dev-en.tsv': en, 'dev-de.tsv': de }, async (dir) => {
    const premises = await loadXnliSentences(dir, { languages: ['en', 'de'] });
    assert.deepEqual(premises.sentences, [['P1', 'P2'], ['Q1', 'Q2']]);
    const both = await loadXnliSentences(dir, { languages: ['en', 'de'], field: 'both' });
    assert.deepEqual(both.sentences[1], ['Q1', 'Q2', 'I1', 'I2', 'I3']);
    const limited = await loadXnliSentences(dir, { languages: ['en', 'de'], field: 'hypothesis', limit: 2 });
    assert.deepEqual(limited.sentences[0], ['H1', 'H2']);
  });
});

test('files that are not line-parallel are refused', async () => {
  await withData({ 'dev-en.tsv': 'a\tb\nc\td\n', 'dev-de.tsv': 'a\tb\n' }, async (dir) => {
    await assert.rejects(loadXnliSentences(dir, { languages: ['en', 'de'] }), /rows/);
  });
  await withData({ 'dev-en.tsv': 'no tab here\n' }, async (dir) => {
    await assert.rejects(loadXnliSentences(dir, { languages: ['en'] }), /premise<TAB>hypothesis/);
  });
});
