import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createJsonlValidator, isIso6391, JSONL_MAX_ERRORS, parseDatasetJsonl, type JsonlError } from './dataset-jsonl.js';

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
  assert.equal(duplicate.message, 'duplicate: line 1 has the same id and language');
});

test('messages do not quote the line: JSON errors keep only the position', () => {
  const [broken, notJson] = errorsOf(['{"id": "secret-id", oops}', 'root:x:0:0:secret'].join('\n'));
  assert.equal(broken!.message, 'not valid JSON (at character 21)');
  assert.match(notJson!.message, /^not valid JSON/);
  for (const e of [broken, notJson]) assert.ok(!e!.message.includes('secret'), e!.message);
});

test('the validator checks line by line without keeping records; duplicates span calls', () => {
  const validator = createJsonlValidator();
  const record = validator.line('\uFEFF' + line({ id: 'a', language: 'en', query: 'q', passage: 'p' }), 1);
  assert.deepEqual(record, { id: 'a', language: 'en', query: 'q', passage: 'p' });
  assert.equal(validator.line('  ', 2), undefined);
  assert.equal(validator.line(line({ id: 'a', language: 'en', query: 'q2', passage: 'p2' }), 3), undefined);
  assert.deepEqual(validator.errors.map((e) => [e.line, e.field]), [[3, 'id']]);
  assert.equal(validator.records, 1);
  for (let i = 0; i < JSONL_MAX_ERRORS; i++) validator.line('{', 4 + i);
  assert.equal(validator.full, true);
  assert.equal(validator.errors.length, JSONL_MAX_ERRORS);
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
