import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DATASET_KINDS, DATASETS, importedNameProblem, isTrainableKind } from './datasets.js';

test('every kind but the evaluation kinds BITEXT and RETRIEVAL is trainable', () => {
  assert.deepEqual(DATASET_KINDS.filter((k) => !isTrainableKind(k)), ['BITEXT', 'RETRIEVAL']);
  assert.equal(DATASETS.find((d) => d.name === 'bucc2018')?.kind, 'BITEXT');
});

test('imported names: lower-case letters, digits and dashes, never a catalog name', () => {
  assert.equal(importedNameProblem('my-set-2'), null);
  assert.match(importedNameProblem('My_Set') ?? '', /a-z, 0-9/);
  assert.match(importedNameProblem('') ?? '', /a-z, 0-9/);
  assert.match(importedNameProblem('x'.repeat(65)) ?? '', /1\.\.64/);
  assert.match(importedNameProblem('mlqa-r') ?? '', /catalog/);
});
