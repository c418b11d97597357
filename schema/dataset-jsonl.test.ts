import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIso6391, JSONL_MAX_ERRORS, parseDatasetJsonl, type JsonlError } from './dataset-jsonl.js';

const line = (record: Record<string, unknown>) => JSON.stringify(record);
const errorsOf = (text: string): JsonlError[] => {
  const result = parseDatasetJsonl(text);
  assert.ok('errors' in result, 'expected errors');
  return result.errors;
};

test('valid records parse, with blank lines, CRLF, a BOM and a null hard negative', () => {
  const text =
    '\uFEFF' +
    [
      line({ id: 'q1', language: 'en', query: 'Where is Paris?', passage: 'Paris is in France.', hard_negative: 'Lyon is in France.' }),
      '',
      line({ id: 'q1', language: 'de', query: 'Wo liegt Paris?', passage: 'Paris liegt in Frankreich.', hard_negative: null }),
    ].join('\r\n') +
    '\n';
  const result = parseDatasetJsonl(text);
  assert.ok('records' in result);
  assert.deepEqual(result.records, [
    { id: 'q1', language: 'en', query: 'Where is Paris?', passage: 'Paris is in France.', hardNegative: 'Lyon is in France.' },
    { id: 'q1', language: 'de', query: 'Wo liegt Paris?', passage: 'Paris liegt in Frankreich.' },
  ]);
});

test('errors name the line and the field', () => {
  const text = [
    line({ id: 'a', language: 'en', query: 'q', passage: 'p' }),
    '{not json',
    line({ id: '', language: 'EN', query: 'q', passage: ' ' }),
    line({ id: 'b', language: 'xx', query: 3, passage: 'p', hardNegative: 'n' }),
    '',
    line({ id: 'a', language: 'en', query: 'q2', passage: 'p2' }),
    '[1, 2]',
    line({ id: 'c', language: 'fr', query: 'q', passage: 'p', hard_negative: '' }),
  ].join('\n');
  const errors = errorsOf(text).map(({ line, field, value }) => [line, field, value]);
  assert.deepEqual(errors, [
    [2, 'record', '{not json'],
    [3, 'id', ''],
    [3, 'language', 'EN'],
    [3, 'passage', ' '],
    [4, 'hardNegative', 'n'],
    [4, 'language', 'xx'],
    [4, 'query', 3],
    [6, 'id', 'a'],
    [7, 'record', [1, 2]],
    [8, 'hard_negative', ''],
  ]);
  const duplicate = errorsOf(text).find((e) => e.line === 6)!;
  assert.match(duplicate.message, /line 1 .*"a".*"en"/);
});

test('the same id in two languages is not a duplicate; an empty file is an error', () => {
  const ok = parseDatasetJsonl([line({ id: 'a', language: 'en', query: 'q', passage: 'p' }), line({ id: 'a', language: 'zh', query: 'q', passage: 'p' })].join('\n'));
  assert.ok('records' in ok && ok.records.length === 2);
  assert.deepEqual(errorsOf('\n \n').map((e) => [e.line, e.field]), [[0, 'record']]);
});

test('error reports are bounded and long values are cut', () => {
  const bad = Array.from({ length: JSONL_MAX_ERRORS * 3 }, () => '{').join('\n');
  assert.equal(errorsOf(bad).length, JSONL_MAX_ERRORS);
  const long = 'x'.repeat(1000);
  const [error] = errorsOf(line({ id: 'a', language: long, query: 'q', passage: 'p' }));
  assert.ok(typeof error!.value === 'string' && error!.value.length <= 80);
  assert.equal(errorsOf(line({ id: 'i'.repeat(201), language: 'en', query: 'q', passage: 'p' }))[0]!.field, 'id');
});

test('ISO 639-1 codes are two lowercase letters from the standard list', () => {
  for (const code of ['en', 'zh', 'ar', 'th', 'sw', 'he']) assert.ok(isIso6391(code), code);
  for (const code of ['EN', 'eng', 'xx', 'zh-CN', '']) assert.ok(!isIso6391(code), code);
});
