import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSharedDir } from '../../schema/config.js';
import { JobError } from '../../schema/jobs.js';
import { groupByQuestion, loadQaSentenceSource, parseQaSentences, sentenceAt } from './data.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const nonRetryable = (err: unknown) => err instanceof JobError && !err.retryable;

function squad(qas: { id: string; question: string; start: number }[]) {
  const sentences = ['Paris is in France.', 'It has the Eiffel Tower.'];
  return {
    version: 1,
    data: [
      {
        title: 't',
        paragraphs: [
          {
            context: sentences.join(' '),
            sentence_breaks: [[0, 19], [20, 44]],
            sentences,
            qas: qas.map((q) => ({ id: q.id, question: q.question, answers: [{ text: 'x', answer_start: q.start }] })),
          },
        ],
      },
    ],
  };
}

test('the answer sentence is the one whose [start, end) span holds answer_start', () => {
  const breaks: [number, number][] = [[0, 19], [20, 44]];
  const sentences = ['a', 'b'];
  assert.equal(sentenceAt(breaks, sentences, 0), 'a');
  assert.equal(sentenceAt(breaks, sentences, 18), 'a');
  assert.equal(sentenceAt(breaks, sentences, 20), 'b');
  assert.equal(sentenceAt(breaks, sentences, 19), undefined, 'the gap between sentences');
  assert.equal(sentenceAt(breaks, sentences, 44), undefined);
});

test('parseQaSentences pairs questions with answer sentences and rejects other formats', () => {
  const pairs = parseQaSentences(squad([{ id: 'q1', question: 'Where is Paris?', start: 12 }, { id: 'q2', question: 'What is there?', start: 30 }]), 'f');
  assert.deepEqual(pairs.get('q1'), { question: 'Where is Paris?', passage: 'Paris is in France.' });
  assert.deepEqual(pairs.get('q2'), { question: 'What is there?', passage: 'It has the Eiffel Tower.' });
  assert.throws(() => parseQaSentences({ data: [{ paragraphs: [{ context: 'x', qas: [] }] }] }, 'f'), nonRetryable);
  assert.throws(() => parseQaSentences([], 'f'), nonRetryable);
});

test('groupByQuestion joins languages by question id, in a stable order', () => {
  const en = new Map([['b', { question: 'qb', passage: 'pb' }], ['a', { question: 'qa', passage: 'pa' }]]);
  const de = new Map([['a', { question: 'qa-de', passage: 'pa-de' }]]);
  const groups = groupByQuestion(new Map([['en', en], ['de', de]]));
  assert.deepEqual(groups.map((g) => [g.id, [...g.items.keys()].sort()]), [['a', ['de', 'en']], ['b', ['en']]]);
});

test('loadQaSentenceSource reads the requested languages of a dataset folder', async () => {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'xling-data-'));
  try {
    await fsp.mkdir(path.join(dir, 'mlqa-r'));
    await fsp.writeFile(path.join(dir, 'mlqa-r', 'en.json'), JSON.stringify(squad([{ id: 'q1', question: 'Where?', start: 1 }])));
    await fsp.writeFile(path.join(dir, 'mlqa-r', 'de.json'), JSON.stringify(squad([{ id: 'q1', question: 'Wo?', start: 1 }])));
    await fsp.writeFile(path.join(dir, 'mlqa-r', 'LICENSE'), 'text');
    const source = await loadQaSentenceSource(dir, 'mlqa-r', ['en', 'de', 'fr']);
    assert.equal(source.name, 'mlqa-r');
    assert.deepEqual(source.groups.map((g) => [...g.items.keys()].sort()), [['de', 'en']]);
    await assert.rejects(loadQaSentenceSource(dir, 'no-such-set', ['en']), nonRetryable);
    await assert.rejects(loadQaSentenceSource(dir, 'xnli', ['en']), nonRetryable);
    await fsp.writeFile(path.join(dir, 'mlqa-r', 'en.json'), '{oops');
    await assert.rejects(loadQaSentenceSource(dir, 'mlqa-r', ['en']), nonRetryable);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('the real MLQA-R and XQuAD-R files load into parallel groups', async () => {
  const dataDir = defaultSharedDir('data', repoRoot, fs.existsSync);
  const mlqa = await loadQaSentenceSource(dataDir, 'mlqa-r', ['en', 'de', 'es']);
  // Question ids of de and es are subsets of en's (MLQA-R is built from English questions).
  assert.equal(mlqa.groups.length, 1148);
  assert.ok(mlqa.groups.every((g) => g.items.has('en')));
  const german = mlqa.groups.find((g) => g.id === 'b6fc947411e98316fd0790477c4dc3bd97f4df4c')!.items.get('de')!;
  assert.match(german.passage, /überwiegend antibritisch und prorussisch/);
  const xquad = await loadQaSentenceSource(dataDir, 'xquad-r', ['en', 'zh', 'th']);
  assert.equal(xquad.groups.length, 1190);
  assert.ok(xquad.groups.every((g) => g.items.size === 3), 'XQuAD-R is fully parallel');
});
