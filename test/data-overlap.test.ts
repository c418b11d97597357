// The leakage guard on the real evaluation sets: a user import that copies an XQuAD-R question is
// caught, SQuAD-it (a translation of the SQuAD questions XQuAD-R is drawn from) is caught by its
// source ids, and the legitimate pairing (train on MLQA-R, evaluate on XQuAD-R) is clean.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSharedDir } from '../schema/config.js';
import { createDataCache, findOverlap, loadTrainingGroups } from '../gpu-worker/data/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dataDir = defaultSharedDir('data', repoRoot, fs.existsSync);
const cache = createDataCache();
const XQUAD = ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh'];

test('an imported copy of an XQuAD-R question is found; MLQA-R alone is clean', async () => {
  const xquad = await loadTrainingGroups(dataDir, 'xquad-r', XQUAD, { cache });
  const mlqa = await loadTrainingGroups(dataDir, 'mlqa-r', ['de', 'en'], { cache });
  assert.deepEqual(findOverlap(mlqa.groups, xquad.groups), { count: 0, ids: [], examples: [] });

  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'xling-overlap-'));
  try {
    const importedPath = path.join(dir, 'planted.jsonl');
    const records = [
      { id: 'mine-1', language: 'en', query: 'Where do koalas live?', passage: 'Koalas live in eastern Australia.' },
      // XQuAD-R's German question, with other spacing and case: still the same question.
      { id: 'mine-2', language: 'de', query: '  wie viele Punkte gab die  Verteidigung der PANTHERS ab? ', passage: 'Eine andere Antwort.' },
      { id: 'mine-3', language: 'en', query: 'A fresh question?', passage: 'A fresh answer.' },
    ];
    await fsp.writeFile(importedPath, records.map((r) => JSON.stringify(r)).join('\n'));
    const planted = await loadTrainingGroups(dataDir, 'planted', ['de', 'en'], { importedPath, cache });
    const overlap = findOverlap([...mlqa.groups, ...planted.groups], xquad.groups);
    assert.equal(overlap.count, 1);
    assert.deepEqual(overlap.ids, ['mine-2']);
    assert.match(overlap.examples[0]!, /^planted group mine-2: de query ".*" is an evaluation query$/);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('SQuAD-it translates 778 of the 1,190 XQuAD-R questions under their SQuAD ids', async () => {
  const xquad = await loadTrainingGroups(dataDir, 'xquad-r', ['en'], { cache });
  const it = await loadTrainingGroups(dataDir, 'squad-it', ['it'], { cache });
  const overlap = findOverlap(it.groups, xquad.groups);
  assert.equal(overlap.count, 778);
  assert.match(overlap.examples[0]!, /^squad-it group it:\w+: has the source id of xquad-r group \w+$/);
});
