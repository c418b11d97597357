import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphQLError } from 'graphql';
import type { ImportedDataset } from '../../prisma/generated/client.js';
import { createSummary, examplesJson, invalidLines, LISTED_LINE_ERRORS, readProblem, summarize, toDatasetInfo } from './imported.js';

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
  const streamed = createSummary();
  streamed.add({ id: 'a', language: 'en' });
  streamed.add({ id: 'a', language: 'fr' });
  assert.deepEqual(streamed.result(), summarize([{ id: 'a', language: 'en' }, { id: 'a', language: 'fr' }]));
});

test('invalidLines names the field, the first lines and how many more there are', () => {
  const errors = Array.from({ length: LISTED_LINE_ERRORS + 2 }, (_, i) => ({ line: i + 2, field: 'query', message: 'is empty' }));
  const error = invalidLines('input.path', 'data.jsonl', errors);
  assert.ok(error instanceof GraphQLError);
  assert.equal(error.extensions.code, 'BAD_USER_INPUT');
  assert.equal(error.extensions.field, 'input.path');
  assert.equal(error.extensions.value, 'data.jsonl');
  assert.equal(error.extensions.invalidLineCount, LISTED_LINE_ERRORS + 2);
  assert.equal((error.extensions.lines as unknown[]).length, LISTED_LINE_ERRORS);
  assert.match(error.message, /^input\.path: "data\.jsonl" has 7 invalid lines; line 2, field query: is empty; line 3/);
  assert.match(error.message, /and 2 more$/);
  // Validator errors carry the offending value; it is never shown.
  const validatorError = { line: 4, field: 'language', value: 'secret-value', message: 'is not a code' };
  const one = invalidLines('input.path', 'x', [validatorError]);
  assert.match(one.message, /has 1 invalid line; line 4, field language: is not a code$/);
  assert.deepEqual(one.extensions.lines, [{ line: 4, field: 'language', message: 'is not a code' }]);
  assert.ok(!JSON.stringify(one).includes('secret-value'));
  const long = invalidLines('input.path', 'x', [{ line: 1, field: 'f'.repeat(500), message: 'unknown field' }]);
  assert.ok((long.extensions.lines as Array<{ field: string }>)[0]!.field.length <= 40, 'field names from the file are clipped');
});

test('a recorded import lists as a trainable JSONL dataset with its examples', () => {
  const row: ImportedDataset = {
    id: 'i', name: 'mine', description: null, path: '/srv/mine.jsonl', sha256: 'ab', bytes: 1234n,
    languages: ['en', 'fr'], groups: 2, records: 3, examples: examplesJson([{ language: 'fr', count: 1 }, { language: 'en', count: 2 }]),
    kind: 'JSONL', format: 'JSONL', files: [], createdAt: new Date(0),
  };
  const info = toDatasetInfo(row, false, ['/data', undefined, '/srv']);
  assert.equal(info.imported?.path, 'mine.jsonl', 'relative to the root holding it');
  assert.equal(toDatasetInfo({ ...row, path: '/elsewhere/deep/x.jsonl' }, true, ['/srv']).imported?.path, 'x.jsonl', 'outside every root: the file name only');
  assert.equal(info.kind, 'JSONL');
  assert.equal(info.trainable, true);
  assert.equal(info.available, false);
  assert.equal(info.evaluation, false);
  assert.equal(info.bytes, 1234);
  assert.deepEqual(info.imported?.examples, [{ language: 'en', count: 2 }, { language: 'fr', count: 1 }]);
});

test('an imported retrieval suite lists as an evaluation dataset with every file relative to its root', () => {
  const file = (role: string, name: string, language?: string) => ({ role, ...(language ? { language } : {}), path: `/srv/suite/${name}`, sha256: 'cd', bytes: 10 });
  const row: ImportedDataset = {
    id: 'j', name: 'faq', description: null, path: '/srv/suite/queries.jsonl', sha256: 'cd', bytes: 30n,
    languages: ['de', 'en'], groups: 4, records: 8, examples: examplesJson([{ language: 'de', count: 4 }, { language: 'en', count: 4 }]),
    kind: 'RETRIEVAL', format: 'BEIR', files: [file('queries', 'queries.jsonl'), file('corpus', 'corpus.jsonl'), file('qrels', 'qrels.tsv')], createdAt: new Date(0),
  };
  const info = toDatasetInfo(row, true, ['/srv']);
  assert.equal(info.kind, 'RETRIEVAL');
  assert.equal(info.trainable, false, 'never trained on');
  assert.equal(info.evaluation, true);
  assert.equal(info.imported?.format, 'BEIR');
  assert.deepEqual(info.imported?.files.map((f) => [f.role, f.path]), [['queries', 'suite/queries.jsonl'], ['corpus', 'suite/corpus.jsonl'], ['qrels', 'suite/qrels.tsv']]);
  const bitext = toDatasetInfo({ ...row, kind: 'BITEXT', format: 'LINE_PARALLEL', files: [file('a', 'de.txt', 'de'), file('b', 'en.txt', 'en')] }, true, ['/srv']);
  assert.equal(bitext.kind, 'BITEXT');
  assert.deepEqual(bitext.imported?.files.map((f) => f.language), ['de', 'en']);
});

test('read failures inside a root say whether the file is missing or not readable, without the path', () => {
  const errno = (code: string) => Object.assign(new Error(`${code}: open '/srv/data/x'`), { code });
  assert.equal(readProblem(errno('ENOENT')), 'does not exist');
  assert.equal(readProblem(errno('EACCES')), 'is not readable by the gateway (permission denied)');
  assert.equal(readProblem(errno('EPERM')), 'is not readable by the gateway (permission denied)');
  assert.equal(readProblem(errno('EIO')), 'cannot be read: EIO');
  assert.equal(readProblem(new Error('/srv/data/x')), 'cannot be read: I/O error');
});
