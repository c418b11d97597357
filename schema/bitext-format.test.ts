import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseIdPaired, parseLineParallel } from './bitext-format.js';

test('id-paired: sentences by id, gold pairs as indexes, unpaired sentences kept as distractors', () => {
  const parsed = parseIdPaired(['zh', 'en'], 'zh-1\t你好\nzh-2\t世界\n', 'en-1\tHello\nen-2\tWorld\nen-3\tUnrelated\n', 'zh-2\ten-2\n\nzh-1\ten-1\n');
  assert.ok('set' in parsed, JSON.stringify(parsed));
  assert.deepEqual(parsed.set.a, { language: 'zh', ids: ['zh-1', 'zh-2'], texts: ['你好', '世界'] });
  assert.deepEqual(parsed.set.b.texts, ['Hello', 'World', 'Unrelated']);
  assert.deepEqual(parsed.set.gold, [[1, 1], [0, 0]]);
});

test('id-paired errors name the file and line', () => {
  const parsed = parseIdPaired(['zh', 'en'], 'zh-1\t你好\nno tab here\nzh-1\tagain\n', 'en-1\tHello\n', 'zh-1\ten-9\nzh-7\ten-1\nzh-1\ten-1\nzh-1\ten-1\nzh-1\n');
  assert.ok('errors' in parsed);
  assert.deepEqual(parsed.errors.map((e) => [e.file, e.line, e.message]), [
    ['a', 2, 'expected "<id>\\t<sentence>"'],
    ['a', 3, 'repeats the id of line 1'],
    ['gold', 1, 'its second id is not in the en file'],
    ['gold', 2, 'its first id is not in the zh file'],
    ['gold', 4, 'repeats an earlier pair'],
    ['gold', 5, 'expected "<id of a>\\t<id of b>"'],
  ]);
  assert.deepEqual(parseIdPaired(['zh', 'en'], 'zh-1\tx\n', 'en-1\ty\n', '\n'), { errors: [{ file: 'gold', line: 0, message: 'names no pair' }] });
});

test('line-parallel: line i pairs with line i; blank lines and unequal lengths are refused', () => {
  const parsed = parseLineParallel(['de', 'en'], 'Hallo\nWelt\n', 'Hello\nWorld');
  assert.ok('set' in parsed);
  assert.deepEqual(parsed.set.gold, [[0, 0], [1, 1]]);
  assert.deepEqual(parsed.set.b.texts, ['Hello', 'World']);
  const bad = parseLineParallel(['de', 'en'], 'Hallo\n\nWelt\n', 'Hello\nWorld\n');
  assert.ok('errors' in bad);
  assert.deepEqual(bad.errors.map((e) => [e.file, e.line]), [['a', 2], ['b', 3]]);
  assert.match(bad.errors[1]!.message, /2 lines where the de file has 3/);
});

test('the BUCC 2018 zh-en dev set of the data folder parses: 257 gold pairs among 8,624 and 13,589 sentences', () => {
  const folder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data', 'bucc2018');
  const read = (name: string) => readFileSync(path.join(folder, name), 'utf8');
  const parsed = parseIdPaired(['zh', 'en'], read('zh-en.dev.zh'), read('zh-en.dev.en'), read('zh-en.dev.gold'));
  assert.ok('set' in parsed, JSON.stringify('errors' in parsed && parsed.errors.slice(0, 3)));
  assert.deepEqual([parsed.set.a.texts.length, parsed.set.b.texts.length, parsed.set.gold.length], [8624, 13589, 257]);
});
