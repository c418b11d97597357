import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findOverlap, MAX_OVERLAP_EXAMPLES, normalizeText } from './overlap.js';
import type { PairText, TrainingGroup } from './types.js';

const group = (dataset: string, id: string, items: Record<string, PairText>, sourceId?: string): TrainingGroup => ({
  id,
  dataset,
  items: new Map(Object.entries(items)),
  ...(sourceId !== undefined ? { sourceId } : {}),
});

test('normalizeText applies NFKC, lowercases and collapses whitespace', () => {
  assert.equal(normalizeText('  Ｗhere\u00a0is\n\tPARIS？ '), 'where is paris?');
  assert.equal(normalizeText('ﬁne'), 'fine');
});

test('findOverlap flags training groups sharing a query, passage or hard negative in the same language', () => {
  const evaluation = [group('xquad-r', 'e1', { en: { query: 'Where is Paris?', passage: 'Paris is in France.' }, de: { query: 'Wo liegt Paris?', passage: 'Paris liegt in Frankreich.' } })];
  const training = [
    group('mine', 't1', { en: { query: 'where  is PARIS?', passage: 'Something else.' } }),
    group('mine', 't2', { de: { query: 'Andere Frage?', passage: 'Paris liegt in Frankreich.' } }),
    group('mine', 't3', { en: { query: 'Q?', passage: 'P.', hardNegative: 'Paris is in France.' } }),
    // The same text in another language, or on the other side (query vs passage), is not a copy.
    group('mine', 't4', { fr: { query: 'Where is Paris?', passage: 'Paris is in France.' } }),
    group('mine', 't5', { en: { query: 'Paris is in France.', passage: 'Where is Paris?' } }),
  ];
  const overlap = findOverlap(training, evaluation);
  assert.equal(overlap.count, 3);
  assert.deepEqual(overlap.ids, ['t1', 't2', 't3']);
  assert.match(overlap.examples[0]!, /^mine group t1: en query "where {2}is PARIS\?" is an evaluation query$/);
  assert.match(overlap.examples[1]!, /de passage/);
  assert.match(overlap.examples[2]!, /en passage "Paris is in France\."/);
});

test('findOverlap flags shared source ids (translations of evaluation items) and caps examples', () => {
  const evaluation = [group('xquad-r', 'abc', { en: { query: 'q', passage: 'p' } }, 'abc')];
  const training = Array.from({ length: 8 }, (_, i) => group('squad-it', `it:abc${i}`, { it: { query: `domanda ${i}`, passage: 'x' } }, i < 7 ? 'abc' : 'other'));
  const overlap = findOverlap(training, evaluation);
  assert.equal(overlap.count, 7);
  assert.equal(overlap.examples.length, MAX_OVERLAP_EXAMPLES);
  assert.match(overlap.examples[0]!, /squad-it group it:abc0: has the source id of xquad-r group abc/);
  assert.deepEqual(findOverlap(training, []), { count: 0, ids: [], examples: [] });
});
