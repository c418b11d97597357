import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobError } from '../../schema/jobs.js';
import { groupsByLine, pawsxPairs, sentencePairs, splitLines, xnliPairs } from './lines.js';

const nonRetryable = (err: unknown) => err instanceof JobError && !err.retryable;

test('splitLines drops only the empty line after a final newline', () => {
  assert.deepEqual(splitLines('\uFEFFa\r\nb\n'), ['a', 'b']);
  assert.deepEqual(splitLines('a\n\nb'), ['a', '', 'b']);
});

test('XNLI: entailment rows become premise -> hypothesis with the contradiction as hard negative', () => {
  const text = ['P1\tH-neutral\tneutral', 'P1\tH-no\tcontradiction', 'P1\tH-yes\tentailment', 'P2\tH2\tentailment'].join('\n');
  assert.deepEqual(xnliPairs(text, 'dev-en.tsv'), [
    undefined,
    undefined,
    { query: 'P1', passage: 'H-yes', hardNegative: 'H-no' },
    { query: 'P2', passage: 'H2' },
  ]);
  assert.throws(() => xnliPairs('P\tH', 'test-en.tsv'), (err: unknown) => nonRetryable(err) && /test-en\.tsv:1/.test((err as Error).message));
});

test('PAWS-X: paraphrase rows (label 1) only; NTREX: the line is query and passage', () => {
  assert.deepEqual(pawsxPairs('a\tb\t1\nc\td\t0\n', 'f'), [{ query: 'a', passage: 'b' }, undefined]);
  assert.throws(() => pawsxPairs('a\tb\n', 'f'), nonRetryable);
  assert.deepEqual(sentencePairs('one\n\nthree\n'), [{ query: 'one', passage: 'one' }, undefined, { query: 'three', passage: 'three' }]);
});

test('groupsByLine makes one group per line, leaving out languages without a pair there', () => {
  const groups = groupsByLine(
    'd',
    'dev',
    new Map([
      ['en', [{ query: 'a', passage: 'a' }, undefined, { query: 'c', passage: 'c' }]],
      ['de', [{ query: 'A', passage: 'A' }, undefined, undefined]],
    ]),
  );
  assert.deepEqual(groups.map((g) => [g.id, g.dataset, [...g.items.keys()]]), [
    ['dev:1', 'd', ['en', 'de']],
    ['dev:3', 'd', ['en']],
  ]);
  assert.throws(() => groupsByLine('d', 'dev', new Map([['en', [undefined]], ['de', []]])), (err: unknown) => nonRetryable(err) && /en 1, de 0/.test((err as Error).message));
});
