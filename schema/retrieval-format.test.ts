import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRetrievalJsonl, readSquad } from './retrieval-format.js';

const jsonl = (rows: readonly object[]) => rows.map((r) => JSON.stringify(r)).join('\n');
const queries = jsonl([
  { _id: 'q1', language: 'de', text: 'Wo liegt Paris?' },
  { _id: 'q1', language: 'en', text: 'Where is Paris?' },
  { _id: 'q2', language: 'en', text: 'Unjudged question' },
]);
const corpus = jsonl([
  { _id: 'd1', language: 'en', text: 'Paris is in France.', title: 'Paris' },
  { _id: 'd2', language: 'de', text: 'Paris liegt in Frankreich.' },
  { _id: 3, language: 'de', text: 'Lyon liegt in Frankreich.', metadata: { source: 'x' } },
]);

test('BEIR layout: translations share an id and its judgments, titles lead the text, unjudged queries and score 0 are left out', () => {
  const parsed = parseRetrievalJsonl(queries, corpus, 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq1\t3\t0\n');
  assert.ok('parts' in parsed, JSON.stringify(parsed));
  const { parts } = parsed;
  assert.deepEqual(parts.queries, [{ id: 'q1', language: 'de', text: 'Wo liegt Paris?' }, { id: 'q1', language: 'en', text: 'Where is Paris?' }]);
  assert.deepEqual(parts.relevant, [[0, 1], [0, 1]]);
  assert.deepEqual(parts.candidates.map((c) => [c.id, c.text]), [['d1', 'Paris Paris is in France.'], ['d2', 'Paris liegt in Frankreich.'], ['3', 'Lyon liegt in Frankreich.']]);
});

test('BEIR layout: every problem names its file and line, never the line\'s text', () => {
  const errors = (q: string, c: string, r: string) => {
    const parsed = parseRetrievalJsonl(q, c, r);
    assert.ok('errors' in parsed);
    return parsed.errors.map((e) => `${e.file}:${e.line}: ${e.message}`);
  };
  assert.deepEqual(errors(queries, corpus, 'q1\tmissing\t1\nq9\td1\t1\nq1\td1\tmany\nq1 d1 1'), [
    'qrels:1: its corpus-id is not in corpus.jsonl',
    'qrels:2: its query-id is not in queries.jsonl',
    'qrels:3: score must be a number',
    'qrels:4: expected "<query-id>\\t<corpus-id>\\t<score>"',
  ]);
  assert.deepEqual(errors(`${queries}\n{"_id":"q1","language":"de","text":"again"}\n{"_id":"q5","language":"deu","text":"x"}\nnot json`, `${corpus}\n{"_id":"d1","language":"en","text":"x","extra":1}`, 'q1\td1\t1'), [
    'queries:5: field language must be a lowercase ISO 639-1 code such as "en" or "zh"',
    'queries:6: is not valid JSON',
    'corpus:4: has a field other than _id, language, text, title, metadata',
    'queries:4: repeats the _id and language of line 1',
  ]);
  assert.deepEqual(errors(queries, corpus, 'q1\td1\t0'), ['qrels:0: marks no query-document pair relevant (score > 0)']);
});

test('SQuAD files: sentence breaks are optional, answers must lie inside the context and a break', () => {
  const paragraph = { context: 'Paris liegt in Frankreich. Es ist gross.', qas: [{ id: 'a', question: 'Wo?', answers: [{ answer_start: 15, text: 'Frankreich' }] }] };
  const plain = readSquad('squad:de', { data: [{ paragraphs: [paragraph] }] });
  assert.ok('paragraphs' in plain);
  assert.deepEqual(plain.paragraphs[0]!.questions, [{ id: 'a', question: 'Wo?', answerStart: 15, answerText: 'Frankreich' }]);
  assert.equal(plain.paragraphs[0]!.sentences, undefined);
  const broken = readSquad('squad:de', { data: [{ paragraphs: [{ ...paragraph, sentences: ['Paris liegt in Frankreich.'], sentence_breaks: [[0, 10]] }] }] });
  assert.ok('errors' in broken);
  assert.deepEqual(broken.errors.map((e) => e.message), ['data[0].paragraphs[0].qas[0]: the answer lies outside every sentence break']);
  const bad = readSquad('squad:de', { data: [{ paragraphs: [{ context: 'x', qas: [{ id: 'a', question: 'q', answers: [{ answer_start: 5 }] }, { id: 'a', question: 'q', answers: [] }] }] }] });
  assert.ok('errors' in bad);
  assert.deepEqual(bad.errors.map((e) => e.message), ['data[0].paragraphs[0].qas[0] has no answers[0].answer_start inside its context', 'data[0].paragraphs[0].qas[1]: its id is the id of data[0].paragraphs[0].qas[0]']);
  assert.deepEqual(readSquad('x', { version: 1 }), { errors: [{ file: 'x', line: 0, message: 'has no "data" array (not a SQuAD file)' }] });
});
