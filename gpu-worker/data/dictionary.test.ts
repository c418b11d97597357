import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobError } from '../../schema/jobs.js';
import { bitextGroups, parseIdSentences } from './bitext.js';
import { dictionaryGroups, parseDictionary } from './dictionary.js';

const nonRetryable = (err: unknown) => err instanceof JobError && !err.retryable;

test('a dictionary keeps the first translation of each English word', () => {
  assert.deepEqual([...parseDictionary('the\tdie\nthe\tder\ncat\tKatze\n', 'en-de.txt')], [['the', 'die'], ['cat', 'Katze']]);
  assert.deepEqual([...parseDictionary('the der\n', 'f')], [['the', 'der']], 'whitespace-separated files too');
  assert.throws(() => parseDictionary('lonely\n', 'en-de.txt'), nonRetryable);
});

test('dictionary groups are English words with their translations; query = passage = the word', () => {
  const dictionaries = new Map([
    ['de', new Map([['cat', 'Katze'], ['dog', 'Hund']])],
    ['fr', new Map([['cat', 'chat']])],
  ]);
  const groups = dictionaryGroups('muse', dictionaries, ['en', 'fr', 'de']);
  assert.deepEqual(groups.map((g) => [g.id, Object.fromEntries([...g.items].map(([l, t]) => [l, t.query === t.passage ? t.query : null]))]), [
    ['cat', { de: 'Katze', fr: 'chat', en: 'cat' }],
    ['dog', { de: 'Hund', en: 'dog' }],
  ]);
  assert.deepEqual(dictionaryGroups('muse', dictionaries, ['fr']).map((g) => g.id), ['cat'], 'unrequested languages add no items');
});

test('bitext groups are the gold pairs whose sentences exist', () => {
  const zh = parseIdSentences('zh-1\t你好\nzh-2\t再见\n', 'zh');
  const en = parseIdSentences('en-7\thello\n', 'en');
  const groups = bitextGroups('bucc', 'zh-1\ten-7\nzh-2\ten-8\n', new Map([['zh', zh], ['en', en]]), ['zh', 'en']);
  assert.deepEqual(groups.map((g) => [g.id, [...g.items.keys()]]), [['zh-1/en-7', ['zh', 'en']], ['zh-2/en-8', ['zh']]]);
  assert.throws(() => parseIdSentences('no tab here\n', 'f'), nonRetryable);
});
