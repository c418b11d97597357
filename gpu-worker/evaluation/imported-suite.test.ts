import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchmarkFromParts, retrievalSuite, squadParts, suiteTexts } from './imported-suite.js';

test('a suite\'s parts become a benchmark grouped by language, relevance following the candidates', () => {
  const benchmark = benchmarkFromParts('mine', {
    queries: [{ id: 'q1', language: 'en', text: 'Where?' }, { id: 'q1', language: 'de', text: 'Wo?' }, { id: 'q2', language: 'en', text: 'Who?' }],
    candidates: [{ id: 'e1', language: 'en', text: 'Here.' }, { id: 'd1', language: 'de', text: 'Hier.' }, { id: 'e2', language: 'en', text: 'Him.' }],
    relevant: [[0, 1], [0, 1], [2]],
  });
  assert.deepEqual(benchmark.languages, ['de', 'en']);
  assert.deepEqual(benchmark.candidates.map((c) => c.text), ['Hier.', 'Here.', 'Him.']);
  assert.deepEqual(benchmark.candidateRanges, [{ start: 0, end: 1 }, { start: 1, end: 3 }]);
  assert.deepEqual(benchmark.queries.map((q) => [q.language, q.text, q.relevant, benchmark.units[q.unit]]), [
    ['de', 'Wo?', [0, 1], 'q1'], ['en', 'Where?', [0, 1], 'q1'], ['en', 'Who?', [2], 'q2'],
  ]);
  assert.deepEqual(benchmark.queryRanges, [{ start: 0, end: 1 }, { start: 1, end: 3 }]);
});

test('SQuAD files: every sentence a candidate, an answer sentence relevant in every language that has the question', () => {
  const de = { data: [{ paragraphs: [{ context: 'Paris liegt in Frankreich. Es ist gross.', sentences: ['Paris liegt in Frankreich.', 'Es ist gross.'], sentence_breaks: [[0, 26], [27, 40]], qas: [{ id: 'q', question: 'Wie gross?', answers: [{ answer_start: 34, text: 'gross' }] }] }] }] };
  // No breaks: split on the worker; the answer is found by its text near answer_start.
  const en = { data: [{ paragraphs: [{ context: 'Paris is in France. It is big. Really.', qas: [{ id: 'q', question: 'How big?', answers: [{ answer_start: 25, text: 'big' }] }, { id: 'z', question: 'Nowhere?', answers: [{ answer_start: 0, text: '' }] }] }] }] };
  const parsed = squadParts([{ language: 'de', role: 'squad:de', json: de }, { language: 'en', role: 'squad:en', json: en }]);
  assert.ok('parts' in parsed);
  assert.deepEqual(parsed.parts.candidates.map((c) => c.text), ['Paris liegt in Frankreich.', 'Es ist gross.', 'Paris is in France.', 'It is big.', 'Really.']);
  // z's answer has no text and offset 0 lies in no sentence it could be told from: left out.
  assert.deepEqual(parsed.parts.queries.map((q) => [q.id, q.language]), [['q', 'de'], ['q', 'en']]);
  assert.deepEqual(parsed.parts.relevant, [[1, 3], [1, 3]]);
  assert.equal(parsed.dropped, 1);
  const texts = suiteTexts(retrievalSuite('s', parsed.parts, [], 0));
  assert.deepEqual(texts.filter((t) => t.as === 'passage').map((t) => t.text).sort(), ['Es ist gross.', 'It is big.']);
});

test('a bitext set\'s gold sentences are guarded on both sides, distractors are not', () => {
  const texts = suiteTexts({ kind: 'BITEXT', set: { a: { language: 'de', ids: ['1', '2'], texts: ['Hallo', 'Extra'] }, b: { language: 'en', ids: ['1'], texts: ['Hello'] }, gold: [[0, 0]] } });
  assert.deepEqual(texts, [{ language: 'de', text: 'Hallo', as: 'both' }, { language: 'en', text: 'Hello', as: 'both' }]);
});

test('a titled relevant document is guarded with and without its title; a suite without a placed answer is refused', () => {
  const parts = {
    queries: [{ id: 'q', language: 'en', text: 'Where?' }],
    candidates: [{ id: 'd', language: 'en', text: 'Paris Paris is in France.', body: 'Paris is in France.' }, { id: 'x', language: 'en', text: 'Other.' }],
    relevant: [[0]],
  };
  assert.deepEqual(suiteTexts(retrievalSuite('s', parts, [], 0)).map((t) => [t.as, t.text]), [['query', 'Where?'], ['passage', 'Paris Paris is in France.'], ['passage', 'Paris is in France.']]);
  assert.throws(() => retrievalSuite('empty', { queries: [], candidates: parts.candidates, relevant: [] }, [], 3), /no question's answer lies in a sentence \(3 left out\)/);
});
