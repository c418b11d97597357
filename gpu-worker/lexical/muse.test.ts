import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'node:test';
import { loadMuseDictionaries, parseMuse } from './muse.js';

test('parseMuse reads tab- and space-separated lines and skips blank ones', () => {
  assert.deepEqual([...parseMuse('der\tthe\nhaus house\r\n\n  \nhaus\thome\n')], [
    ['der', 'the'],
    ['haus', 'house'],
    ['haus', 'home'],
  ]);
});

test('a missing folder or file leaves those pairs out instead of failing', async () => {
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'muse-'));
  try {
    await fs.writeFile(path.join(folder, 'de-en.txt'), 'haus\thouse\n');
    const bridge = await loadMuseDictionaries(folder, ['de', 'es'], { frequentWords: 0 });
    assert.ok(bridge.covers('de', 'en'));
    assert.ok(!bridge.covers('en', 'de'));
    assert.ok(!bridge.covers('de', 'es'));
    assert.deepEqual(bridge.translate(['haus'], 'de', 'en'), [{ text: 'house', weight: 1 }]);
    const none = await loadMuseDictionaries(path.join(folder, 'absent'));
    assert.ok(!none.covers('de', 'en'));
    assert.ok(none.covers('de', 'de'));
  } finally {
    await fs.rm(folder, { recursive: true });
  }
});
