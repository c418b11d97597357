import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphQLError } from 'graphql';
import type { ImportedDataset } from '../../prisma/generated/client.js';
import { examplesJson, invalidLines, LISTED_LINE_ERRORS, readProblem, summarize, toDatasetInfo } from './imported.js';

test('summarize counts records per language and distinct ids as groups', () => {
  const summary = summarize([
    { id: 'a', language: 'en' },
    { id: 'a', language: 'fr' },
    { id: 'b', language: 'en' },
    { id: 'c', language: 'de' },
  ]);
  assert.deepEqual(summary, {
    languages: ['de', 'en', 'fr'],
    groups: 3,
    records: 4,
    examples: [{ language: 'de', count: 1 }, { language: 'en', count: 2 }, { language: 'fr', count: 1 }],
  });
});

test('invalidLines names the field, the first lines and how many more there are', () => {
  const errors = Array.from({ length: LISTED_LINE_ERRORS + 2 }, (_, i) => ({ line: i + 2, field: 'query', value: '', message: 'is empty' }));
  const error = invalidLines('input.path', 'data.jsonl', errors);
  assert.ok(error instanceof GraphQLError);
  assert.equal(error.extensions.code, 'BAD_USER_INPUT');
  assert.equal(error.extensions.field, 'input.path');
  assert.equal(error.extensions.value, 'data.jsonl');
  assert.equal(error.extensions.invalidLineCount, LISTED_LINE_ERRORS + 2);
  assert.equal((error.extensions.lines as unknown[]).length, LISTED_LINE_ERRORS);
  assert.match(error.message, /^input\.path: "data\.jsonl" has 7 invalid lines; line 2, field query: is empty; line 3/);
  assert.match(error.message, /and 2 more$/);
  const one = invalidLines('input.path', 'x', [{ line: 4, field: 'language', value: 'x'.repeat(500), message: 'is not a code' }]);
  assert.match(one.message, /has 1 invalid line; line 4, field language: is not a code$/);
  const [listed] = one.extensions.lines as Array<{ value: string }>;
  assert.ok(listed!.value.length <= 120, 'long values are clipped');
});

test('a recorded import lists as a trainable JSONL dataset with its examples', () => {
  const row: ImportedDataset = {
    id: 'i', name: 'mine', description: null, path: '/srv/mine.jsonl', sha256: 'ab', bytes: 1234n,
    languages: ['en', 'fr'], groups: 2, records: 3, examples: examplesJson([{ language: 'fr', count: 1 }, { language: 'en', count: 2 }]),
    createdAt: new Date(0),
  };
  const info = toDatasetInfo(row, false);
  assert.equal(info.kind, 'JSONL');
  assert.equal(info.trainable, true);
  assert.equal(info.available, false);
  assert.equal(info.evaluation, false);
  assert.equal(info.bytes, 1234);
  assert.deepEqual(info.imported?.examples, [{ language: 'en', count: 2 }, { language: 'fr', count: 1 }]);
});

test('read failures say whether the file is missing or not readable', () => {
  const errno = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(readProblem(errno('ENOENT'), ' (at /x)'), 'does not exist (at /x)');
  assert.equal(readProblem(errno('EACCES'), ''), 'is not readable by the gateway (permission denied)');
  assert.equal(readProblem(errno('EPERM'), ''), 'is not readable by the gateway (permission denied)');
  assert.equal(readProblem(errno('EIO'), ''), 'cannot be read: EIO');
});
