// bench/cpu-recipe.ts end to end on the real data, scaled down to a few steps and without the
// XQuAD-R evaluation: the recipe's data load (MLQA-R with NTREX-128 over the 11 XQuAD-R
// languages), the leakage guard, training and the held-out validation retrieval.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECIPES } from '../schema/recipes.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the CPU recipe trains a tiny version and reports its validation scores', () => {
  const script = path.join(repoRoot, 'dist', 'bench', 'cpu-recipe.js');
  const args = [script, '--steps', '3', '--no-xquad', '--backend', 'cpu', '--override', '{"model":{"dimension":16},"hyperParameters":{"batchSize":16}}', '--label', 'tiny'];
  const run = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 240_000 });
  assert.equal(run.status, 0, run.stderr);
  const row = run.stdout.split('\n').find((line) => line.startsWith('| tiny (XQuAD-R) |'));
  assert.ok(row, run.stdout);
  const cells = row.split('|').map((c) => c.trim());
  // NTREX-128 held-out and PAWS-X scores are mAPs over that many sentences.
  assert.match(cells[4]!, /^0\.\d{4} \(\d+\)$/);
  assert.match(cells[5]!, /^0\.\d{4} \(500\)$/);
  assert.match(run.stdout, /data mlqa-r \d+, ntrex128 \d+/);
});

test('CPU_DEFAULT is a complete run over the XQuAD-R languages that trains without XQuAD-R', () => {
  const recipe = RECIPES.CPU_DEFAULT;
  assert.deepEqual([...recipe.languages].sort(), ['ar', 'de', 'el', 'en', 'es', 'hi', 'ru', 'th', 'tr', 'vi', 'zh']);
  assert.ok(!recipe.trainDatasets.includes('xquad-r'));
  assert.equal(recipe.strategy, 'HYBRID');
});
