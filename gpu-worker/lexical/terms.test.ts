import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusTerms, documentTerms, queryTerms, termId } from './terms.js';

test('term ids are uint32, stable, and differ by language', () => {
  const id = termId('en', 'census');
  assert.ok(Number.isInteger(id) && id >= 0 && id <= 0xffffffff);
  assert.equal(termId('en', 'census'), id);
  assert.notEqual(termId('de', 'census'), id);
});

test('document weights are BM25 saturated term frequencies with length normalisation', () => {
  const { indices, values } = documentTerms('en', ['a', 'b', 'a'], 3, { k1: 1.2, b: 0.75 });
  const weight = (tf: number, length: number, average: number) => (tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * length) / average));
  assert.deepEqual(indices, [termId('en', 'a'), termId('en', 'b')]);
  assert.ok(Math.abs(values[0]! - weight(2, 3, 3)) < 1e-12 && Math.abs(values[1]! - weight(1, 3, 3)) < 1e-12);
  // Longer than average: lower weights; b = 0: length does not matter.
  assert.ok(documentTerms('en', ['a', 'b', 'a'], 1.5).values[0]! < values[0]!);
  assert.equal(documentTerms('en', ['a'], 10, { k1: 1.2, b: 0 }).values[0], documentTerms('en', ['a'], 1, { k1: 1.2, b: 0 }).values[0]);
});

test('query weights of a repeated term add up', () => {
  assert.deepEqual(queryTerms('de', [{ term: 'x', weight: 1 }, { term: 'y', weight: 0.5 }, { term: 'x', weight: 0.2 }]), {
    indices: [termId('de', 'x'), termId('de', 'y')],
    values: [1.2, 0.5],
  });
});

test('corpus terms use each language its own average length', () => {
  const analyzer = () => ({ terms: (text: string) => text.split(' ') });
  const docs = [{ language: 'en', text: 'a b' }, { language: 'en', text: 'a b c d' }, { language: 'zh', text: 'x' }];
  const [short, , chinese] = corpusTerms(docs, analyzer);
  assert.deepEqual(short, documentTerms('en', ['a', 'b'], 3));
  assert.deepEqual(chinese, documentTerms('zh', ['x'], 1));
});
