import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { PlatformSettings } from '../schema/config.js';
import { fileState, holdsSample, readSampleRecord } from '../schema/data-files.js';
import { manifestOf } from '../schema/data-sources.js';
import { DEMO_DIR, seedFromDemo } from './demo.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'xling-demo-'));
after(() => rmSync(root, { recursive: true, force: true }));

const settings = (name: string, missingDefaults?: PlatformSettings['missingDefaults']) =>
  ({ dataDir: path.join(root, name, 'data'), modelsDir: path.join(root, name, 'models'), ...(missingDefaults ? { missingDefaults } : {}) }) as PlatformSettings;

test('missing default folders are filled from the bundle; the data folder records its sample files, which read as SAMPLE, not corrupted', async () => {
  const s = settings('fresh', { data: true, models: true });
  const lines: string[] = [];
  assert.deepEqual(await seedFromDemo(s, (l) => lines.push(l)), ['data', 'models']);
  assert.match(lines.join('\n'), /demo sample .* sample-sized/);
  assert.deepEqual(readdirSync(s.dataDir).sort(), ['SAMPLE.json', 'ntrex128', 'xquad-r']);
  assert.ok(existsSync(path.join(s.modelsDir, 'xlmr-tokenizer', 'tokenizer.json.gz')));
  const sample = await readSampleRecord(s.dataDir);
  assert.equal(sample.size, 24);
  const de = manifestOf('xquad-r')!.files.find((f) => f.file === 'xquad-r/de.json')!;
  assert.equal(await fileState(s.dataDir, de, undefined, sample), 'sample');
  assert.equal(await fileState(s.dataDir, de), 'corrupted', 'without the record, a sample file is not the dataset');
  assert.equal(await holdsSample(s.dataDir, 'xquad-r'), true);
  assert.equal(await holdsSample(s.dataDir, 'mlqa-r'), false);
  writeFileSync(path.join(s.dataDir, 'xquad-r', 'de.json'), '{"data": []}');
  assert.equal(await fileState(s.dataDir, de, undefined, sample), 'corrupted', 'changed after seeding: neither');
  // A pull replaces the cut files; the license, copied unchanged, stays and is the full dataset's own.
  const cut = [...sample.keys()].filter((f) => f.startsWith('xquad-r/') && f.endsWith('.json') && f !== 'xquad-r/de.json');
  for (const f of cut) rmSync(path.join(s.dataDir, f));
  assert.ok(existsSync(path.join(s.dataDir, 'xquad-r', 'LICENSE')));
  assert.equal(await holdsSample(s.dataDir, 'xquad-r'), false, 'no file of the folder is a cut of the sample any more');

  writeFileSync(path.join(s.dataDir, 'SAMPLE.json'), '{ damaged');
  assert.deepEqual(await readSampleRecord(s.dataDir), new Map(), 'a damaged record is read as none');
});

test('folders that exist or were named are left alone; a damaged bundle fills nothing', async () => {
  assert.deepEqual(await seedFromDemo(settings('configured'), () => {}), []);
  assert.deepEqual(await seedFromDemo(settings('models-only', { data: false, models: true }), () => {}), ['models']);
  assert.ok(!existsSync(path.join(root, 'models-only', 'data')));

  const damaged = path.join(root, 'damaged-bundle');
  cpSync(DEMO_DIR, damaged, { recursive: true });
  writeFileSync(path.join(damaged, 'data', 'xquad-r', 'en.json'), '{}');
  const s = settings('from-damaged', { data: true, models: false });
  await assert.rejects(seedFromDemo(s, () => {}, damaged), /en\.json is not the file the bundle records/);
  const left = existsSync(path.join(root, 'from-damaged')) ? readdirSync(path.join(root, 'from-damaged')) : [];
  assert.deepEqual(left.filter((n) => n.startsWith('data')), [], 'no data folder and no draft left');
});
