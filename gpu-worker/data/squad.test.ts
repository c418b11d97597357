import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobError } from '../../schema/jobs.js';
import { parseQaPlain, parseQaSentences, sentenceAt } from './squad.js';
import { joinByGroupId } from './types.js';

const nonRetryable = (err: unknown) => err instanceof JobError && !err.retryable;
const SENTENCES = ['Paris is in France.', 'It has the Eiffel Tower.'];

function squad(qas: { id: string; question: string; start: number; text?: string }[], breaks = true) {
  const paragraph = {
    context: SENTENCES.join(' '),
    ...(breaks ? { sentence_breaks: [[0, 19], [20, 44]], sentences: SENTENCES } : {}),
    qas: qas.map((q) => ({ id: q.id, question: q.question, answers: [{ text: q.text ?? 'x', answer_start: q.start }] })),
  };
  return { version: 1, data: [{ title: 't', paragraphs: [paragraph] }] };
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
  assert.deepEqual(pairs.get('q1'), { query: 'Where is Paris?', passage: 'Paris is in France.' });
  assert.deepEqual(pairs.get('q2'), { query: 'What is there?', passage: 'It has the Eiffel Tower.' });
  assert.throws(() => parseQaSentences(squad([], false), 'f'), nonRetryable);
  assert.throws(() => parseQaSentences([], 'f'), nonRetryable);
});

test('parseQaPlain splits the context itself and skips questions without answer text', () => {
  const pairs = parseQaPlain(
    squad(
      [
        { id: 'q1', question: 'Where is Paris?', start: 12, text: 'France' },
        { id: 'q2', question: 'What is there?', start: 25, text: 'Eiffel Tower' },
        { id: 'q3', question: 'No answer?', start: 0, text: '' },
      ],
      false,
    ),
    'f',
  );
  assert.deepEqual(pairs, [
    ['q1', { query: 'Where is Paris?', passage: 'Paris is in France.' }],
    // answer_start 25 is off by six; the answer text is found at 31.
    ['q2', { query: 'What is there?', passage: 'It has the Eiffel Tower.' }],
  ]);
  assert.throws(() => parseQaPlain({ data: [{ paragraphs: [{ qas: [] }] }] }, 'f'), nonRetryable);
});

test('joinByGroupId joins languages by id, in a stable order, with optional source ids', () => {
  const en = new Map([['b', { query: 'qb', passage: 'pb' }], ['a', { query: 'qa', passage: 'pa' }]]);
  const de = new Map([['a', { query: 'qa-de', passage: 'pa-de' }]]);
  const groups = joinByGroupId('set', new Map([['en', en], ['de', de]]), (id) => `src-${id}`);
  assert.deepEqual(groups.map((g) => [g.id, g.dataset, g.sourceId, [...g.items.keys()].sort()]), [
    ['a', 'set', 'src-a', ['de', 'en']],
    ['b', 'set', 'src-b', ['en']],
  ]);
  assert.equal(joinByGroupId('set', new Map([['en', en]]))[0]!.sourceId, undefined);
});
